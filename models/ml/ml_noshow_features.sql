-- Feature mart for forecasting/ (contract: forecasting/src/features/noshow-features.ts, the same columns a data
-- scientist's appointments file has). Grain: one row per booked appointment that fell due (delivered or no-show).
--   reminder_sent: the lake carries no reminder events yet (the engine schedules a reminder for every booking at
--   least 2 days ahead, DL 73/2024 art. 3 c.5), so it is derived: lead time >= 2 days.
--   out_of_area: the patient lives outside the ATS of the provider (extra boolean feature).
-- Prior no-shows are NOT computed here: forecasting/ computes them strictly before each appointment date.
-- A view: a projection of fct_bookings rows (whose checks hold on every row written), read when a model trains.
{{ config(materialized='view') }}

select
    appointment_id,
    patient_key,
    booked_at,
    slot_date as appointment_date,
    strftime(slot_start_at at time zone 'Europe/Rome', '%H:%M') as appointment_time,
    (year(slot_date) - patient_birth_year)::integer as age,
    patient_sex as sex,
    (lead_days >= 2) as reminder_sent,
    is_no_show as no_show,
    priority,
    access_type,
    channel,
    service_id,
    service_kind,
    ats_id,
    lead_days,
    coalesce(patient_residence_ats <> ats_id, false) as out_of_area
from {{ ref('fct_bookings') }}
where (is_delivered or is_no_show) and patient_key is not null and patient_birth_year is not null
