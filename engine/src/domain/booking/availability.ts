/**
 * Filtering and ranking of candidate slots for an availability search (DESIGN.md Booking: search in the
 * patient's guarantee area honouring every effective attribute). Pure: the caller loads the candidate slots
 * with their effective attributes; `now` is passed in.
 *
 * A slot is eligible when it offers the service, is not in the past nor before the earliest date nor beyond
 * its booking horizon, has a free place, allows the channel and regime, matches the access type of its agenda,
 * is open to the class (isOpenToClass: reserved quotas and their release), the service's sex/age limits fit the
 * patient (age on the slot's date) and, when the patient set a maximum distance, it is not farther.
 * Eligible slots are sorted by start, then by how many preferences (provider, site, time of day) they meet, then
 * guarantee area first, distance, slot id. The first availability overall and inside the area ignore the
 * patient's preferences, distance included: they are the "prima disponibilità" the CUP must record.
 */
import { isOpenToClass } from '../offer/quotas.ts';
import type { AccessType, Channel, LocalDate, PriorityClass, QuotaReleaseDays, Regime } from '../offer/types.ts';
import { ageOn } from '../patient/age.ts';
import type { Sex } from '../prescription/catalogue-entry.ts';
import { addDays, localDateOf, parseLocalTime, utcToLocal } from '../time/rome-time.ts';
import { remainingPlaces } from './capacity.ts';
import type { GuaranteeAreaRule } from './guarantee-rules.ts';

export interface CandidateSlot {
  slotId: string;
  startAt: Date;
  capacity: number;
  booked: number;
  held?: number | undefined;
  serviceIds: readonly string[];
  /** access type of the slot's agenda (first and follow-up accesses have separate agendas) */
  accessType: AccessType;
  reservedClass: PriorityClass | null;
  /** effective attributes */
  channels: readonly Channel[];
  regimes: readonly Regime[];
  quotaReleaseDays: Readonly<QuotaReleaseDays>;
  bookingHorizonDays?: number | undefined;
  providerId: string;
  siteId: string;
  /** ATS code of the site */
  ats: string;
  region: string;
  /** km from the patient, when known */
  distanceKm?: number | null | undefined;
}

export type TimeOfDay = 'morning' | 'afternoon';

export interface AvailabilityRequest {
  serviceId: string;
  /** the service's limits from the catalogue */
  service: { sex: Sex | null; minAge: number | null; maxAge: number | null };
  /** null for a follow-up or a request without a class */
  cls: PriorityClass | null;
  accessType: AccessType;
  patient: { sex: Sex; birthDate: LocalDate; ats: string; region: string };
  channel: Channel;
  regime: Regime;
  /** no slot before this local date */
  earliest?: LocalDate | undefined;
  now: Date;
  preferences?: {
    providerId?: string | undefined;
    siteId?: string | undefined;
    timeOfDay?: TimeOfDay | undefined;
    maxDistanceKm?: number | undefined;
  } | undefined;
  /** how the guarantee area is drawn [U]: the patient's ATS (default) or the whole region */
  areaRule?: GuaranteeAreaRule | undefined;
  /** local time from which a slot counts as afternoon, default '13:00' */
  afternoonFrom?: string | undefined;
  /** at most this many eligible slots returned (the first availabilities are computed on all) */
  limit?: number | undefined;
}

export const EXCLUSION_REASONS = [
  'service_not_offered',
  'past',
  'before_earliest',
  'beyond_horizon',
  'full',
  'channel_not_allowed',
  'regime_not_allowed',
  'access_type_mismatch',
  'reserved_to_other_class',
  'patient_sex',
  'patient_age',
  'too_far',
] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

/** Reasons that come from the patient's preferences (distance, a later earliest date): they exclude a slot but not from the first availability. */
const PREFERENCE_REASONS: readonly ExclusionReason[] = ['too_far', 'before_earliest'];

export interface RankedSlot {
  slot: CandidateSlot;
  localDate: LocalDate;
  inGuaranteeArea: boolean;
  /** preferences met (provider, site, time of day) */
  preferenceScore: number;
}

export interface FirstAvailability {
  slotId: string;
  startAt: Date;
  date: LocalDate;
}

export interface AvailabilityResult {
  eligible: RankedSlot[];
  excluded: { slotId: string; reasons: ExclusionReason[] }[];
  firstAvailable: FirstAvailability | null;
  firstAvailableInArea: FirstAvailability | null;
}

const DEFAULT_AFTERNOON_FROM = '13:00';

const ageFits = (service: AvailabilityRequest['service'], age: number): boolean =>
  (service.minAge === null || age >= service.minAge) && (service.maxAge === null || age <= service.maxAge);

/** What the checks of one request need, worked out once for all the slots it looks at. */
interface RequestFacts {
  nowMs: number;
  today: LocalDate;
  maxKm: number | undefined;
  /** the last bookable date per booking horizon (days) */
  horizonEnd: Map<number, LocalDate>;
  /** whether the patient's age fits the service, per slot date */
  ageFitsOn: Map<LocalDate, boolean>;
}

const factsOf = (req: AvailabilityRequest): RequestFacts => ({
  nowMs: req.now.getTime(), today: localDateOf(req.now), maxKm: req.preferences?.maxDistanceKm, horizonEnd: new Map(), ageFitsOn: new Map(),
});

