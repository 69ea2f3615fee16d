{#- Generic data tests (no dbt packages: the project builds offline). -#}

{#- Every value lies in [min_value, max_value] (either bound may be omitted). -#}
{% test value_between(model, column_name, min_value=none, max_value=none) %}
select {{ column_name }} as value
from {{ model }}
where {{ column_name }} is not null
  and (
    {% if min_value is not none %} {{ column_name }} < {{ min_value }} {% else %} false {% endif %}
    or {% if max_value is not none %} {{ column_name }} > {{ max_value }} {% else %} false {% endif %}
  )
{% endtest %}

{#- None of the given columns is null (one pass over the model for several columns). -#}
{% test not_null_columns(model, columns) %}
select {{ columns | join(', ') }}
from {{ model }}
where {% for c in columns %}{{ c }} is null{{ ' or ' if not loop.last }}{% endfor %}
{% endtest %}

{#- No two rows share the same combination of the given columns (the grain). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- An expression holds on every row. -#}
{% test expression_holds(model, expression) %}
select * from {{ model }} where not ({{ expression }})
{% endtest %}

{#- A test's `where` config may name the newest rows of its model: `__max_<column>__` becomes
    `(select max(<column>) from <model>)`, e.g. `events_loaded_at = __max_events_loaded_at__` (the rows of the
    newest load of an incremental model, all of them after a full build). -#}
{% macro get_where_subquery(relation) -%}
  {%- set ns = namespace(where=config.get('where')) -%}
  {%- if ns.where -%}
    {%- for _ in range(8) -%}
      {%- set start = ns.where.find('__max_') -%}
      {%- if start >= 0 -%}
        {%- set stop = ns.where.find('__', start + 6) -%}
        {%- set ns.where = ns.where[:start] ~ '(select max(' ~ ns.where[start + 6:stop] ~ ') from ' ~ relation ~ ')' ~ ns.where[stop + 2:] -%}
      {%- endif -%}
    {%- endfor -%}
    {%- set filtered -%} (select * from {{ relation }} where {{ ns.where }}) dbt_subquery {%- endset -%}
    {%- do return(filtered) -%}
  {%- else -%}
    {%- do return(relation) -%}
  {%- endif -%}
{%- endmacro %}
