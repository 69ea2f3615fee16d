/**
 * Coalesces concurrent deliveries (e.g. one per Kafka partition) into one micro-batch: `add` resolves when the
 * micro-batch that holds its records has been flushed (made durable), or rejects if that flush failed, so each
 * caller commits its own position only after its records are durable. Flushes when `maxRecords` are waiting or
 * `lingerMs` after the first record arrived, whichever comes first; up to `concurrency` flushes at a time (default 1),
 * in the order they were started, a micro-batch of at least 2 × `minSplit` records being split into up to
 * `concurrency` parts. A caller's next delivery waits for its `add` (a Kafka partition is fetched again
 * only after its batch resolved), so flushes running together never hold two batches of one partition.
 */
export class MicroBatcher<T> {
  private buf: T[] = [];
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = 0;
  private readonly queue: { items: T[]; waiters: { resolve: () => void; reject: (e: unknown) => void }[] }[] = [];

  constructor(private readonly flushFn: (items: T[]) => Promise<void>, private readonly opts: { lingerMs: number; maxRecords: number; concurrency?: number; minSplit?: number }) {}

  add(items: readonly T[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      for (const i of items) this.buf.push(i);
      this.waiters.push({ resolve, reject });
      if (this.buf.length >= this.opts.maxRecords) this.kick();
      else if (!this.timer) this.timer = setTimeout(() => this.kick(), this.opts.lingerMs);
    });
  }

  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const items = this.buf;
    const waiters = this.waiters;
    if (!waiters.length) return;
    this.buf = [];
    this.waiters = [];
    // with several flushes allowed, a large micro-batch is split into equal parts flushed side by side; its
    // deliveries resolve when every part is durable and reject if any part failed
    const parts = Math.max(1, Math.min(this.opts.concurrency ?? 1, Math.floor(items.length / (this.opts.minSplit ?? 2_000))));
    if (parts === 1) {
      this.queue.push({ items, waiters });
    } else {
      const size = Math.ceil(items.length / parts);
      let left = parts;
      let failed: { e: unknown } | null = null;
      const part = {
        resolve: () => {
          if (--left > 0) return;
          for (const w of waiters) (failed ? w.reject(failed.e) : w.resolve());
        },
        reject: (e: unknown) => {
          failed ??= { e };
          part.resolve();
        },
      };
      for (let k = 0; k < parts; k++) this.queue.push({ items: items.slice(k * size, (k + 1) * size), waiters: [part] });
    }
    this.pump();
  }

  private pump(): void {
    while (this.running < (this.opts.concurrency ?? 1) && this.queue.length) {
      const { items, waiters } = this.queue.shift()!;
      this.running++;
      void (async () => {
        try {
          await this.flushFn(items);
          for (const w of waiters) w.resolve();
        } catch (e) {
          for (const w of waiters) w.reject(e);
        } finally {
          this.running--;
          this.pump();
        }
      })();
    }
  }
}
