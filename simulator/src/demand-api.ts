/**
 * Drives the demand model through the engine's real HTTP API (`cupola simulate --mode api`): the same demand as
 * the lake mode (DemandSimulation's rates per ATS × service: population share of the regional supply × load, weekly
 * and yearly seasonality; demand-model.ts for the class mix and every behaviour), but every prescription, search,
 * booking, cancellation, move and visit outcome is a request to the engine, which decides the slots, quotas,
 * guarantee verdicts, late cancellations and penalties, and writes the events to its outbox.
 *
 * Per simulated day: first-access prescriptions (patient lookup-or-create by codice fiscale, then the e-prescription),
 * booked the same day or up to a week later, a few never; availability search; the first date, or a later option when
 * the patient refuses it; web bookings go through hold → confirm (a few holds lapse and are rebooked); specialists'
 * follow-ups on follow-up agendas; cancellations (timely or late, drawn before the day), moves to another date of
 * the same agenda, and on the day check-in → delivered, or not delivered (no-shows rising with the lead time).
 * Everything happens at a simulated instant: tasks run in time order and `clock.advance` moves the engine's clock
 * (in-process engine) before each request; against a real-time engine the clock cannot move (see `Clock`).
 *
 * Deterministic: decisions are drawn from a seeded stream in a fixed order and requests are sent one at a time, so
 * the same seed against the same fresh store sends the same requests and gets the same answers (ids aside).
 */
import { cfCheckCharacter, MONTH_LETTERS } from '../../engine/src/domain/patient/codice-fiscale.ts';
import type { EventEnvelope } from '../../engine/src/events/envelope.ts';
import { epochDayOf, isoWeekdayOfEpochDay, localDateOf, localDateOfEpochDay, localToUtcMs } from '../../engine/src/domain/time/rome-time.ts';
import {
  ABANDON_PROBABILITY, CHANNELS, CLASS_MIX, CLASSES, HOLD_EXPIRY_PROBABILITY, MOVE_PROBABILITY,
  cancellationProbability, noShowProbability, poisson, refusalProbability, type PriorityClass,
} from './demand-model.ts';
import { DemandSimulation, type MaxWaitDays } from './demand-sim.ts';
import type { RegionPlan, ServiceRow } from './region-plan.ts';
import { createRng, hashString, type Rng } from './rng.ts';

const MINUTE = 60_000;

/** The instant the engine sees. In-process engines run on a simulated clock; a remote engine keeps real time. */
export interface Clock {
  /** true when `advance` really moves the engine's clock */
  readonly simulated: boolean;
  now(): number;
  /** moves the clock forward to `ms` (never backwards); a no-op on a real-time clock */
  advance(ms: number): void;
}

export function simulatedClock(startMs: number): Clock {
  let t = startMs;
  return { simulated: true, now: () => t, advance: (ms) => void (t = Math.max(t, ms)) };
}

export const realClock: Clock = { simulated: false, now: () => Date.now(), advance: () => undefined };

export interface ApiResponse {
  status: number;
  /** the parsed JSON body (the engine's OpenAPI schemas say what it holds) */
  body: any;
}
export type Api = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<ApiResponse>;

/** A JSON client for the engine at `baseUrl` with a bearer token. A 5xx answer throws (an engine bug, not demand). */
export function httpApi(baseUrl: string, token: string): Api {
  const base = baseUrl.replace(/\/+$/, '');
  return async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : null;
    if (res.status >= 500) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
    return { status: res.status, body: parsed };
  };
}

export interface ApiCounters {
  prescriptions: number;
  /** follow-up prescriptions registered (booked or not) */
  followUpPrescriptions: number;
  bookings: number;
  followUps: number;
  refusedFirst: number;
  tutela: number;
  holds: number;
  holdsExpired: number;
  cancellations: number;
  lateCancellations: number;
  moves: number;
  checkedIn: number;
  delivered: number;
  noShows: number;
  providerCancelled: number;
  unmet: number;
  /** unmet first accesses put on the waitlist */
  waitlisted: number;
  abandoned: number;
  /** visits not recorded because the slot is still in the future (real-time engine) */
  pendingVisits: number;
  /** requests sent */
  calls: number;
  /** requests the engine refused (4xx), by problem code */
  refused: Record<string, number>;
}

