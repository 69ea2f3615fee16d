/**
 * The synthetic region: a deterministic plan of every row to load into the offer schema
 * (engine/migrations/001_offer.sql): organisation tree, catalogue, agendas with weekly templates and closures.
 * Slots are not in the plan: they are generated from the templates while seeding (see seed.ts), and
 * `estimateSlots` counts them without generating them.
 *
 * Pure: takes the options and the parsed reference data, returns data. Same seed and options -> identical plan.
 *
 * Scales:
 *  - 'region': the 8 ATS with their real names and populations, the 32 public providers (26 ASST + 6 IRCCS)
 *    and 93 private accredited providers, ~5,000 clinics split by ATS population, ~80 slots per clinic a week
 *    (~5 million slots over 13 weeks), and some clinic kinds deliberately scarce in some ATS.
 *  - 'demo': 3 ATS, 6 providers, 30 clinics covering every clinic kind, 4 weeks.
 */
import { holidaysFor, type HolidayCalendarData } from '../../engine/src/domain/calendar/holidays.ts';
import type { AccessType, ClassQuotas, DateRange, LocalDate, OrgLevel, TemplateRule } from '../../engine/src/domain/offer/types.ts';
import {
  epochDayOf,
  formatLocalTime,
  isLocalDate,
  isoWeekdayOfEpochDay,
  localDateOfEpochDay,
  parseLocalTime,
} from '../../engine/src/domain/time/rome-time.ts';
import { CLINIC_PROFILES, SHORTAGE_GROUPS, type ClinicProfile } from './clinic-profiles.ts';
import type { PublicProviderRef, ReferenceData, ServiceKind } from './reference.ts';
import { createRng, type Rng } from './rng.ts';

// ---------------------------------------------------------------------------------------------
// Plan rows (one interface per table, camelCase of the columns)
// ---------------------------------------------------------------------------------------------

export type Scale = 'demo' | 'region';
export type ProviderKind = 'asst' | 'irccs' | 'private';
export type Attrs = Record<string, unknown>;

export interface PlanOptions {
  scale: Scale;
  seed: number;
  /** first day of the slot range (and of every agenda's validity) */
  startDate: LocalDate;
  /** weeks of slots to generate (default: 13 for 'region', 4 for 'demo') */
  weeks?: number;
}

export interface OrgUnitRow {
  id: string;
  level: OrgLevel;
  parentId: string | null;
  code: string;
  name: string;
  providerKind: ProviderKind | null;
  /** null for the region and the ATS themselves */
  atsId: string | null;
  /** null down to the provider itself (as the engine's org tree derives it) */
  providerId: string | null;
  /** Belfiore code */
  municipality: string | null;
  population: number | null;
  attrs: Attrs;
}

export interface BranchRow {
  code: string;
  name: string;
}

export interface ServiceRow {
  id: string;
  regionalCode: string;
  nationalCode: string;
  name: string;
  branchCode: string;
  kind: ServiceKind;
  pnglaMonitored: boolean;
  pnglaNumber: number | null;
  tariffCents: number;
  durationMin: number;
  sex: 'F' | 'M' | null;
  minAge: number | null;
  maxAge: number | null;
}

export interface ServiceCodeRow {
  serviceId: string;
  system: 'DM1996' | 'LEA2024' | 'regional';
  code: string;
  validFrom: LocalDate;
  validTo: LocalDate | null;
}

export interface AgendaRow {
  id: string;
  clinicId: string;
  resourceId: string | null;
  atsId: string;
  providerId: string;
  name: string;
  accessType: AccessType;
  validFrom: LocalDate;
  validTo: LocalDate;
  status: 'active' | 'suspended';
  attrs: Attrs;
}

export interface AgendaServiceRow {
  agendaId: string;
  serviceId: string;
}

export interface AgendaTemplateRow extends TemplateRule {
  agendaId: string;
}

export interface AgendaClosureRow {
  agendaId: string;
  from: LocalDate;
  to: LocalDate;
  reason: string;
}

/** A clinic kind made deliberately scarce in one ATS. */
export interface ShortageRow {
  atsId: string;
  group: string;
  profiles: string[];
  /** first-access services only those clinic kinds offer */
  serviceIds: string[];
  /** share of the clinics the ATS would otherwise get (0..1) */
  factor: number;
}

export interface RegionPlan {
  scale: Scale;
  seed: number;
  startDate: LocalDate;
  weeks: number;
  /** the days slots are generated for: startDate .. startDate + 7*weeks - 1 */
  range: DateRange;
  /** every agenda's validity (one year from startDate, or the whole range if longer) */
  validity: DateRange;
  /** holiday calendar (national, Easter Monday, patron days) used to generate slots */
  holidays: HolidayCalendarData;
  orgUnits: OrgUnitRow[];
  branches: BranchRow[];
  services: ServiceRow[];
  serviceCodes: ServiceCodeRow[];
  agendas: AgendaRow[];
  agendaServices: AgendaServiceRow[];
  agendaTemplates: AgendaTemplateRow[];
  agendaClosures: AgendaClosureRow[];
  shortages: ShortageRow[];
}

// ---------------------------------------------------------------------------------------------
// Parameters of the synthetic region
// ---------------------------------------------------------------------------------------------

