/**
 * What `cupola forecast train|evaluate|predict|scenario` do, as functions (the CLI only parses and prints).
 * Inputs: dbt marts (`ml_demand_weekly`, `ml_noshow_features`) or files; outputs: the model registry, reports
 * (markdown + SVG) under `$CUPOLA_DATA_DIR/reports/forecast/<run>/`, Parquet under `$CUPOLA_DATA_DIR/lake/forecasts/`,
 * scenario JSON under `$CUPOLA_DATA_DIR/forecasts/scenarios/`.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadTf, type Tf } from '../models/backend.ts';
import { buildSeries, type DemandRow, type Series, type WindowConfig } from '../features/demand-features.ts';
import { ForecastInputError } from '../errors.ts';
import {
  backtestDemand, DEFAULT_DEMAND_JOB, demandFeatureNames, fitDemandFinal, forecastAhead, parseMaxWaits, projectWaiting,
  requireGroup, seriesForTraining, type DemandJobConfig, type Progress, type WaitingProjection,
} from './demand-job.ts';
import { backtestNoShow, DEFAULT_NOSHOW_JOB, fitNoShowFinal, noShowDataset, type NoShowJobConfig } from './noshow-job.ts';
import { gitRevision, loadModel, newModelId, saveModel, type ModelMetadata } from './registry.ts';
import { readTable, writeParquet, type ColumnType, type Table } from './io.ts';
import { renderReport, type ReportInput } from '../report/report.ts';
import { predictNoShow, type Platt } from '../models/noshow-model.ts';
import type { Standardiser } from '../models/demand-model.ts';
import { syntheticAppointments, syntheticDemand } from './synthetic-history.ts';
import { buildNoShowDataset } from '../features/noshow-features.ts';
import { toDay, fromDay, weekStart } from '../features/calendar.ts';

export const DEFAULT_DEMAND_SOURCE = 'ml_demand_weekly';
export const DEFAULT_NOSHOW_SOURCE = 'ml_noshow_features';
export const SYNTHETIC = 'synthetic';

export interface RunOptions {
  dataDir: string;
  seed: number;
  demandSource?: string;
  noshowSource?: string;
  only?: 'demand' | 'noshow';
  demand?: Partial<DemandJobConfig>;
  noshow?: Partial<NoShowJobConfig>;
  /** epochs override for both models */
  epochs?: number;
  extraColumns?: string[];
  progress?: Progress;
  log?: (line: string) => void;
  /** registry id of the model to use (predict/scenario) */
  modelId?: string;
  /** drop demand series with too little history (listed in the notes) instead of failing */
  dropShort?: boolean;
}

const demandCfg = (o: RunOptions): DemandJobConfig => {
  const c = { ...DEFAULT_DEMAND_JOB, ...o.demand };
  return { ...c, train: { ...c.train, seed: o.seed, ...(o.epochs ? { epochs: o.epochs } : {}) } };
};
const noshowCfg = (o: RunOptions): NoShowJobConfig => {
  const c = { ...DEFAULT_NOSHOW_JOB, ...o.noshow };
  return { ...c, train: { ...c.train, seed: o.seed, ...(o.epochs ? { epochs: o.epochs } : {}) } };
};

/** Demand rows from a mart, a file, or the synthetic generator (`synthetic`: 78 weeks ending this week). */
export async function loadDemandTable(source: string, dataDir: string, seed: number): Promise<Table> {
  if (source === SYNTHETIC) {
    const end = weekStart(new Date().toISOString());
    const rows = syntheticDemand({ seed, weeks: 78, start: fromDay(toDay(end) - 77 * 7), services: 10, ats: 3, volume: 100 });
    return { columns: Object.keys(rows[0]!), rows: rows as unknown as Record<string, unknown>[], source: 'synthetic (simulator seasonality; not real data)' };
  }
  return readTable(source, dataDir);
}

export async function loadNoShowTable(source: string, dataDir: string, seed: number): Promise<Table> {
  if (source === SYNTHETIC) {
    const rows = syntheticAppointments({ seed, patients: 4000, appointments: 30_000, start: fromDay(toDay(new Date().toISOString()) - 540), days: 540 });
    return { columns: Object.keys(rows[0]!), rows: rows as unknown as Record<string, unknown>[], source: 'synthetic appointments (assumed effects; not real data)' };
  }
  return readTable(source, dataDir);
}

