-- depends_on: {{ ref('stg_lake__appointment_events') }}
-- No-shows by service × ATS × provider × month of the appointment × lead-time band (booking → appointment).
-- Incremental: a run recomputes only the months of the appointments that changed (and the month a move left).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert', on_schema_change='fail') }}
select
    service_id,
    ats_id,
    provider_id,
    date_trunc('month', slot_date)::date as month_start,
    case when lead_days <= 7 then '0-7' when lead_days <= 30 then '8-30' when lead_days <= 60 then '31-60'
         when lead_days <= 120 then '61-120' else '121+' end as lead_band,
    min(lead_days)::integer as min_lead_days,
    count(*) filter (where is_delivered or is_no_show)::integer as visits_due,
    count(*) filter (where is_no_show)::integer as no_shows,
    count(*) filter (where is_delivered)::integer as delivered,
    count(*) filter (where is_no_show and has_penalty)::integer as penalties,
    count(*) filter (where is_late_cancellation)::integer as late_cancellations,
    case when count(*) filter (where is_delivered or is_no_show) > 0
         then (count(*) filter (where is_no_show))::double / count(*) filter (where is_delivered or is_no_show) end as no_show_rate,
    {{ this_load() }} as loaded_until
from {{ ref('fct_bookings') }}
where (is_delivered or is_no_show or is_late_cancellation)
{% if is_incremental() %}
  and {{ in_months_with_changed_appointments('slot_date') }}
{% endif %}
group by all