export const DEFAULT_WEEKS: Readonly<Record<Scale, number>> = { demo: 4, region: 13 };
/** clinics in the whole region at 'region' scale */
export const REGION_CLINICS = 5000;
/** mean slots per clinic per week (each clinic draws 0.75-1.25 of it) */
export const WEEKLY_SLOTS_PER_CLINIC = 80;

const DEMO = {
  ats: ['030321', '030325', '030328'],
  publicProviders: ['030701', '030718', '030727'],
  privatesPerAts: 1,
  clinicsPerAts: 10,
} as const;

const CLASS_QUOTAS_VISIT: ClassQuotas = { U: 0.05, B: 0.15, D: 0.3, P: 0.2 };
const CLASS_QUOTAS_INSTRUMENTAL: ClassQuotas = { U: 0.05, B: 0.15, D: 0.35, P: 0.25 };

const ALPI_CHANNELS = ['desk', 'call_centre', 'web'];

const MORNING_STARTS = [8 * 60, 8 * 60, 8 * 60 + 30];
const LUNCH_START = 13 * 60;
const LUNCH_END = 14 * 60;
const DAY_END = 19 * 60;
const EVENING_START = 17 * 60;
const EVENING_END = 20 * 60;
/** minutes a clinic can work in a day around the lunch break (08:00-13:00 + 14:00-18:00) */
const WORKING_MINUTES_PER_DAY = 540;

const PRIVATE_NAME_PREFIXES = ['Poliambulatorio', 'Centro Medico', 'Centro Diagnostico', 'Casa di Cura', 'Istituto Clinico', 'Clinica'];
const PRIVATE_NAME_SURNAMES = [
  'Brambilla', 'Colombo', 'Fumagalli', 'Galimberti', 'Sormani', 'Cattaneo', 'Pozzi', 'Longoni', 'Mauri', 'Riva',
  'Sala', 'Crippa', 'Ferrario', 'Mariani', 'Bonfanti', 'Radaelli', 'Perego', 'Vismara', 'Tagliabue', 'Beretta',
];
const CLOSURE_REASONS = ['Ferie del personale', 'Formazione del personale', 'Lavori di adeguamento dei locali'];
const MAINTENANCE_REASON = 'Manutenzione apparecchiatura';

// ---------------------------------------------------------------------------------------------
// Small pure helpers
// ---------------------------------------------------------------------------------------------

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Splits `total` into integer parts proportional to `weights` (largest remainder; ties to the lower index),
 * then raises parts below `min` by taking from the largest parts. Sum is always `total`.
 */
export function apportion(total: number, weights: readonly number[], min = 0): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((s, w) => s + w, 0);
  const exact = weights.map((w) => (sum > 0 ? (total * w) / sum : total / weights.length));
  const out = exact.map((x) => Math.floor(x));
  let rest = total - out.reduce((s, x) => s + x, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (rest <= 0) break;
    out[i] = (out[i] as number) + 1;
    rest--;
  }
  if (min > 0 && total >= min * weights.length) {
    for (let i = 0; i < out.length; i++) {
      while ((out[i] as number) < min) {
        let donor = -1;
        for (let j = 0; j < out.length; j++) if ((out[j] as number) > min && (donor < 0 || (out[j] as number) > (out[donor] as number))) donor = j;
        if (donor < 0) break;
        out[donor] = (out[donor] as number) - 1;
        out[i] = (out[i] as number) + 1;
      }
    }
  }
  return out;
}

/** Contiguous windows (minutes after midnight) for n slots of s minutes from `cursor`, skipping the lunch break. */
function placeSlots(cursor: number, n: number, s: number, dayEnd: number): { windows: [number, number][]; cursor: number; placed: number } {
  const windows: [number, number][] = [];
  let cur = cursor;
  let placed = 0;
  while (placed < n) {
    if (cur >= LUNCH_START && cur < LUNCH_END) cur = LUNCH_END;
    const limit = cur < LUNCH_START ? LUNCH_START : dayEnd;
    const fit = Math.floor((limit - cur) / s);
    if (fit <= 0) {
      if (limit !== LUNCH_START) break;
      cur = LUNCH_END;
      continue;
    }
    const k = Math.min(fit, n - placed);
    windows.push([cur, cur + k * s]);
    placed += k;
    cur += k * s;
  }
  return { windows, cursor: cur, placed };
}

const without = (list: readonly string[], item: string): string[] => list.filter((x) => x !== item);

function checkOptions(opts: PlanOptions): { weeks: number } {
  if (opts.scale !== 'demo' && opts.scale !== 'region') throw new RangeError(`scale must be 'demo' or 'region', got ${String(opts.scale)}`);
  if (!Number.isFinite(opts.seed)) throw new RangeError(`seed must be a finite number, got ${String(opts.seed)}`);
  if (!isLocalDate(opts.startDate)) throw new RangeError(`startDate must be a date YYYY-MM-DD, got ${String(opts.startDate)}`);
  const weeks = opts.weeks ?? DEFAULT_WEEKS[opts.scale];
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > 104) throw new RangeError(`weeks must be an integer 1..104, got ${String(weeks)}`);
  return { weeks };
}

// ---------------------------------------------------------------------------------------------
// Catalogue
// ---------------------------------------------------------------------------------------------

export const serviceIdOf = (regionalCode: string): string => `svc-${regionalCode}`;

