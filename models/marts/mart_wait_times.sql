-- depends_on: {{ ref('stg_lake__appointment_events') }}
-- Ex-ante waiting times (DOMAIN.md §1.4): first-access institutional (SSN) bookings with a priority class, by
-- service × ATS × provider × class × ISO week of booking, where the place was booked. Median, p90 and share within
-- the class maximum, over all bookings and over the bookings that kept the guarantee (in_garanzia).
-- Incremental: booking fields never change, so a run recomputes only the weeks with new bookings.
{{ config(materialized='incremental', unique_key='week_start', incremental_strategy='delete+insert', on_schema_change='fail') }}
select
    service_id,
    booked_ats_id as ats_id,
    booked_provider_id as provider_id,
    priority,
    date_trunc('week', booking_date)::date as week_start,
    any_value(max_wait_days)::integer as max_wait_days,
    count(*)::integer as bookings,
    quantile_cont(wait_days, 0.5)::double as median_wait_days,
    quantile_cont(wait_days, 0.9)::double as p90_wait_days,
    avg(case when is_within_class_max then 1.0 else 0.0 end)::double as share_within_max,
    count(*) filter (where in_garanzia)::integer as guaranteed_bookings,
    (quantile_cont(wait_days, 0.5) filter (where in_garanzia))::double as guaranteed_median_wait_days,
    (quantile_cont(wait_days, 0.9) filter (where in_garanzia))::double as guaranteed_p90_wait_days,
    (avg(case when is_within_class_max then 1.0 else 0.0 end) filter (where in_garanzia))::double as guaranteed_share_within_max,
    count(*) filter (where refused_first_availability)::integer as refused_first,
    {{ this_load() }} as loaded_until
from {{ ref('fct_bookings') }}
where access_type = 'first' and priority is not null and regime = 'SSN'
{% if is_incremental() %}
  and booking_date in {{ days_of(weeks_with_new_bookings(), 'week') }}
{% endif %}
group by service_id, booked_ats_id, booked_provider_id, priority, date_trunc('week', booking_date)
