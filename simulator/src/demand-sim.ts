/**
 * Synthetic demand over the synthetic region (region-plan.ts), day by day, as engine events (same envelopes and
 * payloads as engine/src/usecases/*.ts emit). Pure and deterministic: the same plan, seed and options give the same
 * events, ids included. No I/O: the caller writes each day's events (demand-lake.ts streams them to the lake).
 *
 * Model (simulation assumptions, see demand-model.ts):
 *  - first-access prescriptions per ATS × service in proportion to the ATS population and the regional supply of
 *    the service (so the ATS the plan made scarce get more demand than supply), with weekly and yearly seasonality;
 *  - class mix per kind; the patient books the same day or up to a week later, a few never book;
 *  - the booking takes the first free date in the patient's ATS (the guarantee area; D/P may not use the 20% of a
 *    day reserved to U/B until 2 days before), or, when that is beyond the class maximum, the first one in the
 *    region (percorso di tutela); some patients refuse the first date and take a later one;
 *  - follow-ups booked by specialists on follow-up agendas; cancellations and moves (freeing capacity), reminders
 *    and confirmations, check-in and delivery, no-shows rising with the lead time.
 * Event types the lake's validator does not know (reminders, payments) are counted in `skipped`, not produced.
 *
 * Memory: a region holds millions of open appointments, so their state is kept compact — columns of typed arrays
 * indexed by a slot that is reused once no pending action refers to it — and the planned actions per day are
 * typed-array lists. Events are built only when they are emitted (each with a fresh payload the sink owns) and
 * handed to a sink one by one, so nothing holds a day's events unless the caller collects them (`day(i)`).
 */
import { keepsGuarantee } from '../../engine/src/domain/booking/guarantee.ts';
import { holidaysFor } from '../../engine/src/domain/calendar/holidays.ts';
import {
  epochDayOf,
  isoWeekdayOfEpochDay,
  localDateOfEpochDay,
  localToUtcMs,
  parseLocalTime,
} from '../../engine/src/domain/time/rome-time.ts';
import type { EventEnvelope } from '../../engine/src/events/envelope.ts';
import { PAYLOAD_SCHEMAS } from '../../engine/src/events/schemas.ts';
import { syntheticCf } from './booking-events.ts';
import {
  ABANDON_PROBABILITY, CHANNELS, CLASS_MIX, CLASSES, CONFIRM_PROBABILITY, HOLD_EXPIRY_PROBABILITY, MOVE_PROBABILITY,
  cancellationProbability, demandFactor, noShowProbability, poisson, refusalProbability, type PriorityClass,
} from './demand-model.ts';
import type { RegionPlan, ServiceRow } from './region-plan.ts';
import { createRng, hashString, type Rng } from './rng.ts';
import type { ServiceKind } from './reference.ts';

/** Days ahead that agendas are open for booking (and published as supply). */
export const BOOKING_HORIZON_DAYS = 182;

/** Days of supply the demand rates are calibrated on (fixed, so a longer run repeats a shorter one exactly). */
const RATE_SPAN_DAYS = 91;

export type MaxWaitDays = Readonly<Record<PriorityClass, Readonly<Record<ServiceKind, number>>>>;

export interface DemandOptions {
  seed: number;
  /** days simulated from plan.startDate */
  days: number;
  maxWaitDays: MaxWaitDays;
  /** demand multiplier (1 = demand close to the supply) */
  load?: number;
}

export interface DemandCounters {
  prescriptions: number;
  bookings: number;
  followUps: number;
  refusedFirst: number;
  tutela: number;
  cancellations: number;
  moves: number;
  delivered: number;
  noShows: number;
  abandoned: number;
  unmet: number;
  events: number;
  /** events of types the lake does not accept (reminders, payments): counted, not produced */
  skipped: number;
}

export interface DemandDay {
  date: string;
  index: number;
  events: EventEnvelope[];
}

/**
 * Receives each event as it is produced, with its instant in epoch milliseconds (`occurred_at`) and a key of the
 * patient in its payload (-1 when none): equal keys mean the same codice fiscale, so a sink may cache per-patient
 * work such as the pseudonym. Every event and payload object is fresh: the sink owns it and may change it (e.g.
 * scrub it in place).
 */
export type EventSink = (event: EventEnvelope, occurredAtMs: number, patientKey: number) => void;

interface Window { start: number; end: number; slotMin: number; capacity: number }

interface Ag {
  idx: number;
  id: string;
  clinicId: string;
  siteId: string | null;
  providerId: string;
  atsId: string;
  atsIdx: number;
  access: 'first' | 'follow_up';
  services: string[];
  cap: Int16Array;
  booked: Int16Array;
  windows: Window[][];
  curAll: number;
  curDP: number;
  attrs: Record<string, unknown>;
  name: string;
  resourceId: string | null;
}

const ALLOWED = new Set(Object.keys(PAYLOAD_SCHEMAS));
const MINUTE = 60_000;
const CHANNEL_NAMES = CHANNELS.map((c) => c.channel);
const CHANNEL_WEIGHTS = CHANNELS.map((c) => c.share);
const CALL_CENTRE = CHANNEL_NAMES.indexOf('call_centre');
const DESK = CHANNEL_NAMES.indexOf('desk');
const WEB = CHANNEL_NAMES.indexOf('web');
/** class mix weights per kind (new prescriptions), and without U/B (the pre-history backlog) */
const MIX_WEIGHTS = (kind: ServiceKind) => CLASSES.map((c) => CLASS_MIX[kind][c]);
const BACKLOG_WEIGHTS = (kind: ServiceKind) => CLASSES.map((c) => (c === 'U' || c === 'B' ? 0 : CLASS_MIX[kind][c]));
/** a day index standing for null (no guarantee deadline) */
const NO_DAY = -0x80000000;

// appointment flags
const CANCELLED = 1;
const CONFIRMED = 2;
const IN_AREA = 4;
const REFUSED = 8;
const GARANZIA = 16;
const GARANZIA_NULL = 32;
const NRE_B = 64;

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
/** ASCII codes of the lower-case hex digits */
const HEX_CODES = Buffer.from('0123456789abcdef', 'latin1');
/** short strings are written as ASCII into this buffer and read back as one flat string (no chain of concatenations) */
const scratch = Buffer.alloc(64);
const isoDayPrefix = new Map<number, Buffer>();

/** Writes `digits` lower-case hex digits of v (< 2^32) at `pos` of the scratch buffer. */
function writeHex(pos: number, v: number, digits: number): void {
  for (let i = pos + digits - 1; i >= pos; i--) {
    scratch[i] = HEX_CODES[v & 15]!;
    v >>>= 4;
  }
}

