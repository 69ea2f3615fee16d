-- depends_on: {{ ref('stg_lake__appointment_events') }}
-- depends_on: {{ ref('stg_lake__prescriptions') }}
-- depends_on: {{ ref('int_slot_supply_unnested') }}
-- First-access demand and supply by service × ATS × ISO week (Monday), one definition for the marts that weigh them:
--   prescribed     first-access prescription units registered that week (the patient's ATS)
--   booked         first-access bookings made that week by residents of the ATS
--   capacity       first-access places of the week's slots in the ATS (the providers' ATS)
--   places_booked  first-access appointments not cancelled whose slot falls in the week (the providers' ATS)
-- A measure is null where the week had none of it.
-- Incremental: a run recomputes only the weeks that new prescriptions, bookings, appointment changes (the slot's
-- week, and the week left by a move) or supply publications touch.
{{ config(materialized='incremental', unique_key='week_start', incremental_strategy='delete+insert', on_schema_change='fail') }}
with
{% if is_incremental() %}
affected as (
    {{ weeks_with_new_demand_or_supply() }}
    union
    select date_trunc('week', slot_date)::date from {{ ref('fct_bookings') }} where events_loaded_at > {{ loaded_until() }}
    union
    select date_trunc('week', cast(previous_slot_start_at as date))::date
    from {{ ref('stg_lake__appointment_events') }} where loaded_at > {{ loaded_until() }} and previous_slot_start_at is not null
),
{% endif %}

prescribed as (
    select service_id, ats_id, date_trunc('week', registered_date)::date as week_start, sum(quantity) as prescribed
    from {{ prescription_lines(week_in_affected('registered_date')) }}
    where access_type = 'first'
    group by all
),

booked as (
    select service_id, patient_residence_ats as ats_id, date_trunc('week', booking_date)::date as week_start, count(*) as booked
    from {{ ref('fct_bookings') }}
    where access_type = 'first' and patient_residence_ats is not null {{ _in_affected('booking_date') }}
    group by all
),

capacity as (
    select service_id, ats_id, date_trunc('week', supply_date)::date as week_start, sum(capacity) as capacity
    from {{ service_supply_split(week_in_affected('supply_date')) }}
    group by all
),

places as (
    select service_id, ats_id, date_trunc('week', slot_date)::date as week_start, count(*) as places_booked
    from {{ ref('fct_bookings') }}
    where access_type = 'first' and not is_cancelled {{ _in_affected('slot_date') }}
    group by all
),

keys as (
    select service_id, ats_id, week_start from prescribed
    union select service_id, ats_id, week_start from booked
    union select service_id, ats_id, week_start from capacity
    union select service_id, ats_id, week_start from places
)

-- the four measures side by side (a full outer join of the four, written as key union + hash joins)
select
    k.service_id,
    k.ats_id,
    k.week_start,
    p.prescribed,
    b.booked,
    c.capacity,
    u.places_booked,
    {{ this_load() }} as loaded_until
from keys as k
left join prescribed as p using (service_id, ats_id, week_start)
left join booked as b using (service_id, ats_id, week_start)
left join capacity as c using (service_id, ats_id, week_start)
left join places as u using (service_id, ats_id, week_start)
