-- One row per appointment lifecycle event (booking and delivery topics), payload fields as typed columns.
-- Incremental and append-only (the largest source): each run reads only the newest lake partitions and appends the
-- events not loaded yet, stamped with `loaded_at`. The JSON payload is parsed once per row (from_json with the
-- payload's structure), not once per field. Fields no model reads are left in the lake (slot ids, the patient's
-- residence district): on a full build every string column written costs about as much as parsing it.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with events as {{ lake_cte() }} (
    select * from {{ source('lake', 'booking') }}
    where type in ('appointment.held', 'appointment.booked', 'appointment.confirmed', 'appointment.moved', 'appointment.cancelled',
                   'appointment.hold_expired')
    {{ lake_increment_filter() }}
    union all by name
    select * from {{ source('lake', 'delivery') }}
    where type in ('appointment.checked_in', 'appointment.delivered', 'appointment.not_delivered')
    {{ lake_increment_filter() }}
),

parsed as (
    select
        * exclude (payload),
        from_json(payload, '{"appointment_id":"VARCHAR","status":"VARCHAR","service_id":"VARCHAR","service_kind":"VARCHAR",
            "branch_code":"VARCHAR","priority":"VARCHAR","access_type":"VARCHAR","regime":"VARCHAR","channel":"VARCHAR",
            "slot_start":"VARCHAR","agenda_id":"VARCHAR","clinic_id":"VARCHAR","site_id":"VARCHAR","provider_id":"VARCHAR","ats_id":"VARCHAR",
            "booked_at":"VARCHAR","first_offered_date":"VARCHAR","first_offered_in_area":"BOOLEAN","chosen_date":"VARCHAR",
            "refused_first_availability":"BOOLEAN","in_garanzia":"BOOLEAN","guarantee_deadline":"VARCHAR","reason":"VARCHAR","late":"BOOLEAN",
            "penalty":"BOOLEAN","previous_slot_start":"VARCHAR","previous_clinic_id":"VARCHAR","has_prescription":"BOOLEAN"}') as p
    from ({{ dedupe_events('events') }})
)

, deduped as (
select
    event_id,
    type as event_type,
    occurred_at,
    ingested_at,
    p.appointment_id,
    p.status,
    p.service_id,
    p.service_kind,
    p.branch_code,
    p.priority,
    p.access_type,
    p.regime,
    p.channel,
    try_cast(p.slot_start as timestamptz) as slot_start_at,
    p.agenda_id,
    p.clinic_id,
    p.site_id,
    p.provider_id,
    p.ats_id,
    try_cast(p.booked_at as timestamptz) as booked_at,
    try_cast(p.first_offered_date as date) as first_offered_date,
    p.first_offered_in_area,
    try_cast(p.chosen_date as date) as chosen_date,
    p.refused_first_availability,
    p.in_garanzia,
    try_cast(p.guarantee_deadline as date) as guarantee_deadline,
    p.reason,
    p.late as is_late,
    p.penalty as has_penalty,
    try_cast(p.previous_slot_start as timestamptz) as previous_slot_start_at,
    p.previous_clinic_id,
    p.has_prescription,
    patient_pseudonym as patient_key,
    patient_birth_year,
    patient_sex,
    patient_residence_ats
from parsed
)

{{ lake_append_new('deduped') }}
