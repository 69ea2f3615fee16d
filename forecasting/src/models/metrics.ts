/** Forecast and classification metrics, pure. */

/** In-sample scale of MASE: mean absolute seasonal difference of the training history (lag `season`, else lag 1). */
export function maseScale(history: readonly number[], season: number): number {
  const m = history.length > season ? season : 1;
  let s = 0, n = 0;
  for (let i = m; i < history.length; i++) {
    s += Math.abs(history[i]! - history[i - m]!);
    n++;
  }
  return n ? s / n : 0;
}

/** Mean absolute error divided by a scale per point (MASE pooled over series: Σ|e|/scale ÷ n). */
export function mase(actual: readonly number[], forecast: readonly number[], scales: readonly number[]): number {
  let s = 0, n = 0;
  for (let i = 0; i < actual.length; i++) {
    const sc = scales[i]!;
    if (!(sc > 0)) continue;
    s += Math.abs(actual[i]! - forecast[i]!) / sc;
    n++;
  }
  return n ? s / n : NaN;
}

/** Symmetric MAPE in percent (pairs where both are zero count as 0). */
export function smape(actual: readonly number[], forecast: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]!) + Math.abs(forecast[i]!);
    s += d === 0 ? 0 : (2 * Math.abs(actual[i]! - forecast[i]!)) / d;
  }
  return actual.length ? (100 * s) / actual.length : NaN;
}

/** Share of actual values inside [lo, hi]. */
export function coverage(actual: readonly number[], lo: readonly number[], hi: readonly number[]): number {
  let k = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i]! >= lo[i]! && actual[i]! <= hi[i]!) k++;
  return actual.length ? k / actual.length : NaN;
}

/** Mean pinball loss at quantile q. */
export function pinball(actual: readonly number[], pred: readonly number[], q: number): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = actual[i]! - pred[i]!;
    s += Math.max(q * e, (q - 1) * e);
  }
  return actual.length ? s / actual.length : NaN;
}

/** ROC-AUC by the rank statistic (ties get half credit). */
export function rocAuc(y: readonly number[], p: readonly number[]): number {
  const idx = p.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  let rankSumPos = 0, nPos = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[idx[k]![1]] === 1) { rankSumPos += avgRank; nPos++; }
    i = j + 1;
  }
  const nNeg = y.length - nPos;
  if (!nPos || !nNeg) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** PR-AUC as average precision (step interpolation, scores sorted descending). */
export function prAuc(y: readonly number[], p: readonly number[]): number {
  const order = p.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const nPos = y.reduce((a, b) => a + b, 0);
  if (!nPos) return NaN;
  let tp = 0, ap = 0;
  order.forEach(([, i], k) => {
    if (y[i] === 1) {
      tp++;
      ap += tp / (k + 1);
    }
  });
  return ap / nPos;
}

export function brier(y: readonly number[], p: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (p[i]! - y[i]!) ** 2;
  return y.length ? s / y.length : NaN;
}

export interface CalibrationBin { lo: number; hi: number; meanPredicted: number; observedRate: number; n: number }

/** Reliability table: predictions in `bins` equal-width bins, mean predicted vs observed rate (empty bins omitted). */
export function calibrationBins(y: readonly number[], p: readonly number[], bins = 10): CalibrationBin[] {
  const acc = Array.from({ length: bins }, () => ({ sp: 0, sy: 0, n: 0 }));
  for (let i = 0; i < y.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i]! * bins)));
    acc[b]!.sp += p[i]!;
    acc[b]!.sy += y[i]!;
    acc[b]!.n++;
  }
  return acc.flatMap((a, b) => (a.n ? [{ lo: b / bins, hi: (b + 1) / bins, meanPredicted: a.sp / a.n, observedRate: a.sy / a.n, n: a.n }] : []));
}