const toDemandRows = (t: Table): DemandRow[] => t.rows as unknown as DemandRow[];

interface Loaded {
  demand?: { table: Table; series: Series[]; window: WindowConfig };
  noshow?: { table: Table };
  notes: string[];
}

/** Loads and validates every input before any training, so bad input fails fast and writes nothing. */
async function loadInputs(o: RunOptions): Promise<Loaded> {
  const notes: string[] = [];
  const out: Loaded = { notes };
  if (o.only !== 'noshow') {
    const src = o.demandSource ?? DEFAULT_DEMAND_SOURCE;
    const table = await loadDemandTable(src, o.dataDir, o.seed);
    const dropped: string[] = [];
    const { series, window } = seriesForTraining(toDemandRows(table), demandCfg(o), table.source, { dropShort: o.dropShort ?? false, dropped });
    out.demand = { table, series, window };
    if (dropped.length) notes.push(`${dropped.length} demand series dropped for too little history (--drop-short): ${dropped.slice(0, 10).join(', ')}${dropped.length > 10 ? ', …' : ''}`);
    if (src === SYNTHETIC) notes.push('Demand history is SYNTHETIC (simulator seasonality and class mix, Poisson draws), not the simulated region from the lake.');
  }
  if (o.only !== 'demand') {
    const src = o.noshowSource ?? DEFAULT_NOSHOW_SOURCE;
    try {
      const table = await loadNoShowTable(src, o.dataDir, o.seed);
      noShowDataset(table.rows as never, table.columns, table.source, noshowCfg(o), o.extraColumns); // validate now
      out.noshow = { table };
      if (src === SYNTHETIC) notes.push('No-show appointments are SYNTHETIC with assumed effects (patient propensity, age, reminder, channel), not measured ones.');
    } catch (e) {
      // the default mart may simply not exist yet: skip the no-show model with a note; anything explicit must work
      if (o.noshowSource || o.only === 'noshow' || !(e instanceof ForecastInputError) || e.code !== 'NO_DATA') throw e;
      notes.push(`No-show model skipped: ${e.message}`);
    }
  }
  return out;
}

export interface RunSummary {
  backend: string;
  reportDir?: string;
  models: { kind: string; id: string; dir: string }[];
  demand?: { series: number; mase: number; maseSeasonalNaive: number; maseVsSnaive: number; coverage: number; trainSeconds: number };
  noshow?: { auc: number; prAuc: number; brier: number; baselineBrier: number; baselineAuc: number; trainSeconds: number };
  notes: string[];
}

async function writeReportFiles(dir: string, files: Record<string, string>): Promise<void> {
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(tmp, name), text);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

const runStamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/** Backtests (and with `save`, fits on everything and saves to the registry); always writes the report. */
export async function runTrainOrEvaluate(o: RunOptions, save: boolean): Promise<RunSummary> {
  const log = o.log ?? (() => {});
  const inputs = await loadInputs(o);
  const { tf, backend } = await loadTf();
  log(`backend: ${backend}`);
  const git = gitRevision();
  const summary: RunSummary = { backend, models: [], notes: inputs.notes };
  const report: ReportInput = { title: save ? 'Forecast training report' : 'Forecast evaluation report', backend, gitRevision: git, seed: o.seed, notes: inputs.notes };
  const pending: { kind: 'demand' | 'noshow'; model: Parameters<typeof saveModel>[2]; meta: ModelMetadata }[] = [];
  if (inputs.demand) {
    const { series, window, table } = inputs.demand;
    const cfg = demandCfg(o);
    log(`demand: ${series.length} series, ${series[0]!.values.length} weeks (${series[0]!.weeks[0]} .. ${series[0]!.weeks.at(-1)}), seasonal inputs ${window.seasonalInputs ? 'on' : 'off'}`);
    const bt = await backtestDemand(tf, series, window, cfg, o.progress);
    const ev = bt.evaluation;
    const sn = ev.scores.find((s) => s.method === 'seasonal_naive')!;
    summary.demand = { series: series.length, mase: ev.scores[0]!.mase, maseSeasonalNaive: sn.mase, maseVsSnaive: ev.maseVsSeasonalNaive, coverage: ev.coverageP10P90, trainSeconds: bt.trainSeconds };
    report.demand = { source: table.source, series, evaluation: ev, trainSeconds: bt.trainSeconds };
    if (save) {
      const final = await fitDemandFinal(tf, series, window, cfg, o.progress);
      pending.push({ kind: 'demand', model: final.model, meta: {
        id: newModelId('demand'), kind: 'demand', created_at: new Date().toISOString(), git_revision: git, backend, seed: o.seed, source: table.source,
        data_window: { from: series[0]!.weeks[0]!, to: series[0]!.weeks.at(-1)!, rows: table.rows.length, series: series.length },
        features: demandFeatureNames(window),
        metrics: { scores: ev.scores, mase_vs_snaive: ev.maseVsSeasonalNaive, coverage_p10_p90: ev.coverageP10P90, holdout_weeks: ev.holdoutWeeks, origins: ev.origins },
        config: { ...cfg.train, holdout: cfg.holdout, originStep: cfg.originStep }, state: { standardiser: final.standardiser, window },
      } });
    }
    bt.fit.model.dispose();
  }
  if (inputs.noshow) {
    const cfg = noshowCfg(o);
    const t = inputs.noshow.table;
    const ds = noShowDataset(t.rows as never, t.columns, t.source, cfg, o.extraColumns);
    log(`no-show: ${ds.y.length} appointments, ${ds.featureNames.length} features${ds.extraColumns.length ? ` (extra: ${ds.extraColumns.join(', ')})` : ''}`);
    const bt = await backtestNoShow(tf, ds, cfg, o.progress);
    const [m, base] = bt.scores;
    summary.noshow = { auc: m!.roc_auc, prAuc: m!.pr_auc, brier: m!.brier, baselineBrier: base!.brier, baselineAuc: base!.roc_auc, trainSeconds: bt.trainSeconds };
    report.noshow = { source: t.source, backtest: bt };
    if (save) {
      const final = await fitNoShowFinal(tf, ds, cfg, o.progress);
      pending.push({ kind: 'noshow', model: final.model, meta: {
        id: newModelId('noshow'), kind: 'noshow', created_at: new Date().toISOString(), git_revision: git, backend, seed: o.seed, source: t.source,
        data_window: { from: ds.dates[0]!, to: ds.dates.at(-1)!, rows: ds.y.length }, features: ds.featureNames,
        metrics: { scores: bt.scores.map(({ calibration: _c, ...s }) => s), split: bt.split },
        config: { ...cfg.train, holdoutShare: cfg.holdoutShare, calibrationShare: cfg.calibrationShare }, state: { standardiser: final.standardiser, platt: final.platt, extraColumns: ds.extraColumns },
      } });
    }
    bt.model.model.dispose();
  }
  // every fit succeeded: only now write models
  for (const p of pending) {
    const dir = await saveModel(tf, o.dataDir, p.model, p.meta);
    summary.models.push({ kind: p.kind, id: p.meta.id, dir });
  }
  const reportDir = join(o.dataDir, 'reports', 'forecast', `${save ? 'train' : 'evaluate'}-${runStamp()}`);
  await writeReportFiles(reportDir, renderReport(report).files);
  summary.reportDir = reportDir;
  return summary;
}

async function maxWaits() {
  const path = fileURLToPath(new URL('../../../models/seeds/priority_class_max_waits.csv', import.meta.url));
  return parseMaxWaits(await readFile(path, 'utf8'));
}

async function loadDemandModel(tf: Tf, o: RunOptions) {
  const { model, meta } = await loadModel(tf, o.dataDir, 'demand', o.modelId);
  const state = meta.state as { standardiser: Standardiser; window: WindowConfig };
  return { model: { model, standardiser: state.standardiser, window: state.window }, meta };
}

async function seriesForPrediction(o: RunOptions, window: WindowConfig): Promise<Series[]> {
  const table = await loadDemandTable(o.demandSource ?? DEFAULT_DEMAND_SOURCE, o.dataDir, o.seed);
  return buildSeries(table.rows as unknown as DemandRow[], window.lags, table.source, { dropShort: o.dropShort ?? false });
}

/** Columns of the demand forecast files (`lake/forecasts/demand/date=…/<model>.parquet`, the dbt source forecasts.demand). */
export const DEMAND_FORECAST_COLUMNS = {
  model_id: 'VARCHAR', generated_at: 'TIMESTAMP', backend: 'VARCHAR', origin_week: 'DATE', week_start: 'DATE', horizon: 'INTEGER',
  service_id: 'VARCHAR', ats_id: 'VARCHAR', priority: 'VARCHAR', service_kind: 'VARCHAR', p10: 'DOUBLE', p50: 'DOUBLE', p90: 'DOUBLE',
} as const satisfies Record<string, ColumnType>;

