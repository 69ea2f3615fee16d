{#- Shared expressions over the lake's envelope. -#}

{#- Text field of the JSON payload. -#}
{% macro payload_text(field) -%} (payload ->> '$.{{ field }}') {%- endmacro %}

{#- Date (YYYY-MM-DD) → DATE. -#}
{% macro payload_date(field) -%} try_cast(payload ->> '$.{{ field }}' as date) {%- endmacro %}

{#- ISO instant → TIMESTAMP WITH TIME ZONE. -#}
{% macro payload_ts(field) -%} try_cast(payload ->> '$.{{ field }}' as timestamptz) {%- endmacro %}

{#- JSON boolean → BOOLEAN (null stays null). -#}
{% macro payload_bool(field) -%} try_cast(payload ->> '$.{{ field }}' as boolean) {%- endmacro %}

{#- The lake keeps duplicates out by event_id, but readers remove them too (DESIGN.md → Storage ownership). -#}
{% macro dedupe_events() -%}
  qualify row_number() over (partition by event_id order by ingested_at, occurred_at) = 1
{%- endmacro %}

{#- Incremental staging: read only the lake partitions from two days before the newest event already loaded
    (the hive `date` column prunes whole folders; delete+insert on event_id makes the overlap harmless). -#}
{% macro lake_increment_filter(loaded_column="occurred_at") -%}
  {%- if is_incremental() and execute -%}
    {%- set since = run_query("select coalesce(max(" ~ loaded_column ~ ")::date - 2, date '1970-01-01')::varchar from " ~ this).columns[0].values()[0] -%}
    and date >= date '{{ since }}'
  {%- endif -%}
{%- endmacro %}
