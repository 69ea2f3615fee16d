/**
 * Demand jobs: backtest (rolling origin over the held-out weeks, model vs baselines), final fit, save, and
 * 12-week forecasts with the waiting-time / compliance projection. Data in, results out; the CLI does the printing.
 */
import type { Tf } from '../models/backend.ts';
import { buildSeries, featureNames, type BuildSeriesOptions, minHistoryWeeks, type DemandRow, type Series, type WindowConfig, DEFAULT_WINDOW } from '../features/demand-features.ts';
import { addWeeks } from '../features/calendar.ts';
import { DEFAULT_DEMAND_TRAIN, predictDemand, trainDemandModel, type DemandTrainConfig, type QuantileForecast, type Standardiser, type TrainedDemandModel } from '../models/demand-model.ts';
import { evaluateDemand, type DemandEvaluation } from '../models/demand-evaluation.ts';
import { projectQueue, QUEUE_CLASSES, type QueueClass, type QueueWeek } from '../models/queue-projection.ts';
import { ForecastInputError } from '../errors.ts';

export interface DemandJobConfig {
  window: WindowConfig;
  train: Omit<DemandTrainConfig, 'window'>;
  /** weeks held out at the end for the backtest */
  holdout: number;
  /** weeks between rolling origins in the holdout */
  originStep: number;
}

export const DEFAULT_DEMAND_JOB: DemandJobConfig = { window: DEFAULT_WINDOW, train: DEFAULT_DEMAND_TRAIN, holdout: 12, originStep: 4 };

export type Progress = (phase: string, done: number, total: number) => void;

/** Series for training/evaluation: every series needs lags + 2 horizons + the holdout weeks of history. */
export function seriesForTraining(rows: readonly DemandRow[], cfg: DemandJobConfig, source: string, opts: BuildSeriesOptions = {}): { series: Series[]; window: WindowConfig } {
  const need = cfg.window.lags + 2 * cfg.window.horizon + cfg.holdout;
  const series = buildSeries(rows, need, source, opts);
  const trainWeeks = series[0]!.values.length - cfg.holdout;
  // seasonal inputs only when most training windows have a season of history (see WindowConfig.seasonalInputs)
  const window = { ...cfg.window, seasonalInputs: cfg.window.seasonalInputs ?? trainWeeks >= 2 * cfg.window.season + 2 * cfg.window.horizon };
  return { series, window };
}

export interface BacktestResult { evaluation: DemandEvaluation; fit: TrainedDemandModel; trainSeconds: number }

/** Fits on the weeks before the holdout and scores model and baselines on the rolling origins of the holdout. */
export async function backtestDemand(tf: Tf, series: Series[], window: WindowConfig, cfg: DemandJobConfig, progress?: Progress): Promise<BacktestResult> {
  const T = series[0]!.values.length;
  const t0 = performance.now();
  const fit = await trainDemandModel(tf, series, T - cfg.holdout, { ...cfg.train, window }, (e) => progress?.('backtest fit', e, cfg.train.epochs));
  const trainSeconds = (performance.now() - t0) / 1000;
  const evaluation = evaluateDemand(series, window.horizon, window.season, cfg.holdout, cfg.originStep, (o) => predictDemand(tf, fit, series, o));
  return { evaluation, fit, trainSeconds };
}

/** Final fit on every week (for forecasting the future). */
export async function fitDemandFinal(tf: Tf, series: Series[], window: WindowConfig, cfg: DemandJobConfig, progress?: Progress): Promise<TrainedDemandModel> {
  return trainDemandModel(tf, series, series[0]!.values.length, { ...cfg.train, window }, (e) => progress?.('final fit', e, cfg.train.epochs));
}

export function demandMetadataState(m: Pick<TrainedDemandModel, 'standardiser' | 'window'>) {
  return { standardiser: m.standardiser, window: m.window };
}

export function demandFeatureNames(window: WindowConfig) {
  return featureNames(window);
}

export interface ForecastRow {
  series: Series;
  weeks: string[];
  q: QuantileForecast;
}

/** Forecasts the `horizon` weeks after the last observed week of every series. */
export function forecastAhead(tf: Tf, model: { model: TrainedDemandModel['model']; standardiser: Standardiser; window: WindowConfig }, series: Series[]): ForecastRow[] {
  const T = series[0]!.values.length;
  const q = predictDemand(tf, model, series, T);
  const weeks = Array.from({ length: model.window.horizon }, (_, h) => addWeeks(series[0]!.weeks[0]!, T + h));
  return series.map((s, i) => ({ series: s, weeks, q: q[i]! }));
}

