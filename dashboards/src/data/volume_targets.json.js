// Volume targets per ATS × service × quarter with the trajectory, and daily delivered volumes for the current quarter.
import {emit, query} from "./warehouse.js";

const rows = await query(`
  select t.ats_id, a.ats_name, t.service_id, s.service_name, t.period, t.period_start::varchar as period_start, t.period_end::varchar as period_end,
         t.target_delivered, t.covered_target, t.delivered, t.expected_to_date, t.projected_at_end, t.attainment_to_date, t.required_daily_rate,
         t.trajectory_status, t.as_of_date::varchar as as_of_date
  from mart_volume_targets t join dim_ats a on a.ats_id = t.ats_id join dim_services s on s.service_id = t.service_id
  order by t.period, a.ats_name, s.service_name`);
const daily = await query(`
  select f.ats_id, f.supply_date::varchar as day, sum(f.delivered) as delivered
  from fct_slots_daily f
  where f.is_past and f.supply_date >= (select min(period_start) from mart_volume_targets where as_of_date between period_start and period_end)
  group by all order by day`);
await emit({rows, daily});
