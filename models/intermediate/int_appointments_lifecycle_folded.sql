-- Appointment lifecycle folded to its latest state: one row per appointment that was ever booked.
-- The ex-ante figures (wait at booking, first date offered, guarantee) come from the booking event, the current
-- slot and outcome from the latest event.
{{ config(materialized='view') }}

with events as (
    select * from {{ ref('stg_lake__appointment_events') }}
),

booked as (
    select *
    from events
    where event_type = 'appointment.booked'
    qualify row_number() over (partition by appointment_id order by occurred_at, event_id) = 1
),

latest as (
    select *
    from events
    qualify row_number() over (partition by appointment_id order by occurred_at desc, event_id desc) = 1
),

outcomes as (
    select
        appointment_id,
        max(occurred_at) as last_event_at,
        count(*) filter (where event_type = 'appointment.moved') as moves,
        max(occurred_at) filter (where event_type = 'appointment.cancelled') as cancelled_at,
        bool_or(is_late) filter (where event_type = 'appointment.cancelled') as is_late_cancellation,
        max(occurred_at) filter (where event_type = 'appointment.checked_in') as checked_in_at,
        max(occurred_at) filter (where event_type = 'appointment.delivered') as delivered_at,
        max(occurred_at) filter (where event_type = 'appointment.not_delivered') as not_delivered_at,
        max(reason) filter (where event_type = 'appointment.not_delivered') as not_delivered_reason,
        bool_or(has_penalty) filter (where event_type = 'appointment.not_delivered') as has_penalty,
        max(occurred_at) filter (where event_type = 'appointment.confirmed') as confirmed_at
    from events
    group by appointment_id
)

select
    b.appointment_id,
    b.service_id,
    b.service_kind,
    b.branch_code,
    b.priority,
    b.access_type,
    b.regime,
    b.channel,
    b.ats_id as booked_ats_id,
    b.provider_id as booked_provider_id,
    b.chosen_date as booked_chosen_date,
    b.first_offered_date,
    b.first_offered_in_area,
    b.refused_first_availability,
    b.in_garanzia,
    b.guarantee_deadline,
    b.booked_at,
    b.has_prescription,
    b.patient_key,
    b.patient_birth_year,
    b.patient_sex,
    b.patient_residence_ats,
    l.status as latest_status,
    l.event_type as latest_event_type,
    l.ats_id,
    l.provider_id,
    l.site_id,
    l.clinic_id,
    l.agenda_id,
    l.slot_id,
    l.slot_start_at,
    l.chosen_date as slot_date,
    o.last_event_at,
    o.moves,
    o.cancelled_at,
    coalesce(o.is_late_cancellation, false) as is_late_cancellation,
    o.confirmed_at,
    o.checked_in_at,
    o.delivered_at,
    o.not_delivered_at,
    o.not_delivered_reason,
    coalesce(o.has_penalty, false) as has_penalty
from booked as b
join latest as l using (appointment_id)
join outcomes as o using (appointment_id)
