/**
 * The priority-class guarantee (DOMAIN.md §1.1-1.2): how long a first access may wait, the deadline of a
 * booking, whether an offer honours it, when the protection pathway (percorso di tutela) is due, and whether a
 * patient who refused the first availability keeps the guarantee. The maximum waits are data
 * (reference/priority-classes.json, see guarantee-rules.ts). Pure: instants are passed in.
 */
import type { AccessType, PriorityClass } from '../offer/types.ts';
import type { ServiceKind } from '../prescription/catalogue-entry.ts';
import { addDays, localDateOf } from '../time/rome-time.ts';
import { LOMBARDY_GUARANTEE_RULES, type GuaranteeRules } from './guarantee-rules.ts';
import { endOfLocalDay } from './local-day.ts';

const MS_PER_HOUR = 3_600_000;

/** Maximum wait in days of a class for a kind of service (U: 3, B: 10, D: 30 visits / 60 instrumental, P: 120). */
export const maxWaitDays = (cls: PriorityClass, kind: ServiceKind, rules: GuaranteeRules = LOMBARDY_GUARANTEE_RULES): number =>
  rules.classes[cls].maxWaitDays[kind];

/**
 * The last instant an appointment may start to be within the class maximum, for a booking made at
 * bookingInstant: for a class counted in hours (U) bookingInstant + 72 h; otherwise the end of the local day
 * (Europe/Rome) bookingDate + N days.
 */
export const guaranteeDeadline = (
  cls: PriorityClass,
  kind: ServiceKind,
  bookingInstant: Date,
  rules: GuaranteeRules = LOMBARDY_GUARANTEE_RULES,
): Date => {
  const hours = rules.classes[cls].maxWaitHours;
  if (hours !== null) return new Date(bookingInstant.getTime() + hours * MS_PER_HOUR);
  return endOfLocalDay(addDays(localDateOf(bookingInstant), maxWaitDays(cls, kind, rules)));
};

/** Whether an appointment starting at slotStart, booked at bookingInstant, is within the class maximum. */
export const isWithinGuarantee = (
  cls: PriorityClass,
  kind: ServiceKind,
  bookingInstant: Date,
  slotStart: Date,
  rules: GuaranteeRules = LOMBARDY_GUARANTEE_RULES,
): boolean => slotStart.getTime() <= guaranteeDeadline(cls, kind, bookingInstant, rules).getTime();

export interface OfferToAssess {
  /** null = no class (follow-up or a blank class without default) */
  cls: PriorityClass | null;
  kind: ServiceKind;
  accessType: AccessType;
  now: Date;
  /** start of the first slot available in the patient's guarantee area, null when there is none */
  firstAvailableInArea: Date | null;
}

export interface OfferAssessment {
  guaranteed: boolean;
  deadline: Date | null;
  pathway: 'none' | 'percorso_di_tutela';
}

/**
 * Whether the area can honour the guarantee of a request. Follow-up accesses and requests without a class have
 * no class guarantee. When no slot starts by the deadline inside the area, the percorso di tutela is due.
 */
export const assessOffer = (offer: OfferToAssess, rules: GuaranteeRules = LOMBARDY_GUARANTEE_RULES): OfferAssessment => {
  if (offer.accessType !== 'first' || offer.cls === null) return { guaranteed: false, deadline: null, pathway: 'none' };
  const deadline = guaranteeDeadline(offer.cls, offer.kind, offer.now, rules);
  const inTime = offer.firstAvailableInArea !== null && offer.firstAvailableInArea.getTime() <= deadline.getTime();
  return inTime ? { guaranteed: true, deadline, pathway: 'none' } : { guaranteed: false, deadline, pathway: 'percorso_di_tutela' };
};

export interface GuaranteeChoice {
  /** the patient refused the first available slot of the area */
  refusedFirst: boolean;
  /** start of the slot the patient chose */
  chosenDate: Date;
  /** guarantee deadline; null = the request has no class guarantee */
  deadline: Date | null;
  /** start of the first slot available in the area, null when there was none */
  firstAvailable: Date | null;
}

export type GuaranteeChoiceRule =
  | 'accepted_first' // (a)
  | 'chose_within_max' // (b)
  | 'first_beyond_max' // (c)
  | 'refused_first' // left the guarantee
  | 'no_guarantee';

/**
 * DOMAIN.md §1.2: the patient keeps the guarantee if they (a) accept the first slot available in the area,
 * (b) refuse it but accept another date still within the maximum, or (c) refuse it when even the first slot
 * is beyond the maximum (or there is none). Otherwise refusing the first availability leaves the guarantee.
 */
export const keepsGuarantee = (choice: GuaranteeChoice): { keeps: boolean; rule: GuaranteeChoiceRule } => {
  if (choice.deadline === null) return { keeps: false, rule: 'no_guarantee' };
  if (!choice.refusedFirst) return { keeps: true, rule: 'accepted_first' };
  const deadline = choice.deadline.getTime();
  if (choice.chosenDate.getTime() <= deadline) return { keeps: true, rule: 'chose_within_max' };
  if (choice.firstAvailable === null || choice.firstAvailable.getTime() > deadline) return { keeps: true, rule: 'first_beyond_max' };
  return { keeps: false, rule: 'refused_first' };
};
