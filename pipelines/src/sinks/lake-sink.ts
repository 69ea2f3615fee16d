/**
 * The lake sink: validated, pseudonymised events → Parquet micro-batches in
 * <lake>/<topic>/date=YYYY-MM-DD/part-*.parquet (append-only). One sink process per lake; without workers one batch
 * at a time, with `workers` up to that many batches at once, each on its own thread and writing its own files.
 *
 * Guarantees, given a source that redelivers whatever was not acknowledged (Kafka offsets, outbox published_at):
 * - `ingest` resolves only after every file of the batch (and its dead letters, in the folder and — with a broker —
 *   on the dead-letter topic) is durable, so the caller may then commit offsets / mark rows published;
 * - a redelivered event is dropped by event_id: the ids of the partitions of the last `dedupeDays` days (default 3,
 *   by the event's date) are kept in memory and loaded from the lake at start, so a replay never duplicates rows.
 *   Replays come from a crash between a durable write and its acknowledgement (one batch, minutes old); an event
 *   older than the window that is replayed is caught by compaction (distinct by event_id) and by readers;
 * - compaction merges small files into one (distinct by event_id) before deleting them: nothing is lost, and a
 *   crash between the two steps leaves duplicates that the next compaction (and every reader, per DESIGN.md) removes.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { partitionDate } from '../transforms/to-arrow.ts';
import type { LiveEvent } from '../live/live-state.ts';
import { DeadLetterFolder, type DeadLetter, type DeadLetterPublisher } from './dead-letter.ts';
import { encodeBatch, prepareBatch } from './lake-batch.ts';
import { EventIdSet, packIds, type PackedIds } from './event-id-set.ts';
import { IngestPool } from './ingest-pool.ts';
import { fsyncPath, ParquetWriter } from './parquet-writer.ts';
import type { StreamRecord } from '../relay/stream-port.ts';

export interface LakeSinkOptions {
  lakeDir: string;
  deadLetterDir: string;
  pseudonymKey: string;
  /**
   * ingest worker threads (default 0: validate, pseudonymise and encode on the caller's thread, one batch at a time).
   * With n > 0, up to n batches are ingested at once, each on a worker.
   */
  workers?: number;
  /** days of partitions whose event ids are kept for replay dedupe (default 3) */
  dedupeDays?: number;
  /** called after each durable batch with the events written (live state) */
  onWritten?: (events: readonly LiveEvent[], at: number) => void;
  /** also publishes dead letters (the Kafka dead-letter topic), before the batch is acknowledged */
  publishDeadLetters?: DeadLetterPublisher;
  /** called once a batch is durable, before the caller acknowledges it (fault injection in tests) */
  afterDurable?: () => void;
  now?: () => number;
}

/** The ids a batch reserved: its own set (in `inflight` until durable) and which of its valid events it keeps. */
interface Reservation {
  set: EventIdSet;
  ids: PackedIds;
  keep: Uint8Array;
}

export interface IngestResult {
  written: number;
  duplicates: number;
  deadLettered: number;
  files: string[];
}

export class LakeSink {
  /** event ids per partition date, for replay dedupe; dates older than the window are dropped */
  private readonly seenByDate = new Map<string, EventIdSet>();
  readonly deadLetters: DeadLetterFolder;
  eventsWritten = 0;
  duplicatesDropped = 0;
  filesWritten = 0;
  /** the ids reserved by each batch being written */
  private readonly inflight = new Set<EventIdSet>();
  private readonly slots: number;
  private active = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private readonly pool: IngestPool | null;
  private compacting: Promise<void> | null = null;
  private readonly now: () => number;

  private constructor(readonly opts: LakeSinkOptions, private readonly writer: ParquetWriter) {
    this.deadLetters = new DeadLetterFolder(opts.deadLetterDir);
    this.now = opts.now ?? Date.now;
    const workers = opts.workers ?? 0;
    this.slots = Math.max(1, workers);
    this.pool = workers > 0 ? new IngestPool(workers) : null;
  }

  static async open(opts: LakeSinkOptions): Promise<LakeSink> {
    await mkdir(opts.lakeDir, { recursive: true });
    const sink = new LakeSink(opts, await ParquetWriter.open());
    await sink.recover();
    await sink.pool?.ready();
    return sink;
  }

