-- One row per catalogue event (service.created / updated / deactivated / code_versioned).
with events as {{ lake_cte() }} (select * from {{ source('lake', 'offer') }} where type like 'service.%')

select
    event_id,
    type as event_type,
    occurred_at,
    {{ payload_text('id') }} as service_id,
    {{ payload_text('regional_code') }} as regional_code,
    {{ payload_text('name') }} as service_name,
    {{ payload_text('branch_code') }} as branch_code,
    {{ payload_text('kind') }} as service_kind,
    {{ payload_bool('pngla_monitored') }} as is_pngla_monitored,
    coalesce({{ payload_bool('active') }}, type <> 'service.deactivated') as is_active
from ({{ dedupe_events('events') }})
