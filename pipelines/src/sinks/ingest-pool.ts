/**
 * The lake sink's ingest worker threads (ingest-worker.ts). Each worker handles one batch at a time; the sink takes a
 * worker per batch and gives it back when the batch is done. Messages go to a worker packed in one transferred buffer
 * (no per-message copies through structured clone). A worker that dies is replaced, and the batch it held fails.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { StreamRecord } from '../relay/stream-port.ts';
import type { WorkerReply, WorkerRequest } from './ingest-worker.ts';

const WORKER_URL = new URL('./ingest-worker.ts', import.meta.url).href;
/** The worker runs the TypeScript sources through tsx, like bin/cupola.js (its ESM entry, found from its package.json). */
const TSX_API = (() => {
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
})();

let nextId = 1;

/**
 * The workers' young generation (V8's default is ≈ 16-32 MB): a micro-batch allocates ~3 kB of parsed objects per
 * event, and with a larger nursery fewer scavenges run, each copying less that is still alive. Measured ≈ 10 % less
 * CPU per event in bench/sink.
 */
const YOUNG_GENERATION_MB = 96;

export class IngestWorker {
  private worker!: Worker;
  private readonly waiting = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
  private closing = false;
  /** resolves once the worker has loaded its modules (so the first batch does not pay for it) */
  ready!: Promise<void>;

  constructor() {
    this.spawn();
  }

  private spawn(): void {
    const w = new Worker(`import(${JSON.stringify(TSX_API)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL)}); });`, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    let started = false;
    let loaded!: () => void;
    let notLoaded!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      loaded = res;
      notLoaded = rej;
    });
    this.ready.catch(() => undefined);
    w.on('message', (r: WorkerReply) => {
      if (r.kind === 'ready') {
        if (!this.waiting.size) w.unref();
        started = true;
        loaded();
        return;
      }
      const p = this.waiting.get(r.id);
      if (!p) return;
      this.waiting.delete(r.id);
      if (!this.waiting.size) w.unref();
      if (r.kind === 'error') p.reject(new Error(`ingest worker: ${r.message}`));
      else p.resolve(r);
    });
    const fail = (e: Error) => {
      notLoaded(e);
      for (const p of this.waiting.values()) p.reject(e);
      this.waiting.clear();
      if (!this.closing && started) this.spawn(); // a worker that never started is not retried in a loop
    };
    w.on('error', fail);
    w.on('exit', (code) => {
      if (this.worker === w) fail(new Error(`ingest worker exited with code ${code}`));
    });
    this.worker = w;
  }

  private call(req: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      this.waiting.set(req.id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage(req, transfer);
    });
  }

  /** Sends a batch to be validated and pseudonymised; replies with ids, dates and dead letters. */
  async prepare(records: readonly StreamRecord[], pseudonymKey: string, live: boolean): Promise<Extract<WorkerReply, { kind: 'prepared' }>> {
    const topics: string[] = [];
    const topicIndex = new Map<string, number>();
    const topicOf = new Uint8Array(records.length);
    const offsets = new Int32Array(records.length + 1);
    let total = 0;
    for (const r of records) total += typeof r.value === 'string' ? Buffer.byteLength(r.value) : r.value.byteLength;
    const bytes = Buffer.allocUnsafeSlow(total);
    let pos = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const v = r.value;
      if (typeof v === 'string') pos += bytes.write(v, pos, 'utf8');
      // Buffer#copy is a memcpy; TypedArray#set costs ≈ 1 µs per 1 kB message here
      else pos += (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)).copy(bytes, pos);
      offsets[i + 1] = pos;
      let t = topicIndex.get(r.topic);
      if (t === undefined) {
        t = topics.length;
        if (t > 255) throw new Error('more than 256 topics in one batch');
        topics.push(r.topic);
        topicIndex.set(r.topic, t);
      }
      topicOf[i] = t;
    }
    const id = nextId++;
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, total);
    const reply = await this.call({ kind: 'prepare', id, bytes: view, offsets, topicOf, topics, pseudonymKey, live }, [bytes.buffer as ArrayBuffer, offsets.buffer, topicOf.buffer]);
    return reply as Extract<WorkerReply, { kind: 'prepared' }>;
  }

  /** Writes the prepared batch `id` without the events at `drop`; resolves when its files are durable. */
  async write(id: number, drop: number[], lakeDir: string, at: number): Promise<Extract<WorkerReply, { kind: 'written' }>> {
    return (await this.call({ kind: 'write', id, drop, lakeDir, at })) as Extract<WorkerReply, { kind: 'written' }>;
  }

  /** Drops a prepared batch that will not be written (no reply). */
  discard(id: number): void {
    this.worker.postMessage({ kind: 'discard', id } satisfies WorkerRequest);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}

export class IngestPool {
  private readonly idle: IngestWorker[];
  private readonly all: IngestWorker[];

  constructor(size: number) {
    this.all = Array.from({ length: size }, () => new IngestWorker());
    this.idle = [...this.all];
  }

  /** A free worker; the caller holds at most `size` batches at once (the sink's slots), so one is always free. */
  take(): IngestWorker {
    const w = this.idle.pop();
    if (!w) throw new Error('no idle ingest worker');
    return w;
  }

  give(w: IngestWorker): void {
    this.idle.push(w);
  }

  /** Resolves once every worker has loaded (rejects if one could not start). */
  async ready(): Promise<void> {
    await Promise.all(this.all.map((w) => w.ready));
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.close()));
  }
}
