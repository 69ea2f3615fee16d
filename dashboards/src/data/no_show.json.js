// No-shows by lead-time band, month, ATS and service.
import {emit, query} from "./warehouse.js";

const rows = await query(`
  select n.month_start::varchar as month_start, n.ats_id, a.ats_name, n.service_id, s.service_name, n.lead_band, n.min_lead_days,
         sum(n.visits_due) as visits_due, sum(n.no_shows) as no_shows, sum(n.penalties) as penalties, sum(n.late_cancellations) as late_cancellations
  from mart_no_show n join dim_ats a on a.ats_id = n.ats_id join dim_services s on s.service_id = n.service_id
  group by all order by month_start`);
await emit({rows});
