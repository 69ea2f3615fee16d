/**
 * The two halves of ingesting one micro-batch into the lake, shared by the sink's own thread and its ingest workers
 * (ingest-worker.ts):
 * - `prepareBatch`: decode, validate against the event schemas, pseudonymise (CF/names/contacts/NRE removed);
 *   invalid messages become dead letters with their reason;
 * - `encodeBatch`: group by topic and Europe/Rome date, build Arrow record batches and encode Parquet; the files are
 *   then made durable (tmp name, fsync, rename, fsync of the directory) — `writeDurablySync` in a worker thread.
 * The dedupe by event_id happens between the two, in the sink's thread, which alone knows every id in flight.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { validateEvent } from '../transforms/validate.ts';
import { pseudonymiseOwned, type LakeEvent } from '../transforms/pseudonymise.ts';
import { partitionDate, toArrowTable } from '../transforms/to-arrow.ts';
import type { LiveEvent } from '../live/live-state.ts';
import { arrowToParquet } from './parquet-writer.ts';

export interface PreparedBatch {
  /** valid events, pseudonymised, in input order */
  events: LakeEvent[];
  /** partition date of each valid event */
  dates: string[];
  /** invalid messages: index in the input, reason, and what could be parsed */
  dead: { index: number; reason: string; raw: unknown }[];
}

/** Validates and pseudonymises one batch of messages (values: JSON text or bytes; the parsed objects are owned here). */
export function prepareBatch(values: readonly (string | Uint8Array)[], topics: readonly string[], pseudonymKey: string): PreparedBatch {
  const events: LakeEvent[] = [];
  const dates: string[] = [];
  const dead: PreparedBatch['dead'] = [];
  for (let i = 0; i < values.length; i++) {
    const v = validateEvent(values[i]);
    if (!v.ok) {
      dead.push({ index: i, reason: v.reason, raw: v.raw });
      continue;
    }
    const ev = pseudonymiseOwned(v.event, topics[i]!, pseudonymKey);
    events.push(ev);
    dates.push(partitionDate(ev.occurred_at));
  }
  return { events, dates, dead };
}

/** Writes a file under a temporary name, fsyncs it, renames it into place and fsyncs the directory (blocking). */
export function writeDurablySync(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dfd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Only what the live state reads (event id for the freshness benchmark, type, time, a few payload fields). */
export function liveView(e: LakeEvent): LiveEvent {
  const p = e.payload as Record<string, unknown>;
  const payload: Record<string, unknown> = {};
  for (const k of LIVE_PAYLOAD_KEYS) if (p[k] !== undefined) payload[k] = p[k];
  return { event_id: e.event_id, type: e.type, occurred_at: e.occurred_at, payload };
}
const LIVE_PAYLOAD_KEYS = ['service_id', 'patient_ats', 'priority', 'first_available_date', 'first_available_in_area_date', 'access_type', 'in_garanzia'];

/**
 * Encodes the kept events (`keep(i)` false = a duplicate dropped by the sink) as one Parquet file per topic and date
 * under `lakeDir`: the paths, the bytes to make durable there, and the events of each file.
 */
export function encodeBatch(batch: PreparedBatch, keep: ((i: number) => boolean) | null, lakeDir: string, at: number): { path: string; bytes: Uint8Array; events: LakeEvent[] }[] {
  const groups = new Map<string, LakeEvent[]>();
  for (let i = 0; i < batch.events.length; i++) {
    if (keep && !keep(i)) continue;
    const ev = batch.events[i]!;
    const key = `${ev.topic}/date=${batch.dates[i]}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(ev);
  }
  return [...groups].map(([key, events]) => ({
    path: join(lakeDir, key, `part-${at}-${randomUUID().slice(0, 8)}.parquet`),
    bytes: arrowToParquet([toArrowTable(events, at)]),
    events,
  }));
}
