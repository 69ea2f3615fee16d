import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { confirmHeld, release, remainingPlaces, tryTake } from '../../engine/src/domain/booking/capacity.ts';
import { applyLedgerCommand, createLedger, type LedgerCommand, type SlotLedger } from '../../engine/src/domain/booking/slot-ledger.ts';

describe('tryTake', () => {
  it('books the last free place', () => {
    expect(tryTake({ capacity: 2, booked: 1 })).toEqual({ ok: true, value: { capacity: 2, booked: 2, held: 0 } });
  });

  it('holds a place as held, not booked', () => {
    expect(tryTake({ capacity: 2, booked: 0, held: 1 }, 1, 'held')).toEqual({ ok: true, value: { capacity: 2, booked: 0, held: 2 } });
  });

  it('refuses with SLOT_TAKEN when booked and held places fill the slot', () => {
    expect(tryTake({ capacity: 2, booked: 1, held: 1 })).toEqual({
      ok: false,
      error: { code: 'SLOT_TAKEN', message: 'the slot has 0 free place(s), 1 requested', details: { capacity: 2, booked: 1, held: 1, requested: 1 } },
    });
  });

  it('refuses to take 3 places out of 2 free', () => {
    const r = tryTake({ capacity: 3, booked: 1 }, 3);
    expect(!r.ok && r.error.code).toBe('SLOT_TAKEN');
  });

  it('throws on a non-positive count (a programming error)', () => {
    expect(() => tryTake({ capacity: 1, booked: 0 }, 0)).toThrow(RangeError);
  });
});

describe('release and confirmHeld', () => {
  it('never goes below 0', () => {
    expect(release({ capacity: 2, booked: 1, held: 0 }, 3)).toEqual({ capacity: 2, booked: 0, held: 0 });
    expect(release({ capacity: 2, booked: 1, held: 1 }, 2, 'held')).toEqual({ capacity: 2, booked: 1, held: 0 });
  });

  it('never leaves a counter above capacity, even from corrupt counters', () => {
    expect(release({ capacity: 2, booked: 7 }, 1)).toEqual({ capacity: 2, booked: 2, held: 0 });
  });

  it('turns a held place into a booked one', () => {
    expect(confirmHeld({ capacity: 2, booked: 0, held: 1 })).toEqual({ ok: true, value: { capacity: 2, booked: 1, held: 0 } });
    const none = confirmHeld({ capacity: 2, booked: 1, held: 0 });
    expect(!none.ok && none.error.code).toBe('HOLD_NOT_FOUND');
  });

  it('counts the remaining places', () => {
    expect(remainingPlaces({ capacity: 3, booked: 1, held: 1 })).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// The capacity property over interleavings of many clients
// ---------------------------------------------------------------------------------------------

const T0 = Date.parse('2026-05-04T08:00:00Z');
const SLOT_IDS = ['s0', 's1', 's2'];
const CLIENTS = 4;

type Step =
  | { op: 'hold'; client: number; slot: number }
  | { op: 'confirm' | 'cancel'; client: number; pick: number }
  | { op: 'move'; client: number; pick: number; slot: number }
  | { op: 'expire' };

// Weighted so that runs reach full slots, confirmed holds, expiries and moves; time mostly stands still.
const stepArb: fc.Arbitrary<{ step: Step; advanceMin: number }> = fc.record({
  advanceMin: fc.oneof(
    { weight: 12, arbitrary: fc.constant(0) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }) },
    { weight: 1, arbitrary: fc.integer({ min: 10, max: 15 }) },
  ),
  step: fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('hold' as const), client: fc.nat(CLIENTS - 1), slot: fc.nat(SLOT_IDS.length - 1) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('confirm' as const), client: fc.nat(CLIENTS - 1), pick: fc.nat(3) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), client: fc.nat(CLIENTS - 1), pick: fc.nat(3) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('move' as const), client: fc.nat(CLIENTS - 1), pick: fc.nat(3), slot: fc.nat(SLOT_IDS.length - 1) }) },
    { weight: 1, arbitrary: fc.constant({ op: 'expire' as const }) },
  ),
});

/** The client's appointments, active ones (held, booked) first, so that picks mostly hit live appointments. */
const clientAppointments = (ledger: SlotLedger, client: number): string[] => {
  const own = [...ledger.appointments.values()].filter((a) => a.id.startsWith(`c${client}-`));
  const rank = (state: string) => (state === 'held' || state === 'booked' ? 0 : 1);
  return own.sort((a, b) => rank(a.state) - rank(b.state)).map((a) => a.id);
};

