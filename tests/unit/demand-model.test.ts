import { describe, expect, it } from 'vitest';
import { epochDayOf } from '../../engine/src/domain/time/rome-time.ts';
import { createRng } from '../../simulator/src/rng.ts';
import { CLASS_MIX, cancellationProbability, demandFactor, noShowProbability, poisson, yearlyFactor } from '../../simulator/src/demand-model.ts';

const day = (d: string) => epochDayOf(d);

describe('demand model', () => {
  it('has a Monday peak: a Monday draws more prescriptions than the Wednesday and far more than the Sunday of its week', () => {
    expect(demandFactor(day('2026-10-12'))).toBeGreaterThan(demandFactor(day('2026-10-14')));
    expect(demandFactor(day('2026-10-14'))).toBeGreaterThan(5 * demandFactor(day('2026-10-18')));
  });

  it('dips in August (deepest around Ferragosto) and over Christmas, compared with October', () => {
    expect(yearlyFactor(day('2026-08-14'))).toBeLessThan(yearlyFactor(day('2026-08-03')));
    expect(yearlyFactor(day('2026-08-03'))).toBeLessThan(yearlyFactor(day('2026-10-14')));
    expect(yearlyFactor(day('2026-12-28'))).toBeLessThan(yearlyFactor(day('2026-10-14')));
    expect(yearlyFactor(day('2027-01-05'))).toBeLessThan(yearlyFactor(day('2027-01-12')));
  });

  it('makes no-shows and cancellations more likely the longer the lead time', () => {
    expect(noShowProbability(0)).toBeCloseTo(0.03, 5);
    expect(noShowProbability(30)).toBeGreaterThan(noShowProbability(7));
    expect(noShowProbability(120)).toBeGreaterThan(noShowProbability(30));
    expect(noShowProbability(1000)).toBeLessThanOrEqual(0.15);
    expect(cancellationProbability(90)).toBeGreaterThan(cancellationProbability(5));
  });

  it('has a class mix that sums to one for every kind of service', () => {
    for (const mix of Object.values(CLASS_MIX)) expect(Object.values(mix).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
  });

  it('draws Poisson counts whose mean matches the requested mean, for small and large means', () => {
    for (const mean of [0.7, 12, 400]) {
      const rng = createRng(42);
      let sum = 0;
      const n = 4000;
      for (let i = 0; i < n; i++) sum += poisson(mean, () => rng.next());
      expect(Math.abs(sum / n - mean)).toBeLessThan(Math.max(0.05, mean * 0.02));
    }
    expect(poisson(0, () => 0.5)).toBe(0);
  });
});
