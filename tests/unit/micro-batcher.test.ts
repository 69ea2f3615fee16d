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
});
