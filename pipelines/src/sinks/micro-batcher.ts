/**
 * Coalesces concurrent deliveries (e.g. one per Kafka partition) into one micro-batch: `add` resolves when the
 * micro-batch that holds its records has been flushed (made durable), or rejects if that flush failed, so each
 * caller commits its own position only after its records are durable. Flushes when `maxRecords` are waiting or
 * `lingerMs` after the first record arrived, whichever comes first; one flush at a time.
 */
export class MicroBatcher<T> {
  private buf: T[] = [];
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly flushFn: (items: T[]) => Promise<void>, private readonly opts: { lingerMs: number; maxRecords: number }) {}

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
    this.flushing = this.flushing.then(async () => {
      try {
        await this.flushFn(items);
        for (const w of waiters) w.resolve();
      } catch (e) {
        for (const w of waiters) w.reject(e);
      }
    });
  }
}