function buildCatalogue(ref: ReferenceData): Pick<RegionPlan, 'branches' | 'services' | 'serviceCodes'> {
  const branches = ref.branches.map((b) => ({ code: b.code, name: b.name }));
  const services: ServiceRow[] = ref.services.map((s) => ({
    id: serviceIdOf(s.regional_code),
    regionalCode: s.regional_code,
    nationalCode: s.national_code,
    name: s.name,
    branchCode: s.branch_code,
    kind: s.kind,
    pnglaMonitored: s.pngla_number !== null,
    pnglaNumber: s.pngla_number,
    tariffCents: s.tariff_cents,
    durationMin: s.duration_min,
    sex: s.sex,
    minAge: s.min_age,
    maxAge: s.max_age,
  }));
  const serviceCodes: ServiceCodeRow[] = [];
  for (const s of ref.services) {
    for (const c of s.codes) {
      if (c.code === null) continue;
      serviceCodes.push({ serviceId: serviceIdOf(s.regional_code), system: c.system, code: c.code, validFrom: c.valid_from, validTo: c.valid_to });
    }
  }
  return { branches, services, serviceCodes };
}

// ---------------------------------------------------------------------------------------------
// Organisation tree and agendas
// ---------------------------------------------------------------------------------------------

interface ProviderSpec {
  code: string;
  name: string;
  kind: ProviderKind;
  atsCode: string;
  municipalities: string[];
  focus: string[] | null;
  weight: number;
  attrs: Attrs;
}

interface Builder {
  rng: Rng;
  ref: ReferenceData;
  scale: Scale;
  validity: DateRange;
  range: DateRange;
  regionChannels: string[];
  profileByKey: Map<string, ClinicProfile>;
  serviceIds: Set<string>;
  /** kind of each service by regional code */
  serviceKind: Map<string, ServiceKind>;
  plan: Pick<RegionPlan, 'orgUnits' | 'agendas' | 'agendaServices' | 'agendaTemplates' | 'agendaClosures'>;
}

const providerWeight = (kind: ProviderKind, focus: string[] | null, rng: Rng): number => {
  if (kind === 'private') return 0.22 * rng.float(0.5, 1.6);
  if (focus !== null) return 0.4 * rng.float(0.8, 1.2);
  return (kind === 'irccs' ? 0.8 : 1) * rng.float(0.8, 1.2);
};

function publicSpec(p: PublicProviderRef, kind: 'asst' | 'irccs', rng: Rng): ProviderSpec {
  const focus = p.focus ?? null;
  return { code: p.code, name: p.name, kind, atsCode: p.ats, municipalities: p.municipalities, focus, weight: providerWeight(kind, focus, rng), attrs: {} };
}

function privateSpecs(b: Builder, atsCodes: readonly string[], counts: readonly number[]): ProviderSpec[] {
  const rng = b.rng.fork('private-providers');
  const munName = new Map(b.ref.lombardy.municipalities.map((m) => [m.code, m.name]));
  const out: ProviderSpec[] = [];
  atsCodes.forEach((atsCode, i) => {
    const ats = b.ref.lombardy.ats.find((a) => a.code === atsCode);
    const towns = b.ref.lombardy.municipalities.filter((m) => m.ats === atsCode).map((m) => m.code);
    for (let k = 0; k < (counts[i] as number); k++) {
      const seat = rng.weighted(towns, (t) => (t === ats?.seat ? 4 : 1));
      const other = towns.length > 1 ? rng.pick(without(towns, seat)) : seat;
      const code = `PRV${pad(out.length + 1, 3)}`;
      const name = `${rng.pick(PRIVATE_NAME_PREFIXES)} ${rng.pick(PRIVATE_NAME_SURNAMES)} - ${munName.get(seat) ?? seat}`;
      out.push({ code, name, kind: 'private', atsCode, municipalities: [seat, other], focus: null, weight: providerWeight('private', null, rng), attrs: {} });
    }
  });
  // Provider-level overrides: dual-regime privates (SSN + private patients), some without pharmacy/kiosk booking.
  const dual = new Set(rng.sample(out.map((p) => p.code), Math.max(1, Math.round(out.length * 0.45))));
  const fewerChannels = new Set(rng.sample(out.map((p) => p.code), Math.round(out.length * 0.2)));
  for (const p of out) {
    if (dual.has(p.code)) p.attrs['regimes'] = ['SSN', 'private'];
    if (fewerChannels.has(p.code)) p.attrs['channels'] = b.regionChannels.filter((c) => c !== 'pharmacy' && c !== 'kiosk');
  }
  return out;
}

/** Clinic kinds of an ATS's clinics, in a shuffled order (region scale: exact shares; demo: every kind once). */
function profilePool(b: Builder, atsCode: string, clinics: number, factors: ReadonlyMap<string, number>, demoOffset: number): ClinicProfile[] {
  const rng = b.rng.fork(`profiles-${atsCode}`);
  if (b.scale === 'demo') {
    const all = b.rng.fork('demo-profiles').shuffle(CLINIC_PROFILES);
    return Array.from({ length: clinics }, (_, i) => all[(demoOffset + i) % all.length] as ClinicProfile);
  }
  const counts = apportion(clinics, CLINIC_PROFILES.map((p) => p.weight * (factors.get(p.key) ?? 1)));
  const pool: ClinicProfile[] = [];
  CLINIC_PROFILES.forEach((p, i) => {
    for (let k = 0; k < (counts[i] as number); k++) pool.push(p);
  });
  return rng.shuffle(pool);
}

