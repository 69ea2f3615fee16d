-- depends_on: {{ ref('stg_lake__appointment_events') }}
-- One row per booked appointment (first access and follow-up), its ex-ante wait and its outcome.
-- Incremental: each run recomputes only the appointments with events newer than the table's latest event.
{{ config(materialized='incremental', unique_key='appointment_id', incremental_strategy='delete+insert', on_schema_change='fail') }}

with folded as (
    select * from {{ ref('int_appointments_lifecycle_folded') }}
    {% if is_incremental() %}
    where appointment_id in (
        select appointment_id from {{ ref('stg_lake__appointment_events') }}
        where occurred_at > (select coalesce(max(last_event_at), '1970-01-01'::timestamptz) from {{ this }})
    )
    {% endif %}
),

max_waits as (select * from {{ ref('priority_class_max_waits') }})

select
    f.appointment_id,
    f.service_id,
    f.service_kind,
    f.branch_code,
    f.priority,
    f.access_type,
    f.regime,
    f.channel,
    f.ats_id,
    f.provider_id,
    f.site_id,
    f.clinic_id,
    f.agenda_id,
    f.patient_key,
    f.patient_birth_year,
    f.patient_sex,
    f.patient_residence_ats,
    f.booked_at,
    cast(f.booked_at as date) as booking_date,
    f.first_offered_date,
    f.first_offered_in_area,
    f.booked_chosen_date,
    f.slot_date,
    f.slot_start_at,
    (f.booked_chosen_date - cast(f.booked_at as date))::integer as wait_days,
    (f.first_offered_date - cast(f.booked_at as date))::integer as first_offered_wait_days,
    f.refused_first_availability,
    f.in_garanzia,
    f.guarantee_deadline,
    m.max_wait_days::integer as max_wait_days,
    case when m.max_wait_days is null then null
         else (f.booked_chosen_date - cast(f.booked_at as date)) <= m.max_wait_days end as is_within_class_max,
    f.latest_status,
    f.moves::integer as moves,
    f.cancelled_at is not null as is_cancelled,
    f.is_late_cancellation,
    f.delivered_at is not null as is_delivered,
    coalesce(f.not_delivered_reason = 'no_show', false) as is_no_show,
    f.has_penalty,
    f.confirmed_at is not null as is_confirmed,
    (f.slot_date - cast(f.booked_at as date))::integer as lead_days,
    f.last_event_at
from folded as f
left join max_waits as m on m.priority = f.priority and m.service_kind = f.service_kind