export interface DriveOptions {
  plan: RegionPlan;
  seed: number;
  days: number;
  maxWaitDays: MaxWaitDays;
  /** demand multiplier (1 = demand close to the supply; 0.05 = a 5% sample) */
  load?: number;
  api: Api;
  clock: Clock;
  /** the engine's background duties (expire holds, dispatch reminders) at the clock's instant; in-process only */
  sweep?: () => Promise<unknown>;
  /**
   * Receives the offer events of each day as the lake mode writes them (catalogue, organisation tree, agendas,
   * supply), for a region seeded outside the engine's use cases; not called when unset (a remote engine).
   */
  writeOffer?: (events: readonly EventEnvelope[]) => Promise<void>;
  /** after each simulated day (e.g. drain the outbox into the lake) */
  afterDay?: (index: number, date: string) => Promise<void>;
  onDay?: (done: number, total: number) => void;
  /** NRE prefix (5 characters: region 030 + batch group) and first progressive, so runs on one store do not collide */
  nrePrefix?: string;
  nreBase?: number;
  /** holdMinutes the engine applies (region default 15) */
  holdMinutes?: number;
}

export interface DriveResult extends ApiCounters {
  firstDate: string;
  lastDate: string;
}

interface Appt {
  id: string;
  slotId: string;
  slotStartMs: number;
  agendaId: string;
  priority: PriorityClass | null;
  bookedDay: number;
  status: 'booked' | 'cancelled' | 'done';
  channel: string;
}

interface Task {
  at: number;
  seq: number;
  run: () => Promise<void>;
}

const FIRST_F = ['Giulia', 'Chiara', 'Sara', 'Elena', 'Francesca', 'Anna', 'Laura', 'Martina', 'Paola', 'Maria'];
const FIRST_M = ['Marco', 'Luca', 'Paolo', 'Davide', 'Giovanni', 'Andrea', 'Matteo', 'Stefano', 'Giuseppe', 'Alberto'];
const LAST = ['Rossi', 'Bianchi', 'Colombo', 'Ferrari', 'Galli', 'Brambilla', 'Fontana', 'Villa', 'Ricci', 'Marino', 'Sala', 'Riva'];
const CONSONANTS = 'BCDFGHJKLMNPQRSTVWXZ';

const pickOf = <T>(xs: readonly T[], h: number): T => xs[h % xs.length]!;

export class ApiDemandDriver {
  readonly counters: ApiCounters = {
    prescriptions: 0, followUpPrescriptions: 0, bookings: 0, followUps: 0, refusedFirst: 0, tutela: 0, holds: 0, holdsExpired: 0, cancellations: 0,
    lateCancellations: 0, moves: 0, checkedIn: 0, delivered: 0, noShows: 0, providerCancelled: 0, unmet: 0, waitlisted: 0, abandoned: 0,
    pendingVisits: 0, calls: 0, refused: {},
  };
  private readonly rng: Rng;
  private readonly start: number;
  private readonly sim: DemandSimulation;
  private readonly seatOf: Map<string, string>;
  private readonly popOf: Map<string, number>;
  /** tasks per day index; the running day's list is kept sorted by (at, seq) */
  private readonly queue = new Map<number, Task[]>();
  private seq = 0;
  private nreSeq = 0;
  private today = 0;

  constructor(private readonly opts: DriveOptions) {
    this.rng = createRng(opts.seed).fork('api-driver');
    this.start = epochDayOf(opts.plan.startDate);
    this.sim = new DemandSimulation(opts.plan, { seed: opts.seed, days: opts.days, maxWaitDays: opts.maxWaitDays, ...(opts.load ? { load: opts.load } : {}) });
    const ats = opts.plan.orgUnits.filter((u) => u.level === 'ats');
    this.seatOf = new Map(ats.map((u) => [u.id, u.municipality ?? 'F205']));
    this.popOf = new Map(ats.map((u) => [u.id, u.population ?? 1000]));
  }

  // ------------------------------------------------------------------------------------------
  // time and tasks
  // ------------------------------------------------------------------------------------------