/** Turns a generated step into a ledger command (appointments are picked among the client's own). */
const toCommand = (ledger: SlotLedger, step: Step, n: number): LedgerCommand | null => {
  if (step.op === 'expire') return { type: 'expireHolds' };
  if (step.op === 'hold') return { type: 'hold', appointmentId: `c${step.client}-${n}`, slotId: SLOT_IDS[step.slot] as string };
  const own = clientAppointments(ledger, step.client);
  if (own.length === 0) return null;
  const appointmentId = own[step.pick % own.length] as string;
  return step.op === 'move' ? { type: 'move', appointmentId, toSlotId: SLOT_IDS[step.slot] as string } : { type: step.op, appointmentId };
};

const checkInvariants = (ledger: SlotLedger): void => {
  for (const slot of ledger.slots.values()) {
    const appts = [...ledger.appointments.values()].filter((a) => a.slotId === slot.id);
    expect(slot.booked + slot.held).toBeLessThanOrEqual(slot.capacity);
    expect(slot.booked).toBe(appts.filter((a) => a.state === 'booked').length);
    expect(slot.held).toBe(appts.filter((a) => a.state === 'held').length);
  }
};

const checkMove = (before: SlotLedger, after: SlotLedger, cmd: Extract<LedgerCommand, { type: 'move' }>, ok: boolean): void => {
  if (!ok) {
    expect(after).toBe(before);
    return;
  }
  const from = before.appointments.get(cmd.appointmentId)?.slotId as string;
  expect(after.appointments.get(cmd.appointmentId)?.slotId).toBe(cmd.toSlotId);
  expect(after.slots.get(cmd.toSlotId)?.booked).toBe((before.slots.get(cmd.toSlotId)?.booked as number) + 1);
  expect(after.slots.get(from)?.booked).toBe((before.slots.get(from)?.booked as number) - 1);
};

describe('slot capacity under any interleaving (property)', () => {
  it('never books over capacity, counts equal active appointments, failures change nothing, moves are all-or-nothing', () => {
    const capacities = fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }));
    const seen = new Set<string>();
    fc.assert(
      fc.property(capacities, fc.array(stepArb, { minLength: 10, maxLength: 120, size: 'max' }), (caps, steps) => {
        let ledger = createLedger(SLOT_IDS.map((id, i) => ({ id, start: new Date(T0 + 86_400_000 * (i + 1)), capacity: caps[i] as number })), 10);
        let now = T0;
        steps.forEach(({ step, advanceMin }, n) => {
          now += advanceMin * 60_000;
          const cmd = toCommand(ledger, step, n);
          if (cmd === null) return;
          const before = ledger;
          const { ledger: after, result } = applyLedgerCommand(ledger, cmd, new Date(now));
          seen.add(`${cmd.type}:${result.ok ? 'ok' : result.error.code}`);
          if (!result.ok) expect(after).toBe(before);
          if (cmd.type === 'move') checkMove(before, after, cmd, result.ok);
          checkInvariants(after);
          ledger = after;
        });
      }),
      { numRuns: 250 },
    );
    // the runs did exercise the interesting paths (the property is not vacuous)
    for (const outcome of ['hold:SLOT_TAKEN', 'confirm:ok', 'confirm:HOLD_EXPIRED', 'cancel:ok', 'expireHolds:ok', 'move:ok', 'move:SLOT_TAKEN']) {
      expect(seen).toContain(outcome);
    }
  });

  it('with concurrent clients scheduled in any order, no slot is ever overbooked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 3 }), fc.array(fc.constantFrom('keep', 'cancel', 'move'), { minLength: 2, maxLength: 8 }), async (s, capacity, plans) => {
        let ledger = createLedger([{ id: 's0', start: new Date(T0 + 86_400_000), capacity }, { id: 's1', start: new Date(T0 + 2 * 86_400_000), capacity: 1 }]);
        const now = new Date(T0);
        // each command is one atomic transaction; awaiting the scheduler between commands lets clients interleave
        const apply = async (cmd: LedgerCommand) => {
          await s.schedule(Promise.resolve());
          const step = applyLedgerCommand(ledger, cmd, now);
          ledger = step.ledger;
          checkInvariants(ledger);
          return step.result.ok;
        };
        const client = async (plan: string, i: number) => {
          const id = `c${i}-0`;
          if (!(await apply({ type: 'hold', appointmentId: id, slotId: 's0' }))) return;
          if (!(await apply({ type: 'confirm', appointmentId: id }))) return;
          if (plan === 'cancel') await apply({ type: 'cancel', appointmentId: id });
          if (plan === 'move') await apply({ type: 'move', appointmentId: id, toSlotId: 's1' });
        };
        await s.waitFor(Promise.all(plans.map(client)));
        const booked = [...ledger.appointments.values()].filter((a) => a.state === 'booked');
        expect(booked.filter((a) => a.slotId === 's0').length).toBeLessThanOrEqual(capacity);
        expect(booked.filter((a) => a.slotId === 's1').length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });
});
