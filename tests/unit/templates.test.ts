import { describe, expect, it } from 'vitest';
import { validateTemplates } from '../../engine/src/domain/offer/templates.ts';
import type { DateRange, TemplateRule } from '../../engine/src/domain/offer/types.ts';

const VALIDITY: DateRange = { from: '2026-01-01', to: '2026-12-31' };
const monday = (over: Partial<TemplateRule> = {}): TemplateRule => ({
  weekday: 1,
  start: '08:00',
  end: '12:00',
  slotMinutes: 20,
  capacity: 1,
  ...over,
});

const errorOf = (templates: TemplateRule[], validity: DateRange = VALIDITY) => {
  const r = validateTemplates(templates, validity);
  if (r.ok) throw new Error('expected a validation error');
  return r.error;
};

describe('validateTemplates', () => {
  it('accepts well-formed templates and returns copies of them', () => {
    const templates = [monday(), monday({ start: '14:00', end: '18:00' }), monday({ weekday: 2 })];
    const r = validateTemplates(templates, VALIDITY);
    expect(r).toEqual({ ok: true, value: templates });
    if (r.ok) expect(r.value[0]).not.toBe(templates[0]);
  });

  it('accepts back-to-back templates on the same weekday', () => {
    expect(validateTemplates([monday(), monday({ start: '12:00', end: '13:00' })], VALIDITY).ok).toBe(true);
  });

  it('rejects a malformed start time with its path', () => {
    expect(errorOf([monday(), monday({ start: '8:00' })])).toMatchObject({ code: 'TEMPLATE_INVALID_TIME', path: '/templates/1/start' });
  });

  it('rejects an end that is not after the start', () => {
    expect(errorOf([monday({ end: '08:00' })])).toMatchObject({ code: 'TEMPLATE_INVALID_TIME', path: '/templates/0/end' });
    expect(errorOf([monday({ end: '07:00' })])).toMatchObject({ code: 'TEMPLATE_INVALID_TIME', path: '/templates/0/end' });
    expect(errorOf([monday({ end: '24:00' })])).toMatchObject({ code: 'TEMPLATE_INVALID_TIME', path: '/templates/0/end' });
  });

  it('rejects a slot length that does not divide the window', () => {
    expect(errorOf([monday({ slotMinutes: 25 })])).toEqual({
      code: 'TEMPLATE_SLOT_MISFIT',
      message: 'slotMinutes 25 does not divide 08:00-12:00',
      path: '/templates/0/slotMinutes',
      details: { windowMinutes: 240, slotMinutes: 25 },
    });
  });

  it('rejects a slot length that is not a positive integer', () => {
    expect(errorOf([monday({ slotMinutes: 0 })])).toMatchObject({ code: 'TEMPLATE_INVALID_SLOT_MINUTES', path: '/templates/0/slotMinutes' });
    expect(errorOf([monday({ slotMinutes: 7.5 })])).toMatchObject({ code: 'TEMPLATE_INVALID_SLOT_MINUTES' });
  });

  it('rejects weekdays outside 1..7', () => {
    for (const weekday of [0, 8, 1.5]) {
      expect(errorOf([monday({ weekday })])).toMatchObject({ code: 'TEMPLATE_INVALID_WEEKDAY', path: '/templates/0/weekday' });
    }
  });

  it('rejects a capacity below 1', () => {
    expect(errorOf([monday({ capacity: 0 })])).toMatchObject({ code: 'TEMPLATE_INVALID_CAPACITY', path: '/templates/0/capacity' });
  });

  it('rejects two templates on the same weekday whose times and validity overlap, naming both', () => {
    const e = errorOf([monday(), monday({ weekday: 3 }), monday({ start: '11:40', end: '13:00' })]);
    expect(e).toMatchObject({ code: 'TEMPLATE_OVERLAP', path: '/templates/2', details: { indexes: [0, 2] } });
  });

  it('accepts templates with the same hours when their validity ranges do not overlap', () => {
    const spring = monday({ validFrom: '2026-01-01', validTo: '2026-06-30' });
    const autumn = monday({ validFrom: '2026-07-01', validTo: '2026-12-31', slotMinutes: 30 });
    expect(validateTemplates([spring, autumn], VALIDITY).ok).toBe(true);
    const e = errorOf([spring, { ...autumn, validFrom: '2026-06-30' }]);
    expect(e).toMatchObject({ code: 'TEMPLATE_OVERLAP', path: '/templates/1', details: { indexes: [0, 1] } });
  });

  it('rejects a template valid outside the agenda validity', () => {
    expect(errorOf([monday({ validFrom: '2025-12-31' })])).toMatchObject({ code: 'TEMPLATE_OUT_OF_VALIDITY', path: '/templates/0/validFrom' });
    expect(errorOf([monday({ validTo: '2027-01-01' })])).toMatchObject({ code: 'TEMPLATE_OUT_OF_VALIDITY', path: '/templates/0/validTo' });
  });

  it('rejects a template validity that ends before it starts or is not a date', () => {
    expect(errorOf([monday({ validFrom: '2026-05-01', validTo: '2026-04-01' })])).toMatchObject({
      code: 'TEMPLATE_INVALID_VALIDITY',
      path: '/templates/0/validTo',
    });
    expect(errorOf([monday({ validFrom: '2026-02-30' })])).toMatchObject({ code: 'TEMPLATE_INVALID_DATE', path: '/templates/0/validFrom' });
  });

  it('rejects an agenda validity that ends before it starts', () => {
    expect(errorOf([monday()], { from: '2026-02-01', to: '2026-01-01' })).toMatchObject({
      code: 'AGENDA_INVALID_VALIDITY',
      path: '/validity/to',
    });
  });
});
