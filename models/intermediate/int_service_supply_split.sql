-- First-access capacity by ATS × service × day: each agenda's daily capacity shared evenly among its services.
-- The weekly models read the same rows through the macro service_supply_split, with their week filter.
{{ config(materialized='view') }}
select * from {{ service_supply_split() }}
