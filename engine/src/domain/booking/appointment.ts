/**
 * The appointment state machine as pure transitions (DOMAIN.md §6, DESIGN.md Booking):
 *
 *   held ──confirm──▶ booked ──checkIn──▶ checked_in ──deliver──▶ delivered
 *    │                  │                     └──notDeliver──▶ not_delivered
 *    │                  ├──notDeliver──▶ not_delivered
 *    ├──cancel / expireHold──▶ cancelled ◀──cancel──┘
 *
 * transition() never mutates its input: it returns the next appointment and the event types to emit, or an
 * error with a stable code. A cancellation of a booked appointment after its cut-off (see cancellationCutoff
 * in working-days.ts, stored on the appointment when it is created) is flagged late. A no-show, i.e. an
 * appointment neither attended nor cancelled, is flagged for the penalty even when the patient is exempt
 * (DL 73/2024 art. 3 c.7); force majeure and justifications are handled after the fact.
 */
import type { Channel } from '../offer/types.ts';
import { err, ok, type Result } from '../shared/result.ts';

export const APPOINTMENT_STATES = ['held', 'booked', 'checked_in', 'delivered', 'not_delivered', 'cancelled'] as const;
export type AppointmentState = (typeof APPOINTMENT_STATES)[number];

export const CANCEL_REASONS = ['patient', 'provider', 'duplicate', 'system'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

export const NOT_DELIVERED_REASONS = ['no_show', 'provider_cancelled', 'patient_refused'] as const;
export type NotDeliveredReason = (typeof NOT_DELIVERED_REASONS)[number];

export const TERMINAL_STATES: readonly AppointmentState[] = ['delivered', 'not_delivered', 'cancelled'];

export interface Cancellation {
  reason: CancelReason;
  by: Channel;
  at: Date;
  /** after the cut-off (only for a booked appointment) */
  late: boolean;
}

export interface Outcome {
  delivered: boolean;
  reason: NotDeliveredReason | null;
  at: Date;
  /** the ordinary ticket quota is due, even if exempt (DL 73/2024 art. 3 c.7) */
  penalty: boolean;
}

export interface Appointment {
  id: string;
  slotId: string;
  state: AppointmentState;
  slotStart: Date;
  /** when a hold lapses (held state only) */
  holdExpiresAt: Date | null;
  /** last instant a cancellation is timely */
  cancellationCutoff: Date;
  bookedAt: Date | null;
  checkedInAt: Date | null;
  cancellation: Cancellation | null;
  outcome: Outcome | null;
}

export type AppointmentCommand =
  | { type: 'confirm' }
  | { type: 'cancel'; reason: CancelReason; by: Channel }
  | { type: 'expireHold' }
  | { type: 'checkIn' }
  | { type: 'deliver' }
  | { type: 'notDeliver'; reason: NotDeliveredReason };

export type AppointmentEventType =
  | 'booking.confirmed'
  | 'booking.cancelled'
  | 'booking.cancelled_late'
  | 'booking.hold_expired'
  | 'delivery.checked_in'
  | 'delivery.delivered'
  | 'delivery.not_delivered'
  | 'payment.no_show_penalty_due';

export interface Transition {
  appointment: Appointment;
  events: AppointmentEventType[];
}

export interface NewHold {
  id: string;
  slotId: string;
  slotStart: Date;
  cancellationCutoff: Date;
}

/** A new appointment holding a place until now + holdMinutes. */
export const holdAppointment = (input: NewHold, now: Date, holdMinutes: number): Appointment => ({
  ...input,
  state: 'held',
  holdExpiresAt: new Date(now.getTime() + holdMinutes * 60_000),
  bookedAt: null,
  checkedInAt: null,
  cancellation: null,
  outcome: null,
});

export const isActive = (a: Pick<Appointment, 'state'>): boolean => a.state === 'held' || a.state === 'booked';

export const isHoldExpired = (a: Appointment, now: Date): boolean =>
  a.state === 'held' && a.holdExpiresAt !== null && now.getTime() >= a.holdExpiresAt.getTime();

const invalidState = (appt: Appointment, command: AppointmentCommand): Result<never> =>
  err('APPOINTMENT_STATE_INVALID', `cannot ${command.type} an appointment that is ${appt.state}`, undefined, {
    state: appt.state,
    command: command.type,
  });

const next = (appointment: Appointment, events: AppointmentEventType[]): Result<Transition> => ok({ appointment, events });

const confirm = (appt: Appointment, command: AppointmentCommand, now: Date): Result<Transition> => {
  if (appt.state !== 'held') return invalidState(appt, command);
  if (isHoldExpired(appt, now)) {
    return err('HOLD_EXPIRED', 'the hold has expired', undefined, { holdExpiresAt: appt.holdExpiresAt?.toISOString() });
  }
  return next({ ...appt, state: 'booked', holdExpiresAt: null, bookedAt: now }, ['booking.confirmed']);
};

const cancel = (appt: Appointment, command: Extract<AppointmentCommand, { type: 'cancel' }>, now: Date): Result<Transition> => {
  if (!isActive(appt)) {
    return err('CANCEL_NOT_ALLOWED', `an appointment that is ${appt.state} cannot be cancelled`, undefined, { state: appt.state });
  }
  const late = appt.state === 'booked' && now.getTime() > appt.cancellationCutoff.getTime();
  const cancellation: Cancellation = { reason: command.reason, by: command.by, at: now, late };
  const events: AppointmentEventType[] = late ? ['booking.cancelled', 'booking.cancelled_late'] : ['booking.cancelled'];
  return next({ ...appt, state: 'cancelled', holdExpiresAt: null, cancellation }, events);
};

const expireHold = (appt: Appointment, command: AppointmentCommand, now: Date): Result<Transition> => {
  if (appt.state !== 'held') return invalidState(appt, command);
  if (!isHoldExpired(appt, now)) return err('HOLD_NOT_EXPIRED', 'the hold has not expired yet', undefined, { holdExpiresAt: appt.holdExpiresAt?.toISOString() });
  const cancellation: Cancellation = { reason: 'system', by: 'internal', at: now, late: false };
  return next({ ...appt, state: 'cancelled', holdExpiresAt: null, cancellation }, ['booking.hold_expired']);
};

const checkIn = (appt: Appointment, command: AppointmentCommand, now: Date): Result<Transition> =>
  appt.state === 'booked' ? next({ ...appt, state: 'checked_in', checkedInAt: now }, ['delivery.checked_in']) : invalidState(appt, command);

const deliver = (appt: Appointment, command: AppointmentCommand, now: Date): Result<Transition> =>
  appt.state === 'checked_in'
    ? next({ ...appt, state: 'delivered', outcome: { delivered: true, reason: null, at: now, penalty: false } }, ['delivery.delivered'])
    : invalidState(appt, command);

/** A no-show is recorded on a booked appointment once it has started; the other reasons also after check-in. */
const notDeliver = (appt: Appointment, command: Extract<AppointmentCommand, { type: 'notDeliver' }>, now: Date): Result<Transition> => {
  const noShow = command.reason === 'no_show';
  const allowed = noShow ? appt.state === 'booked' : appt.state === 'booked' || appt.state === 'checked_in';
  if (!allowed) return invalidState(appt, command);
  if (noShow && now.getTime() < appt.slotStart.getTime()) {
    return err('NO_SHOW_TOO_EARLY', 'a no-show can be recorded only once the appointment has started', undefined, {
      slotStart: appt.slotStart.toISOString(),
    });
  }
  const outcome: Outcome = { delivered: false, reason: command.reason, at: now, penalty: noShow };
  const events: AppointmentEventType[] = noShow ? ['delivery.not_delivered', 'payment.no_show_penalty_due'] : ['delivery.not_delivered'];
  return next({ ...appt, state: 'not_delivered', outcome }, events);
};

/** Applies a command at instant now. Errors: APPOINTMENT_STATE_INVALID (details.state), HOLD_EXPIRED, CANCEL_NOT_ALLOWED, ... */
export const transition = (appt: Appointment, command: AppointmentCommand, now: Date): Result<Transition> => {
  switch (command.type) {
    case 'confirm':
      return confirm(appt, command, now);
    case 'cancel':
      return cancel(appt, command, now);
    case 'expireHold':
      return expireHold(appt, command, now);
    case 'checkIn':
      return checkIn(appt, command, now);
    case 'deliver':
      return deliver(appt, command, now);
    case 'notDeliver':
      return notDeliver(appt, command, now);
  }
};
