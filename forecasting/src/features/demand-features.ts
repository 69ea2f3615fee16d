/**
 * Weekly demand series and the model's input windows (lags + calendar features), pure.
 *
 * Input grain (the dbt mart `ml_demand_weekly`, or any table with these columns): one row per
 * service × ATS × priority class × week — `service_id`, `ats_id`, `priority`, `week_start` (Monday), `demand`
 * (first-access prescription lines registered that week); optional `service_kind` (visit|instrumental|lab) and
 * `planned_supply` (first-access places offered that week for the service in the ATS, all classes).
 */
import { ForecastInputError } from '../errors.ts';
import { addWeeks, calendarFeatures, CALENDAR_FEATURES, toDay, weekStart } from './calendar.ts';

export const DEMAND_COLUMNS = ['service_id', 'ats_id', 'priority', 'week_start', 'demand'] as const;
export const CLASSES = ['U', 'B', 'D', 'P'] as const;
export const KINDS = ['visit', 'instrumental', 'lab'] as const;

export interface DemandRow {
  service_id: string;
  ats_id: string;
  priority: string;
  week_start: string;
  demand: number;
  service_kind?: string | null;
  planned_supply?: number | null;
  /** mean ex-ante wait (days) of the week's bookings of this class, when known (seeds the queue's backlog) */
  mean_wait_days?: number | null;
}

export interface Series {
  key: string;
  serviceId: string;
  atsId: string;
  priority: string;
  serviceKind: string;
  /** week starts, consecutive, shared by every series */
  weeks: string[];
  values: number[];
  /** planned supply of the service × ATS per week (all classes), when known */
  supply: (number | null)[];
  /** observed mean wait of the class's bookings per week, when known */
  waits: (number | null)[];
  /** demand of the whole service × ATS (all classes) per week: a less noisy signal pooled across classes */
  group: number[];
}

export interface WindowConfig {
  /** weeks ahead forecast by one model call */
  horizon: number;
  /** recent weeks given as lags */
  lags: number;
  /** seasonal period in weeks (52 for yearly) */
  season: number;
  /**
   * Give the value one season before each target week as inputs. Only worth it when the training windows mostly
   * have a season of history (≥ 2 seasons + 2 horizons); with less, the model would meet a regime in evaluation it
   * hardly saw in training, so the yearly pattern comes from the calendar features shared by all series instead.
   */
  seasonalInputs?: boolean;
}

export const DEFAULT_WINDOW: WindowConfig = { horizon: 12, lags: 12, season: 52 };

export const seriesKey = (r: { service_id: string; ats_id: string; priority: string }) => `${r.service_id}|${r.ats_id}|${r.priority}`;

/** Checks the columns of a demand table; throws naming what is missing. */
export function checkDemandColumns(columns: readonly string[], source: string): void {
  const missing = DEMAND_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) {
    throw new ForecastInputError('MISSING_COLUMNS', `${source}: missing column(s) ${missing.join(', ')} (needs ${DEMAND_COLUMNS.join(', ')}; optional service_kind, planned_supply)`);
  }
}

/**
 * Groups rows into series on one common weekly calendar (missing weeks = 0 demand). Throws when a value is bad or a
 * series has fewer than `minWeeks` weeks from its first observation to the end (naming the series).
 */
export interface BuildSeriesOptions {
  /** drop series with too little history instead of failing (their keys are pushed to `dropped`) */
  dropShort?: boolean;
  dropped?: string[];
}