/** Writes the decimal digits of v (0 <= v < 10^digits) at `pos` of the scratch buffer, zero-padded. */
function writeDec(pos: number, v: number, digits: number): void {
  for (let i = pos + digits - 1; i >= pos; i--) {
    scratch[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
}

/** `new Date(ms).toISOString()`, without a Date per call (the UTC date part is cached per day). */
export function iso(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= 253402300800000) return new Date(ms).toISOString();
  const day = Math.floor(ms / 86_400_000);
  let prefix = isoDayPrefix.get(day);
  if (prefix === undefined) isoDayPrefix.set(day, (prefix = Buffer.from(new Date(day * 86_400_000).toISOString().slice(0, 11), 'latin1')));
  let r = ms - day * 86_400_000;
  const h = Math.floor(r / 3_600_000);
  r -= h * 3_600_000;
  const m = Math.floor(r / 60_000);
  r -= m * 60_000;
  const s = Math.floor(r / 1000);
  prefix.copy(scratch, 0);
  writeDec(11, h, 2);
  scratch[13] = 58; // ':'
  writeDec(14, m, 2);
  scratch[16] = 58;
  writeDec(17, s, 2);
  scratch[19] = 46; // '.'
  writeDec(20, r - s * 1000, 3);
  scratch[23] = 90; // 'Z'
  return scratch.toString('latin1', 0, 24);
}

/** patient numbers up to 2^23 per ATS get a key (see EventSink) */
const PATIENT_KEY_SPAN = 2 ** 23;

/** A growable list of 32-bit integers. */
class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacity = 16) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Int32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
}

/** The actions planned for one day, one list per kind, each in the order they were planned. */
interface DayActions {
  cancel: IntList;
  move: IntList;
  remind: IntList;
  /** 5 integers per booking: ATS index, service index, class index, patient number, prescription number */
  book: IntList;
  visit: IntList;
}

const newDayActions = (): DayActions => ({ cancel: new IntList(), move: new IntList(), remind: new IntList(), book: new IntList(), visit: new IntList() });

interface NewAppointment {
  seq: number; ag: number; day: number; minute: number; bookedDay: number; firstDay: number; deadline: number; nre: number;
  patient: number; service: number; patientAts: number; cls: number; channel: number; flags: number; bookedAt: number;
}

/**
 * Open appointments, one column per attribute (structure of arrays). A slot is taken at booking and given back when
 * the last action planned for the appointment has run (nothing can refer to it any more).
 */
class Appointments {
  size = 0;
  private readonly free = new IntList(1024);
  seq = new Int32Array(0);
  ag = new Int32Array(0);
  day = new Int32Array(0);
  minute = new Int16Array(0);
  bookedDay = new Int32Array(0);
  firstDay = new Int32Array(0);
  deadline = new Int32Array(0);
  nre = new Int32Array(0);
  patient = new Int32Array(0);
  service = new Int16Array(0);
  patientAts = new Int8Array(0);
  cls = new Int8Array(0);
  channel = new Int8Array(0);
  flags = new Uint8Array(0);
  refs = new Int32Array(0);
  bookedAt = new Float64Array(0);

  /** A new open appointment with these attributes (no action planned on it yet); returns its index. */
  add(v: NewAppointment): number {
    const a = this.alloc();
    this.seq[a] = v.seq;
    this.ag[a] = v.ag;
    this.day[a] = v.day;
    this.minute[a] = v.minute;
    this.bookedDay[a] = v.bookedDay;
    this.firstDay[a] = v.firstDay;
    this.deadline[a] = v.deadline;
    this.nre[a] = v.nre;
    this.patient[a] = v.patient;
    this.service[a] = v.service;
    this.patientAts[a] = v.patientAts;
    this.cls[a] = v.cls;
    this.channel[a] = v.channel;
    this.flags[a] = v.flags;
    this.refs[a] = 0;
    this.bookedAt[a] = v.bookedAt;
    return a;
  }

  private alloc(): number {
    if (this.free.length) return this.free.data[--this.free.length]!;
    if (this.size === this.seq.length) this.grow(Math.max(1024, this.seq.length * 2));
    return this.size++;
  }

  release(a: number): void {
    this.free.push(a);
  }

  private grow(n: number): void {
    const g = <T extends Int8Array | Uint8Array | Int16Array | Int32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const x = make(n);
      x.set(old as never);
      return x;
    };
    this.seq = g(this.seq, (k) => new Int32Array(k));
    this.ag = g(this.ag, (k) => new Int32Array(k));
    this.day = g(this.day, (k) => new Int32Array(k));
    this.minute = g(this.minute, (k) => new Int16Array(k));
    this.bookedDay = g(this.bookedDay, (k) => new Int32Array(k));
    this.firstDay = g(this.firstDay, (k) => new Int32Array(k));
    this.deadline = g(this.deadline, (k) => new Int32Array(k));
    this.nre = g(this.nre, (k) => new Int32Array(k));
    this.patient = g(this.patient, (k) => new Int32Array(k));
    this.service = g(this.service, (k) => new Int16Array(k));
    this.patientAts = g(this.patientAts, (k) => new Int8Array(k));
    this.cls = g(this.cls, (k) => new Int8Array(k));
    this.channel = g(this.channel, (k) => new Int8Array(k));
    this.flags = g(this.flags, (k) => new Uint8Array(k));
    this.refs = g(this.refs, (k) => new Int32Array(k));
    this.bookedAt = g(this.bookedAt, (k) => new Float64Array(k));
  }
}

export class DemandSimulation {
  readonly counters: DemandCounters = {
    prescriptions: 0, bookings: 0, followUps: 0, refusedFirst: 0, tutela: 0, cancellations: 0, moves: 0,
    delivered: 0, noShows: 0, abandoned: 0, unmet: 0, events: 0, skipped: 0,
  };
  readonly start: number;
  readonly horizon: number;
  private readonly rng: Rng;
  private readonly idRng: Rng;
  private readonly ags: Ag[] = [];
  private readonly firstPools = new Map<string, Ag[]>();
  private readonly followPools = new Map<string, Ag[]>();
  private readonly servicePools = new Map<string, Ag[]>();
  private readonly services = new Map<string, ServiceRow>();
  private readonly serviceList: ServiceRow[];
  private readonly serviceIdx = new Map<string, number>();
  private readonly siteOf = new Map<string, string | null>();
  /** planned actions per day index (null: none yet) */
  private readonly actions: (DayActions | null)[] = [];
  private readonly atsIds: string[];
  private readonly atsIdx = new Map<string, number>();
  private readonly atsPop: Map<string, number>;
  private readonly firstRates: { ats: string; service: ServiceRow; rate: number }[] = [];
  private readonly followRates: { ats: string; service: ServiceRow; rate: number }[] = [];
  private readonly nationalHolidays: Set<number>;
  private readonly appts = new Appointments();
  /** the pre-history backlog (agenda, day, booking day, service, class, patient), booked on day 0 */
  private prefilled: IntList | null = new IntList(1024);
  private sink: EventSink | null = null;
  private seq = 0;
  private readonly apptPrefix: string;
  private readonly startYear: number;
  private readonly dates = new Map<number, string>();
  private readonly cfBase = new Map<string, number>();
  /** pools by ATS index × service index */
  private firstPoolOf: (Ag[] | undefined)[] = [];
  private followPoolOf: (Ag[] | undefined)[] = [];

