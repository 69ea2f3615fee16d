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
