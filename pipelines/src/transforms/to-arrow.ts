/**
 * Lake events → Arrow record batches with one explicit schema (the lake's contract with dbt staging models). Pure.
 * Envelope columns, the pseudonymised patient, and the scrubbed payload as JSON text (dbt unpacks it per type).
 */
import { Field, Int16, Int32, makeData, RecordBatch, Schema, Struct, Table, TimeUnit, Timestamp, Utf8, type Data, type DataType } from 'apache-arrow';
import type { LakeEvent } from './pseudonymise.ts';

const ts = () => new Timestamp(TimeUnit.MILLISECOND, 'UTC');

export const LAKE_SCHEMA = new Schema([
  new Field('event_id', new Utf8(), false),
  new Field('topic', new Utf8(), false),
  new Field('type', new Utf8(), false),
  new Field('schema_version', new Int32(), false),
  new Field('occurred_at', ts(), false),
  new Field('ingested_at', ts(), false),
  new Field('aggregate_type', new Utf8(), false),
  new Field('aggregate_id', new Utf8(), false),
  new Field('ats', new Utf8(), true),
  new Field('provider', new Utf8(), true),
  new Field('patient_pseudonym', new Utf8(), true),
  new Field('patient_birth_year', new Int16(), true),
  new Field('patient_sex', new Utf8(), true),
  new Field('patient_residence_ats', new Utf8(), true),
  new Field('patient_residence_district', new Utf8(), true),
  new Field('payload', new Utf8(), false),
]);

export type LakeColumns = Record<string, unknown[]>;

/**
 * Lake rows accumulated column by column (LAKE_SCHEMA order, `ingested_at` set when the batch is built): the sink
 * appends each event as soon as it is pseudonymised, so the parsed event object is garbage at once (cheap young-
 * generation GC) instead of living until the whole micro-batch is encoded. The payload JSON (most of a row's bytes)
 * is written straight into the column's UTF-8 buffer, so its text dies young too instead of being copied by every
 * scavenge until the batch is encoded. `cols` holds the other columns.
 */
export class LakeColumnsBuilder {
  readonly cols: LakeColumns = Object.fromEntries(LAKE_SCHEMA.fields.filter((f) => f.name !== 'payload').map((f) => [f.name, [] as unknown[]]));
  length = 0;
  private payload = Buffer.allocUnsafeSlow(1 << 16);
  private payloadEnd = new Int32Array(1024); // payloadEnd[i]: end of row i's payload in `payload`

  push(e: LakeEvent, occurredAtMs = Date.parse(e.occurred_at)): void {
    const c = this.cols;
    const p = e.patient;
    c.event_id!.push(e.event_id);
    c.topic!.push(e.topic);
    c.type!.push(e.type);
    c.schema_version!.push(e.schema_version);
    c.occurred_at!.push(occurredAtMs);
    c.aggregate_type!.push(e.aggregate_type);
    c.aggregate_id!.push(e.aggregate_id);
    c.ats!.push(e.ats);
    c.provider!.push(e.provider);
    c.patient_pseudonym!.push(p ? p.pseudonym || null : null);
    c.patient_birth_year!.push(p?.birth_year ?? null);
    c.patient_sex!.push(p?.sex ?? null);
    c.patient_residence_ats!.push(p?.residence_ats ?? null);
    c.patient_residence_district!.push(p?.residence_district ?? null);
    const json = JSON.stringify(e.payload);
    const n = this.length++;
    const start = n ? this.payloadEnd[n - 1]! : 0;
    if (start + json.length * 3 > this.payload.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(this.payload.length * 2, start + json.length * 3));
      this.payload.copy(bigger, 0, 0, start);
      this.payload = bigger;
    }
    if (n === this.payloadEnd.length) {
      const bigger = new Int32Array(n * 2);
      bigger.set(this.payloadEnd);
      this.payloadEnd = bigger;
    }
    this.payloadEnd[n] = start + this.payload.write(json, start, 'utf8');
  }

  /** The payload column of the rows `idx` (all when null): Arrow value offsets and UTF-8 bytes. */
  private payloadColumn(idx: readonly number[] | null): { offsets: Int32Array; bytes: Uint8Array } {
    const ends = this.payloadEnd;
    if (!idx) {
      const offsets = new Int32Array(this.length + 1);
      offsets.set(ends.subarray(0, this.length), 1);
      return { offsets, bytes: this.payload.subarray(0, this.length ? ends[this.length - 1]! : 0) };
    }
    const offsets = new Int32Array(idx.length + 1);
    let size = 0;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k]!;
      size += ends[i]! - (i ? ends[i - 1]! : 0);
      offsets[k + 1] = size;
    }
    const bytes = Buffer.allocUnsafeSlow(size);
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k]!;
      this.payload.copy(bytes, offsets[k]!, i ? ends[i - 1]! : 0, ends[i]!);
    }
    return { offsets, bytes };
  }

  /** The payload JSON of row `i`. */
  payloadAt(i: number): string {
    return this.payload.toString('utf8', i ? this.payloadEnd[i - 1]! : 0, this.payloadEnd[i]!);
  }

  /** The rows whose index `keep` accepts (all when null) as one record batch. */
  toRecordBatch(ingestedAt: number, keep: ((i: number) => boolean) | null = null): RecordBatch {
    let cols = this.cols;
    let n = this.length;
    let kept: number[] | null = null;
    if (keep) {
      const idx: number[] = [];
      for (let i = 0; i < n; i++) if (keep(i)) idx.push(i);
      if (idx.length !== n) {
        cols = Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, idx.map((i) => v[i])]));
        n = idx.length;
        kept = idx;
      }
    }
    cols.ingested_at = new Array(n).fill(ingestedAt);
    const payload = this.payloadColumn(kept);
    const children = LAKE_SCHEMA.fields.map((f) =>
      f.name === 'payload'
        ? makeData({ type: f.type as Utf8, length: n, nullCount: 0, valueOffsets: payload.offsets, data: payload.bytes })
        : columnData(f.type as DataType, cols[f.name]!),
    );
    const data = makeData({ type: new Struct(LAKE_SCHEMA.fields), length: n, nullCount: 0, children });
    return new RecordBatch(LAKE_SCHEMA, data);
  }
}

