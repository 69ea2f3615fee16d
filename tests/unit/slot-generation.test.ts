import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reservedCounts } from '../../engine/src/domain/offer/quotas.ts';
import {
  forEachSlot,
  forEachSlotDay,
  generateSlots,
  iterateSlots,
  validateQuotas,
  type SlotGenerationInput,
} from '../../engine/src/domain/offer/slot-generation.ts';
import { validateTemplates } from '../../engine/src/domain/offer/templates.ts';
import { PRIORITY_CLASSES, type GeneratedSlot, type PriorityClass, type TemplateRule } from '../../engine/src/domain/offer/types.ts';
import { addDays, utcToLocal } from '../../engine/src/domain/time/rome-time.ts';

const tpl = (weekday: number, start: string, end: string, slotMinutes: number, over: Partial<TemplateRule> = {}): TemplateRule => ({
  weekday,
  start,
  end,
  slotMinutes,
  capacity: 1,
  ...over,
});

const input = (over: Partial<SlotGenerationInput>): SlotGenerationInput => ({
  validity: { from: '2026-01-01', to: '2026-12-31' },
  templates: [],
  closures: [],
  holidays: new Set<string>(),
  range: { from: '2026-01-01', to: '2026-12-31' },
  ...over,
});

const iso = (slots: GeneratedSlot[]) => slots.map((s) => `${s.startAt.toISOString()}/${s.endAt.toISOString()}`);
const dates = (slots: GeneratedSlot[]) => [...new Set(slots.map((s) => s.localDate))];
const byDay = (slots: GeneratedSlot[]) => {
  const m = new Map<string, GeneratedSlot[]>();
  for (const s of slots) m.set(s.localDate, [...(m.get(s.localDate) ?? []), s]);
  return m;
};

describe('slot layout', () => {
  it('lays out a Monday 08:00-12:00 template in 20-minute slots on Mondays only', () => {
    const slots = generateSlots(input({ templates: [tpl(1, '08:00', '12:00', 20, { capacity: 2 })], range: { from: '2026-01-12', to: '2026-01-18' } }));
    expect(slots).toHaveLength(12);
    expect(dates(slots)).toEqual(['2026-01-12']);
    expect(slots[0]).toEqual({
      localDate: '2026-01-12',
      startAt: new Date('2026-01-12T07:00:00Z'),
      endAt: new Date('2026-01-12T07:20:00Z'),
      capacity: 2,
      reservedClass: null,
    });
    expect(slots[11]?.endAt.toISOString()).toBe('2026-01-12T11:00:00.000Z');
  });

  it('08:00 local is 07:00Z in January and 06:00Z in July', () => {
    const t = [tpl(3, '08:00', '09:00', 60)];
    expect(iso(generateSlots(input({ templates: t, range: { from: '2026-01-14', to: '2026-01-14' } })))).toEqual([
      '2026-01-14T07:00:00.000Z/2026-01-14T08:00:00.000Z',
    ]);
    expect(iso(generateSlots(input({ templates: t, range: { from: '2026-07-15', to: '2026-07-15' } })))).toEqual([
      '2026-07-15T06:00:00.000Z/2026-07-15T07:00:00.000Z',
    ]);
  });

  it('a week spanning the spring change keeps 08:00 local on both sides', () => {
    const t = [1, 2, 3, 4, 5, 6, 7].map((d) => tpl(d, '08:00', '08:30', 30));
    const slots = generateSlots(input({ templates: t, range: { from: '2026-03-27', to: '2026-03-31' } }));
    expect(slots.map((s) => utcToLocal(s.startAt).time)).toEqual(['08:00', '08:00', '08:00', '08:00', '08:00']);
    expect(slots.map((s) => s.startAt.getUTCHours())).toEqual([7, 7, 6, 6, 6]);
  });

  it('a slot template on the last Sunday of March skips the 02:00-03:00 gap', () => {
    const slots = generateSlots(input({ templates: [tpl(7, '01:30', '03:30', 30)], range: { from: '2026-03-29', to: '2026-03-29' } }));
    expect(iso(slots)).toEqual(['2026-03-29T00:30:00.000Z/2026-03-29T01:00:00.000Z', '2026-03-29T01:00:00.000Z/2026-03-29T01:30:00.000Z']);
    expect(slots.map((s) => utcToLocal(s.startAt).time)).toEqual(['01:30', '03:00']);
  });

  it('a slot straddling the spring gap lasts its real minutes and the slot it would overlap is dropped', () => {
    const slots = generateSlots(input({ templates: [tpl(7, '01:30', '03:45', 45)], range: { from: '2026-03-29', to: '2026-03-29' } }));
    // 01:30 CET + 45 real minutes = 03:15 CEST, so the 03:00 slot would overlap it.
    expect(iso(slots)).toEqual(['2026-03-29T00:30:00.000Z/2026-03-29T01:15:00.000Z']);
  });

  it('a slot template on the last Sunday of October uses the first 02:00-03:00 and keeps its local times', () => {
    const slots = generateSlots(input({ templates: [tpl(7, '01:30', '03:30', 30)], range: { from: '2026-10-25', to: '2026-10-25' } }));
    expect(iso(slots)).toEqual([
      '2026-10-24T23:30:00.000Z/2026-10-25T00:00:00.000Z',
      '2026-10-25T00:00:00.000Z/2026-10-25T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z/2026-10-25T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z/2026-10-25T02:30:00.000Z',
    ]);
    expect(dates(slots)).toEqual(['2026-10-25']);
    expect(slots.map((s) => utcToLocal(s.startAt).time)).toEqual(['01:30', '02:00', '02:30', '03:00']);
  });

  it('sorts the slots of several templates on one day by start', () => {
    const t = [tpl(1, '14:00', '15:00', 30), tpl(1, '08:00', '09:00', 30)];
    const slots = generateSlots(input({ templates: t, range: { from: '2026-01-12', to: '2026-01-12' } }));
    expect(slots.map((s) => utcToLocal(s.startAt).time)).toEqual(['08:00', '08:30', '14:00', '14:30']);
  });
});

