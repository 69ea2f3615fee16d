-- One row per prescription line (first-access demand by service and patient ATS).
{{ config(materialized='view') }}
select
    p.prescription_id,
    p.registered_at,
    cast(p.registered_at as date) as registered_date,
    p.priority,
    p.patient_residence_ats,
    coalesce(p.patient_residence_ats, p.ats_id) as ats_id,
    line.service_id,
    coalesce(line.access_type, 'first') as access_type,
    coalesce(line.quantity, 1) as quantity
from {{ ref('stg_lake__prescriptions') }} as p,
     unnest(p.lines) as l(line)