  constructor(readonly plan: RegionPlan, readonly opts: DemandOptions) {
    this.rng = createRng(opts.seed).fork('demand');
    this.idRng = createRng(opts.seed).fork('event-ids');
    this.start = epochDayOf(plan.startDate);
    this.horizon = opts.days + BOOKING_HORIZON_DAYS;
    this.apptPrefix = `appt-${opts.seed}-`;
    this.startYear = Number(localDateOfEpochDay(this.start).slice(0, 4));
    this.serviceList = plan.services.slice();
    this.serviceList.forEach((s, i) => this.serviceIdx.set(s.id, i));
    for (const s of plan.services) this.services.set(s.id, s);
    const units = new Map(plan.orgUnits.map((u) => [u.id, u]));
    for (const u of plan.orgUnits) if (u.level === 'clinic') this.siteOf.set(u.id, units.get(units.get(u.parentId ?? '')?.parentId ?? '')?.id ?? null);
    this.atsIds = plan.orgUnits.filter((u) => u.level === 'ats').map((u) => u.id);
    this.atsIds.forEach((id, i) => this.atsIdx.set(id, i));
    this.atsPop = new Map(plan.orgUnits.filter((u) => u.level === 'ats').map((u) => [u.id, u.population ?? 0]));
    const years = Array.from(new Set([0, this.horizon].map((d) => Number(localDateOfEpochDay(this.start + d).slice(0, 4)))));
    const allYears = Array.from({ length: (years[years.length - 1] as number) - (years[0] as number) + 1 }, (_, i) => (years[0] as number) + i);
    this.nationalHolidays = new Set([...holidaysFor(plan.holidays, allYears).keys()].map(epochDayOf));
    this.buildAgendas(allYears);
    this.indexPools();
    this.prefillBacklog();
    this.buildRates();
    for (let i = 0; i < this.horizon + 2; i++) this.actions.push(null);
  }

  /** Index of an ATS id (ids outside the plan's ATS list are appended). */
  private atsIndex(id: string): number {
    let i = this.atsIdx.get(id);
    if (i === undefined) {
      i = this.atsIds.length;
      this.atsIds.push(id);
      this.atsIdx.set(id, i);
    }
    return i;
  }

  private buildAgendas(years: number[]): void {
    const municipality = new Map(this.plan.orgUnits.filter((u) => u.level === 'clinic').map((u) => [u.id, u.municipality]));
    const holidayCache = new Map<string, Set<number>>();
    const templates = new Map<string, Window[][]>();
    for (const t of this.plan.agendaTemplates) {
      let w = templates.get(t.agendaId);
      if (!w) templates.set(t.agendaId, (w = Array.from({ length: 8 }, () => [])));
      w[t.weekday]!.push({ start: parseLocalTime(t.start) as number, end: parseLocalTime(t.end) as number, slotMin: t.slotMinutes, capacity: t.capacity ?? 1 });
    }
    const closures = new Map<string, [number, number][]>();
    for (const c of this.plan.agendaClosures) (closures.get(c.agendaId) ?? closures.set(c.agendaId, []).get(c.agendaId)!).push([epochDayOf(c.from), epochDayOf(c.to)]);
    const services = new Map<string, string[]>();
    for (const s of this.plan.agendaServices) (services.get(s.agendaId) ?? services.set(s.agendaId, []).get(s.agendaId)!).push(s.serviceId);
    for (const a of this.plan.agendas) {
      const regimes = a.attrs['regimes'];
      if (Array.isArray(regimes) && !regimes.includes('SSN')) continue; // ALPI agendas: not simulated
      const mun = municipality.get(a.clinicId) ?? '';
      let hol = holidayCache.get(mun);
      if (!hol) holidayCache.set(mun, (hol = new Set([...holidaysFor(this.plan.holidays, years, mun || undefined).keys()].map(epochDayOf))));
      const windows = templates.get(a.id) ?? Array.from({ length: 8 }, () => []);
      const cap = new Int16Array(this.horizon);
      const from = epochDayOf(a.validFrom);
      const to = epochDayOf(a.validTo);
      const cl = closures.get(a.id) ?? [];
      for (let i = 0; i < this.horizon; i++) {
        const day = this.start + i;
        if (day < from || day > to || hol.has(day) || cl.some(([f, t]) => day >= f && day <= t)) continue;
        let n = 0;
        for (const w of windows[isoWeekdayOfEpochDay(day)]!) n += Math.floor((w.end - w.start) / w.slotMin) * w.capacity;
        cap[i] = n;
      }
      const ag: Ag = {
        idx: this.ags.length, id: a.id, clinicId: a.clinicId, siteId: this.siteOf.get(a.clinicId) ?? null, providerId: a.providerId, atsId: a.atsId,
        atsIdx: this.atsIndex(a.atsId), access: a.accessType, services: services.get(a.id) ?? [], cap, booked: new Int16Array(this.horizon), windows,
        curAll: 0, curDP: 0, attrs: a.attrs, name: a.name, resourceId: a.resourceId,
      };
      this.ags.push(ag);
      for (const s of ag.services) {
        const pools = ag.access === 'first' ? this.firstPools : this.followPools;
        const key = `${ag.atsId}|${s}`;
        (pools.get(key) ?? pools.set(key, []).get(key)!).push(ag);
        if (ag.access === 'first') (this.servicePools.get(s) ?? this.servicePools.set(s, []).get(s)!).push(ag);
      }
    }
  }

  /** The pools by ATS index × service index (the same arrays as the maps hold). */
  private indexPools(): void {
    const n = this.serviceList.length;
    const size = this.atsIds.length * n;
    this.firstPoolOf = new Array<Ag[] | undefined>(size).fill(undefined);
    this.followPoolOf = new Array<Ag[] | undefined>(size).fill(undefined);
    for (const [pools, out] of [[this.firstPools, this.firstPoolOf], [this.followPools, this.followPoolOf]] as const) {
      for (const [key, ags] of pools) {
        const [ats, service] = key.split('|') as [string, string];
        const s = this.serviceIdx.get(service);
        const a = this.atsIdx.get(ats);
        if (s !== undefined && a !== undefined) out[a * n + s] = ags;
      }
    }
  }

  private firstPool(ats: number, service: number): Ag[] | undefined {
    return this.firstPoolOf[ats * this.serviceList.length + service];
  }

  private followPool(ats: number, service: number): Ag[] | undefined {
    return this.followPoolOf[ats * this.serviceList.length + service];
  }

