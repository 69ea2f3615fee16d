-- One row per registered prescription (prescription.registered), its lines as a typed list (unnested downstream).
-- Incremental and append-only: each run reads only the newest lake partitions and appends the prescriptions not
-- loaded yet, stamped with `loaded_at`.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with deduped as (
    select
        event_id,
        occurred_at as registered_at,
        ingested_at,
        {{ payload_text('prescription_id') }} as prescription_id,
        {{ payload_text('priority') }} as priority,
        from_json(payload -> '$.lines', '[{"service_id":"VARCHAR","access_type":"VARCHAR","quantity":"INTEGER"}]') as lines,
        ats as ats_id,
        patient_pseudonym as patient_key,
        patient_residence_ats
    from {{ source('lake', 'prescription') }}
    where type = 'prescription.registered'
    {{ lake_increment_filter('registered_at') }}
    {{ dedupe_events() }}
)

{{ lake_append_new('deduped', 'registered_at') }}
