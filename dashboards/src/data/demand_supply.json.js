// Demand vs supply by ATS × service × week.
import {emit, query} from "./warehouse.js";

const rows = await query(`
  select d.week_start::varchar as week_start, d.ats_id, a.ats_name, d.service_id, s.service_name, d.prescribed, d.booked, d.capacity,
         d.places_booked, d.saturation, d.unmet
  from mart_demand_vs_supply d join dim_ats a on a.ats_id = d.ats_id join dim_services s on s.service_id = d.service_id
  order by week_start`);
await emit({rows});
