-- Latest state of each organisation unit. The lake's scrubber drops every `name` key (org-unit names included),
-- so names fall back to the reference (seed org_unit_names: ATS and public providers), then to a label built from
-- the level and the code.
{{ config(materialized='view') }}
with latest as (
    select * exclude (event_id, event_type, occurred_at)
    from {{ ref('stg_lake__org_units') }}
    qualify row_number() over (partition by org_unit_id order by occurred_at desc, event_id desc) = 1
)

select
    l.* exclude (name),
    coalesce(l.name, n.name, case l.level
        when 'ats' then 'ATS ' || l.code
        when 'provider' then (case when l.provider_kind = 'private' then 'Erogatore privato accreditato ' else 'Ente ' end) || l.code
        when 'site' then 'Presidio ' || l.code
        when 'unit' then 'Unità operativa ' || l.code
        when 'clinic' then 'Ambulatorio ' || l.code
        else l.level || ' ' || l.code end) as name
from latest as l
left join {{ ref('org_unit_names') }} as n on n.org_unit_id = l.org_unit_id
