/**
 * Forecasting end to end on tiny data (TensorFlow.js on the wasm backend, or tfjs-node when installed): CLI train,
 * registry, load + predict, lake Parquet, scenarios, a data scientist's appointments file, bad input writing nothing,
 * and determinism (same data + seed → same metrics).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { forecastMain } from '../../engine/src/cli/forecast-command.ts';
import { syntheticAppointments, syntheticDemand } from '../../forecasting/src/jobs/synthetic-history.ts';
import { loadTf } from '../../forecasting/src/models/backend.ts';
import { loadModel, listModels } from '../../forecasting/src/jobs/registry.ts';
import { writeParquet } from '../../forecasting/src/jobs/io.ts';
import { backtestDemand, DEFAULT_DEMAND_JOB, forecastAhead, seriesForTraining } from '../../forecasting/src/jobs/demand-job.ts';
import type { Standardiser } from '../../forecasting/src/models/demand-model.ts';
import type { WindowConfig } from '../../forecasting/src/features/demand-features.ts';

const dir = mkdtempSync(join(tmpdir(), 'cupola-forecast-'));
const demandCsv = join(dir, 'demand.csv');
const appointmentsCsv = join(dir, 'appointments.csv');
const toCsv = (rows: Record<string, unknown>[]) => {
  const cols = Object.keys(rows[0]!);
  return [cols.join(','), ...rows.map((r) => cols.map((c) => (r[c] === null || r[c] === undefined ? '' : String(r[c]))).join(','))].join('\n') + '\n';
};
const demandRows = syntheticDemand({ seed: 3, weeks: 52, start: '2025-01-06', services: 2, ats: 2, volume: 60 });
let out: string[] = [];
let err: string[] = [];
const run = async (dataDir: string, ...argv: string[]) => {
  out = [];
  err = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    return await forecastMain(argv, { ...process.env, CUPOLA_DATA_DIR: dataDir });
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
};
const files = (d: string): string[] => (existsSync(d) ? readdirSync(d, { recursive: true }).map(String) : []);

beforeAll(() => {
  writeFileSync(demandCsv, toCsv(demandRows as never));
  writeFileSync(appointmentsCsv, toCsv(syntheticAppointments({ seed: 5, patients: 300, appointments: 1500, start: '2025-01-01', days: 200 }) as never));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cupola forecast on tiny data', () => {
  const data = join(dir, 'data');

  it('trains both models from files, saves them with metadata and writes a report with baselines side by side', async () => {
    const code = await run(data, 'train', '--demand', demandCsv, '--noshow', appointmentsCsv, '--epochs', '3', '--seed', '7');
    expect(err.join('\n')).not.toMatch(/Error/);
    expect(code).toBe(0);
    expect(out.at(-1)).toMatch(/^forecast train: done in [\d.]+s on backend (wasm|cpu|tensorflow \(tfjs-node\)); 2 model\(s\) saved; report .*report\.md$/);
    const [demand] = await listModels(data, 'demand');
    const [noshow] = await listModels(data, 'noshow');
    expect(demand!.data_window).toEqual({ from: '2025-01-06', to: '2025-12-29', rows: demandRows.length, series: 16 });
    expect(demand!.backend).toMatch(/wasm|cpu|tfjs-node/);
    expect(demand!.git_revision).toMatch(/^([0-9a-f]{12}(\+dirty)?|unknown)$/);
    expect(demand!.features).toContain('lag_1');
    expect(demand!.metrics).toHaveProperty('mase_vs_snaive');
    expect(noshow!.features).toContain('prior_no_shows');
    expect((noshow!.metrics as { scores: { method: string }[] }).scores.map((s) => s.method)).toEqual(['model (tfjs dense + Platt)', 'lead-time band rate', 'overall rate']);
    const reportPath = out.at(-1)!.replace(/^.*report /, '');
    const md = readFileSync(reportPath, 'utf8');
    expect(md).toMatch(/\| seasonal_naive \| [\d.]+ \|/);
    expect(md).toMatch(/\| holt_winters \| [\d.]+ \|/);
    expect(md).toMatch(/\| lead-time band rate \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
    expect(readFileSync(join(reportPath, '..', 'noshow-calibration.svg'), 'utf8')).toContain('<svg');
  });

  it('loads the saved demand model and predicts exactly what the trained weights predict', async () => {
    const { tf } = await loadTf();
    const { model, meta } = await loadModel(tf, data, 'demand');
    const state = meta.state as { standardiser: Standardiser; window: WindowConfig };
    const { series } = seriesForTraining(demandRows, DEFAULT_DEMAND_JOB, 'csv');
    const a = forecastAhead(tf, { model, standardiser: state.standardiser, window: state.window }, series);
    const again = await loadModel(tf, data, 'demand', meta.id);
    const b = forecastAhead(tf, { model: again.model, standardiser: state.standardiser, window: state.window }, series);
    expect(a[0]!.weeks).toEqual(['2026-01-05', ...a[0]!.weeks.slice(1)]);
    expect(a.map((f) => f.q.p50)).toEqual(b.map((f) => f.q.p50));
    expect(a.every((f) => f.q.p10.every((v, h) => v <= f.q.p50[h]! && f.q.p50[h]! <= f.q.p90[h]!))).toBe(true);
  });

  it('predicts 12 weeks for every series into the lake as Parquet that DuckDB reads', async () => {
    const code = await run(data, 'predict', '--demand', demandCsv, '--score-noshow', appointmentsCsv);
    expect(code).toBe(0);
    const lake = join(data, 'lake', 'forecasts');
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    const r = await conn.runAndReadAll(`select count(*)::integer n, count(distinct service_id || ats_id || priority)::integer s, min(horizon)::integer h0, max(horizon)::integer h1, bool_and(p10 <= p50 and p50 <= p90) ordered from read_parquet('${lake}/demand/*/*.parquet')`);
    expect(r.getRowObjectsJson()[0]).toEqual({ n: 16 * 12, s: 16, h0: 1, h1: 12, ordered: true });
    const w = await conn.runAndReadAll(`select count(*)::integer n from read_parquet('${lake}/waiting/*/*.parquet') where priority = 'ALL'`);
    expect(w.getRowObjectsJson()[0]).toEqual({ n: 4 * 12 });
    const ns = await conn.runAndReadAll(`select count(*)::integer n, bool_and(p_no_show between 0 and 1) ok from read_parquet('${lake}/noshow/*/*.parquet')`);
    expect(ns.getRowObjectsJson()[0]).toEqual({ n: 1500, ok: true });
    conn.closeSync();
    inst.closeSync();
  });

  it('projects shorter waits with more places in a scenario and leaves a JSON file for the dashboards', async () => {
    const outFile = join(dir, 'scenario.json');
    const code = await run(data, 'scenario', '--demand', demandCsv, '--service', 'S01', '--ats', 'ATS1', '--slots', '200', '--from', '2026-01-05', '--out', outFile);
    expect(code).toBe(0);
    const j = JSON.parse(readFileSync(outFile, 'utf8'));
    expect(j.weeks).toHaveLength(12);
    expect(j.weeks[0].supply_scenario - j.weeks[0].supply_base).toBe(200);
    expect(j.summary.median_wait_scenario).toBeLessThan(j.summary.median_wait_base);
    expect(j.summary.compliance_scenario).toBeGreaterThanOrEqual(j.summary.compliance_base);
    expect(out.at(-1)).toMatch(/^forecast scenario: \+200 places\/week for S01 in ATS1 from 2026-01-05: compliance/);
  });

  it('names an unknown service × ATS in a scenario and exits 2', async () => {
    const code = await run(data, 'scenario', '--demand', demandCsv, '--service', 'NOPE', '--ats', 'ATS1', '--slots', '5', '--from', '2026-01-05');
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/UNKNOWN_SERIES: no demand series for service NOPE in ATS ATS1/);
  });
});

