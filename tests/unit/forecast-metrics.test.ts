import { describe, expect, it } from 'vitest';
import { brier, calibrationBins, coverage, mase, maseScale, pinball, prAuc, rocAuc, smape } from '../../forecasting/src/models/metrics.ts';
import { fitLeadTimeRate, holtWinters, movingAverage, seasonalNaive } from '../../forecasting/src/models/baselines.ts';
import { applyPlatt, fitPlatt } from '../../forecasting/src/models/noshow-model.ts';
import { temporalCut } from '../../forecasting/src/jobs/noshow-job.ts';

describe('forecast metrics', () => {
  it('scores a perfect ranking 1, an inverted one 0 and all ties 0.5 ROC-AUC', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(rocAuc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1])).toBe(0);
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });
  it('computes average precision and the Brier score exactly', () => {
    expect(prAuc([1, 0, 1], [0.9, 0.8, 0.7])).toBeCloseTo((1 + 2 / 3) / 2);
    expect(brier([1, 0], [0.8, 0.4])).toBeCloseTo((0.04 + 0.16) / 2);
  });
  it('computes MASE against the in-sample seasonal difference, sMAPE, coverage and pinball', () => {
    expect(maseScale([1, 2, 3, 5, 6, 7], 3)).toBe(4); // |5-1|, |6-2|, |7-3|
    expect(mase([10, 12], [11, 10], [2, 2])).toBe(0.75);
    expect(smape([100, 0], [50, 0])).toBeCloseTo((2 * 50) / 150 * 100 / 2);
    expect(coverage([1, 5, 9], [0, 6, 8], [2, 7, 10])).toBeCloseTo(2 / 3);
    expect(pinball([10], [8], 0.9)).toBeCloseTo(1.8);
    expect(pinball([10], [12], 0.9)).toBeCloseTo(0.2);
  });
  it('bins predictions for the calibration plot with the observed rate per bin', () => {
    const bins = calibrationBins([0, 1, 1, 0], [0.05, 0.08, 0.95, 0.91], 10);
    expect(bins).toEqual([
      { lo: 0, hi: 0.1, meanPredicted: 0.065, observedRate: 0.5, n: 2 },
      { lo: 0.9, hi: 1, meanPredicted: 0.9299999999999999, observedRate: 0.5, n: 2 },
    ]);
  });
});

describe('baselines', () => {
  it('seasonal naive repeats the same weeks one season earlier', () => {
    expect(seasonalNaive([1, 2, 3, 4, 5, 6], 4, 3)).toEqual([4, 5, 6, 4]);
  });
  it('moving average is flat at the mean of the last k weeks', () => {
    expect(movingAverage([1, 2, 3, 4, 8], 2, 2)).toEqual([6, 6]);
  });
  it('Holt-Winters follows a clean seasonal pattern closely', () => {
    const season = [10, 20, 30, 20];
    const hist = Array.from({ length: 24 }, (_, i) => season[i % 4]! + 100);
    const f = holtWinters(hist, 4, 4);
    f.forEach((v, i) => expect(Math.abs(v - (season[i % 4]! + 100))).toBeLessThan(3));
  });
  it('lead-time baseline gives each band its own observed rate', () => {
    const lead = [1, 2, 3, 100, 100, 100, 100];
    const y = [0, 0, 0, 1, 1, 1, 0];
    const f = fitLeadTimeRate(lead, y);
    expect(f(2)).toBeLessThan(0.2);
    expect(f(100)).toBeGreaterThan(0.6);
  });
});

describe('calibration and splits', () => {
  it('Platt scaling pulls over-confident probabilities towards the observed rate', () => {
    const p: number[] = [], y: number[] = [];
    for (let i = 0; i < 400; i++) {
      p.push(i % 2 ? 0.9 : 0.1);
      y.push(i % 2 ? (i % 10 < 6 ? 1 : 0) : (i % 10 === 0 ? 1 : 0)); // 0.9 → really ~0.6, 0.1 → really ~0.2
    }
    const c = fitPlatt(p, y);
    const q = p.map((v) => applyPlatt(v, c));
    expect(brier(y, q)).toBeLessThan(brier(y, p));
    expect(applyPlatt(0.9, c)).toBeLessThan(0.75);
  });
  it('a temporal cut never splits the appointments of one date', () => {
    const dates = ['a', 'b', 'c', 'c', 'c', 'd'];
    expect(temporalCut(dates, 0.5)).toBe(5);
  });
});
