/** Evaluation report: markdown with model and baselines side by side, plus hand-written SVG plots. Pure (returns files). */
import type { Series } from '../features/demand-features.ts';
import type { DemandEvaluation } from '../models/demand-evaluation.ts';
import type { NoShowBacktest } from '../jobs/noshow-job.ts';
import { calibrationChart, lineChart } from './svg.ts';

export interface ReportInput {
  title: string;
  backend: string;
  gitRevision: string;
  seed: number;
  notes: string[];
  demand?: { source: string; series: Series[]; evaluation: DemandEvaluation; trainSeconds: number };
  noshow?: { source: string; backtest: NoShowBacktest };
}

const f = (v: number | undefined, d = 3) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));

/** Actual, model band and seasonal naive from the first holdout origin, for the sum of `keys` (or all series). */
function demandChart(title: string, ev: DemandEvaluation, series: Series[], keys?: Set<string>): string {
  const origin = Math.min(...ev.points.map((p) => p.origin));
  const pts = ev.points.filter((p) => p.origin === origin && (!keys || keys.has(p.series)));
  const chosen = series.filter((s) => !keys || keys.has(s.key));
  const histWeeks = 26;
  const T0 = Math.max(0, origin - histWeeks);
  const H = Math.max(...pts.map((p) => p.h));
  const labels = chosen[0]!.weeks.slice(T0, origin + H).map((w) => w.slice(2));
  const actual = labels.map((_, i) => chosen.reduce((s, c) => s + c.values[T0 + i]!, 0));
  const at = (h: number, pick: (p: (typeof pts)[number]) => number) => pts.filter((p) => p.h === h).reduce((s, p) => s + pick(p), 0);
  const pad = (fn: (h: number) => number) => labels.map((_, i) => (T0 + i >= origin ? fn(T0 + i - origin + 1) : null));
  return lineChart(title, labels, [
    { name: 'actual', values: actual, color: '#222' },
    { name: 'model P50', values: pad((h) => at(h, (p) => p.model.p50)), color: '#1f77b4' },
    { name: 'seasonal naive', values: pad((h) => at(h, (p) => p.baselines.seasonal_naive)), color: '#d62728', dash: true },
    { name: 'Holt-Winters', values: pad((h) => at(h, (p) => p.baselines.holt_winters)), color: '#2ca02c', dash: true },
  ], [{ name: keys && keys.size === 1 ? 'model P10–P90' : 'Σ series P10 / P90', lo: pad((h) => at(h, (p) => p.model.p10)), hi: pad((h) => at(h, (p) => p.model.p90)), color: '#1f77b4' }], 'requests / week');
}

export function renderReport(r: ReportInput): { files: Record<string, string>; markdown: string } {
  const files: Record<string, string> = {};
  const md: string[] = [`# ${r.title}`, '', `backend: \`${r.backend}\` · git: \`${r.gitRevision}\` · seed: ${r.seed}`, ''];
  for (const n of r.notes) md.push(`> ${n}`, '');
  if (r.demand) {
    const { evaluation: ev, series } = r.demand;
    md.push('## Weekly demand', '', `source: \`${r.demand.source}\` · ${series.length} series · weeks ${series[0]!.weeks[0]} .. ${series[0]!.weeks.at(-1)} · ` +
      `last ${ev.holdoutWeeks} weeks held out, rolling origins ${ev.origins.join(', ')} · model fit in ${r.demand.trainSeconds.toFixed(1)} s`, '');
    md.push('| method | MASE | sMAPE % | P10–P90 coverage | MASE ÷ seasonal naive |', '|---|---|---|---|---|');
    const sn = ev.scores.find((s) => s.method === 'seasonal_naive')!.mase;
    for (const s of ev.scores) md.push(`| ${s.method} | ${f(s.mase)} | ${f(s.smape, 1)} | ${s.coverage_p10_p90 === undefined ? '–' : `${(100 * s.coverage_p10_p90).toFixed(1)} %`} | ${f(s.mase / sn)} |`);
    md.push('', `Targets: MASE ÷ seasonal naive ≤ 0.85 (here ${f(ev.maseVsSeasonalNaive)}), P10–P90 coverage 70–90 % (here ${(100 * ev.coverageP10P90).toFixed(1)} %).`, '');
    files['demand-total.svg'] = demandChart('All series: actual vs forecasts from the first holdout origin', ev, series);
    md.push('![total demand](demand-total.svg)', '', '(The shaded area of the total is the sum of the series\' P10 and P90, wider than an interval for the total.)', '');
    const top = [...series].sort((a, b) => b.values.reduce((x, y) => x + y, 0) - a.values.reduce((x, y) => x + y, 0)).slice(0, 3);
    top.forEach((s, i) => {
      files[`demand-series-${i + 1}.svg`] = demandChart(`${s.serviceId} · ${s.atsId} · class ${s.priority}`, ev, series, new Set([s.key]));
      md.push(`![${s.key}](demand-series-${i + 1}.svg)`, '');
    });
  }
  if (r.noshow) {
    const b = r.noshow.backtest;
    md.push('## No-show probability', '', `source: \`${r.noshow.source}\` · ${b.dataset.y.length} appointments · train ${b.split.train} (to ${b.split.trainTo}), ` +
      `calibration ${b.split.calibration} (from ${b.split.calibrationFrom}), holdout ${b.split.holdout} (from ${b.split.holdoutFrom}) · training no-show rate ${(100 * b.prevalence).toFixed(1)} % · fit in ${b.trainSeconds.toFixed(1)} s`, '');
    md.push(`features (${b.dataset.featureNames.length}): ${b.dataset.featureNames.join(', ')}`, '');
    md.push('| method | ROC-AUC | PR-AUC | Brier |', '|---|---|---|---|');
    for (const s of b.scores) md.push(`| ${s.method} | ${f(s.roc_auc)} | ${f(s.pr_auc)} | ${f(s.brier, 4)} |`);
    const m = b.scores[0]!, base = b.scores[1]!;
    md.push('', `Targets: ROC-AUC ≥ 0.70 (here ${f(m.roc_auc)}), Brier better than the lead-time baseline (${f(m.brier, 4)} vs ${f(base.brier, 4)}).`, '');
    files['noshow-calibration.svg'] = calibrationChart('No-show calibration (holdout)', [
      { name: m.method, color: '#1f77b4', bins: m.calibration },
      { name: base.method, color: '#d62728', bins: base.calibration },
    ]);
    md.push('![calibration](noshow-calibration.svg)', '');
  }
  const markdown = md.join('\n');
  files['report.md'] = markdown;
  return { files, markdown };
}
