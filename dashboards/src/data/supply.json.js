// Supply saturation and unused capacity by ATS × provider × week (clinic-day fact aggregated).
import {emit, query} from "./warehouse.js";

const weekly = await query(`
  select date_trunc('week', f.supply_date)::date::varchar as week_start, f.ats_id, a.ats_name, f.provider_id, o.provider_name,
         sum(f.capacity) as capacity, sum(f.booked) as booked, sum(f.delivered) as delivered, sum(f.no_shows) as no_shows,
         sum(coalesce(f.unused, 0)) as unused, bool_and(f.is_past) as is_past
  from fct_slots_daily f
  join dim_ats a on a.ats_id = f.ats_id
  join (select distinct provider_id, provider_name from dim_org_units) o on o.provider_id = f.provider_id
  group by all order by week_start, a.ats_name, o.provider_name`);
await emit({weekly});
