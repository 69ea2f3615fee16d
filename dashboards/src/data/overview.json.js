// Regional overview: KPI values of the last 4 weeks and weekly compliance by class (marts only).
import {emit, query} from "./warehouse.js";

const [asOf] = await query(`select max(week_start)::varchar as last_week, min(week_start)::varchar as first_week from mart_wait_times`);
const lastWeek = asOf.last_week;
const window = `week_start > date '${lastWeek}' - interval 28 day`;

const [compliance] = await query(`
  select sum(bookings) as bookings, sum(share_within_max * bookings) / sum(bookings) as share_within_max,
         sum(guaranteed_share_within_max * guaranteed_bookings) / nullif(sum(guaranteed_bookings), 0) as guaranteed_share_within_max,
         sum(refused_first)::double / sum(bookings) as share_refused_first
  from mart_wait_times where ${window}`);
const byClass = await query(`
  select priority, sum(bookings) as bookings, sum(share_within_max * bookings) / sum(bookings) as share_within_max,
         sum(median_wait_days * bookings) / sum(bookings) as mean_median_wait_days
  from mart_wait_times where ${window} group by priority order by position(priority in 'UBDP')`);
const weekly = await query(`
  select week_start::varchar as week_start, priority, sum(bookings) as bookings, sum(share_within_max * bookings) / sum(bookings) as share_within_max
  from mart_wait_times group by all order by week_start, priority`);
const [noShow] = await query(`select sum(no_shows)::double / nullif(sum(visits_due), 0) as no_show_rate, sum(visits_due) as visits_due from mart_no_show`);
const [supply] = await query(`select sum(booked)::double / nullif(sum(capacity), 0) as saturation, sum(unused) as unused, sum(capacity) as capacity
  from fct_slots_daily where is_past and supply_date > (select max(supply_date) from fct_slots_daily where is_past) - interval 28 day`);
const [targets] = await query(`select sum(delivered)::double / nullif(sum(expected_to_date), 0) as attainment_to_date, count(*) filter (where trajectory_status = 'in ritardo') as behind, count(*) as targets
  from mart_volume_targets where as_of_date between period_start and period_end`);
const byAts = await query(`
  select w.ats_id, a.ats_name, sum(w.bookings) as bookings, sum(w.share_within_max * w.bookings) / sum(w.bookings) as share_within_max
  from mart_wait_times w join dim_ats a on a.ats_id = w.ats_id where ${window} group by all order by a.ats_name`);

await emit({last_week: lastWeek, first_week: asOf.first_week, compliance, by_class: byClass, weekly, no_show: noShow, supply, targets, by_ats: byAts});
