import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import type { Command } from './args.ts';
import { progressBar } from './progress.ts';
import { ForecastInputError } from '../../../forecasting/src/errors.ts';
import {
  DEFAULT_DEMAND_SOURCE, DEFAULT_NOSHOW_SOURCE, runPredict, runScenario, runScoreNoShow, runTrainOrEvaluate, SYNTHETIC, type RunOptions,
} from '../../../forecasting/src/jobs/forecast-runner.ts';

const BODY = `
  cupola forecast train     [--demand SRC] [--noshow SRC] [--only demand|noshow] [--seed N] [--epochs N] [--extra a,b] [--drop-short]
  cupola forecast evaluate  (same options; backtest and report only, no model saved)
  cupola forecast predict   [--demand SRC] [--model ID] [--score-noshow FILE] [--drop-short]
  cupola forecast scenario  --service S --ats A --slots N --from YYYY-MM-DD [--demand SRC] [--model ID] [--out FILE]

SRC is a dbt mart in $CUPOLA_DATA_DIR/warehouse.duckdb (defaults ${DEFAULT_DEMAND_SOURCE}, ${DEFAULT_NOSHOW_SOURCE}),
a .csv/.parquet file, or '${SYNTHETIC}' (generated history for demos; reports say so).
A demand series with less than 48 weeks of history fails the run (naming it) unless --drop-short drops it (listed).
No-show file columns: patient_key, booked_at, appointment_date, age, sex, reminder_sent, no_show
  (+ optional appointment_time, priority, access_type, channel, distance_km, and extra numeric/boolean columns).
Models: $CUPOLA_DATA_DIR/models/<kind>/<id>/ · reports: $CUPOLA_DATA_DIR/reports/forecast/ ·
forecasts: $CUPOLA_DATA_DIR/lake/forecasts/{demand,waiting,noshow}/date=YYYY-MM-DD/*.parquet ·
scenarios: $CUPOLA_DATA_DIR/forecasts/scenarios/*.json. Backend: tfjs-node if installed, else wasm (CUPOLA_TF_BACKEND).`;
const USAGE = `cupola forecast — demand, waiting-time and no-show forecasting (TensorFlow.js)\n\nusage:${BODY}`;

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

