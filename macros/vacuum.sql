{#- On-run-start hook (dbt_project.yml): an incremental run defers DuckDB's vacuum, unless a table has gathered
    too many deleted rows.
    A checkpoint's vacuum rewrites the row groups of the tables it checkpoints that hold deleted rows, merging them.
    An incremental run deletes rows in most of its tables (delete+insert: fct_bookings the rows it merges onto, 158k
    of 19.2M on a region year's day; fct_slots_daily every clinic-day with a changed appointment, 614k of 1.9M).
    Vacuuming them was 2.5-3 s of that run's 13-16 s, in whichever commit crossed the WAL threshold, and it left about
    half of fct_bookings' deleted rows behind anyway (DuckDB merges row groups only where that saves one).
    So an incremental run sets `max_vacuum_tasks` to 0 for its whole DuckDB instance (its checkpoints, and the last
    one when dbt closes the warehouse), and the deleted rows stay in place, skipped by every scan. The run vacuums as
    before when any incremental model's table holds more deleted rows than `vacuum_dead_ratio` (var, default 1.0)
    times its live rows, counted as max(rowid) + 1 - count(*): rowids are row positions, so this costs no scan of the
    data (0.04 s on fct_bookings' 19M rows). At the default, a region year's daily runs would vacuum about one run in
    four, for fct_slots_daily (a vacuum there left 122k of its 614k deleted rows). `--vars '{vacuum: true}'` vacuums in any case; full refreshes and first builds are unchanged. -#}
{% macro defer_vacuum_on_incremental_runs() -%}
  {%- if execute and not flags.FULL_REFRESH and not var('vacuum', false) -%}
    {%- set counts = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.config.materialized == 'incremental' -%}
      {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
      {%- if relation is not none -%}
        {%- do counts.append("select '" ~ node.name ~ "' as model, coalesce(max(rowid) + 1, 0) - count(*) as dead, count(*) as live from " ~ relation) -%}
      {%- endif -%}
    {%- endfor -%}
    {%- if counts -%}
      {%- set worst = run_query("select model, dead, live from (" ~ counts | join(" union all ") ~ ") order by dead / greatest(live, 1) desc limit 1").rows[0] -%}
      {%- if worst[1] > var('vacuum_dead_ratio', 1.0) * worst[2] -%}
        {%- do log("vacuum kept on this run: " ~ worst[0] ~ " holds " ~ worst[1] ~ " deleted rows for " ~ worst[2] ~ " live ones", info=true) -%}
        select 'vacuum kept'
      {%- else -%}
        set global max_vacuum_tasks = 0
      {%- endif -%}
    {%- endif -%}
  {%- endif -%}
{%- endmacro %}
