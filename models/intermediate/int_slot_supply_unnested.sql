-- Published supply by agenda and day (agenda.slots_generated, the latest publication of each day wins),
-- with the agenda's clinic, access type and number of services (to share the capacity among them).
with published as (
    select
        e.agenda_id,
        e.clinic_id,
        e.access_type,
        e.ats_id,
        e.provider_id,
        e.occurred_at,
        e.services_json,
        unnest(from_json(e.supply_json, '[{"date":"DATE","slots":"INTEGER","capacity":"INTEGER"}]')) as day
    from {{ ref('stg_lake__agenda_events') }} as e
    where e.event_type = 'agenda.slots_generated'
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
    from_json(services_json, '["VARCHAR"]') as services
from published
qualify row_number() over (partition by agenda_id, day.date order by occurred_at desc) = 1
