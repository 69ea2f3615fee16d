-- Demand vs supply by service × ATS × ISO week: prescribed (patient ATS), booked (booking week, patient ATS),
-- first-access capacity and places booked on it (slot week, provider ATS), saturation and unmet demand.
with prescribed as (
    select service_id, ats_id, week_start, prescribed from {{ ref('int_first_access_weekly') }} where prescribed is not null
),

booked as (
    select service_id, ats_id, week_start, booked from {{ ref('int_first_access_weekly') }} where booked is not null
),

used as (
    select service_id, ats_id, week_start, places_booked from {{ ref('int_first_access_weekly') }} where places_booked is not null
),

capacity as (
    select service_id, ats_id, week_start, capacity from {{ ref('int_first_access_weekly') }} where capacity is not null
),

keys as (
    select service_id, ats_id, week_start from prescribed
    union select service_id, ats_id, week_start from booked
    union select service_id, ats_id, week_start from capacity
)

select
    k.service_id,
    k.ats_id,
    k.week_start,
    coalesce(p.prescribed, 0)::integer as prescribed,
    coalesce(b.booked, 0)::integer as booked,
    coalesce(c.capacity, 0)::double as capacity,
    coalesce(u.places_booked, 0)::integer as places_booked,
    case when c.capacity > 0 then coalesce(u.places_booked, 0) / c.capacity end::double as saturation,
    greatest(coalesce(p.prescribed, 0) - coalesce(b.booked, 0), 0)::integer as unmet
from keys as k
left join prescribed as p using (service_id, ats_id, week_start)
left join booked as b using (service_id, ats_id, week_start)
left join used as u using (service_id, ats_id, week_start)
left join capacity as c using (service_id, ats_id, week_start)
