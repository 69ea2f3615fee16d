-- The latest first-access availability search with a class per service × patient ATS × class.
-- Incremental: a run compares only the searches loaded since its high-water mark with the rows it holds (a few
-- thousand keys), instead of ranking every search ever made.
{{ config(materialized='incremental', unique_key=['service_id', 'patient_ats_id', 'priority'], incremental_strategy='delete+insert', on_schema_change='fail') }}
with candidates as (
    select service_id, patient_ats_id, priority, event_id, searched_at, first_available_date, first_available_in_area_date
    from {{ ref('stg_lake__availability_searches') }}
    where access_type = 'first' and priority is not null and patient_ats_id is not null
    {% if is_incremental() %}
      and loaded_at > {{ loaded_until() }}
    union all
    select service_id, patient_ats_id, priority, event_id, searched_at, first_available_date, first_available_in_area_date
    from {{ this }}
    {% endif %}
)

select *, {{ this_load() }} as loaded_until
from candidates
qualify row_number() over (partition by service_id, patient_ats_id, priority order by searched_at desc, event_id desc) = 1
