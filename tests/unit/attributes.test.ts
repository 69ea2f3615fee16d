import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTE_KEYS,
  ATTRIBUTE_REGISTRY,
  resolveAttributes,
  validateAttributes,
  type AttributeLevelInput,
} from '../../engine/src/domain/offer/attributes.ts';
import { CHANNELS } from '../../engine/src/domain/offer/types.ts';

const chain: AttributeLevelInput[] = [
  { level: 'slot', id: 'slot-1', attrs: null },
  { level: 'agenda', id: 'ag-7', name: 'Cardiologia prime visite', attrs: { channels: ['desk', 'web'] } },
  { level: 'clinic', id: 'cl-3', attrs: { holdMinutes: 15, channels: ['desk'] } },
  { level: 'provider', id: 'asst-ff', name: 'ASST Fatebenefratelli Sacco', attrs: { bookingHorizonDays: 120 } },
  { level: 'ats', id: 'ats-milano', attrs: undefined },
  { level: 'region', id: 'lombardia', attrs: { bookingHorizonDays: 180, channels: ['desk', 'web', 'call_centre'] } },
];

describe('resolveAttributes', () => {
  it('picks the most specific level that sets each attribute', () => {
    const { effective } = resolveAttributes(chain);
    expect(effective.channels).toEqual(['desk', 'web']);
    expect(effective.holdMinutes).toBe(15);
    expect(effective.bookingHorizonDays).toBe(120);
  });

  it('falls back to the built-in defaults when no level sets an attribute', () => {
    const { effective } = resolveAttributes([]);
    expect(effective).toEqual({
      channels: [...CHANNELS],
      regimes: ['SSN'],
      bookingHorizonDays: 91,
      classQuotas: {},
      quotaReleaseDays: { U: 1, B: 2, D: 5, P: 10 },
      holdMinutes: 10,
      cancellationCutoffWorkingDays: 2,
      reminderDaysBefore: [3],
    });
  });

  it('explains where each value came from and what it shadowed', () => {
    const { explain } = resolveAttributes(chain);
    expect(explain.channels).toEqual({
      value: ['desk', 'web'],
      source: { level: 'agenda', id: 'ag-7', name: 'Cardiologia prime visite' },
      shadowed: [
        { level: 'clinic', id: 'cl-3', value: ['desk'] },
        { level: 'region', id: 'lombardia', value: ['desk', 'web', 'call_centre'] },
      ],
    });
    expect(explain.bookingHorizonDays).toEqual({
      value: 120,
      source: { level: 'provider', id: 'asst-ff', name: 'ASST Fatebenefratelli Sacco' },
      shadowed: [{ level: 'region', id: 'lombardia', value: 180 }],
    });
    expect(explain.regimes).toEqual({ value: ['SSN'], source: { level: 'default', id: null }, shadowed: [] });
  });

  it('explains every registered attribute', () => {
    expect(Object.keys(resolveAttributes(chain).explain).sort()).toEqual([...ATTRIBUTE_KEYS].sort());
  });

  it('a value set on the slot wins over every other level', () => {
    const withSlot = [{ level: 'slot', id: 's', attrs: { holdMinutes: 5 } }, ...chain];
    expect(resolveAttributes(withSlot).explain.holdMinutes).toMatchObject({ value: 5, source: { level: 'slot', id: 's' } });
  });

  it('the built-in defaults cannot be changed through a resolved value', () => {
    const { effective } = resolveAttributes([]);
    expect(() => (effective.reminderDaysBefore as number[]).push(1)).toThrow();
    expect(ATTRIBUTE_REGISTRY.reminderDaysBefore.default).toEqual([3]);
  });
});

describe('validateAttributes', () => {
  it('accepts a valid subset of attributes', () => {
    const attrs = { channels: ['desk'], classQuotas: { U: 0.1 }, quotaReleaseDays: { U: 0 }, reminderDaysBefore: [], regimes: ['SSN', 'ALPI'] };
    expect(validateAttributes(attrs)).toEqual({ ok: true, value: attrs });
  });

  it('rejects an unknown attribute with its path', () => {
    expect(validateAttributes({ holdMinutes: 5, colour: 'blue' })).toMatchObject({
      ok: false,
      error: { code: 'ATTRIBUTE_UNKNOWN', path: '/attrs/colour' },
    });
  });

  it('rejects invalid values with the path of the offending field', () => {
    const cases: [unknown, string][] = [
      [{ channels: [] }, '/attrs/channels'],
      [{ channels: ['desk', 'fax'] }, '/attrs/channels/1'],
      [{ channels: ['desk', 'desk'] }, '/attrs/channels/1'],
      [{ regimes: 'SSN' }, '/attrs/regimes'],
      [{ bookingHorizonDays: 0 }, '/attrs/bookingHorizonDays'],
      [{ bookingHorizonDays: 731 }, '/attrs/bookingHorizonDays'],
      [{ bookingHorizonDays: 30.5 }, '/attrs/bookingHorizonDays'],
      [{ classQuotas: { U: 0.7, B: 0.7 } }, '/attrs/classQuotas'],
      [{ classQuotas: { Z: 0.1 } }, '/attrs/classQuotas/Z'],
      [{ quotaReleaseDays: { D: 366 } }, '/attrs/quotaReleaseDays/D'],
      [{ quotaReleaseDays: { X: 1 } }, '/attrs/quotaReleaseDays/X'],
      [{ holdMinutes: 121 }, '/attrs/holdMinutes'],
      [{ cancellationCutoffWorkingDays: -1 }, '/attrs/cancellationCutoffWorkingDays'],
      [{ reminderDaysBefore: [3, 'x'] }, '/attrs/reminderDaysBefore/1'],
      [{ reminderDaysBefore: [3, 3] }, '/attrs/reminderDaysBefore/1'],
      [{ holdMinutes: null }, '/attrs/holdMinutes'],
    ];
    for (const [input, path] of cases) {
      expect(validateAttributes(input), JSON.stringify(input)).toMatchObject({ ok: false, error: { code: 'ATTRIBUTE_INVALID', path } });
    }
  });

  it('uses the base path it is given', () => {
    expect(validateAttributes({ holdMinutes: 0 }, '/agendas/2/attrs')).toMatchObject({
      ok: false,
      error: { code: 'ATTRIBUTE_INVALID', path: '/agendas/2/attrs/holdMinutes' },
    });
  });

  it('rejects attributes that are not an object', () => {
    expect(validateAttributes([1])).toMatchObject({ ok: false, error: { code: 'ATTRIBUTE_INVALID', path: '/attrs' } });
  });
});