/** Every reason why a slot (starting on local `date`) cannot be offered, in EXCLUSION_REASONS order (empty = eligible). */
const reasonsOf = (slot: CandidateSlot, req: AvailabilityRequest, f: RequestFacts, date: LocalDate): ExclusionReason[] => {
  const out: ExclusionReason[] = [];
  if (!slot.serviceIds.includes(req.serviceId)) out.push('service_not_offered');
  if (slot.startAt.getTime() < f.nowMs) out.push('past');
  if (req.earliest !== undefined && date < req.earliest) out.push('before_earliest');
  if (slot.bookingHorizonDays !== undefined) {
    let end = f.horizonEnd.get(slot.bookingHorizonDays);
    if (end === undefined) f.horizonEnd.set(slot.bookingHorizonDays, (end = addDays(f.today, slot.bookingHorizonDays)));
    if (date > end) out.push('beyond_horizon');
  }
  if (remainingPlaces(slot) === 0) out.push('full');
  if (!slot.channels.includes(req.channel)) out.push('channel_not_allowed');
  if (!slot.regimes.includes(req.regime)) out.push('regime_not_allowed');
  if (slot.accessType !== req.accessType) out.push('access_type_mismatch');
  if (!isOpenToClass(slot, req.cls, req.now, slot.quotaReleaseDays)) out.push('reserved_to_other_class');
  if (req.service.sex !== null && req.service.sex !== req.patient.sex) out.push('patient_sex');
  let fits = f.ageFitsOn.get(date);
  if (fits === undefined) f.ageFitsOn.set(date, (fits = ageFits(req.service, ageOn(req.patient.birthDate, date))));
  if (!fits) out.push('patient_age');
  if (f.maxKm !== undefined && slot.distanceKm != null && slot.distanceKm > f.maxKm) out.push('too_far');
  return out;
};

/** Every reason why a slot cannot be offered for the request (empty = eligible). */
export const exclusionReasons = (slot: CandidateSlot, req: AvailabilityRequest): ExclusionReason[] =>
  reasonsOf(slot, req, factsOf(req), localDateOf(slot.startAt));

export const isInGuaranteeArea = (slot: Pick<CandidateSlot, 'ats' | 'region'>, patient: { ats: string; region: string }, rule: GuaranteeAreaRule = 'ats'): boolean =>
  rule === 'ats' ? slot.ats === patient.ats && slot.region === patient.region : slot.region === patient.region;

const timeOfDayOf = (slot: CandidateSlot, afternoonFrom: string): TimeOfDay =>
  (parseLocalTime(utcToLocal(slot.startAt).time) as number) < (parseLocalTime(afternoonFrom) ?? 13 * 60) ? 'morning' : 'afternoon';

const preferenceScore = (slot: CandidateSlot, req: AvailabilityRequest): number => {
  const p = req.preferences;
  if (p === undefined) return 0;
  return (
    Number(p.providerId !== undefined && slot.providerId === p.providerId) +
    Number(p.siteId !== undefined && slot.siteId === p.siteId) +
    Number(p.timeOfDay !== undefined && timeOfDayOf(slot, req.afternoonFrom ?? DEFAULT_AFTERNOON_FROM) === p.timeOfDay)
  );
};

const compareRanked = (a: RankedSlot, b: RankedSlot): number =>
  a.slot.startAt.getTime() - b.slot.startAt.getTime() ||
  b.preferenceScore - a.preferenceScore ||
  Number(b.inGuaranteeArea) - Number(a.inGuaranteeArea) ||
  (a.slot.distanceKm ?? Infinity) - (b.slot.distanceKm ?? Infinity) ||
  (a.slot.slotId < b.slot.slotId ? -1 : a.slot.slotId > b.slot.slotId ? 1 : 0);

const earliestOf = (slots: readonly CandidateSlot[]): FirstAvailability | null => {
  let best: CandidateSlot | null = null;
  for (const s of slots) {
    if (best === null || s.startAt.getTime() < best.startAt.getTime() || (s.startAt.getTime() === best.startAt.getTime() && s.slotId < best.slotId)) best = s;
  }
  return best === null ? null : { slotId: best.slotId, startAt: best.startAt, date: localDateOf(best.startAt) };
};

/** Filters and ranks the candidate slots of an availability search; see the file comment for the rules. */
export const searchAvailability = (candidates: readonly CandidateSlot[], req: AvailabilityRequest): AvailabilityResult => {
  const rule = req.areaRule ?? 'ats';
  const eligible: RankedSlot[] = [];
  const excluded: AvailabilityResult['excluded'] = [];
  const offerable: CandidateSlot[] = [];
  const facts = factsOf(req);
  for (const slot of candidates) {
    const date = localDateOf(slot.startAt);
    const reasons = reasonsOf(slot, req, facts, date);
    if (reasons.every((r) => PREFERENCE_REASONS.includes(r))) offerable.push(slot);
    if (reasons.length > 0) {
      excluded.push({ slotId: slot.slotId, reasons });
      continue;
    }
    const inGuaranteeArea = isInGuaranteeArea(slot, req.patient, rule);
    eligible.push({ slot, localDate: date, inGuaranteeArea, preferenceScore: preferenceScore(slot, req) });
  }
  eligible.sort(compareRanked);
  return {
    eligible: req.limit === undefined ? eligible : eligible.slice(0, req.limit),
    excluded,
    firstAvailable: earliestOf(offerable),
    firstAvailableInArea: earliestOf(offerable.filter((s) => isInGuaranteeArea(s, req.patient, rule))),
  };
};
