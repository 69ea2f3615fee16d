/**
 * Writes simulated demand straight into the Parquet lake through the pipelines' own modules (validate →
 * pseudonymise → Arrow → Parquet), so the files have exactly the shape the live sink writes:
 * <lake>/<topic>/date=YYYY-MM-DD/part-sim-<seed>-<date>.parquet, one file per topic and day (split in files of
 * FILE_ROWS rows: -1, -2, ... on the go-live day at region scale). Re-running with the same seed overwrites the same
 * files (no duplicates); `writeFrom` skips the days before a date, to append one more day to an existing history.
 *
 * Events stream from the simulation one at a time into per-file column builders; a file that fills up is encoded
 * and written by a worker thread (lake-files.ts) while the simulation goes on, so no day's events are held as
 * objects. Days before `writeFrom` are simulated without building any event.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { topicOf, type EventEnvelope } from '../../engine/src/events/envelope.ts';
import { localDateOfEpochDay } from '../../engine/src/domain/time/rome-time.ts';
import { validateEvent } from '../../pipelines/src/transforms/validate.ts';
import { pseudonymOf, pseudonymiseOwned, type PatientPseudonym } from '../../pipelines/src/transforms/pseudonymise.ts';
import { LakeColumnsBuilder, partitionDate } from '../../pipelines/src/transforms/to-arrow.ts';
import type { RecordBatch } from 'apache-arrow';
import { BOOKING_HORIZON_DAYS, DemandSimulation, type DemandCounters, type EventSink, type MaxWaitDays } from './demand-sim.ts';
import { LakeFiles } from './lake-files.ts';
import { planRegion, type Scale } from './region-plan.ts';
import { defaultReferenceDir, loadReference } from './reference.ts';

/** Rows per Parquet file written by the simulator. */
const FILE_ROWS = 250_000;
/**
 * Rows turned into an Arrow record batch at a time: the row values (the payload JSON above all) leave the JS heap
 * while young, so the garbage collector never copies a whole file's strings into the old generation.
 */
const BATCH_ROWS = 1024;
/** Files that may still be in the encoder's queue when the next day starts. */
const FILES_IN_FLIGHT = 6;

export interface SimulateLakeOptions {
  scale: Scale;
  seed: number;
  days: number;
  startDate: string;
  lakeDir: string;
  pseudonymKey: string;
  /** first date written (earlier days are simulated but not written) */
  writeFrom?: string;
  load?: number;
  onDay?: (done: number, total: number) => void;
}

export interface SimulateLakeResult extends DemandCounters {
  written: number;
  invalid: number;
  files: number;
  firstDate: string;
  lastDate: string;
}

export function loadMaxWaitDays(dir: string = defaultReferenceDir()): MaxWaitDays {
  const raw = JSON.parse(readFileSync(join(dir, 'priority-classes.json'), 'utf8')) as { classes: Record<string, { maxWaitDays: Record<string, number> }> };
  const out: Record<string, Record<string, number>> = {};
  for (const c of ['U', 'B', 'D', 'P']) {
    const m = raw.classes[c]?.maxWaitDays;
    if (!m) throw new Error(`priority-classes.json lacks class ${c}`);
    out[c] = m;
  }
  return out as unknown as MaxWaitDays;
}

const HEX_CODES = Buffer.from('0123456789abcdef', 'latin1');
const PSEUDONYM_RE = /^[0-9a-f]{32}$/;

/**
 * The pseudonyms of the simulation's patients by patient key (EventSink), in a direct-mapped table of typed arrays
 * (2^bits entries, 16 bytes each, no object for the garbage collector to trace): a patient's events (prescription,
 * booking, confirmation, check-in, delivery) hash the codice fiscale once instead of once each. Misses (and
 * pseudonyms of another shape) go to the pipelines' pseudonymOf, so the values are the sink's own.
 */
export class PatientPseudonyms {
  private readonly keys: Int32Array;
  private readonly words: Uint32Array;
  private readonly shift: number;
  private readonly text = Buffer.alloc(32);

  constructor(private readonly key: string, bits = 24) {
    this.keys = new Int32Array(2 ** bits);
    this.words = new Uint32Array(4 * 2 ** bits);
    this.shift = 32 - bits;
  }

  of(patientKey: number, cf: string): string {
    if (patientKey < 0 || patientKey >= 0x7fffffff) return pseudonymOf(cf, this.key);
    const slot = Math.imul(patientKey + 1, 0x9e3779b1) >>> this.shift;
    const w = this.words;
    const o = slot * 4;
    if (this.keys[slot] === patientKey + 1) {
      const t = this.text;
      for (let i = 0; i < 4; i++) {
        let x = w[o + i]!;
        for (let j = 8 * i + 7; j >= 8 * i; j--) {
          t[j] = HEX_CODES[x & 15]!;
          x >>>= 4;
        }
      }
      return t.toString('latin1', 0, 32);
    }
    const p = pseudonymOf(cf, this.key);
    if (PSEUDONYM_RE.test(p)) {
      this.keys[slot] = patientKey + 1;
      for (let i = 0; i < 4; i++) w[o + i] = parseInt(p.slice(8 * i, 8 * i + 8), 16);
    }
    return p;
  }
}

