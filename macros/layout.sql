{#- Physical layout of large incremental tables. DuckDB skips row groups by their min/max, so where rows sit decides
    what an incremental run must decompress. -#}

{#- Post-hook of a full build, run after its commit in a transaction of its own: moves the rows whose `date_column`
    falls on or after `days` days before the newest `event_column` to the end of the table, in date order. Those are
    the rows still changing (appointments with recent or future slots); the rest is history no new event touches. An
    incremental run then finds the rows it merges onto in the newest row groups (fct_bookings reads them by row id),
    and its own rewritten rows are appended after them. Same rows before and after: only their order changes.
    An incremental run skips it: there `is_incremental()` is true, while in a first build's hooks the new table is not
    yet in dbt's relation cache, and with --full-refresh it is false anyway (the analytics test checks the layout
    after a first build; a --full-refresh of the region year was checked by hand). Ordering the whole
    build instead ran out of memory on a region year (the fold's hash table and the sort at once), and the same moves
    inside the build's own transaction made its commit about 50 s slower. -#}
{% macro move_recent_rows_last(date_column, event_column, days) -%}
  {%- if execute and not is_incremental() -%}
    {%- set cutoff = run_query("select (max(" ~ event_column ~ ")::date - " ~ days ~ ")::varchar from " ~ this).rows[0][0] -%}
    {%- if cutoff is not none -%}
    begin transaction;
    create temp table {{ this.identifier }}__recent as select * from {{ this }} where {{ date_column }} >= date '{{ cutoff }}';
    delete from {{ this }} where {{ date_column }} >= date '{{ cutoff }}';
    insert into {{ this }} select * from {{ this.identifier }}__recent order by {{ date_column }};
    drop table {{ this.identifier }}__recent;
    commit
    {%- endif -%}
  {%- endif -%}
{%- endmacro %}
