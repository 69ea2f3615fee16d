import { describe, expect, it } from 'vitest';
import { Grouped } from '../../engine/src/store/grouped.ts';

/** A set-based call that records each group it is given and answers when released. */
function recorder(fail?: (items: string[]) => boolean) {
  const calls: string[][] = [];
  const gates: (() => void)[] = [];
  const run = (items: string[]) => {
    calls.push(items);
    return new Promise<string[]>((resolve, reject) =>
      gates.push(() => (fail?.(items) ? reject(new Error(`failed ${items.join(',')}`)) : resolve(items.map((x) => x.toUpperCase())))));
  };
  const releaseAll = async () => {
    while (gates.length) {
      gates.shift()!();
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  return { calls, run, releaseAll };
}

describe('Grouped: a set-based call for the items that arrive together', () => {
  it('runs the first item at once and the items arriving meanwhile together in the next call, each getting its own answer', async () => {
    const r = recorder();
    const g = new Grouped(r.run, { maxBatch: 10, maxInFlight: 1 });
    const out = Promise.all(['a', 'b', 'c', 'd'].map((x) => g.submit(x)));
    await r.releaseAll();
    expect(await out).toEqual(['A', 'B', 'C', 'D']);
    expect(r.calls).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('never puts more than maxBatch items in one call and keeps maxInFlight calls under way', async () => {
    const r = recorder();
    const g = new Grouped(r.run, { maxBatch: 2, maxInFlight: 2 });
    const out = Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((x) => g.submit(x)));
    expect(r.calls).toEqual([['a'], ['b']]);
    await r.releaseAll();
    expect(await out).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    expect(r.calls.every((c) => c.length <= 2)).toBe(true);
    expect(r.calls.flat().sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('never puts two items sharing a key in one call', async () => {
    const r = recorder();
    const g = new Grouped(r.run, { maxBatch: 10, maxInFlight: 1, keys: (x: string) => [x[0]!] });
    const out = Promise.all(['a1', 'b1', 'a2', 'c1', 'a3'].map((x) => g.submit(x)));
    await r.releaseAll();
    expect(await out).toEqual(['A1', 'B1', 'A2', 'C1', 'A3']);
    expect(r.calls).toEqual([['a1'], ['b1', 'a2', 'c1'], ['a3']]);
  });

  it('retries the items of a failed call one by one, so only the failing item fails', async () => {
    const r = recorder((items) => items.includes('bad'));
    const g = new Grouped(r.run, { maxBatch: 10, maxInFlight: 1 });
    const results = Promise.allSettled(['a', 'b', 'bad', 'c'].map((x) => g.submit(x)));
    await r.releaseAll();
    const settled = await results;
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(r.calls).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
  });
});