export interface PredictSummary { backend: string; modelId: string; series: number; weeks: string[]; files: string[]; waiting: WaitingProjection[] }

/** Forecasts the next weeks with the saved model, projects waits/compliance, writes both to the lake. */
export async function runPredict(o: RunOptions): Promise<PredictSummary> {
  const { tf, backend } = await loadTf();
  const { model, meta } = await loadDemandModel(tf, o);
  const series = await seriesForPrediction(o, model.window);
  const fc = forecastAhead(tf, model, series);
  const waiting = projectWaiting(fc, await maxWaits());
  const generatedAt = new Date().toISOString();
  const date = generatedAt.slice(0, 10);
  const origin = fc[0]!.weeks[0]!;
  const demandFile = join(o.dataDir, 'lake', 'forecasts', 'demand', `date=${date}`, `${meta.id}.parquet`);
  await writeParquet(demandFile, DEMAND_FORECAST_COLUMNS, fc.flatMap((f) => f.weeks.map((w, h) => ({
    model_id: meta.id, generated_at: generatedAt, backend, origin_week: origin, week_start: w, horizon: h + 1,
    service_id: f.series.serviceId, ats_id: f.series.atsId, priority: f.series.priority, service_kind: f.series.serviceKind,
    p10: f.q.p10[h], p50: f.q.p50[h], p90: f.q.p90[h],
  }))));
  const waitingFile = join(o.dataDir, 'lake', 'forecasts', 'waiting', `date=${date}`, `${meta.id}.parquet`);
  await writeParquet(waitingFile, {
    model_id: 'VARCHAR', generated_at: 'TIMESTAMP', week_start: 'DATE', service_id: 'VARCHAR', ats_id: 'VARCHAR', priority: 'VARCHAR',
    demand_p50: 'DOUBLE', supply: 'DOUBLE', supply_source: 'VARCHAR', compliance: 'DOUBLE', median_wait_days: 'DOUBLE', backlog_end: 'DOUBLE',
  }, waiting.flatMap((g) => g.weeks.flatMap((w) => [
    { model_id: meta.id, generated_at: generatedAt, week_start: w.week, service_id: g.serviceId, ats_id: g.atsId, priority: 'ALL', demand_p50: w.demand, supply: w.supply, supply_source: g.supplySource, compliance: w.compliance, median_wait_days: w.medianWaitDays, backlog_end: w.backlogEnd },
    ...Object.entries(w.byClass).map(([c, v]) => ({ model_id: meta.id, generated_at: generatedAt, week_start: w.week, service_id: g.serviceId, ats_id: g.atsId, priority: c, demand_p50: v.demand, supply: null, supply_source: g.supplySource, compliance: v.compliance, median_wait_days: v.medianWaitDays, backlog_end: null })),
  ])));
  return { backend, modelId: meta.id, series: series.length, weeks: fc[0]!.weeks, files: [demandFile, waitingFile], waiting };
}

export interface ScenarioOptions { serviceId: string; atsId: string; extraSlotsPerWeek: number; from: string; out?: string }

export interface ScenarioResult {
  scenario: { service_id: string; ats_id: string; extra_slots_per_week: number; from: string };
  model_id: string;
  backend: string;
  generated_at: string;
  weeks: { week_start: string; demand_p50: number; supply_base: number; supply_scenario: number; compliance_base: number; compliance_scenario: number; median_wait_base: number; median_wait_scenario: number; backlog_base: number; backlog_scenario: number }[];
  summary: { compliance_base: number; compliance_scenario: number; median_wait_base: number; median_wait_scenario: number };
  file: string;
}