  /** Instant of minute `minute` (Rome wall clock) of day index `day`. */
  private at(day: number, minute: number): number {
    return localToUtcMs(this.start + day, minute) ?? (this.start + day) * 86_400_000 + minute * MINUTE;
  }

  private randomAt(day: number, fromMin: number, toMin: number): number {
    return this.at(day, fromMin + Math.floor(this.rng.next() * (toMin - fromMin))) + Math.floor(this.rng.next() * 60) * 1000;
  }

  private dayIndexOf(ms: number): number {
    return epochDayOf(localDateOf(new Date(ms))) - this.start;
  }

  private schedule(at: number, run: () => Promise<void>): void {
    const day = Math.max(this.today, this.dayIndexOf(at));
    if (day >= this.opts.days) return; // beyond the history
    const task: Task = { at, seq: ++this.seq, run };
    const list = this.queue.get(day) ?? this.queue.set(day, []).get(day)!;
    if (day !== this.today) {
      list.push(task);
      return;
    }
    // keep today's list sorted: binary search for the first task after this one
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = list[mid]!;
      if (m.at < at || (m.at === at && m.seq < task.seq)) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, task);
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiResponse> {
    this.counters.calls++;
    const r = await this.opts.api(method, path, body);
    if (r.status >= 400) {
      const code = String(r.body?.code ?? r.status);
      this.counters.refused[code] = (this.counters.refused[code] ?? 0) + 1;
    }
    return r;
  }

  private get nowMs(): number {
    return this.opts.clock.now();
  }

  private todayDate(): string {
    return localDateOf(new Date(this.nowMs));
  }

  // ------------------------------------------------------------------------------------------
  // the run
  // ------------------------------------------------------------------------------------------

  async run(): Promise<DriveResult> {
    const { first, followUp } = this.sim.demandRates();
    const u = () => this.rng.next();
    for (let i = 0; i < this.opts.days; i++) {
      this.today = i;
      this.opts.clock.advance(this.at(i, 0));
      if (this.opts.writeOffer) {
        const offer = this.sim.offerEvents(i);
        if (offer.length) await this.opts.writeOffer(offer);
      }
      if (this.opts.sweep) for (const minute of [7 * 60, 13 * 60, 20 * 60]) this.schedule(this.at(i, minute), async () => void (await this.opts.sweep!()));
      const factor = this.sim.dayFactorOf(i);
      for (const r of first) {
        const n = poisson(r.rate * factor, u);
        for (let k = 0; k < n; k++) {
          const cls = CLASSES[this.rng.weightedIndex(CLASSES.map((c) => CLASS_MIX[r.service.kind][c]))] as PriorityClass;
          const patient = this.rng.int(0, Math.max(1, this.popOf.get(r.ats) ?? 1000));
          this.schedule(this.randomAt(i, 8 * 60, 18 * 60), () => this.prescribe(r.ats, r.service, cls, patient));
        }
      }
      for (const r of followUp) {
        const n = poisson(r.rate * factor, u);
        for (let k = 0; k < n; k++) {
          const patient = this.rng.int(0, Math.max(1, Math.round((this.popOf.get(r.ats) ?? 1000) / 2)));
          this.schedule(this.randomAt(i, 8 * 60, 18 * 60), () => this.followUp(r.ats, r.service, patient));
        }
      }
      const list = this.queue.get(i) ?? [];
      this.queue.set(i, list);
      list.sort((a, b) => a.at - b.at || a.seq - b.seq);
      while (list.length) {
        const task = list.shift()!;
        this.opts.clock.advance(task.at);
        await task.run();
      }
      this.queue.delete(i);
      this.opts.clock.advance(this.at(i, 23 * 60 + 30));
      await this.opts.afterDay?.(i, localDateOfEpochDay(this.start + i));
      this.opts.onDay?.(i + 1, this.opts.days);
    }
    return { ...this.counters, firstDate: localDateOfEpochDay(this.start), lastDate: localDateOfEpochDay(this.start + this.opts.days - 1) };
  }

  // ------------------------------------------------------------------------------------------
  // patients and prescriptions
  // ------------------------------------------------------------------------------------------

