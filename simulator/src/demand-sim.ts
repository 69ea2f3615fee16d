/**
 * Synthetic demand over the synthetic region (region-plan.ts), day by day, as engine events (same envelopes and
 * payloads as engine/src/usecases/*.ts emit). Pure and deterministic: the same plan, seed and options give the same
 * events, ids included. No I/O: the caller writes each day's events (demand-lake.ts writes them to the lake).
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
import { topicOf, type EventEnvelope } from '../../engine/src/events/envelope.ts';
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

interface Window { start: number; end: number; slotMin: number; capacity: number }

interface Ag {
  idx: number;
  id: string;
  clinicId: string;
  siteId: string | null;
  providerId: string;
  atsId: string;
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

interface Appt {
  id: string;
  ag: Ag;
  day: number;
  slotId: string;
  slotStartMs: number;
  bookedDay: number;
  cancelled: boolean;
  base: Record<string, unknown>;
}

type Action =
  | { k: 'book'; ats: string; service: ServiceRow; cls: PriorityClass; patient: number; nre: string }
  | { k: 'cancel'; a: Appt }
  | { k: 'move'; a: Appt }
  | { k: 'remind'; a: Appt }
  | { k: 'visit'; a: Appt };

const ALLOWED = new Set(Object.keys(PAYLOAD_SCHEMAS));
const MINUTE = 60_000;

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

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
  private readonly siteOf = new Map<string, string | null>();
  private readonly actions: Action[][] = [];
  private readonly atsIds: string[];
  private readonly atsPop: Map<string, number>;
  private readonly firstRates: { ats: string; service: ServiceRow; rate: number }[] = [];
  private readonly followRates: { ats: string; service: ServiceRow; rate: number }[] = [];
  private readonly nationalHolidays: Set<number>;
  private out: EventEnvelope[] = [];
  private readonly prefilled: { ag: Ag; day: number; bookedDay: number; service: ServiceRow; cls: PriorityClass; patient: number }[] = [];
  private seq = 0;

  constructor(readonly plan: RegionPlan, readonly opts: DemandOptions) {
    this.rng = createRng(opts.seed).fork('demand');
    this.idRng = createRng(opts.seed).fork('event-ids');
    this.start = epochDayOf(plan.startDate);
    this.horizon = opts.days + BOOKING_HORIZON_DAYS;
    for (const s of plan.services) this.services.set(s.id, s);
    const units = new Map(plan.orgUnits.map((u) => [u.id, u]));
    for (const u of plan.orgUnits) if (u.level === 'clinic') this.siteOf.set(u.id, units.get(units.get(u.parentId ?? '')?.parentId ?? '')?.id ?? null);
    this.atsIds = plan.orgUnits.filter((u) => u.level === 'ats').map((u) => u.id);
    this.atsPop = new Map(plan.orgUnits.filter((u) => u.level === 'ats').map((u) => [u.id, u.population ?? 0]));
    const years = Array.from(new Set([0, this.horizon].map((d) => Number(localDateOfEpochDay(this.start + d).slice(0, 4)))));
    const allYears = Array.from({ length: (years[years.length - 1] as number) - (years[0] as number) + 1 }, (_, i) => (years[0] as number) + i);
    this.nationalHolidays = new Set([...holidaysFor(plan.holidays, allYears).keys()].map(epochDayOf));
    this.buildAgendas(allYears);
    this.prefillBacklog();
    this.buildRates();
    for (let i = 0; i < this.horizon + 2; i++) this.actions.push([]);
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
        access: a.accessType, services: services.get(a.id) ?? [], cap, booked: new Int16Array(this.horizon), windows, curAll: 0, curDP: 0,
        attrs: a.attrs, name: a.name, resourceId: a.resourceId,
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

  /**
   * The history starts on a running system, not on empty agendas: first-access agendas already hold bookings made
   * before the history (from ~95% of the D/P share of a day near the start down to 0 at a backlog depth that
   * depends on the service, 10-110 days, 60% deeper where the plan made the service scarce). They reach the lake as
   * `appointment.booked` events on the first day (the go-live load), with their original booking date.
   */
  private prefillBacklog(): void {
    const rng = this.rng.fork('prefill');
    const scarce = new Set(this.plan.shortages.flatMap((s) => s.serviceIds.map((id) => `${s.atsId}|${id}`)));
    for (const ag of this.ags) {
      if (ag.access !== 'first' || ag.services.length === 0) continue;
      let depth = 0;
      for (const s of ag.services) {
        const d = (10 + (hashString(`${this.opts.seed}:${s}`) % 100)) * (scarce.has(`${ag.atsId}|${s}`) ? 1.6 : 1);
        if (d > depth) depth = d;
      }
      for (let i = 0; i < Math.min(this.horizon, Math.ceil(depth)); i++) {
        const occ = Math.min(0.95, 1.05 * (1 - i / depth)) * 0.8;
        const n = Math.round(ag.cap[i]! * Math.max(0, occ));
        for (let k = 0; k < n; k++) {
          const service = this.services.get(ag.services[rng.int(0, ag.services.length - 1)]!);
          if (!service) continue;
          const cls = CLASSES[rng.weightedIndex(CLASSES.map((c) => (c === 'U' || c === 'B' ? 0 : CLASS_MIX[service.kind][c])))] as PriorityClass;
          const bookedDay = -rng.int(1, Math.max(1, Math.round(depth) - i));
          this.prefilled.push({ ag, day: i, bookedDay, service, cls, patient: rng.int(0, Math.max(1, this.atsPop.get(ag.atsId) ?? 1000)) });
        }
      }
    }
  }

  private emitPrefilled(): void {
    const ms = this.at(0, 0, 60);
    for (const p of this.prefilled) {
      const slot = this.take(p.ag, p.day);
      const maxDays = this.opts.maxWaitDays[p.cls][p.service.kind];
      const deadlineDay = p.bookedDay + maxDays;
      const id = `appt-${this.opts.seed}-${++this.seq}`;
      const bookedMs = (localToUtcMs(this.start + p.bookedDay, 9 * 60) ?? 0) + Math.floor(this.rng.next() * 9 * 60) * MINUTE;
      const a: Appt = {
        id, ag: p.ag, day: p.day, slotId: slot.slotId, slotStartMs: slot.startMs, bookedDay: p.bookedDay, cancelled: false,
        base: {
          appointment_id: id, status: 'booked', service_id: p.service.id, service_kind: p.service.kind, branch_code: p.service.branchCode, priority: p.cls,
          access_type: 'first', regime: 'SSN', channel: 'call_centre', slot_id: slot.slotId, slot_start: new Date(slot.startMs).toISOString(), agenda_id: p.ag.id,
          clinic_id: p.ag.clinicId, site_id: p.ag.siteId, provider_id: p.ag.providerId, ats_id: p.ag.atsId, booked_at: new Date(bookedMs).toISOString(),
          first_offered_date: localDateOfEpochDay(this.start + p.day), first_offered_in_area: true, chosen_date: localDateOfEpochDay(this.start + p.day),
          refused_first_availability: false, in_garanzia: true, guarantee_deadline: localDateOfEpochDay(this.start + deadlineDay),
          prescription_nre: `0301B${String(this.seq).padStart(10, '0')}`, patient: this.patient(p.ag.atsId, p.patient, p.service),
        },
      };
      this.emitAppt('appointment.booked', a, ms);
      this.counters.bookings++;
      this.schedule(a, 0);
    }
    this.prefilled.length = 0;
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

  private take(ag: Ag, day: number): { slotId: string; startMs: number } {
    const n = ag.booked[day]!;
    ag.booked[day] = n + 1;
    const epochDay = this.start + day;
    const windows = ag.windows[isoWeekdayOfEpochDay(epochDay)]!;
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
    const startMs = localToUtcMs(epochDay, minute) ?? epochDay * 86_400_000;
    return { slotId: `slot-${ag.id}-${localDateOfEpochDay(epochDay)}-${String(minute).padStart(4, '0')}`, startMs };
  }

  private release(ag: Ag, day: number): void {
    ag.booked[day] = Math.max(0, ag.booked[day]! - 1);
    if (day < ag.curAll) ag.curAll = day;
    if (day < ag.curDP) ag.curDP = day;
  }

  // ------------------------------------------------------------------------------------------
  // Events
  // ------------------------------------------------------------------------------------------

  private eventId(ms: number): string {
    const r = this.idRng;
    const a = (r.next() * 0x1000) >>> 0;
    const b = 0x8000 | ((r.next() * 0x4000) >>> 0);
    const c = (r.next() * 0x1000000) >>> 0;
    const d = (r.next() * 0x1000000) >>> 0;
    const t = hex(ms, 12);
    return `${t.slice(0, 8)}-${t.slice(8)}-7${hex(a, 3)}-${hex(b, 4)}-${hex(c, 6)}${hex(d, 6)}`;
  }

  private emit(type: string, aggregateType: string, aggregateId: string, ms: number, ats: string | null, provider: string | null, payload: Record<string, unknown>): void {
    if (!ALLOWED.has(type)) {
      this.counters.skipped++;
      return;
    }
    this.out.push({ event_id: this.eventId(ms), type, schema_version: 1, occurred_at: new Date(ms).toISOString(), aggregate_type: aggregateType, aggregate_id: aggregateId, ats, provider, payload });
    this.counters.events++;
  }

  /** Milliseconds of a random moment of the day between `fromMin` and `toMin` (Rome wall clock). */
  private at(day: number, fromMin = 8 * 60, toMin = 19 * 60): number {
    const minute = fromMin + Math.floor(this.rng.next() * (toMin - fromMin));
    return (localToUtcMs(this.start + day, minute) ?? (this.start + day) * 86_400_000) + Math.floor(this.rng.next() * MINUTE);
  }

  private patient(ats: string, n: number, service: ServiceRow) {
    const h = hashString(`${ats}:${n}`);
    const minAge = service.minAge ?? 0;
    const maxAge = Math.min(service.maxAge ?? 95, 95);
    const age = minAge + Math.floor(Math.sqrt((h % 10_000) / 10_000) * (maxAge - minAge));
    const year = Number(localDateOfEpochDay(this.start).slice(0, 4)) - age;
    const sex = service.sex ?? (h & 1 ? 'F' : 'M');
    return {
      cf: syntheticCf(hashString(ats) % 1000 * 10_000_000 + n),
      birth_date: `${year}-${String(1 + ((h >>> 8) % 12)).padStart(2, '0')}-${String(1 + ((h >>> 12) % 28)).padStart(2, '0')}`,
      sex,
      residence_ats: ats,
      residence_district: `${ats}-d${(h >>> 16) % 6}`,
    };
  }

  private emitAppt(type: string, a: Appt, ms: number, extra: Record<string, unknown> = {}): void {
    const family = type === 'appointment.checked_in' || type === 'appointment.delivered' || type === 'appointment.not_delivered' ? 'delivery' : 'appointment';
    this.emit(type, family, a.id, ms, a.ag.atsId, a.ag.providerId, { ...a.base, ...extra });
  }

  private book(day: number, act: Extract<Action, { k: 'book' }>): void {
    const { service, cls } = act;
    const kind = service.kind;
    const maxDays = this.opts.maxWaitDays[cls][kind];
    const ms = this.at(day);
    const bookingDate = localDateOfEpochDay(this.start + day);
    const deadlineDay = day + maxDays;
    const channel = this.rng.weighted(CHANNELS, (c) => c.share).channel;
    const inArea = this.search(this.firstPools.get(`${act.ats}|${service.id}`), day + 1, cls, day);
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
    this.emit('availability.searched', 'search', searchId, ms, act.ats, null, {
      search_id: searchId, service_id: service.id, priority: cls, access_type: 'first', channel, patient_ats: act.ats,
      first_available_date: first ? localDateOfEpochDay(this.start + Math.min(first.day, inArea?.day ?? Infinity)) : null,
      first_available_in_area_date: inArea ? localDateOfEpochDay(this.start + inArea.day) : null,
      guaranteed: inArea !== null && inArea.day <= deadlineDay, pathway: tutela ? 'percorso_di_tutela' : 'none',
      deadline: localDateOfEpochDay(this.start + deadlineDay), results: first ? 1 : 0,
    });
    if (!first) {
      this.counters.unmet++;
      return;
    }
    if (tutela) this.counters.tutela++;
    let chosen = first;
    let refused = false;
    if (this.rng.chance(refusalProbability(first.day - day))) {
      const later = this.search(first.ag.atsId === act.ats ? this.firstPools.get(`${act.ats}|${service.id}`) : this.servicePools.get(service.id), first.day + this.rng.int(2, 30), cls, day);
      if (later && later.day > first.day) {
        chosen = later;
        refused = true;
        this.counters.refusedFirst++;
      }
    }
    const slot = this.take(chosen.ag, chosen.day);
    const keeps = keepsGuarantee({
      refusedFirst: refused,
      chosenDate: new Date((this.start + chosen.day) * 86_400_000),
      deadline: new Date((this.start + deadlineDay) * 86_400_000),
      firstAvailable: new Date((this.start + first.day) * 86_400_000),
    }).keeps;
    const id = `appt-${this.opts.seed}-${++this.seq}`;
    const a: Appt = {
      id, ag: chosen.ag, day: chosen.day, slotId: slot.slotId, slotStartMs: slot.startMs, bookedDay: day, cancelled: false,
      base: {
        appointment_id: id, status: 'booked', service_id: service.id, service_kind: kind, branch_code: service.branchCode, priority: cls,
        access_type: 'first', regime: 'SSN', channel, slot_id: slot.slotId, slot_start: new Date(slot.startMs).toISOString(), agenda_id: chosen.ag.id,
        clinic_id: chosen.ag.clinicId, site_id: chosen.ag.siteId, provider_id: chosen.ag.providerId, ats_id: chosen.ag.atsId, booked_at: new Date(ms + 2 * MINUTE).toISOString(),
        first_offered_date: localDateOfEpochDay(this.start + first.day), first_offered_in_area: first.ag.atsId === act.ats,
        chosen_date: localDateOfEpochDay(this.start + chosen.day), refused_first_availability: refused, in_garanzia: keeps,
        guarantee_deadline: localDateOfEpochDay(this.start + deadlineDay), prescription_nre: act.nre, patient: this.patient(act.ats, act.patient, service),
      },
    };
    if (channel === 'web' && this.rng.chance(HOLD_EXPIRY_PROBABILITY)) {
      const heldId = `appt-${this.opts.seed}-${++this.seq}`;
      const held = { ...a.base, appointment_id: heldId, status: 'held' };
      this.emit('appointment.held', 'appointment', heldId, ms + MINUTE, chosen.ag.atsId, chosen.ag.providerId, held);
      this.emit('appointment.hold_expired', 'appointment', heldId, ms + 16 * MINUTE, chosen.ag.atsId, chosen.ag.providerId, { ...held, status: 'hold_expired' });
    }
    this.emitAppt('appointment.booked', a, ms + 2 * MINUTE);
    this.counters.bookings++;
    this.schedule(a, day);
  }

  private bookFollowUp(day: number, ats: string, service: ServiceRow): void {
    const target = day + this.rng.int(20, 120);
    const found = this.search(this.followPools.get(`${ats}|${service.id}`), Math.min(target, day + BOOKING_HORIZON_DAYS - 1), null, day);
    if (!found) {
      this.counters.unmet++;
      return;
    }
    const ms = this.at(day);
    const slot = this.take(found.ag, found.day);
    const id = `appt-${this.opts.seed}-${++this.seq}`;
    const n = this.rng.int(0, Math.max(1, Math.round((this.atsPop.get(ats) ?? 1000) / 2)));
    const a: Appt = {
      id, ag: found.ag, day: found.day, slotId: slot.slotId, slotStartMs: slot.startMs, bookedDay: day, cancelled: false,
      base: {
        appointment_id: id, status: 'booked', service_id: service.id, service_kind: service.kind, branch_code: service.branchCode, priority: null,
        access_type: 'follow_up', regime: 'SSN', channel: 'desk', slot_id: slot.slotId, slot_start: new Date(slot.startMs).toISOString(), agenda_id: found.ag.id,
        clinic_id: found.ag.clinicId, site_id: found.ag.siteId, provider_id: found.ag.providerId, ats_id: found.ag.atsId, booked_at: new Date(ms).toISOString(),
        first_offered_date: localDateOfEpochDay(this.start + found.day), first_offered_in_area: true, chosen_date: localDateOfEpochDay(this.start + found.day),
        refused_first_availability: false, in_garanzia: null, guarantee_deadline: null, prescription_nre: null, patient: this.patient(ats, n, service),
      },
    };
    this.emitAppt('appointment.booked', a, ms);
    this.counters.followUps++;
    this.schedule(a, day);
  }

  /** Plans what happens to a booking: a cancellation or a move before the day, a reminder, the visit. */
  private schedule(a: Appt, today: number): void {
    const lead = a.day - today;
    this.emitSkipped(); // appointment.reminders_scheduled
    if (lead >= 2 && this.rng.chance(cancellationProbability(lead))) {
      this.actions[today + 1 + Math.floor(this.rng.next() * (lead - 1))]!.push({ k: 'cancel', a });
      return;
    }
    if (lead >= 3 && this.rng.chance(MOVE_PROBABILITY)) this.actions[today + 1 + Math.floor(this.rng.next() * (lead - 2))]!.push({ k: 'move', a });
    if (lead >= 3) this.actions[a.day - 2]!.push({ k: 'remind', a });
    this.actions[a.day]!.push({ k: 'visit', a });
  }

  private emitSkipped(n = 1): void {
    this.counters.skipped += n;
  }

  private act(day: number, act: Action): void {
    if (act.k === 'book') {
      this.book(day, act);
      return;
    }
    const a = act.a;
    if (a.cancelled) return;
    if (act.k === 'cancel') {
      a.cancelled = true;
      this.release(a.ag, a.day);
      const late = a.day - day < 3;
      this.emitAppt('appointment.cancelled', a, this.at(day), { status: 'cancelled', reason: this.rng.chance(0.7) ? 'patient_request' : 'no_longer_needed', late, penalty: false });
      this.counters.cancellations++;
    } else if (act.k === 'move') {
      const pool = a.ag.access === 'first' ? this.firstPools.get(`${a.ag.atsId}|${a.base.service_id}`) : this.followPools.get(`${a.ag.atsId}|${a.base.service_id}`);
      const target = Math.max(day + 1, a.day + this.rng.int(-10, 25));
      const found = this.search(pool, target, (a.base.priority ?? null) as PriorityClass | null, day);
      if (!found || (found.ag === a.ag && found.day === a.day)) return;
      // the old visit and reminder are dropped by the day check in 'visit'/'remind' (a.day changes)
      const sameDay = found.day === a.day;
      const prevSlot = a.slotId;
      const prevStart = a.base.slot_start;
      this.release(a.ag, a.day);
      const slot = this.take(found.ag, found.day);
      a.ag = found.ag;
      a.day = found.day;
      a.slotId = slot.slotId;
      a.slotStartMs = slot.startMs;
      a.base = {
        ...a.base, slot_id: slot.slotId, slot_start: new Date(slot.startMs).toISOString(), agenda_id: found.ag.id, clinic_id: found.ag.clinicId,
        site_id: found.ag.siteId, provider_id: found.ag.providerId, ats_id: found.ag.atsId, chosen_date: localDateOfEpochDay(this.start + found.day),
      };
      this.emitAppt('appointment.moved', a, this.at(day), { previous_slot_id: prevSlot, previous_slot_start: prevStart });
      this.counters.moves++;
      if (!sameDay) {
        if (a.day - day >= 3) this.actions[a.day - 2]!.push({ k: 'remind', a });
        this.actions[a.day]!.push({ k: 'visit', a });
      }
    } else if (act.k === 'remind') {
      if (a.day !== day + 2) return;
      this.emitSkipped(); // appointment.reminder_due
      if (this.rng.chance(CONFIRM_PROBABILITY)) {
        a.base = { ...a.base, status: 'confirmed' };
        this.emitAppt('appointment.confirmed', a, this.at(day, 9 * 60, 20 * 60));
      }
    } else {
      if (a.day !== day || a.cancelled) return;
      const lead = a.day - a.bookedDay;
      const base = a.slotStartMs;
      if (this.rng.chance(noShowProbability(lead))) {
        this.emitAppt('appointment.not_delivered', a, base + 60 * MINUTE, { status: 'not_delivered', reason: 'no_show', penalty: true });
        this.emitSkipped(); // payment.no_show_penalty_due
        this.counters.noShows++;
      } else if (this.rng.chance(0.01)) {
        this.emitAppt('appointment.not_delivered', a, base + 30 * MINUTE, { status: 'not_delivered', reason: 'provider_cancelled', penalty: false });
      } else {
        this.emitAppt('appointment.checked_in', a, base - 10 * MINUTE, { status: 'checked_in', queue_number: 1 + (a.ag.booked[day]! % 200) });
        this.emitAppt('appointment.delivered', a, base + 25 * MINUTE, { status: 'delivered' });
        this.counters.delivered++;
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Catalogue, organisation and supply events
  // ------------------------------------------------------------------------------------------

  private referenceEvents(ms: number): void {
    for (const s of this.plan.services) {
      this.emit('service.created', 'service', s.id, ms, null, null, {
        id: s.id, regional_code: s.regionalCode, national_code: s.nationalCode, name: s.name, branch_code: s.branchCode, kind: s.kind,
        pngla_monitored: s.pnglaMonitored, pngla_number: s.pnglaNumber, tariff_cents: s.tariffCents, duration_min: s.durationMin,
        sex: s.sex, min_age: s.minAge, max_age: s.maxAge, active: true, codes: [],
      });
    }
    for (const u of this.plan.orgUnits) {
      if (u.level === 'resource') continue;
      this.emit('org_unit.created', 'org_unit', u.id, ms, u.level === 'ats' ? u.id : u.atsId, u.level === 'provider' ? u.id : u.providerId, {
        id: u.id, level: u.level, parent_id: u.parentId, code: u.code, name: u.name, provider_kind: u.providerKind, municipality: u.municipality,
        population: u.population, attrs: u.attrs, active: true,
      });
    }
    for (const ag of this.ags) {
      this.emit('agenda.created', 'agenda', ag.id, ms, ag.atsId, ag.providerId, this.agendaPayload(ag));
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
      const supply: { date: string; slots: number; capacity: number; reserved: Record<string, number> }[] = [];
      let slots = 0;
      for (let i = from; i < end; i++) {
        const c = ag.cap[i]!;
        if (c <= 0) continue;
        const r: Record<string, number> = ag.access === 'first' ? { U: Math.ceil(c * 0.05), B: Math.ceil(c * 0.2) - Math.ceil(c * 0.05) } : {};
        supply.push({ date: localDateOfEpochDay(this.start + i), slots: c, capacity: c, reserved: r });
        slots += c;
      }
      if (!supply.length) continue;
      this.emit('agenda.slots_generated', 'agenda', ag.id, ms, ag.atsId, ag.providerId, {
        ...this.agendaPayload(ag), from: localDateOfEpochDay(this.start + from), to: localDateOfEpochDay(this.start + end - 1), slots_created: slots, supply,
      });
    }
  }

  // ------------------------------------------------------------------------------------------
  // The day loop
  // ------------------------------------------------------------------------------------------

  /**
   * The offer events of day `i`: on day 0 the catalogue, the organisation tree, the agendas and their supply over the
   * booking horizon; every 7th day the supply of one more week. Part of `day(i)`; also for drivers whose region was
   * loaded outside the engine's use cases (seeded with COPY, so no outbox event describes it), e.g. demand-api.ts.
   */
  offerEvents(i: number): EventEnvelope[] {
    const saved = this.out;
    this.out = [];
    if (i === 0) {
      this.referenceEvents(this.at(0, 0, 1));
      this.supplyEvents(this.at(0, 1, 2), 0, BOOKING_HORIZON_DAYS);
    } else if (i % 7 === 0) {
      this.supplyEvents(this.at(i, 1, 2), i + BOOKING_HORIZON_DAYS - 7, i + BOOKING_HORIZON_DAYS);
    }
    const events = this.out;
    this.out = saved;
    return events;
  }

  /** Simulates day `i` (0-based) and returns its events (all of them occur on that Rome-local day). */
  day(i: number): DemandDay {
    this.out = this.offerEvents(i);
    const date = localDateOfEpochDay(this.start + i);
    if (i === 0) this.emitPrefilled();
    const todays = this.actions[i]!;
    this.actions[i] = [];
    // cancellations and moves first (they free capacity), then bookings, then visits
    const order = { cancel: 0, move: 1, remind: 2, book: 3, visit: 4 } as const;
    const sorted = todays.map((a, k) => ({ a, k })).sort((x, y) => order[x.a.k] - order[y.a.k] || x.k - y.k).map((x) => x.a);
    const visits: Action[] = [];
    for (const act of sorted) {
      if (act.k === 'visit') visits.push(act);
      else if (act.k !== 'book') this.act(i, act);
    }
    // new prescriptions: booked today or within a week
    const factor = this.dayFactor(this.start + i);
    const u = () => this.rng.next();
    for (const r of this.firstRates) {
      const n = poisson(r.rate * factor, u);
      for (let k = 0; k < n; k++) {
        const cls = CLASSES[this.rng.weightedIndex(CLASSES.map((c) => CLASS_MIX[r.service.kind][c]))] as PriorityClass;
        const patient = this.rng.int(0, Math.max(1, this.atsPop.get(r.ats) ?? 1000));
        const presId = `presc-${this.opts.seed}-${++this.seq}`;
        const nre = `0301A${String(this.seq).padStart(10, '0')}`;
        const ms = this.at(i, 8 * 60, 18 * 60);
        this.emit('prescription.registered', 'prescription', presId, ms, r.ats, null, {
          prescription_id: presId, prescription_nre: nre, priority: cls, prescribed_at: new Date(ms).toISOString(),
          lines: [{ service_id: r.service.id, quantity: 1, access_type: 'first' }], patient: this.patient(r.ats, patient, r.service),
        });
        this.counters.prescriptions++;
        if (this.rng.chance(ABANDON_PROBABILITY)) {
          this.counters.abandoned++;
          continue;
        }
        // U is booked at once; the others the same day or within a week
        let lag = cls === 'U' || this.rng.chance(0.6) ? 0 : this.rng.int(1, 7);
        if (lag > 0 && isoWeekdayOfEpochDay(this.start + i + lag) === 7) lag++; // few book on Sundays
        const act: Action = { k: 'book', ats: r.ats, service: r.service, cls, patient, nre };
        if (lag === 0) sorted.push(act);
        else this.actions[i + lag]?.push(act);
      }
    }
    for (const act of sorted) if (act.k === 'book') this.act(i, act);
    for (const r of this.followRates) {
      const n = poisson(r.rate * factor, u);
      for (let k = 0; k < n; k++) this.bookFollowUp(i, r.ats, r.service);
    }
    for (const act of visits) this.act(i, act);
    return { date, index: i, events: this.out };
  }

  *days(): Generator<DemandDay> {
    for (let i = 0; i < this.opts.days; i++) yield this.day(i);
  }
}