  /**
   * The history starts on a running system, not on empty agendas: first-access agendas already hold bookings made
   * before the history (from ~95% of the D/P share of a day near the start down to 0 at a backlog depth that
   * depends on the service, 10-110 days, 60% deeper where the plan made the service scarce). They reach the lake as
   * `appointment.booked` events on the first day (the go-live load), with their original booking date.
   */
  private prefillBacklog(): void {
    const rng = this.rng.fork('prefill');
    const scarce = new Set(this.plan.shortages.flatMap((s) => s.serviceIds.map((id) => `${s.atsId}|${id}`)));
    const weights = { visit: BACKLOG_WEIGHTS('visit'), instrumental: BACKLOG_WEIGHTS('instrumental'), lab: BACKLOG_WEIGHTS('lab') };
    const out = this.prefilled!;
    for (const ag of this.ags) {
      if (ag.access !== 'first' || ag.services.length === 0) continue;
      let depth = 0;
      for (const s of ag.services) {
        const d = (10 + (hashString(`${this.opts.seed}:${s}`) % 100)) * (scarce.has(`${ag.atsId}|${s}`) ? 1.6 : 1);
        if (d > depth) depth = d;
      }
      const patients = Math.max(1, this.atsPop.get(ag.atsId) ?? 1000);
      for (let i = 0; i < Math.min(this.horizon, Math.ceil(depth)); i++) {
        const occ = Math.min(0.95, 1.05 * (1 - i / depth)) * 0.8;
        const n = Math.round(ag.cap[i]! * Math.max(0, occ));
        for (let k = 0; k < n; k++) {
          const serviceId = ag.services[rng.int(0, ag.services.length - 1)]!;
          const service = this.services.get(serviceId);
          if (!service) continue;
          const cls = rng.weightedIndex(weights[service.kind]);
          const bookedDay = -rng.int(1, Math.max(1, Math.round(depth) - i));
          out.push(ag.idx);
          out.push(i);
          out.push(bookedDay);
          out.push(this.serviceIdx.get(serviceId)!);
          out.push(cls);
          out.push(rng.int(0, patients));
        }
      }
    }
  }

  private emitPrefilled(): void {
    const list = this.prefilled;
    this.prefilled = null;
    if (!list) return;
    const ms = this.at(0, 0, 60);
    const P = this.appts;
    const d = list.data;
    for (let j = 0; j < list.length; j += 6) {
      const ag = this.ags[d[j]!]!;
      const day = d[j + 1]!;
      const bookedDay = d[j + 2]!;
      const svc = d[j + 3]!;
      const cls = d[j + 4]!;
      const minute = this.take(ag, day);
      const deadlineDay = bookedDay + this.opts.maxWaitDays[CLASSES[cls]!][this.serviceList[svc]!.kind];
      const seq = ++this.seq;
      const bookedMs = (localToUtcMs(this.start + bookedDay, 9 * 60) ?? 0) + Math.floor(this.rng.next() * 9 * 60) * MINUTE;
      const a = P.add({
        seq, ag: ag.idx, day, minute, bookedDay, firstDay: day, deadline: deadlineDay, nre: seq, patient: d[j + 5]!,
        service: svc, patientAts: ag.atsIdx, cls, channel: CALL_CENTRE, flags: IN_AREA | GARANZIA | NRE_B,
        bookedAt: bookedMs,
      });
      if (this.live('appointment.booked')) this.emitAppt('appointment.booked', a, ms, this.apptPayload(a, this.apptPrefix + seq, 'booked'));
      this.counters.bookings++;
      this.schedule(a, 0);
    }
  }

  /** Daily demand rates: the regional supply of each service shared out by ATS population (× load). */
  private buildRates(): void {
    const rng = this.rng.fork('rates');
    const totalPop = [...this.atsPop.values()].reduce((s, p) => s + p, 0);
    const supply = (pools: Map<string, Ag[]>) => {
      const byService = new Map<string, number>();
      for (const [key, ags] of pools) {
        const service = key.split('|')[1]!;
        let n = 0;
        for (const ag of ags) {
          let c = 0;
          for (let i = 0; i < RATE_SPAN_DAYS; i++) c += ag.cap[i]!;
          n += c / ag.services.length;
        }
        byService.set(service, (byService.get(service) ?? 0) + n);
      }
      return byService;
    };
    const span = RATE_SPAN_DAYS;
    // mean demand factor over the span, so that rates × factor average to the supply
    let meanFactor = 0;
    for (let i = 0; i < span; i++) meanFactor += this.dayFactor(this.start + i);
    meanFactor /= span;
    const load = this.opts.load ?? 1;
    for (const [pools, out, base] of [[this.firstPools, this.firstRates, 0.97], [this.followPools, this.followRates, 0.85]] as const) {
      for (const [service, total] of [...supply(pools)].sort(([a], [b]) => a.localeCompare(b))) {
        const s = this.services.get(service);
        if (!s) continue;
        const serviceLoad = base * load * rng.float(0.9, 1.12);
        for (const ats of this.atsIds) {
          const share = (this.atsPop.get(ats) ?? 0) / totalPop;
          out.push({ ats, service: s, rate: (total * share * serviceLoad) / span / meanFactor });
        }
      }
    }
  }

  private dayFactor(day: number): number {
    return demandFactor(day) * (this.nationalHolidays.has(day) ? 0.05 : 1);
  }

  /**
   * The demand this simulation draws from, for drivers that book through the engine API (demand-api.ts): mean
   * first-access prescriptions and follow-up bookings per ATS × service on a day of factor 1 (× load), and the
   * factor of day `i` (weekday × season, × 0.05 on national holidays). Read-only; no random draw.
   */
  demandRates(): { first: readonly { ats: string; service: ServiceRow; rate: number }[]; followUp: readonly { ats: string; service: ServiceRow; rate: number }[] } {
    return { first: this.firstRates, followUp: this.followRates };
  }

  dayFactorOf(i: number): number {
    return this.dayFactor(this.start + i);
  }

  // ------------------------------------------------------------------------------------------
  // Capacity search
  // ------------------------------------------------------------------------------------------

  /**
   * First day >= from (before `bound`) with a free place on the agenda for the class; Infinity if none.
   * Class quotas on first-access agendas: 5% of a day is kept for U, 20% for U and B (DOMAIN.md §1, region-plan
   * class quotas); the reserve is released 2 days before. `curAll` / `curDP` remember the first day that may have
   * room for U (no reserve) and for D/P (20% reserve), so full stretches are not scanned again.
   */
  private firstFree(ag: Ag, from: number, cls: PriorityClass | null, today: number, bound: number): number {
    const end = Math.min(bound, this.horizon, today + BOOKING_HORIZON_DAYS);
    const { cap, booked } = ag;
    const reserve = ag.access !== 'first' || cls === null || cls === 'U' ? 0 : cls === 'B' ? 0.05 : 0.2;
    if (reserve === 0) {
      const start = Math.max(from, ag.curAll);
      for (let d = start; d < end; d++) {
        if (booked[d]! < cap[d]!) {
          if (from <= ag.curAll) ag.curAll = d;
          return d;
        }
      }
      if (from <= ag.curAll && end > ag.curAll) ag.curAll = end;
      return Infinity;
    }
    for (let d = from; d <= today + 2 && d < end; d++) if (booked[d]! < cap[d]!) return d;
    const zone = Math.max(from, today + 3);
    const dp = reserve === 0.2;
    const start = dp ? Math.max(zone, ag.curDP) : Math.max(zone, ag.curAll);
    for (let d = start; d < end; d++) {
      const c = cap[d]!;
      if (booked[d]! < c - Math.ceil(c * reserve)) {
        if (dp && zone <= ag.curDP) ag.curDP = d;
        return d;
      }
    }
    if (dp && zone <= ag.curDP && end > ag.curDP) ag.curDP = end;
    return Infinity;
  }

