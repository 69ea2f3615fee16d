-- depends_on: {{ ref('stg_lake__appointment_events') }}
-- One row per clinic and day with published supply: capacity offered, places booked, free, delivered, no-shows,
-- and (for past days) capacity left unused.
-- Incremental: a run recomputes only the days that changed appointments (their slot's day, and the day a move left),
-- new supply publications, or the passing of days (from the last day already past to the new as-of date) touch.
{{ config(materialized='incremental', unique_key='supply_date', incremental_strategy='delete+insert', on_schema_change='fail') }}
with as_of as (select max(last_event_at)::date as as_of_date from {{ ref('fct_bookings') }}),

{% if is_incremental() %}
affected as (
    {{ days_with_changed_appointments() }}
    union
    select supply_date from {{ ref('int_slot_supply_unnested') }} where loaded_until > {{ loaded_until() }}
    union
    select unnest(range(
        coalesce((select max(supply_date) from {{ this }} where is_past), (select as_of_date from as_of)),
        (select as_of_date from as_of) + 1,
        interval 1 day))::date
),
{% endif %}

supply as (
    select
        clinic_id,
        supply_date,
        any_value(ats_id) as ats_id,
        any_value(provider_id) as provider_id,
        sum(capacity) as capacity,
        sum(capacity) filter (where access_type = 'first') as first_access_capacity
    from {{ ref('int_slot_supply_unnested') }}
    {% if is_incremental() %}where supply_date in (select day from affected){% endif %}
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
    {% if is_incremental() %}where slot_date in (select day from affected){% endif %}
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
