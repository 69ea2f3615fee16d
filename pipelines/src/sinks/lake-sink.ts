/**
 * The lake sink: validated, pseudonymised events → Parquet micro-batches in
 * <lake>/<topic>/date=YYYY-MM-DD/part-*.parquet (append-only). One writer at a time (calls are serialised).
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
import { validateEvent } from '../transforms/validate.ts';
import { pseudonymiseOwned, type LakeEvent } from '../transforms/pseudonymise.ts';
import { partitionDate, toArrowTable } from '../transforms/to-arrow.ts';
import { DeadLetterFolder, type DeadLetter, type DeadLetterPublisher } from './dead-letter.ts';
import { fsyncPath, ParquetWriter } from './parquet-writer.ts';
import type { StreamRecord } from '../relay/stream-port.ts';

export interface LakeSinkOptions {
  lakeDir: string;
  deadLetterDir: string;
  pseudonymKey: string;
  /** days of partitions whose event ids are kept for replay dedupe (default 3) */
  dedupeDays?: number;
  /** called after each durable batch with the events written (live state) */
  onWritten?: (events: readonly LakeEvent[], at: number) => void;
  /** also publishes dead letters (the Kafka dead-letter topic), before the batch is acknowledged */
  publishDeadLetters?: DeadLetterPublisher;
  /** called once a batch is durable, before the caller acknowledges it (fault injection in tests) */
  afterDurable?: () => void;
  now?: () => number;
}

export interface IngestResult {
  written: number;
  duplicates: number;
  deadLettered: number;
  files: string[];
}

export class LakeSink {
  /** event ids per partition date, for replay dedupe; dates older than the window are dropped */
  private readonly seenByDate = new Map<string, Set<string>>();
  readonly deadLetters: DeadLetterFolder;
  eventsWritten = 0;
  duplicatesDropped = 0;
  filesWritten = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private compacting: Promise<void> | null = null;
  private readonly now: () => number;

  private constructor(readonly opts: LakeSinkOptions, private readonly writer: ParquetWriter) {
    this.deadLetters = new DeadLetterFolder(opts.deadLetterDir);
    this.now = opts.now ?? Date.now;
  }

  static async open(opts: LakeSinkOptions): Promise<LakeSink> {
    await mkdir(opts.lakeDir, { recursive: true });
    const sink = new LakeSink(opts, await ParquetWriter.open());
    await sink.recover();
    return sink;
  }

  /** Removes leftovers of an interrupted write and loads the event ids of recent partitions. */
  private async recover(): Promise<void> {
    const oldest = this.oldestDedupeDate();
    for (const { dir, date } of await this.partitions()) {
      const files = await readdir(dir);
      for (const f of files) if (f.endsWith('.tmp')) await unlink(join(dir, f)).catch(() => undefined);
      if (date < oldest || !files.some((f) => f.endsWith('.parquet'))) continue;
      const set = this.seenByDate.get(date) ?? this.seenByDate.set(date, new Set()).get(date)!;
      for (const id of await this.writer.eventIds(join(dir, '*.parquet'))) set.add(id);
    }
  }

  private oldestDedupeDate(): string {
    return partitionDate(this.now() - (this.opts.dedupeDays ?? 3) * 86_400_000);
  }

  /** Whether an event id is already in the lake (within the dedupe window). */
  seen(id: string): boolean {
    for (const set of this.seenByDate.values()) if (set.has(id)) return true;
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

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Validates, pseudonymises, dedupes and writes one batch; resolves when it is durable. */
  ingest(records: readonly StreamRecord[]): Promise<IngestResult> {
    return this.serial(() => this.ingestNow(records));
  }

  private async ingestNow(records: readonly StreamRecord[]): Promise<IngestResult> {
    const at = this.now();
    const dead: DeadLetter[] = [];
    const groups = new Map<string, LakeEvent[]>();
    const batchIds = new Map<string, string>(); // id → partition date
    let duplicates = 0;
    for (const r of records) {
      const v = validateEvent(r.value);
      if (!v.ok) {
        dead.push({ topic: r.topic, reason: v.reason, raw: v.raw, record: r });
        continue;
      }
      const id = v.event.event_id;
      if (batchIds.has(id) || this.seen(id)) {
        duplicates++;
        continue;
      }
      const ev = pseudonymiseOwned(v.event, r.topic, this.opts.pseudonymKey);
      const date = partitionDate(ev.occurred_at);
      batchIds.set(id, date);
      const key = `${r.topic}/date=${date}`;
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(ev);
    }
    const files: string[] = [];
    const written: LakeEvent[] = [];
    for (const [key, events] of groups) {
      const path = join(this.opts.lakeDir, key, `part-${at}-${randomUUID().slice(0, 8)}.parquet`);
      await this.writer.write([toArrowTable(events, at)], path);
      files.push(path);
      written.push(...events);
    }
    await this.deadLetters.write(dead, at);
    if (dead.length && this.opts.publishDeadLetters) await this.opts.publishDeadLetters(dead);
    const oldest = this.oldestDedupeDate();
    for (const [id, date] of batchIds) {
      if (date < oldest) continue;
      (this.seenByDate.get(date) ?? this.seenByDate.set(date, new Set()).get(date)!).add(id);
    }
    for (const date of this.seenByDate.keys()) if (date < oldest) this.seenByDate.delete(date);
    this.eventsWritten += written.length;
    this.duplicatesDropped += duplicates;
    this.filesWritten += files.length;
    if (written.length || dead.length) this.opts.onWritten?.(written, this.now());
    if (written.length) this.opts.afterDurable?.();
    return { written: written.length, duplicates, deadLettered: dead.length, files };
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
    await this.chain;
    while (this.compacting) await this.compacting;
    this.writer.close();
  }
}