/** Takes n clinic kinds from the pool for a provider; focused providers get mostly kinds of their branches. */
function takeProfiles(pool: ClinicProfile[], n: number, focus: string[] | null): ClinicProfile[] {
  const out: ClinicProfile[] = [];
  if (focus !== null) {
    const wanted = Math.round(n * 0.8);
    for (let i = 0; i < pool.length && out.length < wanted; ) {
      if (focus.includes((pool[i] as ClinicProfile).branch)) out.push(pool.splice(i, 1)[0] as ClinicProfile);
      else i++;
    }
  }
  while (out.length < n && pool.length > 0) out.push(pool.shift() as ClinicProfile);
  return out;
}

interface ClinicCtx {
  b: Builder;
  rng: Rng;
  provider: ProviderSpec;
  atsId: string;
  providerId: string;
  clinicId: string;
  clinicName: string;
  resourceId: string | null;
  profile: ClinicProfile;
  alpi: boolean;
}

function addTemplates(b: Builder, agendaId: string, weekday: number, windows: readonly [number, number][], slotMinutes: number, capacity: number): void {
  for (const [start, end] of windows) {
    b.plan.agendaTemplates.push({ agendaId, weekday, start: formatLocalTime(start), end: formatLocalTime(end), slotMinutes, capacity });
  }
}

/** First-access, follow-up and (sometimes) ALPI agendas of one clinic, with non-overlapping weekly templates. */
function buildAgendas(c: ClinicCtx): string[] {
  const { b, rng, profile } = c;
  const s = profile.slotMinutes;
  const capacity = profile.capacity ?? 1;
  // Weekly slots: around the mean, at most what fits in five 9-hour days.
  const weekly = Math.min(Math.round(WEEKLY_SLOTS_PER_CLINIC * rng.float(0.75, 1.25)), Math.floor((5 * WORKING_MINUTES_PER_DAY) / s));
  const hasFollowUp = profile.followUp.length > 0;
  const firstSlots = hasFollowUp ? Math.round(weekly * profile.firstShare) : weekly;
  const followSlots = weekly - firstSlots;
  const dayStart = rng.pick(MORNING_STARTS);
  const cursor = new Map<number, number>([1, 2, 3, 4, 5, 6].map((d) => [d, dayStart]));
  const agendaIds: string[] = [];
  const base = c.clinicId.replace(/^clin-/, 'ag-');

  const addAgenda = (suffix: string, label: string, accessType: AccessType, services: readonly string[], attrs: Attrs): string => {
    const id = `${base}-${suffix}`;
    b.plan.agendas.push({
      id, clinicId: c.clinicId, resourceId: c.resourceId, atsId: c.atsId, providerId: c.providerId,
      name: `${c.clinicName} - ${label}`, accessType, validFrom: b.validity.from, validTo: b.validity.to, status: 'active', attrs,
    });
    for (const code of services) {
      const serviceId = serviceIdOf(code);
      if (!b.serviceIds.has(serviceId)) throw new Error(`clinic profile ${profile.key} offers ${code}, which is not in the catalogue`);
      b.plan.agendaServices.push({ agendaId: id, serviceId });
    }
    agendaIds.push(id);
    return id;
  };

  /**
   * Spreads n slots over the given weekdays, filling each day from its cursor; what does not fit goes to the
   * other weekdays, the freest first.
   */
  const spread = (agendaId: string, n: number, days: readonly number[]): void => {
    const perDay = apportion(n, days.map(() => 1));
    let left = 0;
    const place = (d: number, k: number): number => {
      const placed = placeSlots(cursor.get(d) as number, k, s, DAY_END);
      addTemplates(b, agendaId, d, placed.windows, s, capacity);
      cursor.set(d, placed.cursor);
      return k - placed.placed;
    };
    days.forEach((d, i) => {
      left += place(d, perDay[i] as number);
    });
    for (const d of freestDays([1, 2, 3, 4, 5].filter((x) => !days.includes(x)))) {
      if (left <= 0) break;
      left = place(d, left);
    }
  };
  /** Weekdays in order of free time left (latest cursor last); ties in random order. */
  const freestDays = (days: readonly number[]): number[] =>
    rng.shuffle(days).sort((x, y) => (cursor.get(x) as number) - (cursor.get(y) as number));

  // First access: 3-5 weekdays (more if the slots do not fit), some imaging also on Saturday morning.
  const wantedDays = rng.weighted([5, 4, 3], (d) => (d === 5 ? 0.6 : d === 4 ? 0.25 : 0.15));
  const neededDays = Math.ceil((firstSlots * s) / WORKING_MINUTES_PER_DAY);
  const firstDays = rng.sample([1, 2, 3, 4, 5], Math.min(5, Math.max(wantedDays, neededDays))).sort((x, y) => x - y);
  if (profile.saturday === true && rng.chance(0.3)) firstDays.push(6);
  // Class quotas on first-access agendas (lab draw points have none): visit clinics and instrumental clinics differ.
  const kinds = profile.first.map((code) => b.serviceKind.get(code));
  const firstAttrs: Attrs = kinds.every((k) => k === 'lab')
    ? {}
    : { classQuotas: kinds.includes('visit') ? CLASS_QUOTAS_VISIT : CLASS_QUOTAS_INSTRUMENTAL };
  const firstId = addAgenda('P', 'primo accesso', 'first', profile.first, firstAttrs);
  spread(firstId, firstSlots, firstDays);

  // Follow-up: 2-3 weekdays, the freest ones, after the first-access sessions of the day.
  if (hasFollowUp && followSlots > 0) {
    const followId = addAgenda('C', 'controlli', 'follow_up', profile.followUp, {});
    const followDays = freestDays([1, 2, 3, 4, 5]).slice(0, rng.int(2, 3)).sort((x, y) => x - y);
    spread(followId, followSlots, followDays);
  }

  // ALPI (intramoenia): evening sessions at public providers, paid privately, booked at desk/phone/web only.
  if (c.alpi) {
    const alpiId = addAgenda('L', 'libera professione (ALPI)', 'first', profile.first, { regimes: ['ALPI'], channels: ALPI_CHANNELS });
    for (const d of rng.sample([1, 2, 3, 4, 5], rng.int(1, 2)).sort((x, y) => x - y)) {
      const start = Math.max(cursor.get(d) as number, EVENING_START);
      const placed = placeSlots(start, Math.floor(120 / s), s, EVENING_END);
      addTemplates(b, alpiId, d, placed.windows, s, capacity);
      cursor.set(d, placed.cursor);
    }
  }
  return agendaIds;
}

