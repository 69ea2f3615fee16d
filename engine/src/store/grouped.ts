interface Pending<I, O> {
  item: I;
  resolve: (r: O) => void;
  reject: (e: unknown) => void;
}

export interface GroupedOptions<I> {
  /** most items in one call */
  maxBatch: number;
  /** calls under way at once; items arriving meanwhile wait and go together in the next call */
  maxInFlight: number;
  /** items sharing a key never go in one call (e.g. two bookings of one slot) */
  keys?: (item: I) => readonly (string | null)[];
}

/**
 * Runs items through a set-based call in groups: an item goes at once when a call slot is free; items that arrive
 * while calls are under way wait and go together in the next one — one round trip for all of them. If a combined
 * call fails, its items are retried one by one, so one item's failure is never another's.
 */
export class Grouped<I, O> {
  private queue: Pending<I, O>[] = [];
  private running = 0;

  constructor(private readonly run: (items: I[]) => Promise<O[]>, private readonly opts: GroupedOptions<I>) {}

  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.running < this.opts.maxInFlight && this.queue.length) {
      let batch: Pending<I, O>[];
      if (!this.opts.keys) {
        batch = this.queue.splice(0, this.opts.maxBatch);
      } else {
        batch = [];
        const rest: Pending<I, O>[] = [];
        const used = new Set<string>();
        for (const p of this.queue) {
          const keys = this.opts.keys(p.item).filter((k): k is string => k !== null);
          if (batch.length < this.opts.maxBatch && !keys.some((k) => used.has(k))) {
            batch.push(p);
            for (const k of keys) used.add(k);
          } else rest.push(p);
        }
        this.queue = rest;
      }
      this.running++;
      void this.flush(batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async flush(batch: Pending<I, O>[]) {
    try {
      const out = await this.run(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(out[i]!));
    } catch (e) {
      if (batch.length === 1) return batch[0]!.reject(e);
      for (const p of batch) {
        try {
          p.resolve((await this.run([p.item]))[0]!);
        } catch (err) {
          p.reject(err);
        }
      }
    }
  }
}
