{#- The appointment lifecycle folded to one row per appointment (fct_bookings). A fold of any set of events gives
    a partial state that merges with the state of other events (merge_appointment_states), so an incremental run
    folds only the events loaded since the last one and merges them onto the rows it already holds:
      booked   fields of the booking event (the appointment's first appointment.booked: the ex-ante figures)
      latest   fields of the latest event (current slot and place, status)
      outcome  counts and flags over all events (moves, cancellation, confirmation, delivery, no-show)
    Events are ordered by event_order (occurred_at, ties broken by a hash of event_id). -#}

{% macro appointment_booked_fields() -%}
  service_id, service_kind, branch_code, priority, access_type, regime, channel, chosen_date as booked_chosen_date,
  first_offered_date, first_offered_in_area, refused_first_availability, in_garanzia, guarantee_deadline, booked_at,
  ats_id as booked_ats_id, provider_id as booked_provider_id, site_id as booked_site_id, clinic_id as booked_clinic_id, patient_key, patient_birth_year, patient_sex, patient_residence_ats
{%- endmacro %}

{% macro appointment_latest_fields() -%}
  status as latest_status, ats_id, provider_id, site_id, clinic_id, agenda_id, slot_start_at, chosen_date as slot_date
{%- endmacro %}

{#- struct_pack of a field list written as "expr [as name], …", each expr a column of `alias` -#}
{% macro _pack(fields, alias) -%}
  struct_pack(
  {%- for f in fields.split(',') -%}
    {%- set parts = f.strip().split(' as ') -%}
    {{ parts[-1].strip() }} := {{ alias }}.{{ parts[0].strip() }}{{ ', ' if not loop.last }}
  {%- endfor -%})
{%- endmacro %}

{#- Partial state per appointment of the events in `events`: rows of stg_lake__appointment_events with their row id
    in that table as `event_row`, a relation read three times. The aggregate keeps the row ids of the booking event
    and of the latest event (arg_min / arg_max of a BIGINT), and their fields are read back by row id: an arg_max of
    the whole struct copied the struct at almost every event (events come in time order): on a region year's full
    build, fct_bookings took 128 s that way and 109 s this way. -#}
{% macro fold_appointment_events(events) -%}
select
    a.appointment_id,
    case when a.booked_row is not null then {{ _pack(appointment_booked_fields(), 'b') }} end as booked,
    a.booked_order,
    {{ _pack(appointment_latest_fields(), 'l') }} as latest,
    a.* exclude (appointment_id, booked_row, booked_order, latest_row)
from (
    select
        appointment_id,
        arg_min(event_row, ord) filter (where event_type = 'appointment.booked') as booked_row,
        min(ord) filter (where event_type = 'appointment.booked') as booked_order,
        arg_max(event_row, ord) as latest_row,
        max(ord) as last_event_order,
        max(occurred_at) as last_event_at,
        count(*) filter (where event_type = 'appointment.moved') as moves,
        bool_or(event_type = 'appointment.cancelled') as is_cancelled,
        coalesce(bool_or(is_late) filter (where event_type = 'appointment.cancelled'), false) as is_late_cancellation,
        bool_or(event_type = 'appointment.confirmed') as is_confirmed,
        bool_or(event_type = 'appointment.delivered') as is_delivered,
        max(reason) filter (where event_type = 'appointment.not_delivered') as not_delivered_reason,
        coalesce(bool_or(has_penalty) filter (where event_type = 'appointment.not_delivered'), false) as has_penalty,
        max(loaded_at) as events_loaded_at
    from (select *, {{ event_order() }} as ord from {{ events }}) as e
    group by appointment_id
) as a
left join {{ events }} as b on b.event_row = a.booked_row
join {{ events }} as l on l.event_row = a.latest_row
{%- endmacro %}

{#- Merges the states `a` (held, may be null) and `b` (new) of one appointment, column by column. -#}
{% macro merge_appointment_states(a, b) -%}
    coalesce({{ b }}.appointment_id, {{ a }}.appointment_id) as appointment_id,
    case when {{ a }}.booked_order is null or {{ b }}.booked_order < {{ a }}.booked_order then {{ b }}.booked else {{ a }}.booked end as booked,
    least({{ a }}.booked_order, {{ b }}.booked_order) as booked_order,
    case when {{ a }}.last_event_order is null or {{ b }}.last_event_order > {{ a }}.last_event_order then {{ b }}.latest else {{ a }}.latest end as latest,
    greatest({{ a }}.last_event_order, {{ b }}.last_event_order) as last_event_order,
    greatest({{ a }}.last_event_at, {{ b }}.last_event_at) as last_event_at,
    coalesce({{ a }}.moves, 0) + {{ b }}.moves as moves,
    coalesce({{ a }}.is_cancelled, false) or {{ b }}.is_cancelled as is_cancelled,
    coalesce({{ a }}.is_late_cancellation, false) or {{ b }}.is_late_cancellation as is_late_cancellation,
    coalesce({{ a }}.is_confirmed, false) or {{ b }}.is_confirmed as is_confirmed,
    coalesce({{ a }}.is_delivered, false) or {{ b }}.is_delivered as is_delivered,
    greatest({{ a }}.not_delivered_reason, {{ b }}.not_delivered_reason) as not_delivered_reason,
    coalesce({{ a }}.has_penalty, false) or {{ b }}.has_penalty as has_penalty,
    greatest({{ a }}.events_loaded_at, {{ b }}.events_loaded_at) as events_loaded_at
{%- endmacro %}

{#- The held state of fct_bookings rows, in the shape fold_appointment_events returns. -#}
{% macro appointment_state_of_rows(relation) -%}
select
    appointment_id,
    struct_pack({% for f in appointment_booked_fields().split(',') %}{% set n = f.strip().split(' as ')[-1].strip() %}{{ n }} := {{ n }}{{ ', ' if not loop.last }}{% endfor %}) as booked,
    booked_order,
    struct_pack({% for f in appointment_latest_fields().split(',') %}{% set n = f.strip().split(' as ')[-1].strip() %}{{ n }} := {{ n }}{{ ', ' if not loop.last }}{% endfor %}) as latest,
    last_event_order,
    last_event_at,
    moves,
    is_cancelled,
    is_late_cancellation,
    is_confirmed,
    is_delivered,
    not_delivered_reason,
    has_penalty,
    events_loaded_at
from {{ relation }}
{%- endmacro %}

{#- ISO weeks (Monday) of the bookings whose booking event was loaded after the model's high-water mark: the only
    weeks a mart of ex-ante figures (booking fields only) has to recompute. -#}
{% macro weeks_with_new_bookings() -%}
(
    select distinct date_trunc('week', cast(booked_at as date))::date
    from {{ ref('stg_lake__appointment_events') }}
    where event_type = 'appointment.booked' and loaded_at > {{ loaded_until() }}
)
{%- endmacro %}

{#- ISO weeks (column week_start) of the prescriptions loaded after the model's high-water mark. -#}
{% macro weeks_with_new_prescriptions() -%}
(
    select distinct date_trunc('week', registered_date)::date as week_start
    from {{ ref('stg_lake__prescriptions') }} where loaded_at > {{ loaded_until() }}
)
{%- endmacro %}

{#- ISO weeks (column week_start) of the supply published after the model's high-water mark. -#}
{% macro weeks_with_new_supply() -%}
(
    select distinct date_trunc('week', supply_date)::date as week_start
    from {{ ref('int_slot_supply_unnested') }} where loaded_until > {{ loaded_until() }}
)
{%- endmacro %}

{#- ISO weeks with new prescriptions, new bookings or newly published supply since the model's high-water mark:
    the weeks a weekly demand/supply model has to recompute (to which each model adds its own). -#}
{% macro weeks_with_new_demand_or_supply() -%}
    select week_start from {{ weeks_with_new_prescriptions() }}
    union
    select * from {{ weeks_with_new_bookings() }}
    union
    select week_start from {{ weeks_with_new_supply() }}
{%- endmacro %}

{#- Places (columns `clinic_id`, `day`) whose appointments changed since the model's high-water mark: the clinic-day
    of every appointment with new events, and the clinic-day a move left (`clinic_id` null for a move event written
    before `previous_clinic_id` existed). -#}
{% macro places_with_changed_appointments() -%}
    select clinic_id, slot_date as day from {{ ref('fct_bookings') }} where events_loaded_at > {{ loaded_until() }}
    union
    select previous_clinic_id, cast(previous_slot_start_at as date)
    from {{ ref('stg_lake__appointment_events') }} where loaded_at > {{ loaded_until() }} and previous_slot_start_at is not null
{%- endmacro %}

{#- Days (column `day`) whose appointments changed since the model's high-water mark. -#}
{% macro days_with_changed_appointments() -%}
    select distinct day from ({{ places_with_changed_appointments() }})
{%- endmacro %}

{#- Condition of an incremental run: `date_column` falls in a month with changed appointments. The months are read
    first and written as literals: a date range DuckDB applies while it scans, then the months themselves. (As a
    semi-join on the days of those months, a region year's 17M closed appointments each probed the join: 1.9 s.) -#}
{% macro in_months_with_changed_appointments(date_column) -%}
  {%- set months = run_query("select distinct date_trunc('month', day)::date::varchar from (" ~ days_with_changed_appointments()
      ~ ") where day is not null order by 1").columns[0].values() if execute else [] -%}
  {%- if months | length == 0 -%} false
  {%- else -%}
  {{ date_column }} >= date '{{ months[0] }}' and {{ date_column }} < date '{{ months[-1] }}' + interval 1 month
  and date_trunc('month', {{ date_column }}) in ({% for m in months %}date '{{ m }}'{{ ', ' if not loop.last }}{% endfor %})
  {%- endif -%}
{%- endmacro %}