  /** A synthetic resident of `ats` (number n) fit for the service's sex and age limits, with a valid codice fiscale. */
  private person(ats: string, n: number, service: ServiceRow) {
    const h = hashString(`${ats}:${n}`);
    const h2 = hashString(`cf:${ats}:${n}`);
    const minAge = service.minAge ?? 0;
    const maxAge = Math.min(service.maxAge ?? 95, 95);
    const age = Math.min(maxAge, minAge + 1 + Math.floor(Math.sqrt((h % 10_000) / 10_000) * Math.max(0, maxAge - minAge - 1)));
    const year = Number(this.todayDate().slice(0, 4)) - age - 1;
    const month = 1 + ((h >>> 8) % 12);
    const day = 1 + ((h >>> 12) % 28);
    const sex: 'F' | 'M' = service.sex ?? (h & 1 ? 'F' : 'M');
    let letters = '';
    for (let k = 0, x = h2; k < 6; k++, x = Math.floor(x / CONSONANTS.length)) letters += CONSONANTS[x % CONSONANTS.length];
    const first15 = `${letters}${String(year % 100).padStart(2, '0')}${MONTH_LETTERS[month - 1]}${String(sex === 'F' ? day + 40 : day).padStart(2, '0')}${this.seatOf.get(ats) ?? 'F205'}`;
    return {
      codiceFiscale: first15 + cfCheckCharacter(first15),
      firstName: pickOf(sex === 'F' ? FIRST_F : FIRST_M, h >>> 3),
      lastName: pickOf(LAST, h2 >>> 5),
      residenceAts: ats,
      residenceDistrict: `${ats}-d${(h >>> 16) % 6}`,
      phone: `+39 3${String(100_000_000 + (h2 % 900_000_000)).slice(0, 9)}`,
      consent: { reminders: (h >>> 20) % 100 < 85 },
    };
  }

  private async patientId(ats: string, n: number, service: ServiceRow): Promise<string | null> {
    const r = await this.call('POST', '/patients', this.person(ats, n, service));
    return r.status === 200 || r.status === 201 ? (r.body.id as string) : null;
  }

  private nextNre(): string {
    const prefix = this.opts.nrePrefix ?? '030SA';
    return `${prefix}${String((this.opts.nreBase ?? 0) + ++this.nreSeq).padStart(10, '0')}`;
  }

  private async prescription(patientId: string, service: ServiceRow, cls: PriorityClass, access: 'first' | 'follow_up'): Promise<string | null> {
    const r = await this.call('POST', '/prescriptions', {
      nre: this.nextNre(), patientId, prescriptionDate: this.todayDate(), priorityClass: cls,
      diagnosis: { text: access === 'first' ? 'quesito diagnostico (simulato)' : 'controllo (simulato)' },
      lines: [{ serviceId: service.id, accessType: access }],
    });
    return r.status === 201 ? (r.body.lines[0].id as string) : null;
  }

  private async prescribe(ats: string, service: ServiceRow, cls: PriorityClass, n: number): Promise<void> {
    const patientId = await this.patientId(ats, n, service);
    if (!patientId) return;
    const lineId = await this.prescription(patientId, service, cls, 'first');
    if (!lineId) return;
    this.counters.prescriptions++;
    if (this.rng.chance(ABANDON_PROBABILITY)) {
      this.counters.abandoned++;
      return;
    }
    // U is booked at once; the others the same day or within a week (few on Sundays)
    let lag = cls === 'U' || this.rng.chance(0.6) ? 0 : this.rng.int(1, 7);
    if (lag > 0 && isoWeekdayOfEpochDay(this.start + this.today + lag) === 7) lag++;
    const when = lag === 0 ? this.nowMs + this.rng.int(2, 20) * MINUTE : this.randomAt(this.today + lag, 8 * 60, 19 * 60);
    const channel = this.rng.weighted(CHANNELS, (c) => c.share).channel;
    this.schedule(when, () => this.book({ patientId, lineId, channel, followUp: false, serviceId: service.id, priority: cls }));
  }

