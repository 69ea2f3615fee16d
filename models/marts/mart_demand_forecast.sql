-- The latest demand forecast (`cupola forecast predict`, a source in the lake) per ATS × service × week: P10/P50/P90
-- of first-access demand summed over the priority classes. Sums of per-class quantiles are not quantiles of the
-- total: read the P10-P90 range as an indicative band. Empty (same columns) while no forecast has been written.
-- depends_on: {{ source('forecasts', 'demand') }}
{%- set forecast_glob = env_var('CUPOLA_DATA_DIR', 'data') ~ '/lake/forecasts/demand/*/*.parquet' %}
{%- set has_forecast = false %}
{%- if execute %}
  {%- set has_forecast = run_query("select count(*) from glob('" ~ forecast_glob ~ "')").columns[0].values()[0] > 0 %}
{%- endif %}
{% if has_forecast %}
with latest as (
    select *
    from {{ source('forecasts', 'demand') }}
    qualify generated_at = max(generated_at) over ()
)

select
    ats_id,
    service_id,
    week_start::date as week_start,
    any_value(model_id) as model_id,
    any_value(generated_at)::timestamp as generated_at,
    any_value(origin_week)::date as origin_week,
    sum(p10)::double as p10,
    sum(p50)::double as p50,
    sum(p90)::double as p90
from latest
group by ats_id, service_id, week_start
{% else %}
select
    null::varchar as ats_id,
    null::varchar as service_id,
    null::date as week_start,
    null::varchar as model_id,
    null::timestamp as generated_at,
    null::date as origin_week,
    null::double as p10,
    null::double as p50,
    null::double as p90
where false
{% endif %}
