-- Services of the catalogue (latest state). The lake's scrubber drops every `name` key, service names included,
-- so the name falls back to the reference catalogue (seed service_names), then to the id.
with latest as (
    select *
    from {{ ref('stg_lake__services') }}
    qualify row_number() over (partition by service_id order by occurred_at desc, event_id desc) = 1
)

select
    l.service_id,
    l.regional_code,
    coalesce(l.service_name, n.service_name, l.service_id) as service_name,
    l.branch_code,
    l.service_kind,
    coalesce(l.is_pngla_monitored, false) as is_pngla_monitored
from latest as l
left join {{ ref('service_names') }} as n on n.service_id = l.service_id
