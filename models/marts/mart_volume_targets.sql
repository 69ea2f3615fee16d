-- Volume targets per ATS × service × quarter (seed volume_targets, for the scale in $CUPOLA_SCALE) against the
-- first-access services delivered, with the trajectory to the end of the period (linear projection).
-- When the history starts inside a period, the target is prorated to the days the history covers.
with bounds as (
    select max(last_event_at)::date as as_of_date, min(booking_date) as history_start from {{ ref('fct_bookings') }}
),

as_of as (select * from bounds),

targets as (
    select t.*
    from {{ ref('volume_targets') }} as t, as_of
    where t.scale = '{{ env_var("CUPOLA_SCALE", "demo") }}'
      and t.period_start <= as_of.as_of_date
      and t.period_end >= as_of.history_start
),

periods as (
    select t.*, greatest(t.period_start, a.history_start) as covered_start, a.as_of_date
    from targets as t cross join as_of as a
),

delivered as (
    select t.ats_id, t.service_id, t.period, coalesce(sum(d.delivered), 0) as delivered
    from targets as t
    left join {{ ref('int_first_access_delivered_daily') }} as d
      on d.ats_id = t.ats_id and d.service_id = t.service_id
     and d.slot_date between t.period_start and t.period_end and d.slot_date <= (select as_of_date from as_of)
    group by all
)

select
    t.ats_id,
    t.service_id,
    t.period,
    t.period_start,
    t.period_end,
    t.target_delivered::integer as target_delivered,
    round(t.target_delivered * (t.period_end - t.covered_start + 1) / (t.period_end - t.period_start + 1))::integer as covered_target,
    d.delivered::integer as delivered,
    t.as_of_date,
    (least(t.as_of_date, t.period_end) - t.covered_start + 1)::integer as days_elapsed,
    (t.period_end - t.covered_start + 1)::integer as days_in_period,
    (t.target_delivered * (least(t.as_of_date, t.period_end) - t.covered_start + 1) / (t.period_end - t.period_start + 1))::double as expected_to_date,
    (d.delivered * (t.period_end - t.covered_start + 1) / (least(t.as_of_date, t.period_end) - t.covered_start + 1))::double as projected_at_end,
    (d.delivered / nullif(t.target_delivered * (least(t.as_of_date, t.period_end) - t.covered_start + 1) / (t.period_end - t.period_start + 1), 0))::double as attainment_to_date,
    case when t.as_of_date >= t.period_end then 0
         else greatest(t.target_delivered * (t.period_end - t.covered_start + 1) / (t.period_end - t.period_start + 1) - d.delivered, 0) / (t.period_end - t.as_of_date) end::double as required_daily_rate,
    case
        when d.delivered >= 0.9 * t.target_delivered * (least(t.as_of_date, t.period_end) - t.covered_start + 1) / (t.period_end - t.period_start + 1) then 'in linea'
        when d.delivered >= 0.5 * t.target_delivered * (least(t.as_of_date, t.period_end) - t.covered_start + 1) / (t.period_end - t.period_start + 1) then 'a rischio'
        else 'in ritardo'
    end as trajectory_status
from periods as t
join delivered as d using (ats_id, service_id, period)