  /** Earliest free day in a pool (ties broken at random); null when the pool is full up to the horizon. */
  private search(pool: readonly Ag[] | undefined, from: number, cls: PriorityClass | null, today: number): { ag: Ag; day: number } | null {
    if (!pool) return null;
    let best = Infinity;
    let bestAg: Ag | null = null;
    let ties = 0;
    for (const ag of pool) {
      const d = this.firstFree(ag, from, cls, today, best + 1);
      if (d < best) {
        best = d;
        bestAg = ag;
        ties = 1;
      } else if (d === best && d !== Infinity) {
        ties++;
        if (this.rng.next() * ties < 1) bestAg = ag;
      }
    }
    return bestAg ? { ag: bestAg, day: best } : null;
  }

  /** Takes a place on the agenda's day; returns the minute of the slot (Rome wall clock). */
  private take(ag: Ag, day: number): number {
    const n = ag.booked[day]!;
    ag.booked[day] = n + 1;
    const windows = ag.windows[isoWeekdayOfEpochDay(this.start + day)]!;
    let total = 0;
    for (const w of windows) total += Math.floor((w.end - w.start) / w.slotMin);
    let k = total ? Math.floor(n / (windows[0]?.capacity ?? 1)) % total : 0;
    let minute = 8 * 60;
    for (const w of windows) {
      const m = Math.floor((w.end - w.start) / w.slotMin);
      if (k < m) {
        minute = w.start + k * w.slotMin;
        break;
      }
      k -= m;
    }
    return minute;
  }

  private slotStartMs(day: number, minute: number): number {
    const epochDay = this.start + day;
    return localToUtcMs(epochDay, minute) ?? epochDay * 86_400_000;
  }

  private slotId(ag: Ag, day: number, minute: number): string {
    return `slot-${ag.id}-${this.dateOf(day)}-${String(minute).padStart(4, '0')}`;
  }

  private release(ag: Ag, day: number): void {
    ag.booked[day] = Math.max(0, ag.booked[day]! - 1);
    if (day < ag.curAll) ag.curAll = day;
    if (day < ag.curDP) ag.curDP = day;
  }

  /** The Rome-local date of day index `day` (cached). */
  private dateOf(day: number): string {
    let d = this.dates.get(day);
    if (d === undefined) this.dates.set(day, (d = localDateOfEpochDay(this.start + day)));
    return d;
  }

  // ------------------------------------------------------------------------------------------
  // Events
  // ------------------------------------------------------------------------------------------

  /** A UUIDv7 whose time part is `ms` and whose random part comes from the seeded id stream. */
  private eventId(ms: number): string {
    const r = this.idRng;
    const a = (r.next() * 0x1000) >>> 0;
    const b = 0x8000 | ((r.next() * 0x4000) >>> 0);
    const c = (r.next() * 0x1000000) >>> 0;
    const d = (r.next() * 0x1000000) >>> 0;
    if (!Number.isInteger(ms) || ms < 0 || ms >= 2 ** 48) {
      const t = hex(ms, 12);
      return `${t.slice(0, 8)}-${t.slice(8)}-7${hex(a, 3)}-${hex(b, 4)}-${hex(c, 6)}${hex(d, 6)}`;
    }
    // the same text written as ASCII (toString(16) + padStart per field cost ~0.5 µs each)
    const hi = Math.floor(ms / 4294967296);
    const lo = ms >>> 0;
    writeHex(0, hi, 4);
    writeHex(4, lo >>> 16, 4);
    scratch[8] = 45; // '-'
    writeHex(9, lo & 0xffff, 4);
    scratch[13] = 45;
    scratch[14] = 55; // '7'
    writeHex(15, a, 3);
    scratch[18] = 45;
    writeHex(19, b, 4);
    scratch[23] = 45;
    writeHex(24, c, 6);
    writeHex(30, d, 6);
    return scratch.toString('latin1', 0, 36);
  }

  /**
   * Whether an event of this type is to be built now. Types the lake does not take are counted as skipped; with no
   * sink (days not written) the event is only counted and its id drawn, so the ids of later events stay the same.
   */
  private live(type: string): boolean {
    if (!ALLOWED.has(type)) {
      this.counters.skipped++;
      return false;
    }
    if (this.sink) return true;
    const r = this.idRng;
    r.next();
    r.next();
    r.next();
    r.next();
    this.counters.events++;
    return false;
  }

  /** Sends one event to the sink; the caller checked `live(type)`. */
  private emit(
    type: string, aggregateType: string, aggregateId: string, ms: number, ats: string | null, provider: string | null, payload: Record<string, unknown>,
    patientKey = -1,
  ): void {
    this.sink!(
      { event_id: this.eventId(ms), type, schema_version: 1, occurred_at: iso(ms), aggregate_type: aggregateType, aggregate_id: aggregateId, ats, provider, payload },
      ms,
      patientKey,
    );
    this.counters.events++;
  }

  /** Milliseconds of a random moment of the day between `fromMin` and `toMin` (Rome wall clock). */
  private at(day: number, fromMin = 8 * 60, toMin = 19 * 60): number {
    const minute = fromMin + Math.floor(this.rng.next() * (toMin - fromMin));
    return (localToUtcMs(this.start + day, minute) ?? (this.start + day) * 86_400_000) + Math.floor(this.rng.next() * MINUTE);
  }

  /** The key of patient n of ATS index `ats` (see EventSink). */
  private patientKey(ats: number, n: number): number {
    return n >= 0 && n < PATIENT_KEY_SPAN && Number.isInteger(n) ? ats * PATIENT_KEY_SPAN + n : -1;
  }

  private patient(ats: string, n: number, service: ServiceRow) {
    const h = hashString(`${ats}:${n}`);
    const minAge = service.minAge ?? 0;
    const maxAge = Math.min(service.maxAge ?? 95, 95);
    const age = minAge + Math.floor(Math.sqrt((h % 10_000) / 10_000) * (maxAge - minAge));
    const year = this.startYear - age;
    const sex = service.sex ?? (h & 1 ? 'F' : 'M');
    let base = this.cfBase.get(ats);
    if (base === undefined) this.cfBase.set(ats, (base = (hashString(ats) % 1000) * 10_000_000));
    return {
      cf: syntheticCf(base + n),
      birth_date: `${year}-${PAD2[1 + ((h >>> 8) % 12)]!}-${PAD2[1 + ((h >>> 12) % 28)]!}`,
      sex,
      residence_ats: ats,
      residence_district: `${ats}-d${(h >>> 16) % 6}`,
    };
  }

