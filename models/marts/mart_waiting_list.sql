-- First-access waiting list by service × patient ATS × ISO week: additions (prescription lines), removals
-- (first-access bookings of residents), list size at week end, clearance time and demand/supply load.
with weeks as (
    select distinct date_trunc('week', registered_date)::date as week_start from {{ ref('stg_lake__prescriptions') }}
),

additions as (
    select service_id, ats_id, week_start, prescribed as additions from {{ ref('int_first_access_weekly') }} where prescribed is not null
),

removals as (
    select service_id, ats_id, week_start, booked as removals from {{ ref('int_first_access_weekly') }} where booked is not null
),

capacity as (
    select service_id, ats_id, week_start, capacity from {{ ref('int_first_access_weekly') }} where capacity is not null
),

grid as (
    select distinct k.service_id, k.ats_id, w.week_start
    from (select service_id, ats_id from additions union select service_id, ats_id from removals) as k
    cross join weeks as w
),

flows as (
    select
        g.service_id, g.ats_id, g.week_start,
        coalesce(a.additions, 0) as additions,
        coalesce(r.removals, 0) as removals,
        c.capacity
    from grid as g
    left join additions as a using (service_id, ats_id, week_start)
    left join removals as r using (service_id, ats_id, week_start)
    left join capacity as c using (service_id, ats_id, week_start)
)

select
    service_id,
    ats_id,
    week_start,
    additions::integer as additions,
    removals::integer as removals,
    greatest(sum(additions - removals) over w, 0)::integer as list_size,
    case when removals > 0 then greatest(sum(additions - removals) over w, 0) / removals end::double as clearance_weeks,
    capacity::double as first_access_capacity,
    case when capacity > 0 then additions / capacity end::double as demand_supply_load
from flows
window w as (partition by service_id, ats_id order by week_start rows between unbounded preceding and current row)
