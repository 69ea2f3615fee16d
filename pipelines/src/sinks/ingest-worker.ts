/**
 * An ingest worker thread of the lake sink (lake-sink.ts, `workers` > 0). Per micro-batch, two requests:
 * 1. `prepare`: the messages (one transferred buffer + offsets) → validate + pseudonymise; replies with the event ids
 *    (packed as 128-bit keys) and partition dates (indexes into a list) of the valid events, in transferred buffers,
 *    and the dead letters; keeps the events;
 * 2. `write`: with the indexes the sink's thread dropped as duplicates → Arrow → Parquet → durable files; replies with
 *    the files, the row count and (if asked) the live-state view of the events written.
 * Any failure is replied as an error for that batch; the sink then rejects the batch and nothing is acknowledged.
 */
import { parentPort } from 'node:worker_threads';
import { encodeBatch, prepareBatch, writeDurablySync, type PreparedBatch } from './lake-batch.ts';
import type { LiveEvent } from '../live/live-state.ts';

export type WorkerRequest =
  | { kind: 'prepare'; id: number; bytes: Uint8Array; offsets: Int32Array; topicOf: Uint8Array; topics: string[]; pseudonymKey: string; live: boolean }
  | { kind: 'write'; id: number; drop: number[]; lakeDir: string; at: number }
  | { kind: 'discard'; id: number };

export type WorkerReply =
  | { kind: 'prepared'; id: number; ids: PreparedBatch['ids']; count: number; dateOf: Uint16Array; dateList: string[]; dead: PreparedBatch['dead'] }
  | { kind: 'written'; id: number; files: string[]; written: number; live: LiveEvent[] | null }
  | { kind: 'error'; id: number; message: string }
  | { kind: 'ready'; id: 0 };

const pending = new Map<number, PreparedBatch>();

/** The reply and the buffers it transfers (the packed ids and dates are not used here again). */
function handle(req: WorkerRequest): [WorkerReply, ArrayBuffer[]] | null {
  if (req.kind === 'prepare') {
    const values: Uint8Array[] = new Array(req.offsets.length - 1);
    for (let i = 0; i < values.length; i++) values[i] = req.bytes.subarray(req.offsets[i]!, req.offsets[i + 1]!);
    const topics = Array.from(req.topicOf, (t) => req.topics[t]!);
    const batch = prepareBatch(values, topics, req.pseudonymKey, req.live);
    pending.set(req.id, batch);
    const reply: WorkerReply = { kind: 'prepared', id: req.id, ids: batch.ids, count: batch.count, dateOf: batch.dateOf, dateList: batch.dateList, dead: batch.dead };
    return [reply, [batch.ids.words.buffer as ArrayBuffer, batch.dateOf.buffer as ArrayBuffer]];
  }
  const batch = pending.get(req.id);
  pending.delete(req.id);
  if (req.kind === 'discard') return null;
  if (!batch) throw new Error(`no prepared batch ${req.id}`);
  const drop = req.drop.length ? new Set(req.drop) : null;
  const out = encodeBatch(batch, drop ? (i) => !drop.has(i) : null, req.lakeDir, req.at);
  for (const f of out.files) writeDurablySync(f.path, f.bytes);
  return [{ kind: 'written', id: req.id, files: out.files.map((f) => f.path), written: out.written, live: out.live }, []];
}

parentPort!.on('message', (req: WorkerRequest) => {
  let reply: [WorkerReply, ArrayBuffer[]] | null;
  try {
    reply = handle(req);
  } catch (e) {
    pending.delete(req.id);
    reply = [{ kind: 'error', id: req.id, message: (e as Error).stack ?? String(e) }, []];
  }
  if (reply) parentPort!.postMessage(reply[0], reply[1]);
});
parentPort!.postMessage({ kind: 'ready', id: 0 } satisfies WorkerReply);