  private async followUp(ats: string, service: ServiceRow, n: number): Promise<void> {
    const patientId = await this.patientId(ats, n, service);
    if (!patientId) return;
    // a follow-up line carries no class; 'P' only satisfies the PNGLA rule for the prescription as a whole
    const lineId = await this.prescription(patientId, service, 'P', 'follow_up');
    if (!lineId) return;
    this.counters.followUpPrescriptions++;
    const earliest = localDateOfEpochDay(this.start + this.today + this.rng.int(20, 80));
    await this.book({ patientId, lineId, channel: 'desk', followUp: true, earliest });
  }

  // ------------------------------------------------------------------------------------------
  // booking and the life of an appointment
  // ------------------------------------------------------------------------------------------

  private async book(b: { patientId: string; lineId: string; channel: string; followUp: boolean; earliest?: string; serviceId?: string; priority?: PriorityClass }): Promise<void> {
    const s = await this.call('POST', '/availability/search', {
      patientId: b.patientId, prescriptionLineId: b.lineId, channel: b.channel, limit: 20, ...(b.earliest ? { earliest: b.earliest } : {}),
    });
    if (s.status !== 200) return;
    const options = s.body.options as { slotId: string; localDate: string; startAt: string }[];
    if (!options.length) {
      // nothing bookable within the horizon (a capacity shortfall): the desk puts a first access on the waitlist
      this.counters.unmet++;
      if (!b.followUp && b.serviceId) {
        const w = await this.call('POST', '/waitlist', { patientId: b.patientId, serviceId: b.serviceId, ...(b.priority ? { priority: b.priority } : {}) });
        if (w.status === 201) this.counters.waitlisted++;
      }
      return;
    }
    if (!b.followUp && s.body.pathway === 'percorso_di_tutela') this.counters.tutela++;
    let chosen = options[0]!;
    if (!b.followUp) {
      const firstWait = epochDayOf(chosen.localDate) - epochDayOf(this.todayDate());
      if (this.rng.chance(refusalProbability(firstWait))) {
        const later = options.filter((o) => o.localDate > chosen.localDate);
        if (later.length) chosen = later[this.rng.int(0, Math.min(4, later.length - 1))]!;
      }
    }
    const body = { patientId: b.patientId, prescriptionLineId: b.lineId, slotId: chosen.slotId, channel: b.channel, searchId: s.body.searchId };
    if (b.channel === 'web') {
      const h = await this.call('POST', '/appointments/hold', body);
      if (h.status !== 201) return;
      this.counters.holds++;
      // (only on a simulated clock: a real-time engine would keep the hold for its full holdMinutes)
      if (this.opts.clock.simulated && this.rng.chance(HOLD_EXPIRY_PROBABILITY)) {
        // the patient walks away: the hold lapses (the engine's sweeper releases it), and they book again later
        const retry = this.nowMs + ((this.opts.holdMinutes ?? 15) + this.rng.int(1, 30)) * MINUTE;
        this.schedule(retry, async () => {
          await this.opts.sweep?.();
          const st = await this.call('GET', `/appointments/${h.body.id}`);
          if (st.status === 200 && st.body.status === 'cancelled') this.counters.holdsExpired++;
          await this.book(b);
        });
        return;
      }
      this.opts.clock.advance(this.nowMs + this.rng.int(1, 5) * MINUTE);
      const c = await this.call('POST', `/appointments/${h.body.id}/confirm`, {});
      if (c.status === 200) this.booked(c.body, b.followUp);
      return;
    }
    const r = await this.call('POST', '/appointments', body);
    if (r.status === 201) this.booked(r.body, b.followUp);
  }

  private booked(
    view: { id: string; slotId: string; slotStart: string; agendaId: string; priority: PriorityClass | null; channel: string; refusedFirstAvailability: boolean | null },
    followUp: boolean,
  ): void {
    if (followUp) this.counters.followUps++;
    else this.counters.bookings++;
    if (view.refusedFirstAvailability) this.counters.refusedFirst++;
    const a: Appt = {
      id: view.id, slotId: view.slotId, slotStartMs: Date.parse(view.slotStart), agendaId: view.agendaId, priority: view.priority ?? null,
      bookedDay: this.today, status: 'booked', channel: view.channel,
    };
    const lead = this.dayIndexOf(a.slotStartMs) - this.today;
    if (lead >= 2 && this.rng.chance(cancellationProbability(lead))) {
      const day = this.today + 1 + Math.floor(this.rng.next() * (lead - 1));
      this.schedule(this.randomAt(day, 8 * 60, 19 * 60), () => this.cancel(a));
      return;
    }
    if (lead >= 3 && this.rng.chance(MOVE_PROBABILITY)) {
      const day = this.today + 1 + Math.floor(this.rng.next() * (lead - 2));
      this.schedule(this.randomAt(day, 8 * 60, 19 * 60), () => this.move(a));
    }
    this.planVisit(a);
  }

