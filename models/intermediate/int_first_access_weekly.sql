-- depends_on: {{ ref('stg_lake__appointment_events') }}
-- depends_on: {{ ref('stg_lake__prescriptions') }}
-- depends_on: {{ ref('int_slot_supply_unnested') }}
-- First-access demand and supply by service × ATS × ISO week (Monday), one definition for the marts that weigh them:
--   prescribed     first-access prescription units registered that week (the patient's ATS)
--   booked         first-access bookings made that week by residents of the ATS
--   capacity       first-access places of the week's slots in the ATS (the providers' ATS)
--   places_booked  first-access appointments not cancelled whose slot falls in the week (the providers' ATS)
-- A measure is null where the week had none of it.
-- Incremental: a run rewrites only the weeks that new prescriptions, bookings, appointment changes (the slot's week,
-- and the week left by a move) or supply publications touch, and in each of them recomputes only the measures those
-- changes can move: prescriptions of the weeks with new prescriptions, bookings of the weeks with new bookings,
-- capacity of the weeks with new supply, places of the weeks with changed appointments. The other measures of a
-- rewritten week are kept from the row already held (a day's appointment changes reach some twenty slot weeks; the
-- prescriptions of those weeks are millions of lines to unnest again for nothing).
{{ config(materialized='incremental', unique_key='week_start', incremental_strategy='delete+insert', on_schema_change='fail') }}
with
{% if is_incremental() %}
weeks_prescribed as (select week_start from {{ weeks_with_new_prescriptions() }}),

weeks_booked as (select week_start from {{ weeks_with_new_bookings() }} as w(week_start)),

weeks_supplied as (select week_start from {{ weeks_with_new_supply() }}),

weeks_placed as (
    select distinct date_trunc('week', day)::date as week_start from ({{ days_with_changed_appointments() }})
),

affected as (
    select week_start from weeks_prescribed
    union select * from weeks_booked
    union select week_start from weeks_supplied
    union select week_start from weeks_placed
),

held as (
    select * from {{ this }} where week_start in (select week_start from affected)
),

{% endif %}
prescribed as (
    select service_id, ats_id, date_trunc('week', registered_date)::date as week_start, sum(quantity) as prescribed
    from {{ prescription_lines(week_in('registered_date', 'weeks_prescribed')) }}
    where access_type = 'first'
    group by all
),

booked as (
    select service_id, patient_residence_ats as ats_id, date_trunc('week', booking_date)::date as week_start, count(*) as booked
    from {{ ref('fct_bookings') }}
    where access_type = 'first' and patient_residence_ats is not null and {{ week_in('booking_date', 'weeks_booked') }}
    group by all
),

capacity as (
    select service_id, ats_id, date_trunc('week', supply_date)::date as week_start, sum(capacity) as capacity
    from {{ service_supply_split(week_in('supply_date', 'weeks_supplied')) }}
    group by all
),

places as (
    select service_id, ats_id, date_trunc('week', slot_date)::date as week_start, count(*) as places_booked
    from {{ ref('fct_bookings') }}
    where access_type = 'first' and not is_cancelled and {{ week_in('slot_date', 'weeks_placed') }}
    group by all
),

keys as (
    select service_id, ats_id, week_start from prescribed
    union select service_id, ats_id, week_start from booked
    union select service_id, ats_id, week_start from capacity
    union select service_id, ats_id, week_start from places
    {%- if is_incremental() %}
    union select service_id, ats_id, week_start from held
    {%- endif %}
),

measures as (
    select
        k.service_id,
        k.ats_id,
        k.week_start,
        {%- if is_incremental() %}
        -- a measure recomputed for this week replaces the held one (null: none left); the others are kept
        case when k.week_start in (select week_start from weeks_prescribed) then p.prescribed else h.prescribed end as prescribed,
        case when k.week_start in (select week_start from weeks_booked) then b.booked else h.booked end as booked,
        case when k.week_start in (select week_start from weeks_supplied) then c.capacity else h.capacity end as capacity,
        case when k.week_start in (select week_start from weeks_placed) then u.places_booked else h.places_booked end as places_booked
        {%- else %}
        p.prescribed,
        b.booked,
        c.capacity,
        u.places_booked
        {%- endif %}
    from keys as k
    left join prescribed as p using (service_id, ats_id, week_start)
    left join booked as b using (service_id, ats_id, week_start)
    left join capacity as c using (service_id, ats_id, week_start)
    left join places as u using (service_id, ats_id, week_start)
    {%- if is_incremental() %}
    left join held as h using (service_id, ats_id, week_start)
    {%- endif %}
)

select
    service_id,
    ats_id,
    week_start,
    prescribed,
    booked,
    capacity,
    places_booked,
    {{ this_load() }} as loaded_until
from measures
-- a key whose every measure is gone (e.g. its only places were cancelled) has no row, as in a full build
where coalesce(prescribed, booked, capacity, places_booked) is not null
