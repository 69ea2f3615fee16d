-- One row per registered prescription (prescription.registered), its lines as a typed list (unnested downstream).
-- Incremental and append-only: each run reads only the newest lake partitions and appends the prescriptions not
-- loaded yet, stamped with `loaded_at`. The JSON payload is parsed once per row.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with events as {{ lake_cte() }} (
    select
        event_id,
        occurred_at,
        ingested_at,
        payload,
        ats,
        patient_pseudonym,
        patient_residence_ats
    from {{ source('lake', 'prescription') }}
    where type = 'prescription.registered'
    {{ lake_increment_filter('registered_at') }}
),

parsed as (
    select * exclude (payload), from_json(payload, '{"prescription_id":"VARCHAR","priority":"VARCHAR",
            "lines":[{"service_id":"VARCHAR","access_type":"VARCHAR","quantity":"INTEGER"}]}') as p
    from ({{ dedupe_events('events') }})
),

deduped as (
    select
        event_id,
        occurred_at as registered_at,
        cast(occurred_at as date) as registered_date,
        ingested_at,
        p.prescription_id,
        p.priority,
        p.lines,
        ats as ats_id,
        patient_pseudonym as patient_key,
        patient_residence_ats
    from parsed
)

{{ lake_append_new('deduped', 'registered_at') }}
