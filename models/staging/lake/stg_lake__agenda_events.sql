-- One row per agenda event (created, updated, closures, suspension, slots generated), services and published supply
-- as typed lists. Incremental and append-only: each run reads only the newest lake partitions and appends the
-- events not loaded yet, stamped with `loaded_at`.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with deduped as (
select
    event_id,
    type as event_type,
    occurred_at,
    ingested_at,
    {{ payload_text('id') }} as agenda_id,
    {{ payload_text('clinic_id') }} as clinic_id,
    {{ payload_text('access_type') }} as access_type,
    {{ payload_text('status') }} as status,
    from_json(payload -> '$.services', '["VARCHAR"]') as services,
    from_json(payload -> '$.supply', '[{"date":"DATE","slots":"INTEGER","capacity":"INTEGER"}]') as supply,
    ats as ats_id,
    provider as provider_id
from {{ source('lake', 'offer') }}
where type like 'agenda.%'
{{ lake_increment_filter() }}
{{ dedupe_events() }}
)

{{ lake_append_new('deduped') }}
