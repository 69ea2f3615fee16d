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

{#- The days of the periods (`unit`: week or month) that the one-column subquery `periods` starts, as a subquery:
    filters are written `<date column> in days_of(…)` rather than `date_trunc(unit, <date column>) in periods`, so
    that DuckDB filters the column itself while scanning (and skips the row groups outside the days' range) instead
    of reading every row and its other columns before the join: over a region year 0.7–1.4 s per filter against
    0.03–0.1 s. -#}
{% macro days_of(periods, unit) -%}
  (select unnest(range(p, (p + interval 1 {{ unit }})::date, interval 1 day))::date from {{ periods }} as periods(p))
{%- endmacro %}

{#- `where` condition: the week of the DATE column `date_column` is one of the weeks in the CTE `weeks` (column
    week_start) in incremental runs, or true. -#}
{% macro week_in(date_column, weeks) -%}
  {%- if is_incremental() -%} {{ date_column }} in {{ days_of('(select week_start from ' ~ weeks ~ ')', 'week') }} {%- else -%} true {%- endif -%}
{%- endmacro %}
