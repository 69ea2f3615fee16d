{#- Shared expressions over the lake's envelope. -#}

{#- Text field of the JSON payload. -#}
{% macro payload_text(field) -%} (payload ->> '$.{{ field }}') {%- endmacro %}

{#- Date (YYYY-MM-DD) → DATE. -#}
{% macro payload_date(field) -%} try_cast(payload ->> '$.{{ field }}' as date) {%- endmacro %}

{#- ISO instant → TIMESTAMP WITH TIME ZONE. -#}
{% macro payload_ts(field) -%} try_cast(payload ->> '$.{{ field }}' as timestamptz) {%- endmacro %}

{#- JSON boolean → BOOLEAN (null stays null). -#}
{% macro payload_bool(field) -%} try_cast(payload ->> '$.{{ field }}' as boolean) {%- endmacro %}

{#- How a staging model holds its lake CTE (`with events as {{ lake_cte() }} (…)`): on a full build it is read again
    by each part of the dedupe (materialised, a region year of raw events spilled more than 23 GB to disk); on an
    incremental run, the few files read again are read once. -#}
{% macro lake_cte() -%} {{ 'materialized' if is_incremental() else 'not materialized' }} {%- endmacro %}

{#- The rows of `relation` (lake rows: event_id, ingested_at, occurred_at, …) with one row per event_id, the first
    ingested. The lake keeps duplicates out by event_id, but readers remove them too (DESIGN.md → Storage ownership).
    Duplicates are rare, so only the ids seen more than once (a narrow aggregate over event_id) go through the window;
    every other row passes straight through. A window over all rows would partition every wide row by event_id: a
    third of the largest staging model's full build at region scale. `relation` is read several times: a CTE over
    the lake declared `as {{ lake_cte() }}`. -#}
{% macro dedupe_events(relation) -%}
  select * from {{ relation }}
  where event_id not in (select event_id from {{ relation }} group by event_id having count(*) > 1)
  union all
  (select * from {{ relation }}
   where event_id in (select event_id from {{ relation }} group by event_id having count(*) > 1)
   qualify row_number() over (partition by event_id order by ingested_at, occurred_at) = 1)
{%- endmacro %}

{#- Incremental staging reads again the lake partitions (date) from two days before the newest event already loaded
    (the hive `date` column prunes whole folders), and in them only the rows ingested at most 10 minutes before the
    newest row already loaded (Parquet row-group statistics on ingested_at skip the files loaded before, without
    decoding them; the anti-join of lake_append_new drops the overlap). lake_since returns [first date, ingested
    since], or none on a full build. -#}
{% macro lake_since(loaded_column="occurred_at") -%}
  {%- if is_incremental() and execute -%}
    {%- set row = run_query("select coalesce(max(" ~ loaded_column ~ ")::date - 2, date '1970-01-01')::varchar, "
        ~ "coalesce(max(ingested_at) - interval 10 minute, '-infinity'::timestamptz)::varchar from " ~ this).rows[0] -%}
    {{- return([row[0], row[1]]) -}}
  {%- endif -%}
  {{- return(none) -}}
{%- endmacro %}

{% macro lake_increment_filter(loaded_column="occurred_at") -%}
  {%- set since = lake_since(loaded_column) -%}
  {%- if since -%} and date >= date '{{ since[0] }}' and ingested_at > timestamptz '{{ since[1] }}' {%- endif -%}
{%- endmacro %}

{#- Append-only staging: of the rows read again, only the events the table does not hold yet (an anti-join on
    event_id limited to the re-read days, which the table's zone maps prune to its newest row groups), each stamped
    with the run that loaded it (`loaded_at`: downstream incremental models fold the rows loaded after their own
    high-water mark). -#}
{% macro lake_append_new(relation, loaded_column="occurred_at") -%}
  select n.*, {{ this_load() }} as loaded_at
  from {{ relation }} as n
  {%- set since = lake_since(loaded_column) %}
  {%- if since %}
  where not exists (
      select 1 from {{ this }} as t
      where t.event_id = n.event_id and t.{{ loaded_column }} >= timestamptz '{{ since[0] }}' - interval 1 day
  )
  {%- endif %}
{%- endmacro %}

{#- A total order of events as one BIGINT (occurred_at in ms, ties broken by a hash of event_id), for arg_min /
    arg_max folds that are deterministic and give the same answer whether the events are folded at once or in runs. -#}
{% macro event_order(occurred_at="occurred_at", event_id="event_id") -%}
  (epoch_ms({{ occurred_at }}) * 1048576 + hash({{ event_id }}) % 1048576)::bigint
{%- endmacro %}

{#- The load this dbt invocation stamps: staging rows get it as `loaded_at`, incremental models as `loaded_until`. -#}
{% macro this_load() -%} '{{ run_started_at.isoformat() }}'::timestamptz {%- endmacro %}

{#- High-water mark of an incremental model: the newest load it has folded in. -#}
{% macro loaded_until(column="loaded_until") -%} (select max({{ column }}) from {{ this }}) {%- endmacro %}

