-- depends_on: {{ ref('stg_lake__appointment_events') }}
-- One row per clinic and day with published supply: capacity offered, places booked, free, delivered, no-shows,
-- and (for past days) capacity left unused.
-- Incremental: a run recomputes only the clinic-days that changed appointments (the place of every appointment with new
-- events, and the place a move left), new supply publications, or the passing of days (every clinic from the last day
-- already past to the new as-of date) touch. A move event without the clinic it left (`previous_clinic_id`, added
-- later) recomputes every clinic of the day it left.
{{ config(materialized='incremental', unique_key=['clinic_id', 'supply_date'], incremental_strategy='delete+insert', on_schema_change='fail') }}
with as_of as (select max(last_event_at)::date as as_of_date from {{ ref('fct_bookings') }}),

{% if is_incremental() %}
changed as (
    {{ places_with_changed_appointments() }}
),

affected as (
    select clinic_id, day from changed where clinic_id is not null
    union
    select clinic_id, supply_date from {{ ref('int_slot_supply_unnested') }}
    where loaded_until > {{ loaded_until() }}
       or supply_date in (select day from changed where clinic_id is null)
       or supply_date between coalesce((select max(supply_date) from {{ this }} where is_past), (select as_of_date from as_of))
                          and (select as_of_date from as_of)
),

affected_days as (select distinct day from affected),
{% endif %}

supply as (
    select
        clinic_id,
        supply_date,
        any_value(ats_id) as ats_id,
        any_value(provider_id) as provider_id,
        sum(capacity) as capacity,
        sum(capacity) filter (where access_type = 'first') as first_access_capacity
    from {{ ref('int_slot_supply_unnested') }} as u
    {% if is_incremental() %}
    -- the days first (a filter while scanning), then the clinic-days
    semi join affected as a on a.clinic_id = u.clinic_id and a.day = u.supply_date
    where u.supply_date in (select day from affected_days)
    {% endif %}
    group by clinic_id, supply_date
),

bookings as (
    select
        clinic_id,
        slot_date,
        count(*) filter (where not is_cancelled and latest_status not in ('held', 'hold_expired')) as booked,
        count(*) filter (where is_delivered) as delivered,
        count(*) filter (where is_no_show) as no_shows
    from {{ ref('fct_bookings') }} as f
    {% if is_incremental() %}
    semi join affected as a on a.clinic_id = f.clinic_id and a.day = f.slot_date
    where f.slot_date in (select day from affected_days)
    {% endif %}
    group by clinic_id, slot_date
)

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
    case when s.capacity > 0 then least(coalesce(b.booked, 0)::double / s.capacity, 1.0) end as saturation,
    {{ this_load() }} as loaded_until
from supply as s
cross join as_of as a
left join bookings as b on b.clinic_id = s.clinic_id and b.slot_date = s.supply_date
