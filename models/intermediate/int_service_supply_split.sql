-- First-access capacity by ATS × service × day: each agenda's daily capacity shared evenly among its services.
{{ config(materialized='view') }}
select
    s.ats_id,
    svc.service_id,
    s.supply_date,
    -- each share in exact decimals (6 places), so that sums do not depend on the order they are added in
    sum((s.capacity / len(s.services))::decimal(18, 6)) as capacity
from {{ ref('int_slot_supply_unnested') }} as s,
     unnest(s.services) as svc(service_id)
where s.access_type = 'first' and len(s.services) > 0
group by all