interface SiteSpec {
  municipality: string;
  name: string;
  profiles: ClinicProfile[];
}

function siteSpecs(provider: ProviderSpec, profiles: ClinicProfile[], munName: ReadonlyMap<string, string>): SiteSpec[] {
  const n = profiles.length;
  const nSites = Math.max(1, Math.min(n, provider.kind === 'private' ? (n > 18 ? 2 : 1) : Math.round(n / 22)));
  const counts = apportion(n, Array.from({ length: nSites }, (_, i) => (i === 0 ? 2 : 1)), 1);
  const seen = new Map<string, number>();
  let taken = 0;
  return counts.map((count, i) => {
    const municipality = provider.municipalities[i % provider.municipalities.length] as string;
    const town = munName.get(municipality) ?? municipality;
    const nth = (seen.get(municipality) ?? 0) + 1;
    seen.set(municipality, nth);
    const label =
      provider.kind === 'private'
        ? i === 0 ? 'Sede di' : 'Poliambulatorio di'
        : i === 0 ? 'Presidio ospedaliero di' : i % 2 === 1 ? 'Poliambulatorio di' : 'Casa di Comunità di';
    const name = `${label} ${town}${nth > 1 ? ` ${nth}` : ''}`;
    const site = { municipality, name, profiles: profiles.slice(taken, taken + count) };
    taken += count;
    return site;
  });
}

function buildProvider(b: Builder, provider: ProviderSpec, atsId: string, profiles: ClinicProfile[], alpiEligible: Set<string>, noWeb: Set<string>): void {
  const rng = b.rng.fork(`provider-${provider.code}`);
  const providerId = `prov-${provider.code}`;
  const units = b.plan.orgUnits;
  const munName = new Map(b.ref.lombardy.municipalities.map((m) => [m.code, m.name]));
  const branchName = new Map(b.ref.branches.map((x) => [x.code, x.name]));
  units.push({
    id: providerId, level: 'provider', parentId: atsId, code: provider.code, name: provider.name, providerKind: provider.kind,
    atsId, providerId: null, municipality: provider.municipalities[0] ?? null, population: null, attrs: provider.attrs,
  });
  const providerChannels = (provider.attrs['channels'] as string[] | undefined) ?? b.regionChannels;

  siteSpecs(provider, profiles, munName).forEach((site, si) => {
    const siteCode = `${provider.code}-${pad(si + 1)}`;
    const siteId = `site-${siteCode}`;
    const siteAttrs: Attrs = {};
    // Some sites have no kiosk.
    if (providerChannels.includes('kiosk') && rng.chance(0.15)) siteAttrs['channels'] = without(providerChannels, 'kiosk');
    const siteChannels = (siteAttrs['channels'] as string[] | undefined) ?? providerChannels;
    units.push({
      id: siteId, level: 'site', parentId: providerId, code: siteCode, name: site.name, providerKind: null,
      atsId, providerId, municipality: site.municipality, population: null, attrs: siteAttrs,
    });
    // One unit per branch present at the site, clinics numbered within the unit.
    const branches = [...new Set(site.profiles.map((p) => p.branch))];
    for (const branch of branches) {
      const unitCode = `${siteCode}-${branch}`;
      const unitId = `unit-${unitCode}`;
      const unitProfiles = site.profiles.filter((p) => p.branch === branch);
      const unitAttrs: Attrs = unitProfiles.some((p) => p.key === 'endoscopy') ? { reminderDaysBefore: [7, 3] } : {};
      const bName = branchName.get(branch) ?? branch;
      units.push({
        id: unitId, level: 'unit', parentId: siteId, code: unitCode, name: provider.kind === 'private' ? `Servizio di ${bName}` : `UO ${bName}`,
        providerKind: null, atsId, providerId, municipality: site.municipality, population: null, attrs: unitAttrs,
      });
      unitProfiles.forEach((profile, ci) => {
        const clinicCode = `${unitCode}-${pad(ci + 1)}`;
        const clinicId = `clin-${clinicCode}`;
        const clinicName = `Ambulatorio ${profile.label} ${ci + 1} - ${site.name}`;
        const clinicAttrs: Attrs = noWeb.has(clinicId) ? { channels: without(siteChannels, 'web') } : {};
        units.push({
          id: clinicId, level: 'clinic', parentId: unitId, code: clinicCode, name: clinicName, providerKind: null,
          atsId, providerId, municipality: site.municipality, population: null, attrs: clinicAttrs,
        });
        let resourceId: string | null = null;
        if (profile.resource !== undefined) {
          resourceId = `res-${clinicCode}-1`;
          units.push({
            id: resourceId, level: 'resource', parentId: clinicId, code: `${clinicCode}-R1`, name: `${profile.resource} 1 - ${site.name}`,
            providerKind: null, atsId, providerId, municipality: site.municipality, population: null, attrs: {},
          });
        }
        buildAgendas({
          b, rng, provider, atsId, providerId, clinicId, clinicName, resourceId, profile,
          alpi: provider.kind !== 'private' && profile.alpi === true && alpiEligible.has(clinicId),
        });
      });
    }
  });
}

