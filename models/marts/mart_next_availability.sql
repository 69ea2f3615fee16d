-- Next available date by service × patient ATS × class: the latest availability search's first date in the
-- guarantee area, how far it is, whether it is beyond the class maximum, and how the last 7 days of searches went.
with searches as (
    select s.*
    from {{ ref('stg_lake__availability_searches') }} as s
    where s.access_type = 'first' and s.priority is not null and s.patient_ats_id is not null
),

latest as (
    select *, cast(searched_at as date) as search_date from {{ ref('int_availability_searches_latest') }}
),

as_of as (select max(searched_at) as as_of_at from latest),

recent as (
    select
        service_id, patient_ats_id, priority,
        count(*) as searches_7d,
        avg(case when is_guaranteed then 1.0 else 0.0 end) as share_guaranteed_7d,
        count(*) filter (where pathway = 'percorso_di_tutela') as tutela_7d
    from searches, as_of
    where searched_at > as_of.as_of_at - interval 7 day
    group by all
),

max_waits as (
    select s.service_id, m.priority, m.max_wait_days
    from {{ ref('dim_services') }} as s
    join {{ ref('priority_class_max_waits') }} as m on m.service_kind = s.service_kind
)

select
    l.service_id,
    l.patient_ats_id as ats_id,
    l.priority,
    l.searched_at as last_searched_at,
    l.first_available_in_area_date,
    l.first_available_date,
    (l.first_available_in_area_date - l.search_date)::integer as days_to_first_in_area,
    m.max_wait_days::integer as max_wait_days,
    coalesce((l.first_available_in_area_date - l.search_date) > m.max_wait_days, true) as is_beyond_class_max,
    coalesce(r.searches_7d, 0)::integer as searches_7d,
    r.share_guaranteed_7d::double as share_guaranteed_7d,
    coalesce(r.tutela_7d, 0)::integer as tutela_7d
from latest as l
left join recent as r using (service_id, patient_ats_id, priority)
left join max_waits as m on m.service_id = l.service_id and m.priority = l.priority