export type MaxWaits = Record<string, Record<string, number>>; // class → kind → days

export interface WaitingProjection {
  serviceId: string;
  atsId: string;
  serviceKind: string;
  supplySource: 'planned_supply' | 'recent_demand';
  weeks: QueueWeek[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Weekly supply assumed for the horizon: the mean planned supply of the last 8 weeks, else the mean recent demand. */
export function plannedSupply(group: Series[]): { perWeek: number; source: WaitingProjection['supplySource'] } {
  const T = group[0]!.values.length;
  const recent: number[] = [];
  for (let i = Math.max(0, T - 8); i < T; i++) {
    const v = group.map((s) => s.supply[i]).find((x) => x !== null && x !== undefined);
    if (v !== undefined && v !== null) recent.push(v);
  }
  if (recent.length) return { perWeek: mean(recent), source: 'planned_supply' };
  let d = 0;
  for (const s of group) d += mean(s.values.slice(-8));
  return { perWeek: d, source: 'recent_demand' };
}

/**
 * Queue projection per service × ATS on the P50 forecast. `extraSupply(week)` adds places (scenarios).
 * Backlog at the start by Little's law from the observed mean waits when the mart has them.
 */
export function projectWaiting(forecasts: ForecastRow[], maxWaits: MaxWaits, extraSupply?: (serviceId: string, atsId: string, week: string) => number, demandQuantile: 'p10' | 'p50' | 'p90' = 'p50'): WaitingProjection[] {
  const groups = new Map<string, ForecastRow[]>();
  for (const f of forecasts) {
    const k = `${f.series.serviceId}|${f.series.atsId}`;
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(f);
  }
  const out: WaitingProjection[] = [];
  for (const rows of groups.values()) {
    const s0 = rows[0]!.series;
    const weeks = rows[0]!.weeks;
    const sup = plannedSupply(rows.map((r) => r.series));
    const demand = Object.fromEntries(QUEUE_CLASSES.map((c) => [c, new Array(weeks.length).fill(0)])) as Record<QueueClass, number[]>;
    const backlog: Partial<Record<QueueClass, number>> = {};
    for (const r of rows) {
      const c = r.series.priority as QueueClass;
      if (!QUEUE_CLASSES.includes(c)) continue;
      r.q[demandQuantile].forEach((v, h) => (demand[c][h] = demand[c][h]! + v));
      const waits = r.series.waits.slice(-4).filter((w): w is number => w !== null);
      if (waits.length) backlog[c] = (backlog[c] ?? 0) + (mean(r.series.values.slice(-4)) * mean(waits)) / 7;
    }
    const maxWaitDays = Object.fromEntries(QUEUE_CLASSES.map((c) => [c, maxWaits[c]?.[s0.serviceKind] ?? maxWaits[c]?.visit ?? 120])) as Record<QueueClass, number>;
    const supply = weeks.map((w) => sup.perWeek + (extraSupply?.(s0.serviceId, s0.atsId, w) ?? 0));
    out.push({ serviceId: s0.serviceId, atsId: s0.atsId, serviceKind: s0.serviceKind, supplySource: sup.source, weeks: projectQueue({ weeks, demand, supply, maxWaitDays, backlog }) });
  }
  return out.sort((a, b) => `${a.serviceId}|${a.atsId}`.localeCompare(`${b.serviceId}|${b.atsId}`));
}

/** Parses `priority_class_max_waits.csv` (priority,service_kind,max_wait_days). */
export function parseMaxWaits(csv: string): MaxWaits {
  const out: MaxWaits = {};
  const [head, ...lines] = csv.trim().split(/\r?\n/);
  const cols = head!.split(',');
  for (const l of lines) {
    const v = l.split(',');
    const rec = Object.fromEntries(cols.map((c, i) => [c, v[i]]));
    (out[rec.priority!] ??= {})[rec.service_kind!] = Number(rec.max_wait_days);
  }
  return out;
}

/** Finds one service × ATS among the series or throws naming what exists. */
export function requireGroup(series: Series[], serviceId: string, atsId: string): void {
  if (!series.some((s) => s.serviceId === serviceId && s.atsId === atsId)) {
    const some = [...new Set(series.map((s) => `${s.serviceId}/${s.atsId}`))].slice(0, 8).join(', ');
    throw new ForecastInputError('UNKNOWN_SERIES', `no demand series for service ${serviceId} in ATS ${atsId} (known: ${some}…)`);
  }
}