export function buildSeries(rows: readonly DemandRow[], minWeeks: number, source = 'demand', opts: BuildSeriesOptions = {}): Series[] {
  if (!rows.length) throw new ForecastInputError('NO_DATA', `${source}: no rows`);
  checkDemandColumns(Object.keys(rows[0]!), source);
  let first = Infinity, last = -Infinity;
  for (const r of rows) {
    if (typeof r.week_start !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(r.week_start)) {
      throw new ForecastInputError('BAD_VALUE', `${source}: series ${seriesKey(r)} has week_start ${JSON.stringify(r.week_start)} (expected YYYY-MM-DD)`);
    }
    if (!Number.isFinite(Number(r.demand)) || Number(r.demand) < 0) {
      throw new ForecastInputError('BAD_VALUE', `${source}: series ${seriesKey(r)} week ${r.week_start} has demand ${JSON.stringify(r.demand)} (expected a number >= 0)`);
    }
    const d = toDay(weekStart(r.week_start));
    first = Math.min(first, d);
    last = Math.max(last, d);
  }
  const n = (last - first) / 7 + 1;
  const firstIso = weekStart(rows.reduce((m, r) => (r.week_start < m ? r.week_start : m), rows[0]!.week_start));
  const weeks = Array.from({ length: n }, (_, i) => addWeeks(firstIso, i));
  const byKey = new Map<string, Series & { firstIdx: number }>();
  for (const r of rows) {
    const key = seriesKey(r);
    let s = byKey.get(key);
    if (!s) {
      // first row of the series
      s = {
        key, serviceId: String(r.service_id), atsId: String(r.ats_id), priority: String(r.priority),
        serviceKind: String(r.service_kind ?? 'visit'), weeks, values: new Array(n).fill(0), supply: new Array(n).fill(null), waits: new Array(n).fill(null), group: [], firstIdx: n,
      };
      byKey.set(key, s);
    }
    const i = (toDay(weekStart(r.week_start)) - first) / 7;
    s.values[i] = s.values[i]! + Number(r.demand);
    if (r.planned_supply !== undefined && r.planned_supply !== null && Number.isFinite(Number(r.planned_supply))) s.supply[i] = Number(r.planned_supply);
    if (r.mean_wait_days !== undefined && r.mean_wait_days !== null && Number.isFinite(Number(r.mean_wait_days))) s.waits[i] = Number(r.mean_wait_days);
    s.firstIdx = Math.min(s.firstIdx, i);
  }
  // a class with no request yet in a service × ATS that already had demand has true zero weeks: its history starts
  // with its service × ATS (the first week any class of it had a request)
  const groupFirst = new Map<string, number>();
  for (const x of byKey.values()) {
    const g = `${x.serviceId}|${x.atsId}`;
    groupFirst.set(g, Math.min(groupFirst.get(g) ?? n, x.firstIdx));
  }
  for (const x of byKey.values()) x.firstIdx = groupFirst.get(`${x.serviceId}|${x.atsId}`)!;
  const short = [...byKey.values()].filter((x) => n - x.firstIdx < minWeeks);
  if (short.length && !opts.dropShort) {
    const names = short.slice(0, 5).map((x) => `${x.key} (${n - x.firstIdx} weeks from ${weeks[x.firstIdx]})`).join(', ');
    throw new ForecastInputError('TOO_LITTLE_HISTORY', `${source}: ${short.length} series with fewer than ${minWeeks} weeks of history: ${names}${short.length > 5 ? ', …' : ''}`);
  }
  for (const x of short) {
    byKey.delete(x.key);
    opts.dropped?.push(`${x.key} (${n - x.firstIdx} weeks)`);
  }
  if (!byKey.size) throw new ForecastInputError('TOO_LITTLE_HISTORY', `${source}: no series with ${minWeeks} weeks of history`);
  const groups = new Map<string, number[]>();
  for (const x of byKey.values()) {
    const g = `${x.serviceId}|${x.atsId}`;
    const acc = groups.get(g) ?? groups.set(g, new Array(n).fill(0)).get(g)!;
    x.values.forEach((v, i) => (acc[i] = acc[i]! + v));
  }
  return [...byKey.values()].map(({ firstIdx: _f, ...s }) => ({ ...s, group: groups.get(`${s.serviceId}|${s.atsId}`)! })).sort((a, b) => a.key.localeCompare(b.key));
}

/** Weeks of history the model needs: lags + one season + the horizon (for at least a few training windows). */
export const minHistoryWeeks = (w: WindowConfig) => Math.max(w.lags, w.season) + 2 * w.horizon;

/** Scale of a series at an origin: mean of the last season (or what exists) + 1 (so zero series stay finite). */
export function seriesScale(values: readonly number[], origin: number, season: number): number {
  const from = Math.max(0, origin - season);
  let s = 0;
  for (let i = from; i < origin; i++) s += values[i]!;
  return (origin > from ? s / (origin - from) : 0) + 1;
}