  /** Removes leftovers of an interrupted write and loads the event ids of recent partitions. */
  private async recover(): Promise<void> {
    const oldest = this.oldestDedupeDate();
    for (const { dir, date } of await this.partitions()) {
      const files = await readdir(dir);
      for (const f of files) if (f.endsWith('.tmp')) await unlink(join(dir, f)).catch(() => undefined);
      if (date < oldest || !files.some((f) => f.endsWith('.parquet'))) continue;
      const ids = packIds(await this.writer.eventIds(join(dir, '*.parquet')));
      const set = this.dateSet(date);
      for (let i = 0; i < ids.words.length / 4; i++) set.add(ids, i);
    }
  }

  private oldestDedupeDate(): string {
    return partitionDate(this.now() - (this.opts.dedupeDays ?? 3) * 86_400_000);
  }

  private dateSet(date: string): EventIdSet {
    return this.seenByDate.get(date) ?? this.seenByDate.set(date, new EventIdSet()).get(date)!;
  }

  /** Whether an event id is already in the lake (within the dedupe window) or being written. */
  seen(id: string): boolean {
    return this.seenPacked(packIds([id]), 0);
  }

  private seenPacked(ids: PackedIds, i: number): boolean {
    for (const set of this.inflight) if (set.has(ids, i)) return true;
    for (const set of this.seenByDate.values()) if (set.has(ids, i)) return true;
    return false;
  }

  /** Event ids held for dedupe. */
  get dedupeSize(): number {
    let n = 0;
    for (const set of this.seenByDate.values()) n += set.size;
    return n;
  }

  async partitions(): Promise<{ topic: string; date: string; dir: string }[]> {
    const out: { topic: string; date: string; dir: string }[] = [];
    for (const topic of await readdir(this.opts.lakeDir).catch(() => [] as string[])) {
      const tdir = join(this.opts.lakeDir, topic);
      if (!(await stat(tdir)).isDirectory()) continue;
      for (const d of await readdir(tdir)) if (d.startsWith('date=')) out.push({ topic, date: d.slice(5), dir: join(tdir, d) });
    }
    return out;
  }

