-- One row per clinic and day with published supply: capacity offered, places booked, free, delivered, no-shows,
-- and (for past days) capacity left unused.
with supply as (
    select
        clinic_id,
        supply_date,
        any_value(ats_id) as ats_id,
        any_value(provider_id) as provider_id,
        sum(capacity) as capacity,
        sum(capacity) filter (where access_type = 'first') as first_access_capacity
    from {{ ref('int_slot_supply_unnested') }}
    group by clinic_id, supply_date
),

bookings as (
    select
        clinic_id,
        slot_date,
        count(*) filter (where not is_cancelled and latest_status not in ('held', 'hold_expired')) as booked,
        count(*) filter (where is_delivered) as delivered,
        count(*) filter (where is_no_show) as no_shows
    from {{ ref('fct_bookings') }}
    group by clinic_id, slot_date
),

as_of as (select max(last_event_at)::date as as_of_date from {{ ref('fct_bookings') }})

select
    s.clinic_id,
    s.supply_date,
    s.ats_id,
    s.provider_id,
    s.capacity::integer as capacity,
    coalesce(s.first_access_capacity, 0)::integer as first_access_capacity,
    coalesce(b.booked, 0)::integer as booked,
    greatest(s.capacity - coalesce(b.booked, 0), 0)::integer as free,
    coalesce(b.delivered, 0)::integer as delivered,
    coalesce(b.no_shows, 0)::integer as no_shows,
    s.supply_date < a.as_of_date as is_past,
    case when s.supply_date < a.as_of_date then greatest(s.capacity - coalesce(b.delivered, 0), 0) end::integer as unused,
    case when s.capacity > 0 then least(coalesce(b.booked, 0)::double / s.capacity, 1.0) end as saturation
from supply as s
cross join as_of as a
left join bookings as b on b.clinic_id = s.clinic_id and b.slot_date = s.supply_date
