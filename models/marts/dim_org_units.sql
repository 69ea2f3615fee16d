-- Clinics with their place in the tree (clinic → unit → site → provider → ATS) and the names of each level.
with u as (select * from {{ ref('int_org_units_latest') }})
select
    c.org_unit_id as clinic_id,
    c.name as clinic_name,
    s.org_unit_id as site_id,
    s.name as site_name,
    p.org_unit_id as provider_id,
    p.name as provider_name,
    p.provider_kind,
    a.org_unit_id as ats_id,
    a.name as ats_name
from u as c
join u as un on un.org_unit_id = c.parent_id
join u as s on s.org_unit_id = un.parent_id
join u as p on p.org_unit_id = s.parent_id
join u as a on a.org_unit_id = p.parent_id
where c.level = 'clinic'
