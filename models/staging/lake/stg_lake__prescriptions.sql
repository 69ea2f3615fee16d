-- One row per registered prescription (prescription.registered); lines stay JSON (unnested downstream).
-- Incremental: each run reads only the newest lake partitions.
{{ config(materialized='incremental', unique_key='event_id', incremental_strategy='delete+insert', on_schema_change='fail') }}
select
    event_id,
    occurred_at as registered_at,
    {{ payload_text('prescription_id') }} as prescription_id,
    {{ payload_text('priority') }} as priority,
    payload -> '$.lines' as lines_json,
    ats as ats_id,
    patient_pseudonym as patient_key,
    patient_residence_ats
from {{ source('lake', 'prescription') }}
where type = 'prescription.registered'
{{ lake_increment_filter('registered_at') }}
{{ dedupe_events() }}
