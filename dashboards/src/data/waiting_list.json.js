// Waiting-list flows by ATS × service × week.
import {emit, query} from "./warehouse.js";

const rows = await query(`
  select w.week_start::varchar as week_start, w.ats_id, a.ats_name, w.service_id, s.service_name, w.additions, w.removals, w.list_size,
         w.clearance_weeks, w.first_access_capacity, w.demand_supply_load
  from mart_waiting_list w join dim_ats a on a.ats_id = w.ats_id join dim_services s on s.service_id = w.service_id
  order by week_start`);
await emit({rows});
