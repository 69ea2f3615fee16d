-- One row per organisation-unit event (org_unit.created / updated / deactivated).
with events as {{ lake_cte() }} (select * from {{ source('lake', 'offer') }} where type like 'org_unit.%')

select
    event_id,
    type as event_type,
    occurred_at,
    {{ payload_text('id') }} as org_unit_id,
    {{ payload_text('level') }} as level,
    {{ payload_text('parent_id') }} as parent_id,
    {{ payload_text('code') }} as code,
    {{ payload_text('name') }} as name,
    {{ payload_text('provider_kind') }} as provider_kind,
    try_cast({{ payload_text('population') }} as bigint) as population,
    coalesce({{ payload_bool('active') }}, type <> 'org_unit.deactivated') as is_active
from ({{ dedupe_events('events') }})
