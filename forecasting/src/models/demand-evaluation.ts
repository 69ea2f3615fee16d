/**
 * Rolling-origin evaluation of weekly demand forecasts, pure: the last `holdout` weeks are held out; forecasts are
 * made from origins T−holdout, T−holdout+step, … (each sees the actuals before it), horizons truncated at T. The
 * model is fit once on weeks before T−holdout; baselines refit at each origin. MASE is scaled by each series' in-sample
 * seasonal-naive error on the weeks before T−holdout.
 */
import type { Series } from '../features/demand-features.ts';
import { DEMAND_BASELINES, type DemandBaseline } from './baselines.ts';
import { coverage, mase, maseScale, smape } from './metrics.ts';
import type { QuantileForecast } from './demand-model.ts';

export interface DemandEvalPoint { series: string; origin: number; h: number; week: string; actual: number; scale: number; model: { p10: number; p50: number; p90: number }; baselines: Record<DemandBaseline, number> }

export interface MethodScore { method: string; mase: number; smape: number; coverage_p10_p90?: number }

export interface DemandEvaluation {
  holdoutWeeks: number;
  origins: string[];
  points: DemandEvalPoint[];
  scores: MethodScore[];
  maseVsSeasonalNaive: number;
  coverageP10P90: number;
}

export function evaluateDemand(
  series: readonly Series[], horizon: number, season: number, holdout: number, step: number,
  forecast: (origin: number) => QuantileForecast[],
): DemandEvaluation {
  const T = series[0]!.values.length;
  const start = T - holdout;
  const points: DemandEvalPoint[] = [];
  const origins: number[] = [];
  for (let o = start; o < T; o += step) origins.push(o);
  for (const o of origins) {
    const f = forecast(o);
    series.forEach((s, i) => {
      const scale = maseScale(s.values.slice(0, start), season);
      const hist = s.values.slice(0, o);
      const base = Object.fromEntries(Object.entries(DEMAND_BASELINES).map(([k, fn]) => [k, fn(hist, horizon, season)])) as Record<DemandBaseline, number[]>;
      for (let h = 0; h < horizon && o + h < T; h++) {
        points.push({
          series: s.key, origin: o, h: h + 1, week: s.weeks[o + h]!, actual: s.values[o + h]!, scale,
          model: { p10: f[i]!.p10[h]!, p50: f[i]!.p50[h]!, p90: f[i]!.p90[h]! },
          baselines: Object.fromEntries(Object.entries(base).map(([k, v]) => [k, v[h]!])) as Record<DemandBaseline, number>,
        });
      }
    });
  }
  const actual = points.map((p) => p.actual), scales = points.map((p) => p.scale);
  const score = (method: string, pred: number[]): MethodScore => ({ method, mase: mase(actual, pred, scales), smape: smape(actual, pred) });
  const model = { ...score('model (tfjs, P50)', points.map((p) => p.model.p50)), coverage_p10_p90: coverage(actual, points.map((p) => p.model.p10), points.map((p) => p.model.p90)) };
  const scores = [model, ...Object.keys(DEMAND_BASELINES).map((k) => score(k, points.map((p) => p.baselines[k as DemandBaseline])))];
  const sn = scores.find((s) => s.method === 'seasonal_naive')!;
  return {
    holdoutWeeks: holdout, origins: origins.map((o) => series[0]!.weeks[o]!), points, scores,
    maseVsSeasonalNaive: model.mase / sn.mase, coverageP10P90: model.coverage_p10_p90!,
  };
}
