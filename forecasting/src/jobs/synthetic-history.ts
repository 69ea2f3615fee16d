/**
 * Synthetic history for benchmarks and demos when no dbt marts exist: weekly first-access demand per
 * service × ATS × class drawn day by day with the simulator's own assumptions (simulator/src/demand-model.ts:
 * weekday and yearly seasonality, class mix per kind, Poisson draws, holidays ×0.05), and appointments with
 * no-show outcomes. NOT real data: every figure computed on it says so.
 *
 * No-show assumptions (beyond the simulator's lead-time curve, which alone bounds any model near the baseline):
 * per-patient propensity (so prior no-shows are informative), younger adults miss more, a reminder cuts the odds,
 * web bookings and Monday early slots miss slightly more. Effect sizes are plausible, not measured.
 */
import { CLASS_MIX, CLASSES, demandFactor, noShowProbability, poisson } from '../../../simulator/src/demand-model.ts';
import { createRng } from '../../../simulator/src/rng.ts';
import type { DemandRow } from '../features/demand-features.ts';
import { addWeeks, fromDay, toDay } from '../features/calendar.ts';
import type { AppointmentRow } from '../features/noshow-features.ts';

const HOLIDAYS = ['01-01', '01-06', '04-25', '05-01', '06-02', '08-15', '11-01', '12-08', '12-25', '12-26'];

export interface SyntheticDemandOptions {
  seed: number; weeks: number; start: string; services: number; ats: number;
  /** scale of daily prescriptions per service in the largest ATS (region scale ≈ 100: a few hundred a week per service × ATS) */
  volume: number;
}

/** Weekly demand rows (and a planned supply ≈ mean demand × 1.02 per service × ATS) over `weeks` weeks from `start`. */
export function syntheticDemand(o: SyntheticDemandOptions): DemandRow[] {
  const rng = createRng(o.seed);
  const rows: DemandRow[] = [];
  const kinds = ['visit', 'instrumental', 'lab'] as const;
  const d0 = toDay(o.start);
  for (let s = 0; s < o.services; s++) {
    const kind = kinds[s % 3]!;
    const base = o.volume * (0.1 + rng.next() ** 2); // prescriptions per working day in the largest ATS
    for (let a = 0; a < o.ats; a++) {
      const pop = [1, 0.45, 0.3, 0.3, 0.25, 0.2, 0.15, 0.1][a % 8]!;
      const trend = rng.float(-0.1, 0.15); // per year
      const daily = Array.from({ length: o.weeks * 7 }, (_, i) => {
        const d = d0 + i;
        const md = fromDay(d).slice(5);
        const hol = HOLIDAYS.includes(md) ? 0.05 : 1;
        return base * pop * demandFactor(d) * hol * (1 + (trend * i) / 365);
      });
      let supply = 0;
      for (const c of CLASSES) {
        const share = CLASS_MIX[kind][c];
        for (let w = 0; w < o.weeks; w++) {
          let n = 0;
          for (let k = 0; k < 7; k++) n += poisson(daily[w * 7 + k]! * share, () => rng.next());
          rows.push({ service_id: `S${String(s + 1).padStart(2, '0')}`, ats_id: `ATS${a + 1}`, priority: c, week_start: addWeeks(o.start, w), demand: n, service_kind: kind, planned_supply: null });
        }
      }
      // supply between 95% and 108% of the mean demand; recent waits by class consistent with a tight or loose agenda
      const tight = rng.float(0.95, 1.08);
      supply = (daily.reduce((x, y) => x + y, 0) / o.weeks) * tight;
      const waitBase = tight < 1 ? 1.6 : tight < 1.03 ? 1 : 0.5;
      const waits: Record<string, number> = { U: 2, B: 6 * waitBase, D: 25 * waitBase, P: 70 * waitBase };
      for (const r of rows) {
        if (r.service_id === `S${String(s + 1).padStart(2, '0')}` && r.ats_id === `ATS${a + 1}`) {
          r.planned_supply = Math.round(supply);
          r.mean_wait_days = Math.round(waits[r.priority]! * rng.float(0.8, 1.2));
        }
      }
    }
  }
  return rows;
}

export interface SyntheticAppointmentsOptions { seed: number; patients: number; appointments: number; start: string; days: number }

/** Appointments with outcomes (the file schema of features/noshow-features.ts). */
export function syntheticAppointments(o: SyntheticAppointmentsOptions, trueProbability?: number[]): AppointmentRow[] {
  const rng = createRng(o.seed);
  const patients = Array.from({ length: o.patients }, (_, i) => {
    const u1 = rng.next() || 1e-9, u2 = rng.next();
    return { key: `p${i}`, propensity: 1.1 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2), age: Math.floor(95 * rng.next() ** 0.8), sex: rng.chance(0.54) ? 'F' : 'M' };
  });
  const channels = ['call_centre', 'desk', 'web', 'pharmacy', 'kiosk'];
  const d0 = toDay(o.start);
  const rows: { r: AppointmentRow; p: number }[] = [];
  for (let i = 0; i < o.appointments; i++) {
    const p = patients[Math.floor(rng.next() ** 1.5 * patients.length)]!; // some patients book often
    const bookDay = d0 + rng.int(0, o.days - 1);
    const cls = rng.weighted(['U', 'B', 'D', 'P'], (c) => ({ U: 0.03, B: 0.2, D: 0.4, P: 0.37 })[c]!);
    const lead = cls === 'U' ? rng.int(0, 3) : cls === 'B' ? rng.int(1, 12) : cls === 'D' ? rng.int(3, 70) : rng.int(10, 160);
    const hour = rng.int(8, 17);
    const channel = rng.weighted(channels, (c) => ({ call_centre: 0.34, desk: 0.3, web: 0.22, pharmacy: 0.1, kiosk: 0.04 })[c]!);
    const reminder = lead >= 3 && rng.chance(0.7);
    const apptDay = bookDay + lead;
    const wd = (((apptDay + 3) % 7) + 7) % 7 + 1;
    const base = noShowProbability(lead);
    let logit = Math.log(base / (1 - base)) + p.propensity;
    if (p.age >= 18 && p.age < 35) logit += 0.5;
    if (p.age >= 65) logit -= 0.3;
    if (reminder) logit -= 0.7;
    if (channel === 'web') logit += 0.25;
    if (wd === 1 && hour < 10) logit += 0.2;
    const prob = 1 / (1 + Math.exp(-logit));
    rows.push({ p: prob, r: {
      patient_key: p.key, booked_at: `${fromDay(bookDay)}T${String(rng.int(8, 18)).padStart(2, '0')}:00:00Z`,
      appointment_date: fromDay(apptDay), appointment_time: `${String(hour).padStart(2, '0')}:${rng.chance(0.5) ? '00' : '30'}`,
      age: p.age, sex: p.sex, reminder_sent: reminder, no_show: rng.chance(prob), priority: cls, access_type: rng.chance(0.8) ? 'first' : 'follow_up', channel,
    } });
  }
  rows.sort((a, b) => a.r.appointment_date.localeCompare(b.r.appointment_date) || a.r.booked_at.localeCompare(b.r.booked_at));
  if (trueProbability) trueProbability.push(...rows.map((x) => x.p));
  return rows.map((x) => x.r);
}