describe('which days get slots', () => {
  const weekdays = [1, 2, 3, 4, 5].map((d) => tpl(d, '09:00', '10:00', 30));

  it('skips holidays given as a set or as a map', () => {
    const range = { from: '2026-04-06', to: '2026-04-07' };
    expect(dates(generateSlots(input({ templates: weekdays, range, holidays: new Set(['2026-04-06']) })))).toEqual(['2026-04-07']);
    const map = new Map([['2026-04-06', "Lunedì dell'Angelo"]]);
    expect(dates(generateSlots(input({ templates: weekdays, range, holidays: map })))).toEqual(['2026-04-07']);
  });

  it('skips every day of a closure, both ends included', () => {
    const slots = generateSlots(
      input({ templates: weekdays, range: { from: '2026-08-03', to: '2026-08-14' }, closures: [{ from: '2026-08-04', to: '2026-08-12' }] }),
    );
    expect(dates(slots)).toEqual(['2026-08-03', '2026-08-13', '2026-08-14']);
  });

  it('generates only dates inside both the agenda validity and the requested range', () => {
    const slots = generateSlots(
      input({ templates: weekdays, validity: { from: '2026-02-04', to: '2026-02-20' }, range: { from: '2026-02-01', to: '2026-02-06' } }),
    );
    expect(dates(slots)).toEqual(['2026-02-04', '2026-02-05', '2026-02-06']);
  });

  it('applies a template only inside its own validity', () => {
    const t = [tpl(1, '09:00', '10:00', 60, { validFrom: '2026-03-09', validTo: '2026-03-16' }), tpl(1, '11:00', '12:00', 60, { validFrom: '2026-03-23' })];
    const slots = generateSlots(input({ templates: t, range: { from: '2026-03-01', to: '2026-03-31' } }));
    expect(slots.map((s) => `${s.localDate} ${utcToLocal(s.startAt).time}`)).toEqual([
      '2026-03-09 09:00',
      '2026-03-16 09:00',
      '2026-03-23 11:00',
      '2026-03-30 11:00',
    ]);
  });

  it('generates nothing for an empty range', () => {
    expect(generateSlots(input({ templates: weekdays, range: { from: '2026-05-10', to: '2026-05-01' } }))).toEqual([]);
  });
});