  /** The appointment's payload as the engine writes it (a fresh object; the event adds its own fields after these). */
  private apptPayload(a: number, id: string, status: string): Record<string, unknown> {
    const P = this.appts;
    const ag = this.ags[P.ag[a]!]!;
    const service = this.serviceList[P.service[a]!]!;
    const day = P.day[a]!;
    const minute = P.minute[a]!;
    const f = P.flags[a]!;
    const cls = P.cls[a]!;
    const nre = P.nre[a]!;
    const deadline = P.deadline[a]!;
    return {
      appointment_id: id, status, service_id: service.id, service_kind: service.kind, branch_code: service.branchCode, priority: cls < 0 ? null : CLASSES[cls],
      access_type: ag.access, regime: 'SSN', channel: CHANNEL_NAMES[P.channel[a]!], slot_id: this.slotId(ag, day, minute), slot_start: iso(this.slotStartMs(day, minute)),
      agenda_id: ag.id, clinic_id: ag.clinicId, site_id: ag.siteId, provider_id: ag.providerId, ats_id: ag.atsId, booked_at: iso(P.bookedAt[a]!),
      first_offered_date: this.dateOf(P.firstDay[a]!), first_offered_in_area: (f & IN_AREA) !== 0, chosen_date: this.dateOf(day),
      refused_first_availability: (f & REFUSED) !== 0, in_garanzia: f & GARANZIA_NULL ? null : (f & GARANZIA) !== 0,
      guarantee_deadline: deadline === NO_DAY ? null : this.dateOf(deadline),
      prescription_nre: nre < 0 ? null : `0301${f & NRE_B ? 'B' : 'A'}${String(nre).padStart(10, '0')}`,
      patient: this.patient(this.atsIds[P.patientAts[a]!]!, P.patient[a]!, service),
    };
  }

  /** Emits an appointment event (the delivery family for check-in and delivery outcomes); the caller checked `live`. */
  private emitAppt(type: string, a: number, ms: number, payload: Record<string, unknown>): void {
    const family = type === 'appointment.checked_in' || type === 'appointment.delivered' || type === 'appointment.not_delivered' ? 'delivery' : 'appointment';
    const ag = this.ags[this.appts.ag[a]!]!;
    this.emit(type, family, this.apptPrefix + this.appts.seq[a]!, ms, ag.atsId, ag.providerId, payload, this.patientKey(this.appts.patientAts[a]!, this.appts.patient[a]!));
  }

  private apptStatus(a: number): string {
    return this.appts.flags[a]! & CONFIRMED ? 'confirmed' : 'booked';
  }

  private book(day: number, atsIdx: number, svcIdx: number, clsIdx: number, patient: number, nreSeq: number): void {
    const service = this.serviceList[svcIdx]!;
    const cls = CLASSES[clsIdx]!;
    const ats = this.atsIds[atsIdx]!;
    const kind = service.kind;
    const maxDays = this.opts.maxWaitDays[cls][kind];
    const ms = this.at(day);
    const deadlineDay = day + maxDays;
    const channel = this.rng.weightedIndex(CHANNEL_WEIGHTS);
    const inArea = this.search(this.firstPool(atsIdx, svcIdx), day + 1, cls, day);
    let first = inArea;
    let tutela = false;
    if (!inArea || inArea.day > deadlineDay) {
      const region = this.search(this.servicePools.get(service.id), day + 1, cls, day);
      if (region && (!inArea || region.day < inArea.day)) {
        tutela = true;
        if (!inArea || this.rng.chance(0.6)) first = region;
      }
    }
    const searchId = `search-${this.opts.seed}-${++this.seq}`;
    if (this.live('availability.searched')) {
      this.emit('availability.searched', 'search', searchId, ms, ats, null, {
        search_id: searchId, service_id: service.id, priority: cls, access_type: 'first', channel: CHANNEL_NAMES[channel], patient_ats: ats,
        first_available_date: first ? this.dateOf(Math.min(first.day, inArea?.day ?? Infinity)) : null,
        first_available_in_area_date: inArea ? this.dateOf(inArea.day) : null,
        guaranteed: inArea !== null && inArea.day <= deadlineDay, pathway: tutela ? 'percorso_di_tutela' : 'none',
        deadline: this.dateOf(deadlineDay), results: first ? 1 : 0,
      });
    }
    if (!first) {
      this.counters.unmet++;
      return;
    }
    if (tutela) this.counters.tutela++;
    let chosen = first;
    let refused = false;
    if (this.rng.chance(refusalProbability(first.day - day))) {
      const pool = first.ag.atsId === ats ? this.firstPool(atsIdx, svcIdx) : this.servicePools.get(service.id);
      const later = this.search(pool, first.day + this.rng.int(2, 30), cls, day);
      if (later && later.day > first.day) {
        chosen = later;
        refused = true;
        this.counters.refusedFirst++;
      }
    }
    const minute = this.take(chosen.ag, chosen.day);
    const keeps = keepsGuarantee({
      refusedFirst: refused,
      chosenDate: new Date((this.start + chosen.day) * 86_400_000),
      deadline: new Date((this.start + deadlineDay) * 86_400_000),
      firstAvailable: new Date((this.start + first.day) * 86_400_000),
    }).keeps;
    const seq = ++this.seq;
    const P = this.appts;
    const a = P.add({
      seq, ag: chosen.ag.idx, day: chosen.day, minute, bookedDay: day, firstDay: first.day, deadline: deadlineDay,
      nre: nreSeq, patient, service: svcIdx, patientAts: atsIdx, cls: clsIdx, channel,
      flags: (first.ag.atsId === ats ? IN_AREA : 0) | (refused ? REFUSED : 0) | (keeps ? GARANZIA : 0),
      bookedAt: ms + 2 * MINUTE,
    });
    if (channel === WEB && this.rng.chance(HOLD_EXPIRY_PROBABILITY)) {
      const heldId = `${this.apptPrefix}${++this.seq}`;
      const key = this.patientKey(atsIdx, patient);
      if (this.live('appointment.held')) this.emit('appointment.held', 'appointment', heldId, ms + MINUTE, chosen.ag.atsId, chosen.ag.providerId, this.apptPayload(a, heldId, 'held'), key);
      if (this.live('appointment.hold_expired')) {
        this.emit('appointment.hold_expired', 'appointment', heldId, ms + 16 * MINUTE, chosen.ag.atsId, chosen.ag.providerId, this.apptPayload(a, heldId, 'hold_expired'), key);
      }
    }
    if (this.live('appointment.booked')) this.emitAppt('appointment.booked', a, ms + 2 * MINUTE, this.apptPayload(a, this.apptPrefix + seq, 'booked'));
    this.counters.bookings++;
    this.schedule(a, day);
  }

  private bookFollowUp(day: number, atsIdx: number, service: ServiceRow): void {
    const svcIdx = this.serviceIdx.get(service.id)!;
    const target = day + this.rng.int(20, 120);
    const found = this.search(this.followPool(atsIdx, svcIdx), Math.min(target, day + BOOKING_HORIZON_DAYS - 1), null, day);
    if (!found) {
      this.counters.unmet++;
      return;
    }
    const ms = this.at(day);
    const minute = this.take(found.ag, found.day);
    const seq = ++this.seq;
    const n = this.rng.int(0, Math.max(1, Math.round((this.atsPop.get(this.atsIds[atsIdx]!) ?? 1000) / 2)));
    const P = this.appts;
    const a = P.add({
      seq, ag: found.ag.idx, day: found.day, minute, bookedDay: day, firstDay: found.day, deadline: NO_DAY, nre: -1,
      patient: n, service: svcIdx, patientAts: atsIdx, cls: -1, channel: DESK, flags: IN_AREA | GARANZIA_NULL,
      bookedAt: ms,
    });
    if (this.live('appointment.booked')) this.emitAppt('appointment.booked', a, ms, this.apptPayload(a, this.apptPrefix + seq, 'booked'));
    this.counters.followUps++;
    this.schedule(a, day);
  }

