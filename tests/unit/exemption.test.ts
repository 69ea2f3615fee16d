import { describe, expect, it } from 'vitest';
import { validateExemptionCode } from '../../engine/src/domain/prescription/exemption.ts';

describe('validateExemptionCode', () => {
  it.each([
    ['E01', 'income'],
    ['E99', 'income'],
    ['013', 'chronic_disease'],
    ['0A31', 'chronic_disease'],
    ['048', 'chronic_disease'],
    ['R99', 'rare_disease'],
    ['RF0100', 'rare_disease'],
    ['G01', 'war_invalid'],
    ['G02', 'war_invalid'],
    ['L01', 'work_invalid'],
    ['L02', 'work_invalid'],
    ['C01', 'civil_invalid'],
    ['C06', 'civil_invalid'],
  ])('accepts %s as a %s exemption', (code, family) => {
    expect(validateExemptionCode(code)).toEqual({ ok: true, value: { code, family } });
  });

  it('trims and upper-cases the code', () => {
    expect(validateExemptionCode(' e04 ')).toEqual({ ok: true, value: { code: 'E04', family: 'income' } });
  });

  it.each(['E00', 'E1', 'E100', '000', '01', 'AA31', 'R9', 'G03', 'L03', 'C00', 'C07', 'X01', ''])('rejects %j with EXEMPTION_INVALID at /exemption', (code) => {
    const r = validateExemptionCode(code);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatchObject({ code: 'EXEMPTION_INVALID', path: '/exemption' });
  });
});