/** Clinic ids are derived from positions, so they are known before building: used to pick a few clinics up front. */
function clinicIdsOf(provider: ProviderSpec, profiles: ClinicProfile[], munName: ReadonlyMap<string, string>): { id: string; profile: ClinicProfile }[] {
  const out: { id: string; profile: ClinicProfile }[] = [];
  siteSpecs(provider, profiles, munName).forEach((site, si) => {
    const siteCode = `${provider.code}-${pad(si + 1)}`;
    for (const branch of new Set(site.profiles.map((p) => p.branch))) {
      site.profiles.filter((p) => p.branch === branch).forEach((profile, ci) => out.push({ id: `clin-${siteCode}-${branch}-${pad(ci + 1)}`, profile }));
    }
  });
  return out;
}

function addClosures(b: Builder): void {
  const rng = b.rng.fork('closures');
  const clinics = b.plan.orgUnits.filter((u) => u.level === 'clinic');
  const agendasByClinic = new Map<string, AgendaRow[]>();
  for (const a of b.plan.agendas) {
    const list = agendasByClinic.get(a.clinicId);
    if (list === undefined) agendasByClinic.set(a.clinicId, [a]);
    else list.push(a);
  }
  const rangeDays = epochDayOf(b.range.to) - epochDayOf(b.range.from) + 1;
  const chosen = rng.sample(clinics, Math.max(2, Math.round(clinics.length * 0.03)));
  chosen.sort((x, y) => (x.id < y.id ? -1 : 1));
  for (const clinic of chosen) {
    const agendas = agendasByClinic.get(clinic.id) ?? [];
    const hasResource = agendas.some((a) => a.resourceId !== null);
    const length = rng.int(1, 5);
    const fromDay = epochDayOf(b.range.from) + rng.int(0, Math.max(0, rangeDays - length));
    const reason = hasResource && rng.chance(0.6) ? MAINTENANCE_REASON : rng.pick(CLOSURE_REASONS);
    for (const a of agendas) {
      b.plan.agendaClosures.push({ agendaId: a.id, from: localDateOfEpochDay(fromDay), to: localDateOfEpochDay(fromDay + length - 1), reason });
    }
  }
}