/**
 * The lake event of a validated simulated event (the event is the caller's and is scrubbed in place): exactly what
 * the pipelines' `pseudonymise` gives, with the patient's pseudonym taken from the per-patient table.
 */
export function lakeEventOf(ev: EventEnvelope, topic: string, pseudonymKey: string, pseudonyms: PatientPseudonyms, patientKey: number) {
  const payload = ev.payload as Record<string, unknown>;
  const p = payload.patient;
  if (p === undefined || p === null || typeof p !== 'object') return pseudonymiseOwned(ev, topic, pseudonymKey);
  // the patient snapshot is taken out before the payload is scrubbed, and summarised as the pipelines' patientOf does
  payload.patient = undefined;
  const lake = pseudonymiseOwned(ev, topic, pseudonymKey);
  const o = p as Record<string, unknown>;
  const cf = typeof o.cf === 'string' ? o.cf : typeof o.codice_fiscale === 'string' ? o.codice_fiscale : null;
  const birth = typeof o.birth_date === 'string' ? Number(o.birth_date.slice(0, 4)) : NaN;
  const patient: PatientPseudonym = {
    pseudonym: cf ? pseudonyms.of(patientKey, cf) : '',
    birth_year: Number.isInteger(birth) ? birth : null,
    sex: typeof o.sex === 'string' ? o.sex : null,
    residence_ats: typeof o.residence_ats === 'string' ? o.residence_ats : null,
    residence_district: typeof o.residence_district === 'string' ? o.residence_district : null,
  };
  lake.patient = patient;
  return lake;
}

export async function simulateToLake(opts: SimulateLakeOptions): Promise<SimulateLakeResult> {
  const ref = loadReference();
  // always the longest plan, so that the region (agenda validity, closures) does not depend on the number of days
  const weeks = 104;
  if (opts.days + BOOKING_HORIZON_DAYS > weeks * 7) throw new RangeError(`at most ${weeks * 7 - BOOKING_HORIZON_DAYS} days`);
  const plan = planRegion({ scale: opts.scale, seed: opts.seed, startDate: opts.startDate, weeks }, ref);
  const sim = new DemandSimulation(plan, { seed: opts.seed, days: opts.days, maxWaitDays: loadMaxWaitDays(), ...(opts.load ? { load: opts.load } : {}) });
  const lake = new LakeFiles();
  const pseudonyms = new PatientPseudonyms(opts.pseudonymKey);
  let invalid = 0;
  let firstDate = '';
  let lastDate = '';
  let date = '';
  let ingestedAt = 0;
  /**
   * The open file of each partition (topic/date=...) today: its record batches, the rows not yet in a batch, its row
   * count, and the number of files already written for the partition today.
   */
  interface OpenFile { batches: RecordBatch[]; rows: LakeColumnsBuilder; n: number; k: number }
  const open = new Map<string, OpenFile>();
  const flush = (key: string, f: OpenFile) => {
    if (f.rows.length) f.batches.push(f.rows.toRecordBatch(ingestedAt));
    lake.write(f.batches, join(opts.lakeDir, key, `part-sim-${opts.seed}-${date}${f.k ? `-${f.k}` : ''}.parquet`));
    f.batches = [];
    f.rows = new LakeColumnsBuilder();
    f.n = 0;
    f.k++;
  };
  const sink: EventSink = (ev, ms, patientKey) => {
    const v = validateEvent(ev);
    if (!v.ok) {
      invalid++;
      return;
    }
    const topic = topicOf(ev.aggregate_type);
    const key = `${topic}/date=${partitionDate(ms)}`;
    let f = open.get(key);
    if (!f) open.set(key, (f = { batches: [], rows: new LakeColumnsBuilder(), n: 0, k: 0 }));
    f.rows.push(lakeEventOf(v.event, topic, opts.pseudonymKey, pseudonyms, patientKey), ms);
    f.n++;
    // large days (the go-live backlog at region scale) are split so that no Arrow table gets too big
    if (f.n >= FILE_ROWS) flush(key, f);
    else if (f.rows.length >= BATCH_ROWS) {
      f.batches.push(f.rows.toRecordBatch(ingestedAt));
      f.rows = new LakeColumnsBuilder();
    }
  };
  try {
    for (let i = 0; i < opts.days; i++) {
      date = localDateOfEpochDay(sim.start + i);
      // deterministic ingestion time: the end of the simulated day
      ingestedAt = Date.parse(`${date}T23:00:00Z`);
      sim.simulateDay(i, opts.writeFrom && date < opts.writeFrom ? null : sink);
      for (const [key, f] of [...open].sort(([a], [b]) => a.localeCompare(b))) if (f.n) flush(key, f);
      open.clear();
      lastDate = date;
      firstDate ||= date;
      opts.onDay?.(i + 1, opts.days);
      await lake.drain(FILES_IN_FLIGHT);
    }
    await lake.drain(0);
  } finally {
    await lake.close();
  }
  return { ...sim.counters, written: lake.written, invalid, files: lake.files, firstDate, lastDate };
}
