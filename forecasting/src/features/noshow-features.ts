/**
 * No-show features per appointment, pure.
 *
 * Appointments file / mart schema (CSV or Parquet, one row per appointment that was due: delivered or no-show):
 *   required  patient_key       pseudonymous patient id (prior-attendance history)
 *             booked_at         booking timestamp (ISO date or date-time)
 *             appointment_date  YYYY-MM-DD
 *             age               years at the appointment (integer)
 *             sex               M | F (anything else = unknown)
 *             reminder_sent     boolean (true/false, 1/0, yes/no)
 *             no_show           outcome, boolean (1 = the patient did not show up)
 *   optional  appointment_time  HH:MM
 *             priority          U | B | D | P
 *             access_type       first | follow_up
 *             channel           call_centre | desk | web | pharmacy | kiosk | …
 *             distance_km       patient → site distance (banded)
 *             any other numeric or boolean column: used as an extra feature (standardised)
 * Prior no-shows count only the patient's appointments dated strictly before this appointment's date.
 */
import { ForecastInputError } from '../errors.ts';
import { toDay } from './calendar.ts';

export const NOSHOW_REQUIRED = ['patient_key', 'booked_at', 'appointment_date', 'age', 'sex', 'reminder_sent', 'no_show'] as const;
export const NOSHOW_OPTIONAL = ['appointment_time', 'priority', 'access_type', 'channel', 'distance_km'] as const;

export interface AppointmentRow {
  patient_key: string;
  booked_at: string;
  appointment_date: string;
  age: number;
  sex: string;
  reminder_sent: boolean | number | string;
  no_show: boolean | number | string;
  appointment_time?: string | null;
  priority?: string | null;
  access_type?: string | null;
  channel?: string | null;
  distance_km?: number | null;
  [extra: string]: unknown;
}

export interface NoShowDataset {
  /** rows sorted by appointment date */
  rows: AppointmentRow[];
  x: number[][];
  y: number[];
  leadDays: number[];
  dates: string[];
  featureNames: string[];
  extraColumns: string[];
}

const CHANNELS = ['call_centre', 'desk', 'web', 'pharmacy', 'kiosk'];
const AGE_BANDS = [18, 35, 50, 65, 80];

export function toBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v) !== 0;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['1', 'true', 't', 'yes', 'y', 'si', 'sì'].includes(s)) return true;
    if (['0', 'false', 'f', 'no', 'n', ''].includes(s)) return false;
  }
  return undefined;
}

const dateOf = (v: unknown): string | undefined => {
  const s = v instanceof Date ? v.toISOString() : String(v ?? '');
  return /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : undefined;
};

/** Numeric-or-boolean columns beyond the documented ones (used as extra features). */
export function detectExtraColumns(rows: readonly AppointmentRow[], columns: readonly string[]): string[] {
  const known = new Set<string>([...NOSHOW_REQUIRED, ...NOSHOW_OPTIONAL]);
  return columns.filter((c) => !known.has(c) && rows.length > 0 && rows.every((r) => {
    const v = r[c];
    return v === null || v === undefined || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'bigint' || (typeof v === 'string' && v !== '' && (Number.isFinite(Number(v)) || toBool(v) !== undefined));
  }));
}

/**
 * Builds the feature matrix. Throws ForecastInputError naming the source and the missing columns, or the first bad
 * row and field.
 */
