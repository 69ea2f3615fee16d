import { describe, expect, it } from 'vitest';
import {
  holdAppointment,
  transition,
  type Appointment,
  type AppointmentCommand,
  type AppointmentState,
} from '../../engine/src/domain/booking/appointment.ts';

const at = (iso: string) => new Date(iso);
const HOLD_AT = at('2026-12-01T09:00:00Z');
const SLOT_START = at('2026-12-28T08:00:00Z');
const CUTOFF = at('2026-12-23T22:59:59.999Z');

const held = (): Appointment =>
  holdAppointment({ id: 'a1', slotId: 's1', slotStart: SLOT_START, cancellationCutoff: CUTOFF }, HOLD_AT, 10);

const run = (appt: Appointment, command: AppointmentCommand, now: Date): Appointment => {
  const r = transition(appt, command, now);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value.appointment;
};
const booked = (): Appointment => run(held(), { type: 'confirm' }, at('2026-12-01T09:05:00Z'));
const checkedIn = (): Appointment => run(booked(), { type: 'checkIn' }, at('2026-12-28T07:50:00Z'));
const inState = (state: AppointmentState): Appointment => {
  const base = booked();
  switch (state) {
    case 'held':
      return held();
    case 'booked':
      return base;
    case 'checked_in':
      return checkedIn();
    case 'delivered':
      return run(checkedIn(), { type: 'deliver' }, at('2026-12-28T08:30:00Z'));
    case 'not_delivered':
      return run(base, { type: 'notDeliver', reason: 'no_show' }, at('2026-12-28T09:00:00Z'));
    case 'cancelled':
      return run(base, { type: 'cancel', reason: 'patient', by: 'web' }, at('2026-12-10T09:00:00Z'));
  }
};

describe('holding and confirming', () => {
  it('a new hold expires holdMinutes later', () => {
    expect(held()).toMatchObject({ state: 'held', holdExpiresAt: at('2026-12-01T09:10:00Z'), bookedAt: null });
  });

  it('confirming a live hold books the appointment and emits booking.confirmed', () => {
    const now = at('2026-12-01T09:09:59.999Z');
    const r = transition(held(), { type: 'confirm' }, now);
    expect(r.ok && r.value.events).toEqual(['booking.confirmed']);
    expect(r.ok && r.value.appointment).toMatchObject({ state: 'booked', bookedAt: now, holdExpiresAt: null });
  });

  it('confirming at the expiry instant fails with HOLD_EXPIRED and leaves the hold as it was', () => {
    const appt = held();
    const before = structuredClone(appt);
    const r = transition(appt, { type: 'confirm' }, at('2026-12-01T09:10:00Z'));
    expect(!r.ok && r.error.code).toBe('HOLD_EXPIRED');
    expect(appt).toEqual(before);
  });

  it('an expired hold can be expired by the system; a live one cannot', () => {
    const early = transition(held(), { type: 'expireHold' }, at('2026-12-01T09:09:00Z'));
    expect(!early.ok && early.error.code).toBe('HOLD_NOT_EXPIRED');
    const r = transition(held(), { type: 'expireHold' }, at('2026-12-01T09:10:00Z'));
    expect(r.ok && r.value.events).toEqual(['booking.hold_expired']);
    expect(r.ok && r.value.appointment.cancellation).toEqual({ reason: 'system', by: 'internal', at: at('2026-12-01T09:10:00Z'), late: false });
  });

  it('confirming twice is an invalid transition naming the current state', () => {
    const r = transition(booked(), { type: 'confirm' }, at('2026-12-01T09:06:00Z'));
    expect(!r.ok && r.error).toMatchObject({ code: 'APPOINTMENT_STATE_INVALID', details: { state: 'booked', command: 'confirm' } });
  });
});

