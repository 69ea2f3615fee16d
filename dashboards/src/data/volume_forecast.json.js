// Demand forecast band for the volume-targets trajectory: the latest `cupola forecast predict` run (mart
// mart_demand_forecast), first-access demand P10/P50/P90 per ATS × week, summed over the services that have a target
// in the current period, for the weeks between the as-of date and the end of that period. forecast: null when none exists.
import {emit, query} from "./warehouse.js";

const weeks = await query(`
  select f.ats_id, f.week_start::varchar as week_start, sum(f.p10) as p10, sum(f.p50) as p50, sum(f.p90) as p90
  from mart_demand_forecast f
  join mart_volume_targets t on t.ats_id = f.ats_id and t.service_id = f.service_id
   and t.as_of_date between t.period_start and t.period_end
   and f.week_start + 6 > t.as_of_date and f.week_start <= t.period_end
  group by all order by week_start, f.ats_id`);
const [run] = await query(`
  select any_value(model_id) as model_id, strftime(max(generated_at), '%Y-%m-%dT%H:%M:%SZ') as generated_at, min(origin_week)::varchar as origin_week
  from mart_demand_forecast`);
await emit({forecast: weeks.length ? run : null, weeks});
