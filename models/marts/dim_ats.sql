select org_unit_id as ats_id, code as ats_code, name as ats_name, population
from {{ ref('int_org_units_latest') }}
where level = 'ats'
