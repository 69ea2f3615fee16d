-- One row per prescription line (first-access demand by service and patient ATS). The weekly models read the same
-- rows through the macro prescription_lines, with their week filter applied before the lines are unnested.
{{ config(materialized='view') }}
select * from {{ prescription_lines() }}