  /** Runs `fn` when one of the `max(1, workers)` ingest slots is free. */
  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    while (this.active >= this.slots) await new Promise<void>((r) => this.slotWaiters.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      for (const wake of this.slotWaiters.splice(0)) wake(); // every waiter re-checks (ingests and close alike)
    }
  }

  /**
   * Validates, pseudonymises, dedupes and writes one batch; resolves when it is durable. With workers, up to
   * `workers` batches are ingested at once (each on its own thread); their event ids are reserved here, in the
   * sink's thread, before any file is written, so two batches in flight never both write the same event.
   */
  ingest(records: readonly StreamRecord[]): Promise<IngestResult> {
    return this.slot(() => (this.pool ? this.ingestOnWorker(this.pool, records) : this.ingestHere(records)));
  }

  /**
   * Marks each of the `count` valid events kept (reserved for this batch) or a duplicate (already in the lake, in
   * flight, or repeated in the batch). The batch's reservation is one more set in `inflight` until it is released.
   */
  private reserve(ids: PackedIds, count: number): { keep: Uint8Array; reserved: Reservation; drop: number[] } {
    const keep = new Uint8Array(count);
    const set = new EventIdSet(count);
    const drop: number[] = [];
    for (let i = 0; i < count; i++) {
      if (this.seenPacked(ids, i) || !set.add(ids, i)) {
        drop.push(i);
        continue;
      }
      keep[i] = 1;
    }
    this.inflight.add(set);
    return { keep, reserved: { set, ids, keep }, drop };
  }

  private release(reserved: Reservation | null): void {
    if (reserved) this.inflight.delete(reserved.set);
  }

  /** After the batch's files are durable: dead letters (folder, topic), dedupe memory, counters, live state. */
  private async finish(records: readonly StreamRecord[], at: number, reserved: Reservation, dates: { dateOf: Uint16Array; dateList: readonly string[] }, files: string[], written: readonly LiveEvent[], dead: readonly { index: number; reason: string; raw: unknown }[], duplicates: number): Promise<IngestResult> {
    // the files are durable: their ids are in the lake whatever happens to the dead letters below (moved from the
    // batch's reservation to the sets of their dates in one synchronous step)
    const oldest = this.oldestDedupeDate();
    const sets = dates.dateList.map((d) => (d < oldest ? null : this.dateSet(d)));
    const { ids, keep } = reserved;
    for (let i = 0; i < keep.length; i++) if (keep[i]) sets[dates.dateOf[i]!]?.add(ids, i);
    this.inflight.delete(reserved.set);
    for (const date of this.seenByDate.keys()) if (date < oldest) this.seenByDate.delete(date);
    const letters: DeadLetter[] = dead.map((d) => ({ topic: records[d.index]!.topic, reason: d.reason, raw: d.raw, record: records[d.index]! }));
    await this.deadLetters.write(letters, at);
    if (letters.length && this.opts.publishDeadLetters) await this.opts.publishDeadLetters(letters);
    this.eventsWritten += written.length;
    this.duplicatesDropped += duplicates;
    this.filesWritten += files.length;
    if (written.length || letters.length) this.opts.onWritten?.(written, this.now());
    if (written.length) this.opts.afterDurable?.();
    return { written: written.length, duplicates, deadLettered: letters.length, files };
  }

  private async ingestHere(records: readonly StreamRecord[]): Promise<IngestResult> {
    const at = this.now();
    const batch = prepareBatch(records.map((r) => r.value), records.map((r) => r.topic), this.opts.pseudonymKey, !!this.opts.onWritten);
    const { keep, reserved, drop } = this.reserve(batch.ids, batch.count);
    try {
      const out = encodeBatch(batch, drop.length ? (i) => keep[i] === 1 : null, this.opts.lakeDir, at);
      for (const f of out.files) await this.writer.writeBytes(f.bytes, f.path);
      return await this.finish(records, at, reserved, batch, out.files.map((f) => f.path), out.live ?? new Array<LiveEvent>(out.written), batch.dead, drop.length);
    } catch (e) {
      this.release(reserved);
      throw e;
    }
  }

  private async ingestOnWorker(pool: IngestPool, records: readonly StreamRecord[]): Promise<IngestResult> {
    const at = this.now();
    const worker = pool.take();
    let reserved: Reservation | null = null;
    let held: number | null = null; // a prepared batch the worker still holds
    try {
      const prepared = await worker.prepare(records, this.opts.pseudonymKey, !!this.opts.onWritten);
      held = prepared.id;
      const r = this.reserve(prepared.ids, prepared.count);
      reserved = r.reserved;
      held = null;
      const done = await worker.write(prepared.id, r.drop, this.opts.lakeDir, at);
      return await this.finish(records, at, reserved, prepared, done.files, done.live ?? new Array<LiveEvent>(done.written), prepared.dead, r.drop.length);
    } catch (e) {
      this.release(reserved);
      if (held !== null) worker.discard(held);
      throw e;
    } finally {
      pool.give(worker);
    }
  }

  /**
   * Merges partitions holding at least `minFiles` Parquet files into one file each (distinct by event_id).
   * Runs beside ingestion, not under its lock: it merges only the files it listed (immutable once renamed into
   * place), and ingestion only ever adds new files. One compaction at a time. Returns what was compacted.
   */
  async compact(opts: { minFiles?: number } = {}): Promise<{ partitions: number; filesBefore: number; rows: number }> {
    while (this.compacting) await this.compacting;
    let done!: () => void;
    this.compacting = new Promise<void>((r) => (done = r));
    try {
      let partitions = 0;
      let filesBefore = 0;
      let rows = 0;
      for (const { dir } of await this.partitions()) {
        const files = (await readdir(dir)).filter((f) => f.endsWith('.parquet')).sort();
        if (files.length < (opts.minFiles ?? 8)) continue;
        const paths = files.map((f) => join(dir, f));
        rows += await this.writer.merge(paths, join(dir, `compacted-${this.now()}-${randomUUID().slice(0, 8)}.parquet`));
        for (const p of paths) await unlink(p);
        await fsyncPath(dir);
        partitions++;
        filesBefore += files.length;
      }
      return { partitions, filesBefore, rows };
    } finally {
      this.compacting = null;
      done();
    }
  }

  async close(): Promise<void> {
    while (this.active > 0) await new Promise<void>((r) => this.slotWaiters.push(r));
    while (this.compacting) await this.compacting;
    await this.pool?.close();
    this.writer.close();
  }
}
