-- First-access demand and supply by service × ATS × ISO week (Monday), one definition for the marts that weigh them:
--   prescribed  first-access prescription units registered that week (the patient's ATS)
--   booked      first-access bookings made that week by residents of the ATS
--   capacity    first-access places of the week's slots in the ATS (the providers' ATS)
-- A measure is null where the week had none of it.
{{ config(materialized='view') }}
with prescribed as (
    select service_id, ats_id, date_trunc('week', registered_date)::date as week_start, sum(quantity) as prescribed
    from {{ ref('int_prescription_lines_unnested') }}
    where access_type = 'first'
    group by all
),

booked as (
    select service_id, patient_residence_ats as ats_id, date_trunc('week', booking_date)::date as week_start, count(*) as booked
    from {{ ref('fct_bookings') }}
    where access_type = 'first' and patient_residence_ats is not null
    group by all
),

capacity as (
    select service_id, ats_id, date_trunc('week', supply_date)::date as week_start, sum(capacity) as capacity
    from {{ ref('int_service_supply_split') }}
    group by all
)

select
    coalesce(p.service_id, b.service_id, c.service_id) as service_id,
    coalesce(p.ats_id, b.ats_id, c.ats_id) as ats_id,
    coalesce(p.week_start, b.week_start, c.week_start) as week_start,
    p.prescribed,
    b.booked,
    c.capacity
from prescribed as p
full outer join booked as b using (service_id, ats_id, week_start)
full outer join capacity as c
    on c.service_id = coalesce(p.service_id, b.service_id)
   and c.ats_id = coalesce(p.ats_id, b.ats_id)
   and c.week_start = coalesce(p.week_start, b.week_start)