describe('streaming', () => {
  const full = input({ templates: [1, 3, 5].map((d) => tpl(d, '08:00', '13:00', 15)), classQuotas: { U: 0.1, B: 0.3 } });

  it('iterateSlots yields exactly what generateSlots returns', () => {
    expect([...iterateSlots(full)]).toEqual(generateSlots(full));
  });

  it('forEachSlot calls back once per slot and returns the count', () => {
    let seen = 0;
    expect(forEachSlot(full, () => seen++)).toBe(generateSlots(full).length);
    expect(seen).toBe(156 * 20);
  });

  it('forEachSlotDay hands over each day with slots once', () => {
    const days: string[] = [];
    forEachSlotDay(full, (d, slots) => {
      expect(slots.every((s) => s.localDate === d)).toBe(true);
      days.push(d);
    });
    expect(days).toHaveLength(156);
  });
});

describe('reserved classes', () => {
  const day = (n: number, classQuotas: SlotGenerationInput['classQuotas']) =>
    generateSlots(input({ templates: [tpl(1, '08:00', addMinutes('08:00', n * 10), 10)], range: { from: '2026-01-12', to: '2026-01-12' }, classQuotas }));
  const count = (slots: GeneratedSlot[], k: PriorityClass | null) => slots.filter((s) => s.reservedClass === k).length;

  it('reserves round(share x n) slots per class on a day of 24 slots', () => {
    const slots = day(24, { U: 0.1, B: 0.2, D: 0.25 });
    expect([count(slots, 'U'), count(slots, 'B'), count(slots, 'D'), count(slots, 'P'), count(slots, null)]).toEqual([2, 5, 6, 0, 11]);
  });

  it('spreads the reserved slots across the day instead of bunching them at the start', () => {
    const slots = day(24, { B: 0.25 });
    const positions = slots.flatMap((s, i) => (s.reservedClass === 'B' ? [i] : []));
    expect(positions).toEqual([2, 6, 10, 14, 18, 22]);
  });

  it('interleaves the classes among the reserved slots', () => {
    const slots = day(8, { U: 0.25, B: 0.25 });
    expect(slots.map((s) => s.reservedClass ?? '-').join('')).toBe('-U-B-U-B');
  });

  it('never reserves more slots than the day has, even when the shares add up to 1', () => {
    const slots = day(3, { U: 0.5, B: 0.5 });
    expect([count(slots, 'U'), count(slots, 'B'), count(slots, null)]).toEqual([2, 1, 0]);
    expect(reservedCounts({ U: 0.25, B: 0.25 }, 2)).toEqual(new Map([['U', 1], ['B', 0]]));
  });

  it('computes the reservation per day from that day’s slot count', () => {
    const t = [tpl(1, '08:00', '12:00', 10), tpl(2, '08:00', '08:30', 10)];
    const slots = generateSlots(input({ templates: t, range: { from: '2026-01-12', to: '2026-01-13' }, classQuotas: { U: 0.2 } }));
    const days = byDay(slots);
    expect(count(days.get('2026-01-12') ?? [], 'U')).toBe(5);
    expect(count(days.get('2026-01-13') ?? [], 'U')).toBe(1);
  });

  it('leaves every slot open when there are no quotas', () => {
    expect(count(day(10, undefined), null)).toBe(10);
    expect(count(day(10, {}), null)).toBe(10);
  });
});

describe('validateQuotas', () => {
  it('accepts shares between 0 and 1 that add up to at most 1', () => {
    expect(validateQuotas({ U: 0.1, B: 0.2, D: 0.7 })).toEqual({ ok: true, value: { U: 0.1, B: 0.2, D: 0.7 } });
  });

  it('rejects a share outside 0..1 with the class path', () => {
    expect(validateQuotas({ U: -0.1 })).toMatchObject({ ok: false, error: { code: 'QUOTA_INVALID', path: '/classQuotas/U' } });
    expect(validateQuotas({ B: 1.5 })).toMatchObject({ ok: false, error: { code: 'QUOTA_INVALID', path: '/classQuotas/B' } });
    expect(validateQuotas({ D: '0.1' })).toMatchObject({ ok: false, error: { code: 'QUOTA_INVALID', path: '/classQuotas/D' } });
  });

  it('rejects an unknown class', () => {
    expect(validateQuotas({ X: 0.1 })).toMatchObject({ ok: false, error: { code: 'QUOTA_INVALID', path: '/classQuotas/X' } });
  });

  it('rejects shares that add up to more than 1', () => {
    expect(validateQuotas({ U: 0.5, B: 0.3, D: 0.3 })).toMatchObject({ ok: false, error: { code: 'QUOTA_INVALID', path: '/classQuotas' } });
  });
});

