/**
 * A pure in-memory ledger of slots and appointments, used by tests (and benchmarks) to model interleavings of
 * hold / confirm / cancel / expire / move commands from many clients. Every command goes through the capacity
 * rule (capacity.ts) and the appointment state machine (appointment.ts); a failed command returns the ledger
 * unchanged (the same object). applyLedgerCommand never mutates its input. Cancellation cut-offs play no part in
 * capacity, so the ledger sets each appointment's cut-off to its slot start; cancellations are by the patient via web.
 */
import { err, ok, type Result } from '../shared/result.ts';
import { holdAppointment, isHoldExpired, transition, type Appointment, type AppointmentEventType } from './appointment.ts';
import { confirmHeld, release, tryTake, type SlotCount } from './capacity.ts';

export interface LedgerSlot extends SlotCount {
  id: string;
  start: Date;
  held: number;
}

export interface SlotLedger {
  slots: ReadonlyMap<string, LedgerSlot>;
  appointments: ReadonlyMap<string, Appointment>;
  holdMinutes: number;
}

export type LedgerCommand =
  | { type: 'hold'; appointmentId: string; slotId: string }
  | { type: 'confirm'; appointmentId: string }
  | { type: 'cancel'; appointmentId: string }
  | { type: 'expireHolds' }
  | { type: 'move'; appointmentId: string; toSlotId: string };

/** The state machine's events plus the two the ledger adds for holds and moves. */
export type LedgerEventType = AppointmentEventType | 'booking.held' | 'booking.moved';

export interface LedgerStep {
  ledger: SlotLedger;
  result: Result<{ events: LedgerEventType[] }>;
}

export const createLedger = (slots: readonly { id: string; start: Date; capacity: number }[], holdMinutes = 10): SlotLedger => ({
  slots: new Map(slots.map((s) => [s.id, { ...s, booked: 0, held: 0 }])),
  appointments: new Map(),
  holdMinutes,
});

const unchanged = (ledger: SlotLedger, result: Result<never>): LedgerStep => ({ ledger, result });

const withSlot = (slots: ReadonlyMap<string, LedgerSlot>, slot: LedgerSlot, count: SlotCount): Map<string, LedgerSlot> =>
  new Map(slots).set(slot.id, { ...slot, booked: count.booked, held: count.held ?? 0 });

const withAppointment = (appts: ReadonlyMap<string, Appointment>, a: Appointment): Map<string, Appointment> => new Map(appts).set(a.id, a);

const hold = (ledger: SlotLedger, cmd: Extract<LedgerCommand, { type: 'hold' }>, now: Date): LedgerStep => {
  const slot = ledger.slots.get(cmd.slotId);
  if (slot === undefined) return unchanged(ledger, err('SLOT_NOT_FOUND', `no slot ${cmd.slotId}`));
  if (ledger.appointments.has(cmd.appointmentId)) return unchanged(ledger, err('APPOINTMENT_EXISTS', `appointment ${cmd.appointmentId} exists`));
  const taken = tryTake(slot, 1, 'held');
  if (!taken.ok) return unchanged(ledger, taken);
  const appt = holdAppointment({ id: cmd.appointmentId, slotId: slot.id, slotStart: slot.start, cancellationCutoff: slot.start }, now, ledger.holdMinutes);
  return {
    ledger: { ...ledger, slots: withSlot(ledger.slots, slot, taken.value), appointments: withAppointment(ledger.appointments, appt) },
    result: ok({ events: ['booking.held'] }),
  };
};

const findAppointment = (ledger: SlotLedger, id: string): Result<{ appt: Appointment; slot: LedgerSlot }> => {
  const appt = ledger.appointments.get(id);
  if (appt === undefined) return err('APPOINTMENT_NOT_FOUND', `no appointment ${id}`);
  return ok({ appt, slot: ledger.slots.get(appt.slotId) as LedgerSlot });
};

