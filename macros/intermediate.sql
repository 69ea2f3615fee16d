{#- Row sources shared by intermediate models and the weekly models, as subqueries that take a filter, so that an
    incremental run filters the rows before they are unnested (DuckDB does not push the filter below the UNNEST of a
    view). -#}

{#- One row per prescription line of the prescriptions that satisfy `where` (columns of stg_lake__prescriptions). -#}
{% macro prescription_lines(where="true") -%}
(
    select
        prescription_id,
        registered_at,
        registered_date,
        priority,
        patient_residence_ats,
        ats_id,
        line.service_id,
        coalesce(line.access_type, 'first') as access_type,
        coalesce(line.quantity, 1) as quantity
    from (
        -- UNNEST in the select list: as a lateral join with a filter on the lines it ran as a nested loop (80 s a year)
        select
            p.prescription_id, p.registered_at, p.registered_date, p.priority, p.patient_residence_ats,
            coalesce(p.patient_residence_ats, p.ats_id) as ats_id,
            unnest(p.lines) as line
        from {{ ref('stg_lake__prescriptions') }} as p
        where {{ where }}
    )
)
{%- endmacro %}

{#- First-access capacity by ATS × service × day of the supply rows that satisfy `where` (columns of
    int_slot_supply_unnested): each agenda's daily capacity shared evenly among its services, each share in exact
    decimals (6 places), so that sums do not depend on the order they are added in. -#}
{% macro service_supply_split(where="true") -%}
(
    select
        ats_id,
        service_id,
        supply_date,
        sum(share) as capacity
    from (
        select ats_id, supply_date, (capacity / len(services))::decimal(18, 6) as share, unnest(services) as service_id
        from {{ ref('int_slot_supply_unnested') }}
        where access_type = 'first' and len(services) > 0 and {{ where }}
    )
    group by all
)
{%- endmacro %}

{#- `where` condition: the week of `date_expr` is one of the weeks in the CTE `weeks` (column week_start) in
    incremental runs, or true. -#}
{% macro week_in(date_expr, weeks) -%}
  {%- if is_incremental() -%} date_trunc('week', {{ date_expr }})::date in (select week_start from {{ weeks }}) {%- else -%} true {%- endif -%}
{%- endmacro %}

{#- `where` condition: the week of `date_expr` is one of the `affected` weeks (incremental runs), or true. -#}
{% macro week_in_affected(date_expr) -%} {{ week_in(date_expr, 'affected') }} {%- endmacro %}
