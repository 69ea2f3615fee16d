-- One row per availability search (availability.searched): the first date offered, in the guarantee area and anywhere.
-- Incremental and append-only: each run reads only the newest lake partitions and appends the searches not loaded
-- yet, stamped with `loaded_at`.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with deduped as (
select
    event_id,
    occurred_at as searched_at,
    ingested_at,
    {{ payload_text('search_id') }} as search_id,
    {{ payload_text('service_id') }} as service_id,
    {{ payload_text('priority') }} as priority,
    {{ payload_text('access_type') }} as access_type,
    {{ payload_text('channel') }} as channel,
    {{ payload_text('patient_ats') }} as patient_ats_id,
    {{ payload_date('first_available_date') }} as first_available_date,
    {{ payload_date('first_available_in_area_date') }} as first_available_in_area_date,
    {{ payload_bool('guaranteed') }} as is_guaranteed,
    {{ payload_text('pathway') }} as pathway,
    {{ payload_date('deadline') }} as guarantee_deadline,
    try_cast({{ payload_text('results') }} as integer) as results
from {{ source('lake', 'booking') }}
where type = 'availability.searched'
{{ lake_increment_filter('searched_at') }}
{{ dedupe_events() }}
)

{{ lake_append_new('deduped', 'searched_at') }}