/** Runs `cupola forecast <sub> …`; returns the exit code (2 = bad usage or input). */
export async function forecastMain(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(USAGE);
    return sub ? 0 : 2;
  }
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseArgs({
      args: rest, strict: true, allowPositionals: false,
      options: {
        demand: { type: 'string' }, noshow: { type: 'string' }, only: { type: 'string' }, seed: { type: 'string' }, epochs: { type: 'string' },
        extra: { type: 'string' }, model: { type: 'string' }, service: { type: 'string' }, ats: { type: 'string' }, slots: { type: 'string' },
        from: { type: 'string' }, out: { type: 'string' }, 'drop-short': { type: 'boolean' }, 'score-noshow': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const cfg = loadConfig(env);
  const seed = v.seed === undefined ? 42 : Number(v.seed);
  const epochs = v.epochs === undefined ? undefined : Number(v.epochs);
  if (!Number.isInteger(seed) || (epochs !== undefined && !(Number.isInteger(epochs) && epochs > 0))) {
    console.error('--seed and --epochs must be integers (epochs > 0)');
    return 2;
  }
  if (v.only !== undefined && v.only !== 'demand' && v.only !== 'noshow') {
    console.error("--only must be 'demand' or 'noshow'");
    return 2;
  }
  const bar = progressBar('forecast');
  const opts: RunOptions = {
    dataDir: cfg.dataDir, seed, ...(epochs ? { epochs } : {}),
    ...(v.demand ? { demandSource: String(v.demand) } : {}), ...(v.noshow ? { noshowSource: String(v.noshow) } : {}),
    ...(v.only ? { only: v.only as 'demand' | 'noshow' } : {}), ...(v.extra ? { extraColumns: String(v.extra).split(',').filter(Boolean) } : {}),
    ...(v.model ? { modelId: String(v.model) } : {}), ...(v['drop-short'] ? { dropShort: true } : {}),
    progress: (phase, done, total) => bar.update(done, total, phase), log: (l) => console.error(l),
  };
  const t0 = Date.now();
  try {
    if (sub === 'train' || sub === 'evaluate') {
      const s = await runTrainOrEvaluate(opts, sub === 'train');
      bar.stop();
      for (const n of s.notes) console.log(`note: ${n}`);
      if (s.demand) console.log(`demand: ${s.demand.series} series · MASE ${f3(s.demand.mase)} vs seasonal naive ${f3(s.demand.maseSeasonalNaive)} (ratio ${f3(s.demand.maseVsSnaive)}) · P10–P90 coverage ${(100 * s.demand.coverage).toFixed(1)}% · fit ${s.demand.trainSeconds.toFixed(1)}s`);
      if (s.noshow) console.log(`no-show: ROC-AUC ${f3(s.noshow.auc)} (lead-time baseline ${f3(s.noshow.baselineAuc)}) · PR-AUC ${f3(s.noshow.prAuc)} · Brier ${s.noshow.brier.toFixed(4)} vs baseline ${s.noshow.baselineBrier.toFixed(4)} · fit ${s.noshow.trainSeconds.toFixed(1)}s`);
      for (const m of s.models) console.log(`saved ${m.kind} model ${m.id} → ${m.dir}`);
      console.log(`forecast ${sub}: done in ${((Date.now() - t0) / 1000).toFixed(1)}s on backend ${s.backend}; ${s.models.length} model(s) saved; report ${s.reportDir}/report.md`);
      return 0;
    }
    if (sub === 'predict') {
      const p = await runPredict(opts);
      let extra = '';
      if (v['score-noshow']) {
        const s = await runScoreNoShow(opts, String(v['score-noshow']));
        extra = `; scored ${s.rows} appointments (mean p(no-show) ${s.meanProbability.toFixed(3)}) → ${s.file}`;
      }
      bar.stop();
      const worst = [...p.waiting].map((g) => ({ g, c: Math.min(...g.weeks.map((w) => w.compliance).filter(Number.isFinite)) })).sort((a, b) => a.c - b.c).slice(0, 5);
      for (const { g, c } of worst) console.log(`lowest projected compliance: ${g.serviceId} · ${g.atsId}: ${(100 * c).toFixed(1)}% (supply from ${g.supplySource})`);
      console.log(`forecast predict: ${p.series} series × ${p.weeks.length} weeks (${p.weeks[0]} .. ${p.weeks.at(-1)}) with model ${p.modelId} on backend ${p.backend} → ${p.files.join(', ')}${extra}`);
      return 0;
    }
    if (sub === 'scenario') {
      const missing = ['service', 'ats', 'slots', 'from'].filter((k) => v[k] === undefined);
      if (missing.length) {
        console.error(`scenario needs --${missing.join(', --')}\n\n${USAGE}`);
        return 2;
      }
      const r = await runScenario(opts, { serviceId: String(v.service), atsId: String(v.ats), extraSlotsPerWeek: Number(v.slots), from: String(v.from), ...(v.out ? { out: String(v.out) } : {}) });
      bar.stop();
      console.log('week        demand  supply→scenario  compliance base→scenario  median wait base→scenario');
      for (const w of r.weeks) console.log(`${w.week_start}  ${w.demand_p50.toFixed(1).padStart(6)}  ${w.supply_base.toFixed(0).padStart(6)}→${w.supply_scenario.toFixed(0).padEnd(6)}  ${(100 * w.compliance_base).toFixed(1).padStart(6)}% → ${(100 * w.compliance_scenario).toFixed(1).padEnd(6)}%  ${w.median_wait_base.toFixed(0).padStart(5)}d → ${w.median_wait_scenario.toFixed(0)}d`);
      console.log(`forecast scenario: +${r.scenario.extra_slots_per_week} places/week for ${r.scenario.service_id} in ${r.scenario.ats_id} from ${r.scenario.from}: compliance ${(100 * r.summary.compliance_base).toFixed(1)}% → ${(100 * r.summary.compliance_scenario).toFixed(1)}%, median wait ${r.summary.median_wait_base.toFixed(1)}d → ${r.summary.median_wait_scenario.toFixed(1)}d (model ${r.model_id}, backend ${r.backend}) → ${r.file}`);
      return 0;
    }
    console.error(`unknown forecast subcommand '${sub}'\n\n${USAGE}`);
    return 2;
  } catch (e) {
    bar.stop();
    if (e instanceof ForecastInputError) {
      console.error(`forecast ${sub}: ${e.code}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

/** `cupola forecast train|evaluate|predict|scenario` (forecasting/src/jobs/forecast-runner.ts). */
export const forecastCommand: Command = {
  name: 'forecast',
  summary: 'train, evaluate and run the demand, waiting-time and no-show models; what-if scenarios',
  usage: `train|evaluate|predict|scenario [options]\n${BODY}`,
  options: {},
  passthrough: true,
  async run() {
    const i = process.argv.indexOf('forecast');
    return forecastMain(process.argv.slice(i + 1));
  },
};
