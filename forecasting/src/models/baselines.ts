/**
 * Statistical baselines on the same splits as the model, pure. Each takes the history (weeks < origin) and returns
 * the next `horizon` weeks.
 */

/** Seasonal naive: the same week one season earlier (falls back to the last value when the history is shorter). */
export function seasonalNaive(history: readonly number[], horizon: number, season: number): number[] {
  const n = history.length;
  return Array.from({ length: horizon }, (_, h) => {
    let j = n + h - season;
    while (j >= n) j -= season;
    return j >= 0 ? history[j]! : history[n - 1] ?? 0;
  });
}

/** Moving average of the last `k` weeks, flat over the horizon. */
export function movingAverage(history: readonly number[], horizon: number, k = 4): number[] {
  const tail = history.slice(-k);
  const m = tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : 0;
  return new Array(horizon).fill(m);
}

interface HwParams { alpha: number; beta: number; gamma: number; phi: number }

function hwRun(y: readonly number[], season: number, p: HwParams, horizon: number): { sse: number; forecast: number[] } {
  const seasonal = season > 0 && y.length >= 2 * season;
  const m = seasonal ? season : 1;
  // non-seasonal: start from the mean of the first weeks, not one noisy week
  const k0 = Math.min(4, y.length);
  let level = seasonal ? y.slice(0, m).reduce((a, b) => a + b, 0) / m : y.slice(0, k0).reduce((a, b) => a + b, 0) / k0;
  let trend = seasonal ? (y.slice(m, 2 * m).reduce((a, b) => a + b, 0) / m - level) / m : 0;
  const s = seasonal ? y.slice(0, m).map((v) => v - level) : [0];
  let sse = 0;
  const start = seasonal ? m : 1;
  for (let t = start; t < y.length; t++) {
    const si = seasonal ? s[t % m]! : 0;
    const f = level + p.phi * trend + si;
    sse += (y[t]! - f) ** 2;
    const prev = level;
    level = p.alpha * (y[t]! - si) + (1 - p.alpha) * (prev + p.phi * trend);
    trend = p.beta * (level - prev) + (1 - p.beta) * p.phi * trend;
    if (seasonal) s[t % m] = p.gamma * (y[t]! - level) + (1 - p.gamma) * si;
  }
  const forecast: number[] = [];
  let damp = 0;
  for (let h = 1; h <= horizon; h++) {
    damp += p.phi ** h;
    const si = seasonal ? s[(y.length + h - 1) % m]! : 0;
    forecast.push(Math.max(0, level + damp * trend + si));
  }
  return { sse, forecast };
}

/**
 * Exponential smoothing: additive Holt-Winters (damped trend) when the history holds two seasons, else damped Holt;
 * smoothing parameters chosen by a small grid search on the one-step in-sample error.
 */
export function holtWinters(history: readonly number[], horizon: number, season: number): number[] {
  if (history.length < 3) return movingAverage(history, horizon, history.length || 1);
  let best: { sse: number; forecast: number[] } | undefined;
  for (const alpha of [0.05, 0.1, 0.2, 0.4, 0.6])
    for (const beta of [0, 0.05])
      for (const gamma of [0.05, 0.15, 0.3]) {
        const r = hwRun(history, season, { alpha, beta, gamma, phi: 0.9 }, horizon);
        if (!best || r.sse < best.sse) best = r;
      }
  return best!.forecast;
}

export const DEMAND_BASELINES = {
  seasonal_naive: seasonalNaive,
  moving_average: (h: readonly number[], horizon: number) => movingAverage(h, horizon, 4),
  holt_winters: holtWinters,
} as const;
export type DemandBaseline = keyof typeof DEMAND_BASELINES;

/** Lead-time bands (days from booking to appointment) of the no-show baseline. */
export const LEAD_BANDS = [7, 14, 30, 60, 120] as const;
export const leadBand = (days: number): number => {
  const i = LEAD_BANDS.findIndex((b) => days <= b);
  return i === -1 ? LEAD_BANDS.length : i;
};

/** No-show baseline: the observed rate per lead-time band (with a weak prior on the overall rate). */
export function fitLeadTimeRate(leadDays: readonly number[], outcome: readonly number[]): (lead: number) => number {
  const n = new Array(LEAD_BANDS.length + 1).fill(0), k = new Array(LEAD_BANDS.length + 1).fill(0);
  let total = 0;
  for (let i = 0; i < leadDays.length; i++) {
    const b = leadBand(leadDays[i]!);
    n[b]++;
    k[b] += outcome[i]!;
    total += outcome[i]!;
  }
  const overall = leadDays.length ? total / leadDays.length : 0.1;
  const rate = n.map((ni, b) => (k[b] + 2 * overall) / (ni + 2));
  return (lead) => rate[leadBand(lead)]!;
}
