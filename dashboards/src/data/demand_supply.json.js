// Demand vs supply by ATS × service × week.
import {emit, query} from "./warehouse.js";

// Rows carry ids and the figures the page uses; the names come once each (ats, services), not on every row.
const rows = await query(`
  select d.week_start::varchar as week_start, d.ats_id, d.service_id, d.prescribed, d.booked, d.capacity, d.unmet
  from mart_demand_vs_supply d join dim_ats a on a.ats_id = d.ats_id join dim_services s on s.service_id = d.service_id
  order by week_start`);
const ats = await query(`select distinct a.ats_id, a.ats_name from mart_demand_vs_supply d join dim_ats a on a.ats_id = d.ats_id order by a.ats_name`);
const services = await query(`select distinct s.service_id, s.service_name from mart_demand_vs_supply d join dim_services s on s.service_id = d.service_id order by s.service_name`);
await emit({rows, ats, services});
