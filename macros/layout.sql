{#- Physical layout of large incremental tables. DuckDB skips row groups by their min/max, so where rows sit decides
    what an incremental run must decompress. -#}

{#- After-commit post-hook, in a transaction of its own: moves the rows whose `date_column` falls on or after `days`
    days before the newest `event_column` to the end of the table, in date order. Those are the rows still changing
    (appointments with recent or future slots); the rest is history no new event touches. An incremental run then
    finds the rows it merges onto in the newest row groups (fct_bookings reads them by row id), and its own rewritten
    rows are appended after them. Same rows before and after: only their order changes.
    - After a full build it always runs (on a region year: 1.44M of 19.1M rows, 8-10 s).
    - After an incremental run it runs only when those rows have spread over more than `layout_max_spread` (var,
      default 4) times their number of row positions: day after day, rows of appointments booked weeks ago are
      rewritten at the end while others stay where they were, and the range an incremental run reads grows back
      towards the whole table. Checking costs one scan of two narrow columns.
    In a first build's hooks `is_incremental()` is false (the new table is not yet in dbt's relation cache), and with
    --full-refresh as well. Ordering the whole build instead ran out of memory on a region year (the fold's hash
    table and the sort at once), and the same moves inside the build's own transaction made its commit about 50 s
    slower. -#}
{% macro move_recent_rows_last(date_column, event_column, days) -%}
  {%- if execute -%}
    {%- set cutoff = run_query("select (max(" ~ event_column ~ ")::date - " ~ days ~ ")::varchar from " ~ this).rows[0][0] -%}
    {%- set move = cutoff is not none -%}
    {%- if move and is_incremental() -%}
      {%- set spread = run_query("select count(*), coalesce(max(rowid) - min(rowid) + 1, 0) from " ~ this
          ~ " where " ~ date_column ~ " >= date '" ~ cutoff ~ "'").rows[0] -%}
      {%- set move = spread[0] > 0 and spread[1] > var('layout_max_spread', 4) * spread[0] -%}
    {%- endif -%}
    {%- if move -%}
    begin transaction;
    create temp table {{ this.identifier }}__recent as select * from {{ this }} where {{ date_column }} >= date '{{ cutoff }}';
    delete from {{ this }} where {{ date_column }} >= date '{{ cutoff }}';
    insert into {{ this }} select * from {{ this.identifier }}__recent order by {{ date_column }};
    drop table {{ this.identifier }}__recent;
    commit
    {%- endif -%}
  {%- endif -%}
{%- endmacro %}
