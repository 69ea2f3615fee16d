// Threshold rules over mart aggregates (pure): compliance below a share, next availability beyond the class
// maximum, volume-target trajectory behind. Returns one row per breach.
import {pct, num} from "./bands.js";
import {rollup} from "./filters.js";

export function evaluateRules({compliance = [], next = [], targets = []}, {compliance: minShare = 0.9, minBookings = 10, nextAvailability = true, trajectory = 0.9} = {}) {
  const out = [];
  const lastWeeks = [...new Set(compliance.map((r) => r.week_start))].sort().slice(-4);
  const recent = compliance.filter((r) => lastWeeks.includes(r.week_start));
  for (const g of rollup(recent, ["provider_id", "provider_name", "ats_name", "priority"], ["bookings", "within_max"])) {
    if (g.bookings < minBookings) continue;
    const share = g.within_max / g.bookings;
    if (share < minShare) out.push({regola: "Rispetto tempi sotto soglia", ambito: `${g.provider_name} (${g.ats_name}) · classe ${g.priority}`, valore: pct(share), soglia: pct(minShare, 0)});
  }
  if (nextAvailability) {
    for (const r of next) {
      if (r.is_beyond_class_max) out.push({regola: "Prossima disponibilità oltre il massimo", ambito: `${r.service_name} · ${r.ats_name} · classe ${r.priority}`, valore: r.days_to_first_in_area === null ? "nessuna data" : `${num(r.days_to_first_in_area)} gg`, soglia: `${num(r.max_wait_days)} gg`});
    }
  }
  for (const r of targets) {
    if (!(r.as_of_date >= r.period_start && r.as_of_date <= r.period_end)) continue;
    if (r.attainment_to_date !== null && r.attainment_to_date < trajectory) out.push({regola: "Obiettivo di volume in ritardo", ambito: `${r.service_name} · ${r.ats_name} · ${r.period}`, valore: pct(r.attainment_to_date), soglia: pct(trajectory, 0)});
  }
  return out;
}
