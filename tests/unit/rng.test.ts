import { describe, expect, it } from 'vitest';
import { createRng, hashString } from '../../simulator/src/rng.ts';

const draws = (seed: number, n = 20): number[] => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
};

describe('seeded random numbers', () => {
  it('give the same sequence for the same seed and a different one for another seed', () => {
    expect(draws(42)).toEqual(draws(42));
    expect(draws(42)).not.toEqual(draws(43));
  });

  it('stay in [0, 1)', () => {
    const xs = draws(1, 10_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('draw integers within both bounds, reaching each bound', () => {
    const rng = createRng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i++) {
      const x = rng.int(3, 6);
      expect(Number.isInteger(x)).toBe(true);
      seen.add(x);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
    expect(() => rng.int(5, 4)).toThrow(RangeError);
  });

  it('pick by weight in proportion to the weights and never pick a zero weight', () => {
    const rng = createRng(11);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[rng.weightedIndex([1, 0, 3])]! += 1;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / counts[0]!).toBeGreaterThan(2.7);
    expect(counts[2]! / counts[0]!).toBeLessThan(3.3);
    expect(() => rng.weightedIndex([0, 0])).toThrow(RangeError);
  });

  it('shuffle returns a permutation and leaves the input untouched', () => {
    const input = Array.from({ length: 50 }, (_, i) => i);
    const copy = input.slice();
    const out = createRng(3).shuffle(input);
    expect(input).toEqual(copy);
    expect(out).not.toEqual(input);
    expect(out.slice().sort((a, b) => a - b)).toEqual(input);
  });

  it('sample returns distinct elements, at most as many as there are', () => {
    const rng = createRng(5);
    const s = rng.sample(['a', 'b', 'c', 'd'], 3);
    expect(new Set(s).size).toBe(3);
    expect(rng.sample(['a', 'b'], 5)).toHaveLength(2);
  });

  it('forks are deterministic and do not depend on draws made on the parent', () => {
    const a = createRng(9);
    const b = createRng(9);
    b.next();
    b.next();
    const fa = a.fork('x');
    const fb = b.fork('x');
    expect([fa.next(), fa.next()]).toEqual([fb.next(), fb.next()]);
    expect(createRng(9).fork('x').next()).not.toBe(createRng(9).fork('y').next());
  });

  it('hash strings with FNV-1a', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
  });
});
