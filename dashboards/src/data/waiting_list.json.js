// Waiting-list flows by ATS × service × week.
import {emit, query} from "./warehouse.js";

// Rows carry ids and the figures the page uses; the names come once each (ats, services), not on every row.
const rows = await query(`
  select w.week_start::varchar as week_start, w.ats_id, w.service_id, w.additions, w.removals, w.list_size, w.first_access_capacity
  from mart_waiting_list w join dim_ats a on a.ats_id = w.ats_id join dim_services s on s.service_id = w.service_id
  order by week_start`);
const ats = await query(`select distinct a.ats_id, a.ats_name from mart_waiting_list w join dim_ats a on a.ats_id = w.ats_id order by a.ats_name`);
const services = await query(`select distinct s.service_id, s.service_name from mart_waiting_list w join dim_services s on s.service_id = w.service_id order by s.service_name`);
await emit({rows, ats, services});
