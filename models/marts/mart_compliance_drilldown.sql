-- depends_on: {{ ref('stg_lake__appointment_events') }}
-- Priority-class compliance for the drill-down ATS → provider → site → clinic and by service: first-access SSN
-- bookings with a class, by the clinic booked × service × class × ISO week of booking.
-- Incremental: booking fields never change, so a run recomputes only the weeks with new bookings.
{{ config(materialized='incremental', unique_key='week_start', incremental_strategy='delete+insert', on_schema_change='fail') }}
select
    b.booked_clinic_id as clinic_id,
    b.service_id,
    b.priority,
    date_trunc('week', b.booking_date)::date as week_start,
    any_value(b.booked_ats_id) as ats_id,
    any_value(b.booked_provider_id) as provider_id,
    any_value(b.booked_site_id) as site_id,
    count(*)::integer as bookings,
    count(*) filter (where b.is_within_class_max)::integer as within_max,
    count(*) filter (where b.in_garanzia)::integer as guaranteed,
    count(*) filter (where b.in_garanzia and b.is_within_class_max)::integer as guaranteed_within_max,
    {{ this_load() }} as loaded_until
from {{ ref('fct_bookings') }} as b
where b.access_type = 'first' and b.priority is not null and b.regime = 'SSN'
{% if is_incremental() %}
  and b.booking_date in {{ days_of(weeks_with_new_bookings(), 'week') }}
{% endif %}
group by b.booked_clinic_id, b.service_id, b.priority, date_trunc('week', b.booking_date)