/** Builds the plan of a synthetic region. Pure and deterministic: same options and reference data -> same plan. */
export function planRegion(opts: PlanOptions, ref: ReferenceData): RegionPlan {
  const { weeks } = checkOptions(opts);
  const rng = createRng(opts.seed);
  const startDay = epochDayOf(opts.startDate);
  const range: DateRange = { from: opts.startDate, to: localDateOfEpochDay(startDay + weeks * 7 - 1) };
  const validity: DateRange = { from: opts.startDate, to: localDateOfEpochDay(Math.max(startDay + 364, startDay + weeks * 7 - 1)) };
  const catalogue = buildCatalogue(ref);
  const lombardy = ref.lombardy;
  const regionChannels = (lombardy.region.attrs['channels'] as string[] | undefined) ?? [];
  const b: Builder = {
    rng, ref, scale: opts.scale, validity, range, regionChannels,
    profileByKey: new Map(CLINIC_PROFILES.map((p) => [p.key, p])),
    serviceIds: new Set(catalogue.services.map((s) => s.id)),
    serviceKind: new Map(catalogue.services.map((s) => [s.regionalCode, s.kind])),
    plan: { orgUnits: [], agendas: [], agendaServices: [], agendaTemplates: [], agendaClosures: [] },
  };

  const selectedAts = opts.scale === 'demo' ? lombardy.ats.filter((a) => (DEMO.ats as readonly string[]).includes(a.code)) : lombardy.ats;
  const totalPopulation = selectedAts.reduce((s, a) => s + a.population, 0);
  const regionId = `region-${lombardy.region.code}`;
  b.plan.orgUnits.push({
    id: regionId, level: 'region', parentId: null, code: lombardy.region.code, name: lombardy.region.name, providerKind: null,
    atsId: null, providerId: null, municipality: null, population: totalPopulation, attrs: lombardy.region.attrs,
  });

  // ATS-level override in one ATS: earlier and double reminders.
  const reminderAts = rng.fork('ats-attrs').pick(selectedAts).code;

  // Providers: public from the reference data, private generated in proportion to population.
  const publicRng = rng.fork('public-providers');
  const publics: ProviderSpec[] = [
    ...lombardy.asst.map((p) => publicSpec(p, 'asst', publicRng)),
    ...lombardy.irccs.map((p) => publicSpec(p, 'irccs', publicRng)),
  ].filter((p) => (opts.scale === 'demo' ? (DEMO.publicProviders as readonly string[]).includes(p.code) : selectedAts.some((a) => a.code === p.atsCode)));
  const privateCounts =
    opts.scale === 'demo' ? selectedAts.map(() => DEMO.privatesPerAts) : apportion(lombardy.privateAccreditedCount, selectedAts.map((a) => a.population));
  const privates = privateSpecs(b, selectedAts.map((a) => a.code), privateCounts);

  // Clinics per ATS in proportion to population; scarce clinic kinds in some ATS (region scale).
  const clinicsPerAts = opts.scale === 'demo' ? selectedAts.map(() => DEMO.clinicsPerAts) : apportion(REGION_CLINICS, selectedAts.map((a) => a.population));
  const shortages: ShortageRow[] = [];
  const factorsByAts = new Map<string, Map<string, number>>(selectedAts.map((a) => [a.code, new Map()]));
  if (opts.scale === 'region') {
    const srng = rng.fork('shortages');
    for (const group of SHORTAGE_GROUPS) {
      for (const ats of srng.sample(selectedAts, srng.int(2, 3))) {
        const factor = Math.round(srng.float(0.3, 0.5) * 100) / 100;
        for (const key of group.profiles) factorsByAts.get(ats.code)?.set(key, factor);
        // The group's services that no other clinic kind offers (e.g. not the neck ultrasound of endocrinology).
        const elsewhere = new Set(CLINIC_PROFILES.filter((p) => !group.profiles.includes(p.key)).flatMap((p) => p.first));
        const serviceIds = [...new Set(group.profiles.flatMap((k) => b.profileByKey.get(k)?.first ?? []))].filter((c) => !elsewhere.has(c)).map(serviceIdOf);
        shortages.push({ atsId: `ats-${ats.code}`, group: group.name, profiles: [...group.profiles], serviceIds, factor });
      }
    }
    shortages.sort((x, y) => (x.atsId < y.atsId ? -1 : x.atsId > y.atsId ? 1 : x.group < y.group ? -1 : 1));
  }

  const munName = new Map(lombardy.municipalities.map((m) => [m.code, m.name]));
  let demoOffset = 0;
  selectedAts.forEach((ats, ai) => {
    const atsId = `ats-${ats.code}`;
    b.plan.orgUnits.push({
      id: atsId, level: 'ats', parentId: regionId, code: ats.code, name: ats.name, providerKind: null, atsId: null, providerId: null,
      municipality: ats.seat, population: ats.population, attrs: ats.code === reminderAts ? { reminderDaysBefore: [5, 2] } : {},
    });
    const providers = [...publics.filter((p) => p.atsCode === ats.code), ...privates.filter((p) => p.atsCode === ats.code)];
    const clinics = clinicsPerAts[ai] as number;
    const perProvider = apportion(clinics, providers.map((p) => p.weight), 1);
    const pool = profilePool(b, ats.code, clinics, factorsByAts.get(ats.code) ?? new Map(), demoOffset);
    demoOffset += clinics;
    // Focused providers choose first so that they find clinics of their branches in the pool.
    const order = providers.map((_, i) => i).sort((x, y) => Number(providers[y]?.focus !== null) - Number(providers[x]?.focus !== null) || x - y);
    const profilesOf = new Map<string, ClinicProfile[]>();
    for (const i of order) {
      const p = providers[i] as ProviderSpec;
      profilesOf.set(p.code, takeProfiles(pool, perProvider[i] as number, p.focus));
    }
    // A few clinics get an ALPI agenda (public providers) and a few cannot be booked on the web.
    const arng = rng.fork(`clinic-picks-${ats.code}`);
    const all = providers.flatMap((p) => clinicIdsOf(p, profilesOf.get(p.code) ?? [], munName).map((c) => ({ ...c, provider: p })));
    const alpiCandidates = all.filter((c) => c.provider.kind !== 'private' && c.profile.alpi === true).map((c) => c.id);
    const alpi = new Set(arng.sample(alpiCandidates, Math.max(1, Math.round(alpiCandidates.length * 0.12))));
    const noWeb = new Set(arng.sample(all.map((c) => c.id), Math.max(1, Math.round(all.length * 0.04))));
    for (const p of providers) buildProvider(b, p, atsId, profilesOf.get(p.code) ?? [], alpi, noWeb);
  });

  addClosures(b);

  return {
    scale: opts.scale,
    seed: opts.seed,
    startDate: opts.startDate,
    weeks,
    range,
    validity,
    holidays: ref.holidays,
    orgUnits: b.plan.orgUnits,
    ...catalogue,
    agendas: b.plan.agendas,
    agendaServices: b.plan.agendaServices,
    agendaTemplates: b.plan.agendaTemplates,
    agendaClosures: b.plan.agendaClosures,
    shortages,
  };
}

// ---------------------------------------------------------------------------------------------
// Estimates (no slot is generated)
// ---------------------------------------------------------------------------------------------