export function buildNoShowDataset(input: readonly AppointmentRow[], columns: readonly string[], source: string, extraColumns?: readonly string[]): NoShowDataset {
  const missing = NOSHOW_REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length) throw new ForecastInputError('MISSING_COLUMNS', `${source}: missing column(s) ${missing.join(', ')} (required: ${NOSHOW_REQUIRED.join(', ')})`);
  if (!input.length) throw new ForecastInputError('NO_DATA', `${source}: no appointments`);
  const extras = extraColumns ? [...extraColumns] : detectExtraColumns(input, columns);
  const hasTime = columns.includes('appointment_time');
  const hasDistance = columns.includes('distance_km');
  const rows = input.map((r, i) => {
    const appt = dateOf(r.appointment_date), booked = dateOf(r.booked_at);
    const bad = (field: string, v: unknown) => new ForecastInputError('BAD_VALUE', `${source}: row ${i + 1} (patient ${r.patient_key}): ${field} = ${JSON.stringify(v)} is not valid`);
    if (!appt) throw bad('appointment_date', r.appointment_date);
    if (!booked) throw bad('booked_at', r.booked_at);
    if (!Number.isFinite(Number(r.age))) throw bad('age', r.age);
    if (toBool(r.no_show) === undefined) throw bad('no_show', r.no_show);
    if (toBool(r.reminder_sent) === undefined) throw bad('reminder_sent', r.reminder_sent);
    return { r, i, appt, booked, day: toDay(appt) };
  });
  rows.sort((a, b) => a.day - b.day || a.i - b.i);
  // prior history per patient, strictly before the appointment date
  const prior = new Map<string, { n: number; ns: number; pendingDay: number; pn: number; pns: number }>();
  const priorOf: { n: number; ns: number }[] = [];
  for (const e of rows) {
    const k = String(e.r.patient_key);
    let p = prior.get(k);
    if (!p) prior.set(k, (p = { n: 0, ns: 0, pendingDay: -Infinity, pn: 0, pns: 0 }));
    if (p.pendingDay < e.day) {
      p.n += p.pn; p.ns += p.pns; p.pn = 0; p.pns = 0; p.pendingDay = e.day;
    }
    priorOf.push({ n: p.n, ns: p.ns });
    p.pn++;
    p.pns += toBool(e.r.no_show) ? 1 : 0;
  }
  const extraStats = extras.map((c) => {
    const v = rows.map((e) => { const b = e.r[c]; return typeof b === 'boolean' || toBool(b) !== undefined && !Number.isFinite(Number(b)) ? (toBool(b) ? 1 : 0) : Number(b ?? 0); });
    return v;
  });
  const names = [
    'log1p_lead_days', 'lead_days_100', ...['0-7', '8-14', '15-30', '31-60', '61-120', '121+'].map((b) => `lead_${b}`),
    ...[1, 2, 3, 4, 5, 6, 7].map((d) => `weekday_${d}`),
    ...(hasTime ? ['hour_before_10', 'hour_10_13', 'hour_after_13'] : []),
    ...['0-17', '18-34', '35-49', '50-64', '65-79', '80+'].map((b) => `age_${b}`),
    'sex_f', 'sex_m', ...['U', 'B', 'D', 'P'].map((c) => `class_${c}`), 'access_first', ...CHANNELS.map((c) => `channel_${c}`), 'reminder_sent',
    'prior_appointments_log1p', 'prior_no_shows', 'prior_no_show_rate',
    ...(hasDistance ? ['distance_0_10', 'distance_10_30', 'distance_30_plus', 'distance_unknown'] : []),
    ...extras.map((c) => `extra_${c}`),
  ];
  const x: number[][] = [], y: number[] = [], leadDays: number[] = [], dates: string[] = [];
  rows.forEach((e, j) => {
    const r = e.r;
    const lead = Math.max(0, e.day - toDay(e.booked));
    const v: number[] = [Math.log1p(lead), lead / 100];
    const band = lead <= 7 ? 0 : lead <= 14 ? 1 : lead <= 30 ? 2 : lead <= 60 ? 3 : lead <= 120 ? 4 : 5;
    for (let b = 0; b < 6; b++) v.push(b === band ? 1 : 0);
    const wd = (((e.day + 3) % 7) + 7) % 7 + 1;
    for (let d = 1; d <= 7; d++) v.push(d === wd ? 1 : 0);
    if (hasTime) {
      const h = Number(String(r.appointment_time ?? '').slice(0, 2));
      v.push(Number.isFinite(h) && h < 10 ? 1 : 0, h >= 10 && h < 13 ? 1 : 0, h >= 13 ? 1 : 0);
    }
    const age = Number(r.age);
    const ab = AGE_BANDS.findIndex((b) => age < b);
    for (let b = 0; b < 6; b++) v.push(b === (ab === -1 ? 5 : ab) ? 1 : 0);
    const sex = String(r.sex ?? '').toUpperCase();
    v.push(sex === 'F' ? 1 : 0, sex === 'M' ? 1 : 0);
    for (const c of ['U', 'B', 'D', 'P']) v.push(r.priority === c ? 1 : 0);
    v.push(r.access_type === 'first' ? 1 : 0);
    for (const c of CHANNELS) v.push(r.channel === c ? 1 : 0);
    v.push(toBool(r.reminder_sent) ? 1 : 0);
    const p = priorOf[j]!;
    v.push(Math.log1p(p.n), Math.min(p.ns, 5), (p.ns + 0.15) / (p.n + 1));
    if (hasDistance) {
      const d = r.distance_km === null || r.distance_km === undefined ? NaN : Number(r.distance_km);
      v.push(d < 10 ? 1 : 0, d >= 10 && d < 30 ? 1 : 0, d >= 30 ? 1 : 0, Number.isFinite(d) ? 0 : 1);
    }
    for (const col of extraStats) v.push(col[j]!);
    x.push(v);
    y.push(toBool(r.no_show) ? 1 : 0);
    leadDays.push(lead);
    dates.push(e.appt);
  });
  return { rows: rows.map((e) => e.r), x, y, leadDays, dates, featureNames: names, extraColumns: extras };
}
