-- One row per booked appointment (first access and follow-up), its ex-ante wait and its outcome: the appointment
-- lifecycle folded to its latest state (macros/lifecycle.sql).
-- Incremental: a run folds only the events stg_lake__appointment_events loaded after the table's high-water mark
-- (events_loaded_at) and merges them onto the rows it holds for those appointments; an appointment booked since the
-- last run also gets its earlier events (its hold, at most a day older than the new events).
{{ config(materialized='incremental', unique_key='appointment_id', incremental_strategy='delete+insert', on_schema_change='fail',
          post_hook=after_commit("{{ move_recent_rows_last('slot_date', 'last_event_at', 7) }}")) }}

{% if is_incremental() %}
{#- The table's high-water mark, and the earliest instant an earlier event of a newly booked appointment can have,
    as literals: constant filters let DuckDB skip the staging row groups outside them (with subqueries it read half
    of the staging table). -#}
{%- set loaded_until = run_query("select coalesce(max(events_loaded_at), '-infinity'::timestamptz)::varchar from " ~ this).rows[0][0] if execute else '-infinity' %}
{%- set earliest_event = run_query("select coalesce(min(occurred_at) - interval 1 day, 'infinity'::timestamptz)::varchar from "
    ~ ref('stg_lake__appointment_events') ~ " where loaded_at > timestamptz '" ~ loaded_until ~ "'").rows[0][0] if execute else 'infinity' %}
-- (the CTEs read more than once are materialised once)
with new_events as materialized (
    select *, rowid as event_row from {{ ref('stg_lake__appointment_events') }}
    where loaded_at > timestamptz '{{ loaded_until }}'
),

changed as materialized (
    select distinct appointment_id from new_events
),

{#- The held rows are found by appointment_id (one narrow column), then read whole by row id: the rows of
    appointments still changing sit in the table's newest row groups (macros/layout.sql), and the row ids' range lets
    the scan skip the rest. An appointment_id filter alone decompresses every column of every row group. -#}
held_rows as materialized (
    select rowid as row_id from {{ this }}
    where appointment_id in (select appointment_id from changed)
),

held as materialized (
    {{ appointment_state_of_rows(this) }}
    where rowid in (select row_id from held_rows)
),

earlier as (
    select s.*, s.rowid as event_row
    from {{ ref('stg_lake__appointment_events') }} as s
    where s.loaded_at <= timestamptz '{{ loaded_until }}'
      and s.occurred_at >= timestamptz '{{ earliest_event }}'
      and s.appointment_id in (select appointment_id from changed)
      and s.appointment_id not in (select appointment_id from held)
),

new_and_earlier as materialized (
    select * from new_events union all by name select * from earlier
),

new_folded as (
    {{ fold_appointment_events('new_and_earlier') }}
),

states as (
    select {{ merge_appointment_states('h', 'f') }}
    from new_folded as f
    left join held as h using (appointment_id)
),
{% else %}
with states as (
    {{ fold_appointment_events('(select *, rowid as event_row from ' ~ ref('stg_lake__appointment_events') ~ ')') }}
),
{% endif %}

folded as (
    select unnest(s.booked), unnest(s.latest), s.* exclude (booked, latest)
    from states as s
    where s.booked is not null
),

max_waits as (select * from {{ ref('priority_class_max_waits') }})

select
    f.appointment_id,
    f.service_id,
    f.service_kind,
    f.branch_code,
    f.priority,
    f.access_type,
    f.regime,
    f.channel,
    f.ats_id,
    f.provider_id,
    f.site_id,
    f.clinic_id,
    f.agenda_id,
    f.booked_ats_id,
    f.booked_provider_id,
    f.booked_site_id,
    f.booked_clinic_id,
    f.patient_key,
    f.patient_birth_year,
    f.patient_sex,
    f.patient_residence_ats,
    f.booked_at,
    cast(f.booked_at as date) as booking_date,
    f.first_offered_date,
    f.first_offered_in_area,
    f.booked_chosen_date,
    f.slot_date,
    f.slot_start_at,
    (f.booked_chosen_date - cast(f.booked_at as date))::integer as wait_days,
    (f.first_offered_date - cast(f.booked_at as date))::integer as first_offered_wait_days,
    f.refused_first_availability,
    f.in_garanzia,
    f.guarantee_deadline,
    m.max_wait_days::integer as max_wait_days,
    case when m.max_wait_days is null then null
         else (f.booked_chosen_date - cast(f.booked_at as date)) <= m.max_wait_days end as is_within_class_max,
    f.latest_status,
    f.moves::integer as moves,
    f.is_cancelled,
    f.is_late_cancellation,
    f.is_delivered,
    f.not_delivered_reason,
    coalesce(f.not_delivered_reason = 'no_show', false) as is_no_show,
    f.has_penalty,
    f.is_confirmed,
    (f.slot_date - cast(f.booked_at as date))::integer as lead_days,
    f.last_event_at,
    f.booked_order,
    f.last_event_order,
    f.events_loaded_at
from folded as f
left join max_waits as m on m.priority = f.priority and m.service_kind = f.service_kind
{% if is_incremental() %}
-- appended in slot date order (a full build is laid out by its post-hook: macros/layout.sql)
order by f.slot_date
{% endif %}
