/**
 * Duplicate bookings of one patient, possibly across providers (DESIGN.md Booking): two active appointments for
 * the same prescription line, or for the same service within the validity window of the new booking's
 * prescription. A policy decides which to cancel (reason 'duplicate'). Pure: the caller cancels through the
 * appointment state machine and emits the events returned here.
 */
import type { LocalDate } from '../offer/types.ts';
import { localDateOf } from '../time/rome-time.ts';

export interface BookedItem {
  appointmentId: string;
  serviceId: string;
  /** null when the booking has no prescription line (e.g. private regime) */
  prescriptionLineId: string | null;
  slotStart: Date;
  providerId: string;
  bookedAt: Date;
}

/** Inclusive local dates in which the same service counts as a duplicate: the prescription's validity window. */
export interface DuplicateWindow {
  from: LocalDate;
  to: LocalDate;
}

export type DuplicateRule = 'same_prescription_line' | 'same_service_in_window';

export interface DuplicateMatch {
  appointmentId: string;
  rule: DuplicateRule;
  /** the duplicate is at another provider */
  crossProvider: boolean;
}

/** keep_earlier: keep the first booked (the newcomer is dropped); keep_newer: keep the latest booked; notify_only: cancel nothing. */
export type DuplicatePolicy = 'keep_earlier' | 'keep_newer' | 'notify_only';

export interface DuplicateEvent {
  type: 'booking.duplicate_detected';
  appointmentId: string;
  duplicateOf: string;
  rule: DuplicateRule;
  policy: DuplicatePolicy;
}

export interface DuplicateResolution {
  duplicates: DuplicateMatch[];
  /** the appointment of the group that stays (null when there is no duplicate) */
  keep: string | null;
  cancel: { appointmentId: string; reason: 'duplicate' }[];
  events: DuplicateEvent[];
}

const matchRule = (existing: BookedItem, candidate: BookedItem, window: DuplicateWindow | null): DuplicateRule | null => {
  if (candidate.prescriptionLineId !== null && existing.prescriptionLineId === candidate.prescriptionLineId) return 'same_prescription_line';
  if (window === null || existing.serviceId !== candidate.serviceId) return null;
  const day = localDateOf(existing.slotStart);
  return day >= window.from && day <= window.to ? 'same_service_in_window' : null;
};

/** The patient's active appointments that duplicate the candidate (the candidate itself is skipped). */
export const findDuplicates = (
  active: readonly BookedItem[],
  candidate: BookedItem,
  window: DuplicateWindow | null,
): DuplicateMatch[] =>
  active.flatMap((existing) => {
    if (existing.appointmentId === candidate.appointmentId) return [];
    const rule = matchRule(existing, candidate, window);
    return rule === null ? [] : [{ appointmentId: existing.appointmentId, rule, crossProvider: existing.providerId !== candidate.providerId }];
  });

/** Booking order: bookedAt, then appointment id, so the choice is deterministic. */
const byBookedAt = (a: BookedItem, b: BookedItem): number =>
  a.bookedAt.getTime() - b.bookedAt.getTime() || (a.appointmentId < b.appointmentId ? -1 : a.appointmentId > b.appointmentId ? 1 : 0);

const keeperOf = (group: readonly BookedItem[], policy: DuplicatePolicy, candidate: BookedItem): BookedItem => {
  if (policy === 'notify_only') return candidate;
  const sorted = [...group].sort(byBookedAt);
  return (policy === 'keep_earlier' ? sorted[0] : sorted[sorted.length - 1]) as BookedItem;
};

/**
 * Finds the candidate's duplicates and applies the policy to the group (candidate + duplicates): every member
 * but the kept one is cancelled with reason 'duplicate' (none under notify_only). One duplicate_detected event
 * per duplicate pair, naming the candidate as duplicateOf.
 */
export const resolveDuplicates = (
  active: readonly BookedItem[],
  candidate: BookedItem,
  policy: DuplicatePolicy,
  window: DuplicateWindow | null,
): DuplicateResolution => {
  const duplicates = findDuplicates(active, candidate, window);
  if (duplicates.length === 0) return { duplicates, keep: null, cancel: [], events: [] };
  const ids = new Set(duplicates.map((d) => d.appointmentId));
  const group = [candidate, ...active.filter((a) => ids.has(a.appointmentId))];
  const keep = keeperOf(group, policy, candidate).appointmentId;
  const cancel =
    policy === 'notify_only'
      ? []
      : group.filter((a) => a.appointmentId !== keep).sort(byBookedAt).map((a) => ({ appointmentId: a.appointmentId, reason: 'duplicate' as const }));
  const events = duplicates.map((d): DuplicateEvent => ({
    type: 'booking.duplicate_detected',
    appointmentId: d.appointmentId,
    duplicateOf: candidate.appointmentId,
    rule: d.rule,
    policy,
  }));
  return { duplicates, keep, cancel, events };
};