function addMinutes(hhmm: string, minutes: number): string {
  const total = Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)) + minutes;
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

describe('properties', () => {
  const time = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const templateArb = fc
    .record({
      weekday: fc.integer({ min: 1, max: 7 }),
      startMin: fc.oneof(fc.integer({ min: 0, max: 23 * 60 }), fc.integer({ min: 0, max: 200 })), // often near the 02:00 changes
      slotMinutes: fc.constantFrom(5, 10, 15, 20, 25, 30, 45, 60, 90),
      slots: fc.integer({ min: 1, max: 12 }),
      capacity: fc.integer({ min: 1, max: 3 }),
    })
    .filter((t) => t.startMin + t.slots * t.slotMinutes <= 1439)
    .map((t): TemplateRule => ({ weekday: t.weekday, start: time(t.startMin), end: time(t.startMin + t.slots * t.slotMinutes), slotMinutes: t.slotMinutes, capacity: t.capacity }));
  const quotasArb = fc
    .record({ U: fc.double({ min: 0, max: 1, noNaN: true }), B: fc.double({ min: 0, max: 1, noNaN: true }), D: fc.double({ min: 0, max: 1, noNaN: true }) })
    .map((q) => {
      const sum = q.U + q.B + q.D;
      return sum > 1 ? { U: q.U / sum / 1.000001, B: q.B / sum / 1.000001, D: q.D / sum / 1.000001 } : q;
    });
  // weeks around the 2026 summer-time changes and an ordinary week
  const startArb = fc.constantFrom('2026-03-25', '2026-10-21', '2026-06-10');

  it('generated slots never overlap, stay in start order, match their local date and reserve at most the day’s slots', () => {
    fc.assert(
      fc.property(fc.array(templateArb, { maxLength: 6 }), quotasArb, startArb, (templates, classQuotas, from) => {
        const valid = validateTemplates(templates, { from: '2026-01-01', to: '2026-12-31' });
        fc.pre(valid.ok);
        const slots = generateSlots(input({ templates, classQuotas, range: { from, to: addDays(from, 6) } }));
        for (let i = 1; i < slots.length; i++) {
          expect((slots[i] as GeneratedSlot).startAt.getTime()).toBeGreaterThanOrEqual((slots[i - 1] as GeneratedSlot).endAt.getTime());
        }
        for (const s of slots) expect(utcToLocal(s.startAt).date).toBe(s.localDate);
        for (const daySlots of byDay(slots).values()) {
          const n = daySlots.length;
          const reserved = daySlots.filter((s) => s.reservedClass !== null).length;
          expect(reserved).toBeLessThanOrEqual(n);
          for (const k of ['U', 'B', 'D'] as const) {
            const c = daySlots.filter((s) => s.reservedClass === k).length;
            expect(c).toBeGreaterThanOrEqual(Math.floor(classQuotas[k] * n - 1e-9));
            expect(c).toBeLessThanOrEqual(Math.ceil(classQuotas[k] * n + 1e-9));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reserved counts are the floor or ceiling of each share and add up to round(total share x n) <= n', () => {
    fc.assert(
      fc.property(quotasArb, fc.integer({ min: 0, max: 500 }), (q, n) => {
        const counts = reservedCounts(q, n);
        let total = 0;
        for (const k of PRIORITY_CLASSES) {
          const c = counts.get(k) ?? 0;
          const exact = ((q as Record<string, number>)[k] ?? 0) * n;
          expect(c === Math.floor(exact + 1e-9) || c === Math.ceil(exact - 1e-9)).toBe(true);
          total += c;
        }
        expect(total).toBeLessThanOrEqual(n);
        expect(total).toBe(Math.min(n, Math.round((q.U + q.B + q.D) * n)));
      }),
      { numRuns: 1000 },
    );
  });
});