describe('a data scientist\'s own appointments file', () => {
  it('evaluates the no-show model on a Parquet file with an extra column, with a temporal holdout and no model saved', async () => {
    const data = join(dir, 'ds');
    const f = join(dir, 'appointments.parquet');
    const rows = syntheticAppointments({ seed: 9, patients: 300, appointments: 1500, start: '2025-01-01', days: 200 }).map((r, i) => ({ ...r, distance_km: i % 40, frail: i % 7 === 0 }));
    await writeParquet(f, {
      patient_key: 'VARCHAR', booked_at: 'TIMESTAMP', appointment_date: 'DATE', appointment_time: 'VARCHAR', age: 'INTEGER', sex: 'VARCHAR',
      reminder_sent: 'BOOLEAN', no_show: 'BOOLEAN', priority: 'VARCHAR', access_type: 'VARCHAR', channel: 'VARCHAR', distance_km: 'DOUBLE', frail: 'BOOLEAN',
    }, rows);
    const code = await run(data, 'evaluate', '--only', 'noshow', '--noshow', f, '--epochs', '3');
    expect(code).toBe(0);
    expect(err.join('\n')).toMatch(/no-show: 1500 appointments, \d+ features \(extra: frail\)/);
    expect(out.join('\n')).toMatch(/no-show: ROC-AUC [\d.]+ \(lead-time baseline [\d.]+\) · PR-AUC [\d.]+ · Brier [\d.]+ vs baseline [\d.]+/);
    const md = readFileSync(out.at(-1)!.replace(/^.*report /, ''), 'utf8');
    expect(md).toContain('distance_0_10');
    expect(md).toMatch(/holdout \d+ \(from 2025-0[67]-\d\d\)/);
    expect(files(join(data, 'models'))).toEqual([]);
  });
});

