-- One row per availability search (availability.searched): the first date offered, in the guarantee area and anywhere.
-- Incremental: each run reads only the newest lake partitions.
{{ config(materialized='incremental', unique_key='event_id', incremental_strategy='delete+insert', on_schema_change='fail') }}
select
    event_id,
    occurred_at as searched_at,
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