  private actionsOf(day: number): DayActions {
    let d = this.actions[day];
    if (!d) this.actions[day] = d = newDayActions();
    return d;
  }

  /** Plans an action on an appointment (the appointment stays open until its last planned action has run). */
  private planAction(list: IntList, a: number): void {
    list.push(a);
    this.appts.refs[a]!++;
  }

  /** Plans what happens to a booking: a cancellation or a move before the day, a reminder, the visit. */
  private schedule(a: number, today: number): void {
    const day = this.appts.day[a]!;
    const lead = day - today;
    this.counters.skipped++; // appointment.reminders_scheduled
    if (lead >= 2 && this.rng.chance(cancellationProbability(lead))) {
      this.planAction(this.actionsOf(today + 1 + Math.floor(this.rng.next() * (lead - 1))).cancel, a);
      return;
    }
    if (lead >= 3 && this.rng.chance(MOVE_PROBABILITY)) this.planAction(this.actionsOf(today + 1 + Math.floor(this.rng.next() * (lead - 2))).move, a);
    if (lead >= 3) this.planAction(this.actionsOf(day - 2).remind, a);
    this.planAction(this.actionsOf(day).visit, a);
  }

  /** Runs the planned actions of one kind, in the order they were planned, then closes appointments left with none. */
  private runActions(list: IntList, day: number, run: (day: number, a: number) => void): void {
    const P = this.appts;
    const d = list.data;
    for (let j = 0; j < list.length; j++) {
      const a = d[j]!;
      if (!(P.flags[a]! & CANCELLED)) run.call(this, day, a);
      if (--P.refs[a]! === 0) P.release(a);
    }
  }

  private cancel(day: number, a: number): void {
    const P = this.appts;
    const ag = this.ags[P.ag[a]!]!;
    P.flags[a]! |= CANCELLED;
    this.release(ag, P.day[a]!);
    const late = P.day[a]! - day < 3;
    const ms = this.at(day);
    const reason = this.rng.chance(0.7) ? 'patient_request' : 'no_longer_needed';
    if (this.live('appointment.cancelled')) {
      const p = this.apptPayload(a, this.apptPrefix + P.seq[a]!, 'cancelled');
      p.reason = reason;
      p.late = late;
      p.penalty = false;
      this.emitAppt('appointment.cancelled', a, ms, p);
    }
    this.counters.cancellations++;
  }

  private move(day: number, a: number): void {
    const P = this.appts;
    const ag = this.ags[P.ag[a]!]!;
    const oldDay = P.day[a]!;
    const oldMinute = P.minute[a]!;
    const svc = P.service[a]!;
    const pool = ag.access === 'first' ? this.firstPool(ag.atsIdx, svc) : this.followPool(ag.atsIdx, svc);
    const target = Math.max(day + 1, oldDay + this.rng.int(-10, 25));
    const cls = P.cls[a]!;
    const found = this.search(pool, target, cls < 0 ? null : CLASSES[cls]!, day);
    if (!found || (found.ag === ag && found.day === oldDay)) return;
    // the old visit and reminder are dropped by the day check in 'visit'/'remind' (the day changes)
    const sameDay = found.day === oldDay;
    this.release(ag, oldDay);
    const minute = this.take(found.ag, found.day);
    P.ag[a] = found.ag.idx;
    P.day[a] = found.day;
    P.minute[a] = minute;
    const ms = this.at(day);
    if (this.live('appointment.moved')) {
      const p = this.apptPayload(a, this.apptPrefix + P.seq[a]!, this.apptStatus(a));
      p.previous_slot_id = this.slotId(ag, oldDay, oldMinute);
      p.previous_slot_start = iso(this.slotStartMs(oldDay, oldMinute));
      p.previous_clinic_id = ag.clinicId;
      this.emitAppt('appointment.moved', a, ms, p);
    }
    this.counters.moves++;
    if (!sameDay) {
      if (found.day - day >= 3) this.planAction(this.actionsOf(found.day - 2).remind, a);
      this.planAction(this.actionsOf(found.day).visit, a);
    }
  }

  private remind(day: number, a: number): void {
    const P = this.appts;
    if (P.day[a] !== day + 2) return;
    this.counters.skipped++; // appointment.reminder_due
    if (this.rng.chance(CONFIRM_PROBABILITY)) {
      P.flags[a]! |= CONFIRMED;
      const ms = this.at(day, 9 * 60, 20 * 60);
      if (this.live('appointment.confirmed')) this.emitAppt('appointment.confirmed', a, ms, this.apptPayload(a, this.apptPrefix + P.seq[a]!, 'confirmed'));
    }
  }

