// Waiting-list flows by ATS × service × week.
import {emit, namesOf, query} from "./warehouse.js";

// Rows carry ids and the figures the page uses; the names come once each (ats, services), not on every row.
const rows = await query(`
  select w.week_start::varchar as week_start, w.ats_id, w.service_id, w.additions, w.removals, w.list_size, w.first_access_capacity
  from mart_waiting_list w join dim_ats a on a.ats_id = w.ats_id join dim_services s on s.service_id = w.service_id
  order by week_start`);
await emit({rows, ...(await namesOf("mart_waiting_list"))});