/** Years touched by a date range, for holiday calendars. */
export function yearsOf(range: DateRange): number[] {
  const from = Number(range.from.slice(0, 4));
  const to = Number(range.to.slice(0, 4));
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Municipality (Belfiore code) of each clinic. */
export function clinicMunicipalities(plan: Pick<RegionPlan, 'orgUnits'>): Map<string, string | null> {
  return new Map(plan.orgUnits.filter((u) => u.level === 'clinic').map((u) => [u.id, u.municipality]));
}

/**
 * Slots each agenda will have in the plan's range: template occurrences on days that are not holidays
 * (national, Easter Monday, the clinic municipality's patron day) nor closures of the agenda.
 */
export function estimateSlotsByAgenda(plan: RegionPlan): Map<string, number> {
  const years = yearsOf(plan.range);
  const holidayCache = new Map<string, Set<number>>();
  const holidayDays = (municipality: string | null): Set<number> => {
    const key = municipality ?? '';
    let set = holidayCache.get(key);
    if (set === undefined) {
      set = new Set([...holidaysFor(plan.holidays, years, municipality ?? undefined).keys()].map(epochDayOf));
      holidayCache.set(key, set);
    }
    return set;
  };
  const templatesByAgenda = groupBy(plan.agendaTemplates, (t) => t.agendaId);
  const closuresByAgenda = groupBy(plan.agendaClosures, (c) => c.agendaId);
  const municipalityOf = clinicMunicipalities(plan);
  const from = epochDayOf(plan.range.from);
  const to = epochDayOf(plan.range.to);
  const out = new Map<string, number>();
  for (const agenda of plan.agendas) {
    const holidays = holidayDays(municipalityOf.get(agenda.clinicId) ?? null);
    const closures = (closuresByAgenda.get(agenda.id) ?? []).map((c) => [epochDayOf(c.from), epochDayOf(c.to)] as const);
    const rules = (templatesByAgenda.get(agenda.id) ?? []).map((t) => ({
      weekday: t.weekday,
      count: ((parseLocalTime(t.end) as number) - (parseLocalTime(t.start) as number)) / t.slotMinutes,
      from: Math.max(epochDayOf(t.validFrom ?? agenda.validFrom), epochDayOf(agenda.validFrom)),
      to: Math.min(epochDayOf(t.validTo ?? agenda.validTo), epochDayOf(agenda.validTo)),
    }));
    let total = 0;
    for (let day = from; day <= to; day++) {
      if (holidays.has(day) || closures.some(([f, t]) => day >= f && day <= t)) continue;
      const wd = isoWeekdayOfEpochDay(day);
      for (const r of rules) if (r.weekday === wd && day >= r.from && day <= r.to) total += Math.floor(r.count);
    }
    out.set(agenda.id, total);
  }
  return out;
}

/** Total slots the plan will generate in its range. */
export function estimateSlots(plan: RegionPlan): number {
  let total = 0;
  for (const n of estimateSlotsByAgenda(plan).values()) total += n;
  return total;
}

/**
 * Institutional (SSN) first-access supply: for each ATS and service, the estimated slots of first-access
 * agendas offering the service (an agenda's slots are split evenly among its services; ALPI agendas excluded).
 */
export function firstAccessSupply(plan: RegionPlan, slotsByAgenda: ReadonlyMap<string, number> = estimateSlotsByAgenda(plan)): Map<string, Map<string, number>> {
  const servicesByAgenda = groupBy(plan.agendaServices, (x) => x.agendaId);
  const out = new Map<string, Map<string, number>>();
  for (const a of plan.agendas) {
    const regimes = a.attrs['regimes'];
    if (a.accessType !== 'first' || (Array.isArray(regimes) && !regimes.includes('SSN'))) continue;
    const services = servicesByAgenda.get(a.id) ?? [];
    if (services.length === 0) continue;
    const share = (slotsByAgenda.get(a.id) ?? 0) / services.length;
    let byService = out.get(a.atsId);
    if (byService === undefined) out.set(a.atsId, (byService = new Map()));
    for (const s of services) byService.set(s.serviceId, (byService.get(s.serviceId) ?? 0) + share);
  }
  return out;
}

export interface PlanSummary {
  ats: number;
  providers: { asst: number; irccs: number; private: number; public: number; total: number };
  sites: number;
  units: number;
  clinics: number;
  resources: number;
  agendas: { first: number; followUp: number; alpi: number; total: number };
  templates: number;
  closures: number;
  services: number;
  estimatedSlots: number;
}

/** Head counts of a plan (for reports and progress bars). */
export function summarizePlan(plan: RegionPlan, slotsByAgenda: ReadonlyMap<string, number> = estimateSlotsByAgenda(plan)): PlanSummary {
  const count = (level: OrgLevel) => plan.orgUnits.filter((u) => u.level === level).length;
  const providers = plan.orgUnits.filter((u) => u.level === 'provider');
  const kind = (k: ProviderKind) => providers.filter((p) => p.providerKind === k).length;
  const alpi = plan.agendas.filter((a) => Array.isArray(a.attrs['regimes']) && (a.attrs['regimes'] as unknown[]).includes('ALPI')).length;
  let estimatedSlots = 0;
  for (const n of slotsByAgenda.values()) estimatedSlots += n;
  return {
    ats: count('ats'),
    providers: { asst: kind('asst'), irccs: kind('irccs'), private: kind('private'), public: kind('asst') + kind('irccs'), total: providers.length },
    sites: count('site'),
    units: count('unit'),
    clinics: count('clinic'),
    resources: count('resource'),
    agendas: {
      first: plan.agendas.filter((a) => a.accessType === 'first').length - alpi,
      followUp: plan.agendas.filter((a) => a.accessType === 'follow_up').length,
      alpi,
      total: plan.agendas.length,
    },
    templates: plan.agendaTemplates.length,
    closures: plan.agendaClosures.length,
    services: plan.services.length,
    estimatedSlots,
  };
}

export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}
