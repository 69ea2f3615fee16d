-- One row per agenda event (created, updated, closures, suspension, slots generated), supply kept as JSON.
select
    event_id,
    type as event_type,
    occurred_at,
    {{ payload_text('id') }} as agenda_id,
    {{ payload_text('clinic_id') }} as clinic_id,
    {{ payload_text('access_type') }} as access_type,
    {{ payload_text('status') }} as status,
    payload -> '$.services' as services_json,
    payload -> '$.supply' as supply_json,
    ats as ats_id,
    provider as provider_id
from {{ source('lake', 'offer') }}
where type like 'agenda.%'
{{ dedupe_events() }}
