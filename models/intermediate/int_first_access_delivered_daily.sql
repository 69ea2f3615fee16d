-- depends_on: {{ ref('stg_lake__appointment_events') }}
-- First-access appointments delivered by ATS × service × day of the appointment (the providers' ATS): what the volume
-- targets count, summed per period by mart_volume_targets without reading every booking again.
-- Incremental: a run recomputes only the days that changed appointments touch (their slot's day, and the day a move
-- left).
{{ config(materialized='incremental', unique_key='slot_date', incremental_strategy='delete+insert', on_schema_change='fail') }}
{% if is_incremental() %}
with affected as (
    {{ days_with_changed_appointments() }}
)
{% endif %}

select
    ats_id,
    service_id,
    slot_date,
    count(*)::integer as delivered,
    {{ this_load() }} as loaded_until
from {{ ref('fct_bookings') }}
where is_delivered and access_type = 'first'
{% if is_incremental() %}  and slot_date in (select day from affected){% endif %}
group by all