/** What if N more first-access places per week for service S in ATS A from date D. */
export async function runScenario(o: RunOptions, s: ScenarioOptions): Promise<ScenarioResult> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s.from)) throw new ForecastInputError('BAD_VALUE', `--from ${JSON.stringify(s.from)}: expected YYYY-MM-DD`);
  if (!Number.isFinite(s.extraSlotsPerWeek)) throw new ForecastInputError('BAD_VALUE', `--slots must be a number`);
  const { tf, backend } = await loadTf();
  const { model, meta } = await loadDemandModel(tf, o);
  const series = await seriesForPrediction(o, model.window);
  requireGroup(series, s.serviceId, s.atsId);
  const fc = forecastAhead(tf, model, series.filter((x) => x.serviceId === s.serviceId && x.atsId === s.atsId));
  const mw = await maxWaits();
  const fromWeek = weekStart(s.from);
  const base = projectWaiting(fc, mw)[0]!;
  const scen = projectWaiting(fc, mw, (_sv, _a, week) => (week >= fromWeek ? s.extraSlotsPerWeek : 0))[0]!;
  const weightedMean = (ws: typeof base.weeks, pick: (w: (typeof base.weeks)[number]) => number) => {
    const tot = ws.reduce((a, w) => a + w.demand, 0);
    return tot > 0 ? ws.reduce((a, w) => a + (Number.isFinite(pick(w)) ? pick(w) * w.demand : 0), 0) / tot : NaN;
  };
  const generatedAt = new Date().toISOString();
  const file = s.out ?? join(o.dataDir, 'forecasts', 'scenarios', `${s.serviceId}-${s.atsId}-${s.from}-${s.extraSlotsPerWeek}.json`);
  const result: ScenarioResult = {
    scenario: { service_id: s.serviceId, ats_id: s.atsId, extra_slots_per_week: s.extraSlotsPerWeek, from: s.from },
    model_id: meta.id, backend, generated_at: generatedAt,
    weeks: base.weeks.map((w, i) => ({
      week_start: w.week, demand_p50: w.demand, supply_base: w.supply, supply_scenario: scen.weeks[i]!.supply,
      compliance_base: w.compliance, compliance_scenario: scen.weeks[i]!.compliance, median_wait_base: w.medianWaitDays, median_wait_scenario: scen.weeks[i]!.medianWaitDays,
      backlog_base: w.backlogEnd, backlog_scenario: scen.weeks[i]!.backlogEnd,
    })),
    summary: {
      compliance_base: weightedMean(base.weeks, (w) => w.compliance), compliance_scenario: weightedMean(scen.weeks, (w) => w.compliance),
      median_wait_base: weightedMean(base.weeks, (w) => w.medianWaitDays), median_wait_scenario: weightedMean(scen.weeks, (w) => w.medianWaitDays),
    },
    file,
  };
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(`${file}.tmp`, JSON.stringify(result, null, 2));
  await rename(`${file}.tmp`, file);
  return result;
}

/** Scores an appointments file with the saved no-show model (outcome column optional) and writes Parquet to the lake. */
export async function runScoreNoShow(o: RunOptions, source: string): Promise<{ file: string; rows: number; meanProbability: number; modelId: string }> {
  const { tf } = await loadTf();
  const { model, meta } = await loadModel(tf, o.dataDir, 'noshow', o.modelId);
  const table = await readTable(source, o.dataDir);
  const columns = table.columns.includes('no_show') ? table.columns : [...table.columns, 'no_show'];
  const rows = table.rows.map((r) => ('no_show' in r ? r : { ...r, no_show: false }));
  const state = meta.state as { standardiser: Standardiser; platt: Platt; extraColumns: string[] };
  const missing = state.extraColumns.filter((c) => !columns.includes(c));
  if (missing.length) throw new ForecastInputError('MISSING_COLUMNS', `${source}: missing extra column(s) ${missing.join(', ')} the model ${meta.id} was trained with`);
  const ds = buildNoShowDataset(rows as never, columns, source, state.extraColumns);
  const p = predictNoShow(tf, { model, standardiser: state.standardiser, platt: state.platt }, ds.x);
  const file = join(o.dataDir, 'lake', 'forecasts', 'noshow', `date=${new Date().toISOString().slice(0, 10)}`, `${meta.id}.parquet`);
  await writeParquet(file, { model_id: 'VARCHAR', patient_key: 'VARCHAR', appointment_date: 'DATE', lead_days: 'INTEGER', p_no_show: 'DOUBLE' },
    ds.rows.map((r, i) => ({ model_id: meta.id, patient_key: String(r.patient_key), appointment_date: ds.dates[i], lead_days: ds.leadDays[i], p_no_show: p[i] })));
  return { file, rows: p.length, meanProbability: p.reduce((a, b) => a + b, 0) / p.length, modelId: meta.id };
}