describe('cancelling', () => {
  it('a timely patient cancellation is not late', () => {
    const r = transition(booked(), { type: 'cancel', reason: 'patient', by: 'call_centre' }, CUTOFF);
    expect(r.ok && r.value.events).toEqual(['booking.cancelled']);
    expect(r.ok && r.value.appointment).toMatchObject({ state: 'cancelled', cancellation: { reason: 'patient', by: 'call_centre', at: CUTOFF, late: false } });
  });

  it('a cancellation after the cut-off is flagged late', () => {
    const now = at('2026-12-23T23:00:00Z');
    const r = transition(booked(), { type: 'cancel', reason: 'patient', by: 'web' }, now);
    expect(r.ok && r.value.events).toEqual(['booking.cancelled', 'booking.cancelled_late']);
    expect(r.ok && r.value.appointment.cancellation?.late).toBe(true);
  });

  it('cancelling a hold is never late', () => {
    const r = transition(held(), { type: 'cancel', reason: 'duplicate', by: 'internal' }, at('2026-12-01T09:01:00Z'));
    expect(r.ok && r.value.appointment).toMatchObject({ state: 'cancelled', holdExpiresAt: null, cancellation: { reason: 'duplicate', late: false } });
  });

  it.each(['checked_in', 'delivered', 'not_delivered', 'cancelled'] as const)('cancelling an appointment that is %s fails with CANCEL_NOT_ALLOWED', (state) => {
    const r = transition(inState(state), { type: 'cancel', reason: 'provider', by: 'desk' }, at('2026-12-28T10:00:00Z'));
    expect(!r.ok && r.error).toMatchObject({ code: 'CANCEL_NOT_ALLOWED', details: { state } });
  });
});

describe('check-in and delivery', () => {
  it('a booked appointment is checked in, then delivered', () => {
    const r1 = transition(booked(), { type: 'checkIn' }, at('2026-12-28T07:50:00Z'));
    expect(r1.ok && [r1.value.appointment.state, r1.value.events]).toEqual(['checked_in', ['delivery.checked_in']]);
    const r2 = transition(checkedIn(), { type: 'deliver' }, at('2026-12-28T08:30:00Z'));
    expect(r2.ok && r2.value.events).toEqual(['delivery.delivered']);
    expect(r2.ok && r2.value.appointment.outcome).toEqual({ delivered: true, reason: null, at: at('2026-12-28T08:30:00Z'), penalty: false });
  });

  it('a no-show is flagged for the penalty (DL 73/2024 art. 3 c.7, even if exempt)', () => {
    const r = transition(booked(), { type: 'notDeliver', reason: 'no_show' }, at('2026-12-28T09:00:00Z'));
    expect(r.ok && r.value.events).toEqual(['delivery.not_delivered', 'payment.no_show_penalty_due']);
    expect(r.ok && r.value.appointment.outcome).toEqual({ delivered: false, reason: 'no_show', at: at('2026-12-28T09:00:00Z'), penalty: true });
  });

  it('a no-show cannot be recorded before the appointment starts', () => {
    const r = transition(booked(), { type: 'notDeliver', reason: 'no_show' }, at('2026-12-28T07:59:59Z'));
    expect(!r.ok && r.error.code).toBe('NO_SHOW_TOO_EARLY');
  });

  it('a provider cancellation or a refusal after check-in carries no penalty', () => {
    const r1 = transition(booked(), { type: 'notDeliver', reason: 'provider_cancelled' }, at('2026-12-28T07:00:00Z'));
    expect(r1.ok && [r1.value.appointment.outcome?.penalty, r1.value.events]).toEqual([false, ['delivery.not_delivered']]);
    const r2 = transition(checkedIn(), { type: 'notDeliver', reason: 'patient_refused' }, at('2026-12-28T08:05:00Z'));
    expect(r2.ok && r2.value.appointment).toMatchObject({ state: 'not_delivered', outcome: { reason: 'patient_refused', penalty: false } });
  });

  it('a checked-in patient cannot be recorded as a no-show', () => {
    const r = transition(checkedIn(), { type: 'notDeliver', reason: 'no_show' }, at('2026-12-28T09:00:00Z'));
    expect(!r.ok && r.error).toMatchObject({ code: 'APPOINTMENT_STATE_INVALID', details: { state: 'checked_in' } });
  });

  it.each([
    ['held', { type: 'checkIn' }],
    ['held', { type: 'deliver' }],
    ['booked', { type: 'deliver' }],
    ['delivered', { type: 'checkIn' }],
    ['cancelled', { type: 'confirm' }],
    ['not_delivered', { type: 'deliver' }],
  ] as [AppointmentState, AppointmentCommand][])('from %s, %o is APPOINTMENT_STATE_INVALID', (state, command) => {
    const r = transition(inState(state), command, at('2026-12-28T09:00:00Z'));
    expect(!r.ok && r.error).toMatchObject({ code: 'APPOINTMENT_STATE_INVALID', details: { state, command: command.type } });
  });
});
