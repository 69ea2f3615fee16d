-- Published supply by agenda and day (agenda.slots_generated, the latest publication of each day wins),
-- with the agenda's clinic, access type and services (to share the capacity among them).
-- Incremental: a run recomputes only the agendas with events loaded since the table's high-water mark (loaded_until).
{{ config(materialized='incremental', unique_key='agenda_id', incremental_strategy='delete+insert', on_schema_change='fail') }}
with published as (
    select
        e.agenda_id,
        e.clinic_id,
        e.access_type,
        e.ats_id,
        e.provider_id,
        e.occurred_at,
        e.services,
        unnest(e.supply) as day
    from {{ ref('stg_lake__agenda_events') }} as e
    where e.event_type = 'agenda.slots_generated'
    {% if is_incremental() %}
      and e.agenda_id in (
          select agenda_id from {{ ref('stg_lake__agenda_events') }}
          where loaded_at > {{ loaded_until() }}
      )
    {% endif %}
)

select
    agenda_id,
    clinic_id,
    access_type,
    ats_id,
    provider_id,
    day.date as supply_date,
    day.slots as slots,
    day.capacity as capacity,
    services,
    {{ this_load() }} as loaded_until
from published
qualify row_number() over (partition by agenda_id, day.date order by occurred_at desc) = 1