  private visit(day: number, a: number): void {
    const P = this.appts;
    if (P.day[a] !== day) return;
    const lead = day - P.bookedDay[a]!;
    const base = this.slotStartMs(day, P.minute[a]!);
    const id = this.apptPrefix + P.seq[a]!;
    if (this.rng.chance(noShowProbability(lead))) {
      if (this.live('appointment.not_delivered')) {
        const p = this.apptPayload(a, id, 'not_delivered');
        p.reason = 'no_show';
        p.penalty = true;
        this.emitAppt('appointment.not_delivered', a, base + 60 * MINUTE, p);
      }
      this.counters.skipped++; // payment.no_show_penalty_due
      this.counters.noShows++;
    } else if (this.rng.chance(0.01)) {
      if (this.live('appointment.not_delivered')) {
        const p = this.apptPayload(a, id, 'not_delivered');
        p.reason = 'provider_cancelled';
        p.penalty = false;
        this.emitAppt('appointment.not_delivered', a, base + 30 * MINUTE, p);
      }
    } else {
      if (this.live('appointment.checked_in')) {
        const p = this.apptPayload(a, id, 'checked_in');
        p.queue_number = 1 + (this.ags[P.ag[a]!]!.booked[day]! % 200);
        this.emitAppt('appointment.checked_in', a, base - 10 * MINUTE, p);
      }
      if (this.live('appointment.delivered')) this.emitAppt('appointment.delivered', a, base + 25 * MINUTE, this.apptPayload(a, id, 'delivered'));
      this.counters.delivered++;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Catalogue, organisation and supply events
  // ------------------------------------------------------------------------------------------

  private referenceEvents(ms: number): void {
    for (const s of this.plan.services) {
      if (!this.live('service.created')) continue;
      this.emit('service.created', 'service', s.id, ms, null, null, {
        id: s.id, regional_code: s.regionalCode, national_code: s.nationalCode, name: s.name, branch_code: s.branchCode, kind: s.kind,
        pngla_monitored: s.pnglaMonitored, pngla_number: s.pnglaNumber, tariff_cents: s.tariffCents, duration_min: s.durationMin,
        sex: s.sex, min_age: s.minAge, max_age: s.maxAge, active: true, codes: [],
      });
    }
    for (const u of this.plan.orgUnits) {
      if (u.level === 'resource' || !this.live('org_unit.created')) continue;
      this.emit('org_unit.created', 'org_unit', u.id, ms, u.level === 'ats' ? u.id : u.atsId, u.level === 'provider' ? u.id : u.providerId, {
        id: u.id, level: u.level, parent_id: u.parentId, code: u.code, name: u.name, provider_kind: u.providerKind, municipality: u.municipality,
        population: u.population, attrs: u.attrs, active: true,
      });
    }
    for (const ag of this.ags) {
      if (this.live('agenda.created')) this.emit('agenda.created', 'agenda', ag.id, ms, ag.atsId, ag.providerId, this.agendaPayload(ag));
    }
  }

  private agendaPayload(ag: Ag): Record<string, unknown> {
    return {
      id: ag.id, clinic_id: ag.clinicId, resource_id: ag.resourceId, name: ag.name, access_type: ag.access, valid_from: this.plan.validity.from,
      valid_to: this.plan.validity.to, status: 'active', services: ag.services, version: 1, attrs: ag.attrs,
    };
  }

  /** Publishes the supply (agenda.slots_generated) of days [from, to) for every agenda. */
  private supplyEvents(ms: number, from: number, to: number): void {
    const end = Math.min(to, this.horizon);
    if (end <= from) return;
    for (const ag of this.ags) {
      let open = false;
      for (let i = from; i < end && !open; i++) open = ag.cap[i]! > 0;
      if (!open || !this.live('agenda.slots_generated')) continue;
      const supply: { date: string; slots: number; capacity: number; reserved: Record<string, number> }[] = [];
      let slots = 0;
      for (let i = from; i < end; i++) {
        const c = ag.cap[i]!;
        if (c <= 0) continue;
        const r: Record<string, number> = ag.access === 'first' ? { U: Math.ceil(c * 0.05), B: Math.ceil(c * 0.2) - Math.ceil(c * 0.05) } : {};
        supply.push({ date: this.dateOf(i), slots: c, capacity: c, reserved: r });
        slots += c;
      }
      this.emit('agenda.slots_generated', 'agenda', ag.id, ms, ag.atsId, ag.providerId, {
        ...this.agendaPayload(ag), from: this.dateOf(from), to: this.dateOf(end - 1), slots_created: slots, supply,
      });
    }
  }

  // ------------------------------------------------------------------------------------------
  // The day loop
  // ------------------------------------------------------------------------------------------

  /** The offer events of day `i` into the current sink (see `offerEvents`). */
  private offerInto(i: number): void {
    if (i === 0) {
      this.referenceEvents(this.at(0, 0, 1));
      this.supplyEvents(this.at(0, 1, 2), 0, BOOKING_HORIZON_DAYS);
    } else if (i % 7 === 0) {
      this.supplyEvents(this.at(i, 1, 2), i + BOOKING_HORIZON_DAYS - 7, i + BOOKING_HORIZON_DAYS);
    }
  }

  /**
   * The offer events of day `i`: on day 0 the catalogue, the organisation tree, the agendas and their supply over the
   * booking horizon; every 7th day the supply of one more week. Part of `day(i)`; also for drivers whose region was
   * loaded outside the engine's use cases (seeded with COPY, so no outbox event describes it), e.g. demand-api.ts.
   */
  offerEvents(i: number): EventEnvelope[] {
    const saved = this.sink;
    const events: EventEnvelope[] = [];
    this.sink = (e) => void events.push(e);
    try {
      this.offerInto(i);
    } finally {
      this.sink = saved;
    }
    return events;
  }

  /**
   * Simulates day `i` (0-based), handing each event to `sink` as it is produced (all of them occur on that Rome-local
   * day); returns the date. With a null sink the day is simulated exactly the same but no event is built: for days
   * that are not written (the counters still count them). Days must be simulated in order, each once.
   */
  simulateDay(i: number, sink: EventSink | null): string {
    this.sink = sink;
    try {
      this.offerInto(i);
      if (i === 0) this.emitPrefilled();
      const todays = this.actions[i] ?? newDayActions();
      this.actions[i] = null;
      // cancellations and moves first (they free capacity), then bookings, then visits
      this.runActions(todays.cancel, i, this.cancel);
      this.runActions(todays.move, i, this.move);
      this.runActions(todays.remind, i, this.remind);
      // new prescriptions: booked today or within a week
      const factor = this.dayFactor(this.start + i);
      const u = () => this.rng.next();
      for (const r of this.firstRates) {
        const n = poisson(r.rate * factor, u);
        if (n === 0) continue;
        const atsIdx = this.atsIdx.get(r.ats)!;
        const svcIdx = this.serviceIdx.get(r.service.id)!;
        const weights = MIX_WEIGHTS(r.service.kind);
        const patients = Math.max(1, this.atsPop.get(r.ats) ?? 1000);
        for (let k = 0; k < n; k++) {
          const clsIdx = this.rng.weightedIndex(weights);
          const cls = CLASSES[clsIdx]!;
          const patient = this.rng.int(0, patients);
          const presId = `presc-${this.opts.seed}-${++this.seq}`;
          const nreSeq = this.seq;
          const ms = this.at(i, 8 * 60, 18 * 60);
          if (this.live('prescription.registered')) {
            this.emit('prescription.registered', 'prescription', presId, ms, r.ats, null, {
              prescription_id: presId, prescription_nre: `0301A${String(nreSeq).padStart(10, '0')}`, priority: cls, prescribed_at: iso(ms),
              lines: [{ service_id: r.service.id, quantity: 1, access_type: 'first' }], patient: this.patient(r.ats, patient, r.service),
            }, this.patientKey(atsIdx, patient));
          }
          this.counters.prescriptions++;
          if (this.rng.chance(ABANDON_PROBABILITY)) {
            this.counters.abandoned++;
            continue;
          }
          // U is booked at once; the others the same day or within a week
          let lag = cls === 'U' || this.rng.chance(0.6) ? 0 : this.rng.int(1, 7);
          if (lag > 0 && isoWeekdayOfEpochDay(this.start + i + lag) === 7) lag++; // few book on Sundays
          const list = lag === 0 ? todays.book : i + lag < this.actions.length ? this.actionsOf(i + lag).book : null;
          if (!list) continue;
          list.push(atsIdx);
          list.push(svcIdx);
          list.push(clsIdx);
          list.push(patient);
          list.push(nreSeq);
        }
      }
      const b = todays.book.data;
      for (let j = 0; j < todays.book.length; j += 5) this.book(i, b[j]!, b[j + 1]!, b[j + 2]!, b[j + 3]!, b[j + 4]!);
      for (const r of this.followRates) {
        const n = poisson(r.rate * factor, u);
        if (n === 0) continue;
        const atsIdx = this.atsIdx.get(r.ats)!;
        for (let k = 0; k < n; k++) this.bookFollowUp(i, atsIdx, r.service);
      }
      this.runActions(todays.visit, i, this.visit);
    } finally {
      this.sink = null;
    }
    return this.dateOf(i);
  }

  /** Simulates day `i` (0-based) and returns its events (all of them occur on that Rome-local day). */
  day(i: number): DemandDay {
    const events: EventEnvelope[] = [];
    const date = this.simulateDay(i, (e) => void events.push(e));
    return { date, index: i, events };
  }

  *days(): Generator<DemandDay> {
    for (let i = 0; i < this.opts.days; i++) yield this.day(i);
  }
}
