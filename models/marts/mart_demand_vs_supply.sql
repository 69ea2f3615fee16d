-- Demand vs supply by service × ATS × ISO week: prescribed (patient ATS), booked (booking week, patient ATS),
-- first-access capacity and places booked on it (slot week, provider ATS), saturation and unmet demand.
-- int_first_access_weekly holds the four measures side by side, one row per service × ATS × week; the mart keeps
-- the weeks with demand, bookings or capacity.
select
    service_id,
    ats_id,
    week_start,
    coalesce(prescribed, 0)::integer as prescribed,
    coalesce(booked, 0)::integer as booked,
    coalesce(capacity, 0)::double as capacity,
    coalesce(places_booked, 0)::integer as places_booked,
    case when capacity > 0 then coalesce(places_booked, 0) / capacity end::double as saturation,
    greatest(coalesce(prescribed, 0) - coalesce(booked, 0), 0)::integer as unmet
from {{ ref('int_first_access_weekly') }}
where prescribed is not null or booked is not null or capacity is not null