  private planVisit(a: Appt): void {
    const start = a.slotStartMs;
    this.schedule(Math.max(this.nowMs, start - 10 * MINUTE), () => this.visit(a, start));
  }

  private async cancel(a: Appt): Promise<void> {
    if (a.status !== 'booked') return;
    const r = await this.call('POST', `/appointments/${a.id}/cancel`, { reason: 'patient', channel: a.channel === 'web' ? 'web' : 'call_centre' });
    if (r.status !== 200) return;
    a.status = 'cancelled';
    this.counters.cancellations++;
    if (r.body.lateCancellation) this.counters.lateCancellations++;
  }

  /** Moves to the first free slot of the same agenda from a date up to ten days earlier or 25 days later. */
  private async move(a: Appt): Promise<void> {
    if (a.status !== 'booked') return;
    const from = localDateOfEpochDay(this.start + Math.max(this.today + 1, this.dayIndexOf(a.slotStartMs) + this.rng.int(-10, 25)));
    const to = localDateOfEpochDay(epochDayOf(from) + 13);
    const r = await this.call('GET', `/agendas/${encodeURIComponent(a.agendaId)}/slots?from=${from}&to=${to}&status=open`);
    if (r.status !== 200) return;
    const now = this.nowMs;
    const free = (r.body.items as { id: string; startAt: string; capacity: number; booked: number; reservedClass: string | null }[])
      .filter((s) => s.id !== a.slotId && s.booked < s.capacity && Date.parse(s.startAt) > now && (s.reservedClass === null || s.reservedClass === a.priority))
      .sort((x, y) => Date.parse(x.startAt) - Date.parse(y.startAt) || Number(x.id) - Number(y.id));
    for (const slot of free.slice(0, 3)) {
      const m = await this.call('POST', `/appointments/${a.id}/move`, { slotId: slot.id });
      if (m.status !== 200) continue;
      this.counters.moves++;
      a.slotId = m.body.slotId;
      a.slotStartMs = Date.parse(m.body.slotStart);
      this.planVisit(a); // the visit planned for the old slot sees the new start and does nothing
      return;
    }
  }

  private async visit(a: Appt, plannedStart: number): Promise<void> {
    if (a.status !== 'booked' || a.slotStartMs !== plannedStart) return;
    if (!this.opts.clock.simulated && plannedStart > Date.now()) {
      this.counters.pendingVisits++; // a real-time engine: the day of this appointment has not come yet
      return;
    }
    a.status = 'done';
    const lead = this.dayIndexOf(plannedStart) - a.bookedDay;
    if (this.rng.chance(noShowProbability(lead))) {
      this.schedule(plannedStart + 60 * MINUTE, async () => {
        const r = await this.call('POST', `/appointments/${a.id}/not-delivered`, { reason: 'no_show' });
        if (r.status === 200) this.counters.noShows++;
      });
    } else if (this.rng.chance(0.01)) {
      this.schedule(plannedStart + 30 * MINUTE, async () => {
        const r = await this.call('POST', `/appointments/${a.id}/not-delivered`, { reason: 'provider_cancelled' });
        if (r.status === 200) this.counters.providerCancelled++;
      });
    } else {
      const c = await this.call('POST', `/appointments/${a.id}/check-in`, {});
      if (c.status !== 200) return;
      this.counters.checkedIn++;
      this.schedule(plannedStart + 25 * MINUTE, async () => {
        const r = await this.call('POST', `/appointments/${a.id}/deliver`, {});
        if (r.status === 200) this.counters.delivered++;
      });
    }
  }
}
