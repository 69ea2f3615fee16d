-- Priority-class compliance for the drill-down ATS → provider → site → clinic and by service: first-access SSN
-- bookings with a class, by clinic × service × class × ISO week of booking.
select
    b.clinic_id,
    b.service_id,
    b.priority,
    date_trunc('week', b.booking_date)::date as week_start,
    any_value(b.ats_id) as ats_id,
    any_value(b.provider_id) as provider_id,
    any_value(b.site_id) as site_id,
    count(*)::integer as bookings,
    count(*) filter (where b.is_within_class_max)::integer as within_max,
    count(*) filter (where b.in_garanzia)::integer as guaranteed,
    count(*) filter (where b.in_garanzia and b.is_within_class_max)::integer as guaranteed_within_max
from {{ ref('fct_bookings') }} as b
where b.access_type = 'first' and b.priority is not null and b.regime = 'SSN'
group by b.clinic_id, b.service_id, b.priority, date_trunc('week', b.booking_date)