const confirm = (ledger: SlotLedger, id: string, now: Date): LedgerStep => {
  const found = findAppointment(ledger, id);
  if (!found.ok) return unchanged(ledger, found);
  const t = transition(found.value.appt, { type: 'confirm' }, now);
  if (!t.ok) return unchanged(ledger, t);
  const count = confirmHeld(found.value.slot);
  if (!count.ok) return unchanged(ledger, count);
  return {
    ledger: { ...ledger, slots: withSlot(ledger.slots, found.value.slot, count.value), appointments: withAppointment(ledger.appointments, t.value.appointment) },
    result: ok({ events: t.value.events }),
  };
};

const cancel = (ledger: SlotLedger, id: string, now: Date): LedgerStep => {
  const found = findAppointment(ledger, id);
  if (!found.ok) return unchanged(ledger, found);
  const { appt, slot } = found.value;
  const t = transition(appt, { type: 'cancel', reason: 'patient', by: 'web' }, now);
  if (!t.ok) return unchanged(ledger, t);
  const count = release(slot, 1, appt.state === 'held' ? 'held' : 'booked');
  return {
    ledger: { ...ledger, slots: withSlot(ledger.slots, slot, count), appointments: withAppointment(ledger.appointments, t.value.appointment) },
    result: ok({ events: t.value.events }),
  };
};

const expireHolds = (ledger: SlotLedger, now: Date): LedgerStep => {
  let current = ledger;
  const events: LedgerEventType[] = [];
  for (const appt of ledger.appointments.values()) {
    if (!isHoldExpired(appt, now)) continue;
    const t = transition(appt, { type: 'expireHold' }, now);
    if (!t.ok) continue;
    const slot = current.slots.get(appt.slotId) as LedgerSlot;
    current = { ...current, slots: withSlot(current.slots, slot, release(slot, 1, 'held')), appointments: withAppointment(current.appointments, t.value.appointment) };
    events.push(...t.value.events);
  }
  return { ledger: current, result: ok({ events }) };
};

/** Atomic move of a booked appointment: the new slot is taken first, then the old one released; or nothing changes. */
const move = (ledger: SlotLedger, id: string, toSlotId: string): LedgerStep => {
  const found = findAppointment(ledger, id);
  if (!found.ok) return unchanged(ledger, found);
  const { appt, slot: from } = found.value;
  if (appt.state !== 'booked') {
    return unchanged(ledger, err('APPOINTMENT_STATE_INVALID', `cannot move an appointment that is ${appt.state}`, undefined, { state: appt.state }));
  }
  const to = ledger.slots.get(toSlotId);
  if (to === undefined) return unchanged(ledger, err('SLOT_NOT_FOUND', `no slot ${toSlotId}`));
  if (to.id === from.id) return unchanged(ledger, err('MOVE_SAME_SLOT', 'the appointment is already in that slot'));
  const taken = tryTake(to);
  if (!taken.ok) return unchanged(ledger, taken);
  const slots = withSlot(withSlot(ledger.slots, to, taken.value), from, release(from));
  const moved: Appointment = { ...appt, slotId: to.id, slotStart: to.start, cancellationCutoff: to.start };
  return { ledger: { ...ledger, slots, appointments: withAppointment(ledger.appointments, moved) }, result: ok({ events: ['booking.moved'] }) };
};

/** Applies one command at instant now. */
export const applyLedgerCommand = (ledger: SlotLedger, cmd: LedgerCommand, now: Date): LedgerStep => {
  switch (cmd.type) {
    case 'hold':
      return hold(ledger, cmd, now);
    case 'confirm':
      return confirm(ledger, cmd.appointmentId, now);
    case 'cancel':
      return cancel(ledger, cmd.appointmentId, now);
    case 'expireHolds':
      return expireHolds(ledger, now);
    case 'move':
      return move(ledger, cmd.appointmentId, cmd.toSlotId);
  }
};
