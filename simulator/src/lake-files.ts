/**
 * Lake files written off the simulating thread: the record batches of a file (built by the caller with the pipelines'
 * LakeColumnsBuilder, so the columns are exactly the sink's) are sent as one Arrow IPC stream in a transferred buffer
 * to a worker thread (lake-file-worker.ts) that encodes the Parquet file and writes it durably.
 * The simulation goes on meanwhile; `drain(n)` waits until at most n files are still being written.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Table, tableToIPC, type RecordBatch } from 'apache-arrow';
import type { FileReply, FileRequest } from './lake-file-worker.ts';

const WORKER_URL = new URL('./lake-file-worker.ts', import.meta.url).href;
/** The worker runs the TypeScript sources through tsx, like bin/cupola.js (its ESM entry, found from its package.json). */
const TSX_API = (() => {
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
})();

export class LakeFiles {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly done = new Set<Promise<void>>();
  private nextId = 1;
  private failure: Error | null = null;
  /** rows in the files written so far */
  written = 0;
  /** files written so far */
  files = 0;

  constructor() {
    this.worker = new Worker(`import(${JSON.stringify(TSX_API)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL)}); });`, { eval: true });
    this.worker.on('message', (r: FileReply) => {
      if (r.kind === 'ready') return;
      const p = this.waiting.get(r.id);
      if (!p) return;
      this.waiting.delete(r.id);
      if (r.kind === 'error') p.reject(new Error(`lake file worker: ${r.message}`));
      else {
        this.written += r.rows;
        this.files++;
        p.resolve();
      }
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const p of this.waiting.values()) p.reject(e);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`lake file worker exited with code ${code}`)));
  }

  /** Queues record batches (one schema) as one Parquet file at `path`. */
  write(batches: RecordBatch[], path: string): void {
    if (this.failure) throw this.failure;
    const ipc = tableToIPC(new Table(batches), 'stream');
    const id = this.nextId++;
    const p = new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    const tracked: Promise<void> = p.then(
      () => void this.done.delete(tracked),
      (e: Error) => {
        this.done.delete(tracked);
        this.failure ??= e;
      },
    );
    this.done.add(tracked);
    this.worker.postMessage({ id, path, ipc } satisfies FileRequest, [ipc.buffer as ArrayBuffer]);
  }

  /** Waits until at most `pending` files are still being written; throws the first failure. */
  async drain(pending = 0): Promise<void> {
    while (this.done.size > pending && !this.failure) await Promise.race(this.done);
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
