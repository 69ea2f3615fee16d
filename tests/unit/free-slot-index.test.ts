import { describe, expect, it } from 'vitest';
import { FreeSlotIndex, type IndexedSlot } from '../../engine/src/domain/booking/free-slot-index.ts';
import type { PriorityClass } from '../../engine/src/domain/offer/types.ts';

const H = 3600_000;
const T = Date.parse('2027-01-04T08:00:00Z');
const slot = (id: string, agenda: string, hour: number, o: { capacity?: number; booked?: number; cls?: PriorityClass | null } = {}): IndexedSlot => ({
  id, agenda_id: agenda, start_at: new Date(T + hour * H), end_at: new Date(T + hour * H + 1800_000), capacity: o.capacity ?? 1, booked: o.booked ?? 0,
  reserved_class: o.cls ?? null, attrs: null,
});
const never = { U: new Date(0), B: new Date(0), D: new Date(0), P: new Date(0) };
const ids = (a: { slots: IndexedSlot[] }) => a.slots.map((s) => s.id);

describe('free-slot index', () => {
  const filled = () => {
    const ix = new FreeSlotIndex({ ownTtlMs: 1000, minDepth: 2, maxDepth: 8 });
    ix.setWindow('a', T - H, Infinity, 8, [slot('1', 'a', 0), slot('2', 'a', 1, { booked: 1 }), slot('3', 'a', 2, { cls: 'B' }), slot('4', 'a', 3, { capacity: 2, booked: 1 })]);
    ix.setWindow('b', T - H, Infinity, 8, [slot('5', 'b', 0.5), slot('6', 'b', 1.5)]);
    return ix;
  };

  it('gives each agenda its first free slots open to the class, then the earliest overall', () => {
    const ix = filled();
    const q = (cls: PriorityClass | null, per: number, total?: number) =>
      ids(ix.query([{ id: 'a', releasedUntil: never }, { id: 'b', releasedUntil: never }], cls, new Date(T), new Date(T + 10 * H), per, 0, total));
    expect(q(null, 5)).toEqual(['1', '5', '6', '4']);
    expect(q('B', 5)).toEqual(['1', '5', '6', '3', '4']);
    expect(q('B', 1)).toEqual(['1', '5']);
    expect(q('B', 5, 3)).toEqual(['1', '5', '6']);
  });

  it('opens a slot reserved to another class once released, up to and including the release instant', () => {
    const ix = filled();
    const at = (ms: number) => ids(ix.query([{ id: 'a', releasedUntil: { ...never, B: new Date(ms) } }], 'D', new Date(T), new Date(T + 10 * H), 5, 0));
    expect(at(T + 2 * H - 1)).toEqual(['1', '4']);
    expect(at(T + 2 * H)).toEqual(['1', '3', '4']);
  });

  it('asks for agendas it does not hold, or holds from too late an instant', () => {
    const ix = filled();
    expect(ix.query([{ id: 'c', releasedUntil: never }], null, new Date(T), new Date(T + H), 4, 0).missing).toEqual([{ id: 'c', depth: 4 }]);
    expect(ix.query([{ id: 'a', releasedUntil: never }], null, new Date(T - 2 * H), new Date(T + H), 1, 0).missing.map((m) => m.id)).toEqual(['a']);
  });

  it('asks to read deeper a window that ends before enough free slots, only when a later slot could still make the answer', () => {
    const ix = new FreeSlotIndex({ ownTtlMs: 1000, minDepth: 2, maxDepth: 8 });
    ix.setWindow('a', T - H, T + 1 * H, 2, [slot('1', 'a', 0), slot('2', 'a', 1)]);
    ix.setWindow('b', T - H, Infinity, 2, [slot('5', 'b', 0.5)]);
    const both = [{ id: 'a', releasedUntil: never }, { id: 'b', releasedUntil: never }];
    expect(ix.query(both, null, new Date(T), new Date(T + 10 * H), 3, 0).missing).toEqual([{ id: 'a', depth: 6 }]);
    // the earliest two are known whatever comes after the window's end
    expect(ids(ix.query(both, null, new Date(T), new Date(T + 10 * H), 3, 0, 2))).toEqual(['1', '5']);
    // but not the earliest four
    expect(ix.query(both, null, new Date(T), new Date(T + 10 * H), 3, 0, 4).missing.map((m) => m.id)).toEqual(['a']);
  });

  it('follows booked counts of known slots and ignores unknown ones', () => {
    const ix = filled();
    ix.applyBooked('1', 1);
    ix.applyBooked('2', 0);
    ix.applyBooked('999', 1);
    expect(ids(ix.query([{ id: 'a', releasedUntil: never }], null, new Date(T), new Date(T + 10 * H), 5, 0))).toEqual(['2', '4']);
  });

  it("uses this engine's own booking until its notification is applied, or until it expires", () => {
    const ix = filled();
    const q = (now: number) => ix.query([{ id: 'a', releasedUntil: never }], null, new Date(T), new Date(T + 10 * H), 5, now).slots.map((s) => `${s.id}:${s.booked}`);
    ix.markOwn('1', 1, 'x1', 0);
    ix.markOwn('4', 2, 'x2', 0);
    expect(q(10)).toEqual([]);
    ix.settle('x1', 20); // its notification came back: the index's own count governs again
    expect(q(30)).toEqual(['1:0']);
    expect(q(2000)).toEqual(['1:0', '4:1']); // x2's overlay expired without its notification
    ix.settle('x3', 2000);
    ix.markOwn('4', 2, 'x3', 2000); // reported after its notification: nothing to overlay
    expect(q(2001)).toEqual(['1:0', '4:1']);
  });

  it('forgets an agenda or everything', () => {
    const ix = filled();
    ix.dropAgenda('a');
    expect(ix.hasAgenda('a')).toBe(false);
    expect(ix.slotCount).toBe(2);
    ix.clear();
    expect(ix.agendaCount).toBe(0);
  });
});
