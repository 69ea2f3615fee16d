-- depends_on: {{ ref('stg_lake__prescriptions') }}
-- Feature mart for forecasting/ (contract: forecasting/src/features/demand-features.ts).
-- Grain: one row per service × ATS × priority class × ISO week (Monday) with first-access demand.
--   demand          first-access prescription lines registered that week (the patient's residence ATS, else the
--                   prescribing ATS); a blank class counts as P (Lombardy rule, DOMAIN.md §1.1)
--   planned_supply  first-access places published for the service in that ATS that week (all classes)
--   mean_wait_days  mean ex-ante wait of that week's first-access bookings of the class booked in that ATS (seeds the
--                   queue projection's backlog)
-- Only complete weeks: the week still in progress is left out so it does not look like a drop in demand.
-- Incremental: a run recomputes only the weeks that new prescriptions, new bookings or supply publications touch,
-- and the weeks completed since the last run.
-- depends_on: {{ ref('stg_lake__appointment_events') }}
-- depends_on: {{ ref('int_slot_supply_unnested') }}
{{ config(materialized='incremental', unique_key='week_start', incremental_strategy='delete+insert', on_schema_change='fail') }}

with last_complete_week as (
    -- the last Monday whose whole week (to Sunday) is in the data
    select (date_trunc('week', max(registered_date) + 1)::date - 7) as week_start from {{ ref('stg_lake__prescriptions') }}
),

{% if is_incremental() %}
affected as (
    {{ weeks_with_new_demand_or_supply() }}
    union
    select unnest(range(
        coalesce((select max(week_start) from {{ this }}), (select week_start from last_complete_week)),
        (select week_start from last_complete_week) + 1,
        interval 7 day))::date
),
{% endif %}

lines as (
    select
        service_id,
        ats_id,
        coalesce(nullif(priority, ''), 'P') as priority,
        date_trunc('week', registered_date)::date as week_start,
        registered_date,
        quantity
    from {{ prescription_lines(week_in('registered_date', 'affected')) }}
    where access_type = 'first'
),

demand as (
    select service_id, ats_id, priority, week_start, sum(quantity)::integer as demand
    from lines
    where week_start <= (select week_start from last_complete_week)
    group by all
),

supply as (
    select service_id, ats_id, date_trunc('week', supply_date)::date as week_start, sum(capacity)::double as planned_supply
    from {{ service_supply_split(week_in('supply_date', 'affected')) }}
    group by all
),

waits as (
    select service_id, booked_ats_id as ats_id, priority, date_trunc('week', booking_date)::date as week_start, avg(wait_days)::double as mean_wait_days
    from {{ ref('fct_bookings') }}
    where access_type = 'first' and {{ week_in('booking_date', 'affected') }}
    group by all
)

select
    d.service_id,
    d.ats_id,
    d.priority,
    s.service_kind,
    d.week_start,
    d.demand,
    sp.planned_supply,
    w.mean_wait_days,
    {{ this_load() }} as loaded_until
from demand as d
left join {{ ref('dim_services') }} as s using (service_id)
left join supply as sp using (service_id, ats_id, week_start)
left join waits as w using (service_id, ats_id, priority, week_start)
