// Priority-class compliance for the drill-down ATS → provider → site → clinic and by service (last 13 weeks).
import {emit, query} from "./warehouse.js";

// Rows carry ids; each name comes once in ats/providers/sites/clinics/services (components/names.js puts them back).
const recent = `c.week_start > (select max(week_start) from mart_compliance_drilldown) - interval 91 day`;
const rows = await query(`
  select c.week_start::varchar as week_start, o.ats_id, o.provider_id, o.site_id, c.clinic_id,
         c.service_id, c.priority, c.bookings, c.within_max, c.guaranteed, c.guaranteed_within_max
  from mart_compliance_drilldown c
  join dim_org_units o on o.clinic_id = c.clinic_id
  join dim_services s on s.service_id = c.service_id
  where ${recent}
  order by c.week_start, o.ats_name, o.provider_name, o.site_name, o.clinic_name, s.service_name, c.priority`);
const units = (level) => query(`
  select distinct o.${level}_id, o.${level}_name
  from mart_compliance_drilldown c join dim_org_units o on o.clinic_id = c.clinic_id where ${recent} order by 2`);
const [ats, providers, sites, clinics] = [await units("ats"), await units("provider"), await units("site"), await units("clinic")];
const services = await query(`
  select distinct s.service_id, s.service_name
  from mart_compliance_drilldown c join dim_services s on s.service_id = c.service_id where ${recent} order by 2`);
const waits = await query(`
  select w.week_start::varchar as week_start, w.ats_id, w.priority, w.service_id,
         sum(w.bookings) as bookings, sum(w.median_wait_days * w.bookings) / sum(w.bookings) as median_wait_days,
         max(w.p90_wait_days) as p90_wait_days, any_value(w.max_wait_days) as max_wait_days
  from mart_wait_times w
  where w.week_start > (select max(week_start) from mart_compliance_drilldown) - interval 91 day -- the weeks the page can select
  group by all order by week_start`);
await emit({rows, ats, providers, sites, clinics, services, waits});