export const featureNames = (w: WindowConfig): string[] => [
  ...Array.from({ length: w.lags }, (_, i) => `lag_${i + 1}`),
  ...(w.seasonalInputs ? Array.from({ length: w.horizon }, (_, h) => `seasonal_lag_h${h + 1}`) : []),
  ...(w.seasonalInputs ? Array.from({ length: w.horizon }, (_, h) => `seasonal_known_h${h + 1}`) : []),
  ...Array.from({ length: w.horizon }, (_, h) => CALENDAR_FEATURES.map((c) => `${c}_h${h + 1}`)).flat(),
  ...CALENDAR_FEATURES.map((c) => `${c}_last4`), ...CALENDAR_FEATURES.map((c) => `${c}_last13`),
  ...(w.seasonalInputs ? Array.from({ length: w.horizon }, (_, h) => `group_seasonal_lag_h${h + 1}`) : []),
  'group_mean_4', 'group_mean_13', 'series_mean_4', 'series_mean_13',
  'log_scale', ...CLASSES.map((c) => `class_${c}`), ...KINDS.map((k) => `kind_${k}`),
];

/**
 * Input vector of a series at `origin` (first week forecast; only weeks < origin are read): the last `lags` weeks,
 * the value one season before each target week, calendar features of each target week, the series scale and its
 * class/kind. All values divided by the series scale.
 */
export function windowInput(s: Series, origin: number, w: WindowConfig, calendar: (monday: string) => number[] = calendarFeatures): number[] {
  const scale = seriesScale(s.values, origin, w.season);
  const x: number[] = [];
  const recent = origin > 0 ? s.values[origin - 1]! / scale : 1;
  for (let l = 1; l <= w.lags; l++) x.push(origin - l >= 0 ? s.values[origin - l]! / scale : recent);
  if (w.seasonalInputs) {
    const known: number[] = [];
    for (let h = 0; h < w.horizon; h++) {
      const j = origin + h - w.season;
      // a target week's value one season earlier, only if that week was observed before the origin
      const ok = j >= 0 && j < origin;
      x.push(ok ? s.values[j]! / scale : 1);
      known.push(ok ? 1 : 0);
    }
    x.push(...known);
  }
  for (let h = 0; h < w.horizon; h++) x.push(...calendar(addWeeks(s.weeks[0]!, origin + h)));
  // the calendar of the recent weeks, so a dip in the lags (August, Christmas) is read as calendar, not level
  for (const k of [4, 13]) {
    const acc = new Array(CALENDAR_FEATURES.length).fill(0);
    for (let l = 1; l <= k; l++) calendar(addWeeks(s.weeks[0]!, origin - l)).forEach((v, j) => (acc[j] += v / k));
    x.push(...acc);
  }
  // the whole service × ATS, rescaled by this class's share of it over the last season: far less noisy than the
  // class alone for small classes
  const from = Math.max(0, origin - w.season);
  let ss = 0, gs = 0;
  for (let i = from; i < origin; i++) { ss += s.values[i]!; gs += s.group[i]!; }
  const share = gs > 0 ? ss / gs : 0;
  if (w.seasonalInputs) {
    for (let h = 0; h < w.horizon; h++) {
      const j = origin + h - w.season;
      x.push(j >= 0 && j < origin ? (s.group[j]! * share) / scale : 1);
    }
  }
  const mean = (xs: readonly number[], k: number) => {
    const a = xs.slice(Math.max(0, origin - k), origin);
    return a.length ? a.reduce((p, q) => p + q, 0) / a.length : 0;
  };
  x.push((mean(s.group, 4) * share) / scale, (mean(s.group, 13) * share) / scale, mean(s.values, 4) / scale, mean(s.values, 13) / scale);
  x.push(Math.log(scale) / 5);
  for (const c of CLASSES) x.push(s.priority === c ? 1 : 0);
  for (const k of KINDS) x.push(s.serviceKind === k ? 1 : 0);
  return x;
}

/** Target vector (the next `horizon` weeks ÷ scale) at `origin`; requires origin + horizon <= values.length. */
export function windowTarget(s: Series, origin: number, w: WindowConfig): number[] {
  const scale = seriesScale(s.values, origin, w.season);
  return Array.from({ length: w.horizon }, (_, h) => s.values[origin + h]! / scale);
}

/** Training windows of every series whose targets end at or before `end` (exclusive), origins from `minOrigin`. */
export function trainingWindows(series: readonly Series[], end: number, w: WindowConfig, minOrigin = w.lags): { x: number[][]; y: number[][] } {
  const x: number[][] = [], y: number[][] = [];
  for (const s of series) {
    for (let o = minOrigin; o + w.horizon <= end; o++) {
      x.push(windowInput(s, o, w));
      y.push(windowTarget(s, o, w));
    }
  }
  return { x, y };
}