describe('bad input writes no model', () => {
  it('rejects a demand file missing a column, naming it, and writes nothing', async () => {
    const data = join(dir, 'bad1');
    const f = join(dir, 'no-priority.csv');
    writeFileSync(f, toCsv(demandRows.map(({ priority: _p, ...r }) => r) as never));
    const code = await run(data, 'train', '--demand', f, '--only', 'demand', '--epochs', '2');
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/MISSING_COLUMNS: .*no-priority\.csv: missing column\(s\) priority/);
    expect(files(join(data, 'models'))).toEqual([]);
  });
  it('rejects a series with too little history, naming the series, and writes nothing', async () => {
    const data = join(dir, 'bad2');
    const f = join(dir, 'short.csv');
    const short = [...demandRows, ...syntheticDemand({ seed: 4, weeks: 8, start: '2025-11-03', services: 1, ats: 1, volume: 60 }).map((r) => ({ ...r, service_id: 'NEW' }))];
    writeFileSync(f, toCsv(short as never));
    const code = await run(data, 'train', '--demand', f, '--only', 'demand', '--epochs', '2');
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/TOO_LITTLE_HISTORY: .* series with fewer than 48 weeks of history: .*NEW\|ATS1\|B \(9 weeks from 2025-11-03\)/);
    expect(files(join(data, 'models'))).toEqual([]);
  });
  it('rejects an appointments file without outcomes, naming the column, and saves no demand model either', async () => {
    const data = join(dir, 'bad3');
    const f = join(dir, 'no-outcome.csv');
    const lines = readFileSync(appointmentsCsv, 'utf8').split('\n');
    const drop = lines[0]!.split(',').indexOf('no_show');
    writeFileSync(f, lines.map((l) => l.split(',').filter((_, i) => i !== drop).join(',')).join('\n'));
    const code = await run(data, 'train', '--demand', demandCsv, '--noshow', f, '--epochs', '2');
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/no-outcome\.csv: missing column\(s\) no_show/);
    expect(files(join(data, 'models'))).toEqual([]);
  });
});

describe('determinism', () => {
  it('gives the same metrics for the same data and seed', async () => {
    const { tf } = await loadTf();
    const cfg = { ...DEFAULT_DEMAND_JOB, train: { ...DEFAULT_DEMAND_JOB.train, epochs: 3, seed: 11 } };
    const { series, window } = seriesForTraining(demandRows, cfg, 'csv');
    const a = await backtestDemand(tf, series, window, cfg);
    const b = await backtestDemand(tf, series, window, cfg);
    expect(b.evaluation.scores).toEqual(a.evaluation.scores);
    const c = await backtestDemand(tf, series, window, { ...cfg, train: { ...cfg.train, seed: 12 } });
    expect(c.evaluation.scores[0]!.mase).not.toBe(a.evaluation.scores[0]!.mase);
  });
});
