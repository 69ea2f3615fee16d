import { describe, expect, it } from 'vitest';
import { MicroBatcher } from '../../pipelines/src/sinks/micro-batcher.ts';

describe('the micro-batcher', () => {
  it('coalesces concurrent deliveries into one flush and resolves each after it', async () => {
    const flushes: number[][] = [];
    const b = new MicroBatcher<number>(async (xs) => void flushes.push(xs), { lingerMs: 10, maxRecords: 100 });
    await Promise.all([b.add([1, 2]), b.add([3]), b.add([4, 5])]);
    expect(flushes).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('flushes as soon as maxRecords are waiting', async () => {
    const flushes: number[][] = [];
    const b = new MicroBatcher<number>(async (xs) => void flushes.push(xs), { lingerMs: 60_000, maxRecords: 3 });
    await b.add([1, 2, 3]);
    expect(flushes).toEqual([[1, 2, 3]]);
  });

  it('rejects every delivery of a failed flush, so none of them is acknowledged', async () => {
    const b = new MicroBatcher<number>(async () => {
      throw new Error('disk full');
    }, { lingerMs: 5, maxRecords: 100 });
    const r = await Promise.allSettled([b.add([1]), b.add([2])]);
    expect(r.map((x) => x.status)).toEqual(['rejected', 'rejected']);
  });

  it('runs at most `concurrency` flushes at once and starts the next as one ends', async () => {
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const b = new MicroBatcher<number>(async (xs) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 20));
      order.push(xs[0]!);
      running--;
    }, { lingerMs: 60_000, maxRecords: 1, concurrency: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((x) => b.add([x])));
    expect(most).toBe(2);
    expect(order.sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('splits a large micro-batch into parts flushed side by side and resolves its deliveries when every part is durable', async () => {
    const flushes: number[][] = [];
    let fail = false;
    const b = new MicroBatcher<number>(async (xs) => {
      await new Promise((r) => setTimeout(r, 5));
      if (fail && xs.includes(9)) throw new Error('disk full');
      flushes.push(xs);
    }, { lingerMs: 10, maxRecords: 1_000, concurrency: 2, minSplit: 3 });
    await Promise.all([b.add([1, 2, 3, 4]), b.add([5, 6, 7])]);
    expect(flushes.map((f) => f.length).sort()).toEqual([3, 4]);
    expect(flushes.flat().sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    fail = true;
    const r = await Promise.allSettled([b.add([8, 9, 10]), b.add([11, 12, 13])]);
    expect(r.map((x) => x.status)).toEqual(['rejected', 'rejected']); // one part failed: no delivery is acknowledged
  });
});
