-- One row per agenda event (created, updated, closures, suspension, slots generated), services and published supply
-- as typed lists. Incremental and append-only: each run reads only the newest lake partitions and appends the
-- events not loaded yet, stamped with `loaded_at`. The JSON payload is parsed once per row.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with events as {{ lake_cte() }} (
    select
        event_id,
        type,
        occurred_at,
        ingested_at,
        payload,
        ats,
        provider
    from {{ source('lake', 'offer') }}
    where type like 'agenda.%'
    {{ lake_increment_filter() }}
),

parsed as (
    select * exclude (payload), from_json(payload, '{"id":"VARCHAR","clinic_id":"VARCHAR","access_type":"VARCHAR","status":"VARCHAR","services":["VARCHAR"],
            "supply":[{"date":"DATE","slots":"INTEGER","capacity":"INTEGER"}]}') as p
    from ({{ dedupe_events('events') }})
),

deduped as (
    select
        event_id,
        type as event_type,
        occurred_at,
        ingested_at,
        p.id as agenda_id,
        p.clinic_id,
        p.access_type,
        p.status,
        p.services,
        p.supply,
        ats as ats_id,
        provider as provider_id
    from parsed
)

{{ lake_append_new('deduped') }}
