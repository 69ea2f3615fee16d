/**
 * The slot capacity rule as a pure model: booked + held never exceeds capacity and never goes below 0.
 * A hold takes a place as 'held'; confirming turns it into 'booked' without a new check. Pure: returns new
 * counters, never mutates. (The store enforces the same rule with a conditional update.)
 */
import { err, ok, type Result } from '../shared/result.ts';

export interface SlotCount {
  capacity: number;
  booked: number;
  held?: number | undefined;
}

export type PlaceKind = 'booked' | 'held';

export const usedPlaces = (slot: SlotCount): number => slot.booked + (slot.held ?? 0);

export const remainingPlaces = (slot: SlotCount): number => Math.max(0, slot.capacity - usedPlaces(slot));

const checkCount = (n: number): void => {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`places must be a positive integer: ${n}`);
};

/** Takes n places as booked or held. SLOT_TAKEN (details: capacity, booked, held, requested) when fewer remain. */
export const tryTake = (slot: SlotCount, n = 1, kind: PlaceKind = 'booked'): Result<SlotCount> => {
  checkCount(n);
  const held = slot.held ?? 0;
  if (usedPlaces(slot) + n > slot.capacity) {
    return err('SLOT_TAKEN', `the slot has ${remainingPlaces(slot)} free place(s), ${n} requested`, undefined, {
      capacity: slot.capacity,
      booked: slot.booked,
      held,
      requested: n,
    });
  }
  return ok(kind === 'booked' ? { ...slot, booked: slot.booked + n, held } : { ...slot, held: held + n });
};

/** Gives back n places of a kind; each counter stays within 0..capacity whatever n is. */
export const release = (slot: SlotCount, n = 1, kind: PlaceKind = 'booked'): SlotCount => {
  checkCount(n);
  const clamp = (v: number): number => Math.min(slot.capacity, Math.max(0, v));
  const held = slot.held ?? 0;
  return kind === 'booked' ? { ...slot, booked: clamp(slot.booked - n), held } : { ...slot, held: clamp(held - n) };
};

/** Turns n held places into booked ones (a confirmed hold). HOLD_NOT_FOUND when fewer are held. */
export const confirmHeld = (slot: SlotCount, n = 1): Result<SlotCount> => {
  checkCount(n);
  const held = slot.held ?? 0;
  if (held < n) return err('HOLD_NOT_FOUND', `the slot has ${held} held place(s), ${n} to confirm`, undefined, { held, requested: n });
  return ok({ ...slot, booked: slot.booked + n, held: held - n });
};
