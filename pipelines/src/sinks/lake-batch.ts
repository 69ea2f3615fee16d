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
import { Table } from 'apache-arrow';
import { validateEvent } from '../transforms/validate.ts';
import { pseudonymiseOwned, type LakeEvent } from '../transforms/pseudonymise.ts';
import { LakeColumnsBuilder, partitionDate } from '../transforms/to-arrow.ts';
import type { LiveEvent } from '../live/live-state.ts';
import { arrowToParquet } from './parquet-writer.ts';
import { packUuid, type PackedIds } from './event-id-set.ts';

export interface PreparedBatch {
  /** event ids of the valid events, in input order, packed (event-id-set.ts) */
  ids: PackedIds;
  /** the valid events */
  count: number;
  /** partition date of each valid event, as an index into `dateList` */
  dateOf: Uint16Array;
  dateList: string[];
  /** invalid messages: index in the input, reason, and what could be parsed */
  dead: { index: number; reason: string; raw: unknown }[];
  /** lake rows per `<topic>/date=<date>`, with the index (among valid events) of each row */
  groups: Map<string, { rows: LakeColumnsBuilder; valid: number[] }>;
  /** what the live state needs of each valid event, when asked for */
  live: LiveEvent[] | null;
}

/**
 * Validates and pseudonymises one batch of messages (values: JSON text or bytes; the parsed objects are owned here)
 * and appends each valid event to the lake rows of its topic and date at once.
 */
export function prepareBatch(values: readonly (string | Uint8Array)[], topics: readonly string[], pseudonymKey: string, live = false): PreparedBatch {
  const words = new Uint32Array(values.length * 4);
  const dateOf = new Uint16Array(values.length);
  const dateIndex = new Map<string, number>();
  const out: PreparedBatch = { ids: { words, odd: null }, count: 0, dateOf, dateList: [], dead: [], groups: new Map(), live: live ? [] : null };
  for (let i = 0; i < values.length; i++) {
    const v = validateEvent(values[i]);
    if (!v.ok) {
      out.dead.push({ index: i, reason: v.reason, raw: v.raw });
      continue;
    }
    const ev = pseudonymiseOwned(v.event, topics[i]!, pseudonymKey);
    const ms = Date.parse(ev.occurred_at);
    const date = partitionDate(ms);
    const key = `${ev.topic}/date=${date}`;
    let g = out.groups.get(key);
    if (!g) out.groups.set(key, (g = { rows: new LakeColumnsBuilder(), valid: [] }));
    g.rows.push(ev, ms);
    const n = out.count++;
    g.valid.push(n);
    if (!packUuid(ev.event_id, words, n * 4)) (out.ids.odd ??= new Map()).set(n, ev.event_id);
    let d = dateIndex.get(date);
    if (d === undefined) {
      d = out.dateList.length;
      if (d > 0xffff) throw new Error('more than 65,536 partition dates in one batch');
      out.dateList.push(date);
      dateIndex.set(date, d);
    }
    dateOf[n] = d;
    out.live?.push(liveView(ev));
  }
  return out;
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
 * Encodes the kept events (`keep(i)` false = the i-th valid event is a duplicate dropped by the sink) as one Parquet
 * file per topic and date under `lakeDir`: the paths and the bytes to make durable there, the rows written and (if
 * prepared) their live-state view.
 */
export function encodeBatch(batch: PreparedBatch, keep: ((i: number) => boolean) | null, lakeDir: string, at: number): { files: { path: string; bytes: Uint8Array }[]; written: number; live: LiveEvent[] | null } {
  const files: { path: string; bytes: Uint8Array }[] = [];
  let written = 0;
  for (const [key, g] of batch.groups) {
    const rb = g.rows.toRecordBatch(at, keep ? (j) => keep(g.valid[j]!) : null);
    if (!rb.numRows) continue;
    files.push({ path: join(lakeDir, key, `part-${at}-${randomUUID().slice(0, 8)}.parquet`), bytes: arrowToParquet([new Table([rb])]) });
    written += rb.numRows;
  }
  const live = batch.live && keep ? batch.live.filter((_, i) => keep(i)) : batch.live;
  return { files, written, live };
}
