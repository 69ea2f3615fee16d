// Next available date by service × ATS × class (latest availability search).
import {emit, query} from "./warehouse.js";

const rows = await query(`
  select n.service_id, s.service_name, n.ats_id, a.ats_name, n.priority, n.first_available_in_area_date::varchar as first_available_in_area_date,
         n.days_to_first_in_area, n.max_wait_days, n.is_beyond_class_max, n.searches_7d, n.share_guaranteed_7d, n.tutela_7d,
         n.last_searched_at::varchar as last_searched_at
  from mart_next_availability n
  join dim_services s on s.service_id = n.service_id
  join dim_ats a on a.ats_id = n.ats_id
  order by s.service_name, a.ats_name, n.priority`);
await emit({rows});
