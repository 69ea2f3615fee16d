// Demand vs supply by ATS × service × week.
import {emit, namesOf, query} from "./warehouse.js";

// Rows carry ids and the figures the page uses; the names come once each (ats, services), not on every row.
const rows = await query(`
  select d.week_start::varchar as week_start, d.ats_id, d.service_id, d.prescribed, d.booked, d.capacity, d.unmet
  from mart_demand_vs_supply d join dim_ats a on a.ats_id = d.ats_id join dim_services s on s.service_id = d.service_id
  order by week_start`);
await emit({rows, ...(await namesOf("mart_demand_vs_supply"))});
