-- One row per availability search (availability.searched): the first date offered, in the guarantee area and anywhere.
-- Incremental and append-only: each run reads only the newest lake partitions and appends the searches not loaded
-- yet, stamped with `loaded_at`. The JSON payload is parsed once per row.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with events as {{ lake_cte() }} (
    select
        event_id,
        occurred_at,
        ingested_at,
        payload
    from {{ source('lake', 'booking') }}
    where type = 'availability.searched'
    {{ lake_increment_filter('searched_at') }}
),

parsed as (
    select * exclude (payload), from_json(payload, '{"search_id":"VARCHAR","service_id":"VARCHAR","priority":"VARCHAR","access_type":"VARCHAR","channel":"VARCHAR",
            "patient_ats":"VARCHAR","first_available_date":"VARCHAR","first_available_in_area_date":"VARCHAR","guaranteed":"BOOLEAN",
            "pathway":"VARCHAR","deadline":"VARCHAR","results":"VARCHAR"}') as p
    from ({{ dedupe_events('events') }})
),

deduped as (
    select
        event_id,
        occurred_at as searched_at,
        ingested_at,
        p.search_id,
        p.service_id,
        p.priority,
        p.access_type,
        p.channel,
        p.patient_ats as patient_ats_id,
        try_cast(p.first_available_date as date) as first_available_date,
        try_cast(p.first_available_in_area_date as date) as first_available_in_area_date,
        p.guaranteed as is_guaranteed,
        p.pathway,
        try_cast(p.deadline as date) as guarantee_deadline,
        try_cast(p.results as integer) as results
    from parsed
)

{{ lake_append_new('deduped', 'searched_at') }}