/** Column arrays in LAKE_SCHEMA order. */
export function lakeColumns(events: readonly LakeEvent[], ingestedAt: number): LakeColumns {
  const b = new LakeColumnsBuilder();
  for (const e of events) b.push(e);
  const cols: LakeColumns = {};
  for (const f of LAKE_SCHEMA.fields) cols[f.name] = f.name === 'payload' ? events.map((_, i) => b.payloadAt(i)) : f.name === 'ingested_at' ? new Array(events.length).fill(ingestedAt) : b.cols[f.name]!;
  return cols;
}

/** Builds one column's Arrow data directly from its values (much faster than the generic builders). */
function columnData(type: DataType, values: readonly unknown[]): Data {
  const n = values.length;
  let nullCount = 0;
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    if (values[i] === null || values[i] === undefined) nullCount++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  const nullBitmap = nullCount ? bitmap : undefined;
  if (type instanceof Utf8) {
    // one native UTF-8 encode of the whole column; offsets from the string lengths when it is all ASCII
    const joined = values.join(''); // null and undefined join as ''
    const bytes = Buffer.from(joined, 'utf8');
    const offsets = new Int32Array(n + 1);
    let pos = 0;
    if (bytes.length === joined.length) {
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v === 'string') pos += v.length;
        offsets[i + 1] = pos;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v === 'string') pos += Buffer.byteLength(v, 'utf8');
        offsets[i + 1] = pos;
      }
    }
    if (pos !== bytes.length) throw new Error('a Utf8 column holds a value that is not a string');
    return makeData({ type, length: n, nullCount, nullBitmap, valueOffsets: offsets, data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) });
  }
  if (type instanceof Timestamp) {
    // 64-bit little-endian words written as two 32-bit halves (no BigInt per value)
    const data = new BigInt64Array(n);
    const words = new Int32Array(data.buffer);
    for (let i = 0; i < n; i++) {
      const v = (values[i] as number | null) ?? 0;
      words[2 * i] = v % 4294967296 | 0;
      words[2 * i + 1] = Math.floor(v / 4294967296);
    }
    return makeData({ type, length: n, nullCount, nullBitmap, data });
  }
  if (type instanceof Int16 || type instanceof Int32) {
    const data = type instanceof Int16 ? new Int16Array(n) : new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = (values[i] as number | null) ?? 0;
    return makeData({ type, length: n, nullCount, nullBitmap, data } as never);
  }
  throw new Error(`no column builder for ${type}`);
}

export function toRecordBatch(events: readonly LakeEvent[], ingestedAt: number): RecordBatch {
  const b = new LakeColumnsBuilder();
  for (const e of events) b.push(e);
  return b.toRecordBatch(ingestedAt);
}

export function toArrowTable(events: readonly LakeEvent[], ingestedAt: number): Table {
  return new Table([toRecordBatch(events, ingestedAt)]);
}

const romeDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome', year: 'numeric', month: '2-digit', day: '2-digit' });
const dateCache = new Map<number, string>();

/** The lake partition of an event: its date in Europe/Rome (YYYY-MM-DD), cached per minute. */
export function partitionDate(occurredAt: string | number): string {
  const ms = typeof occurredAt === 'number' ? occurredAt : Date.parse(occurredAt);
  const minute = Math.floor(ms / 60_000);
  let d = dateCache.get(minute);
  if (d === undefined) {
    d = romeDate.format(new Date(minute * 60_000));
    if (dateCache.size > 10_000) dateCache.clear();
    dateCache.set(minute, d);
  }
  return d;
}
