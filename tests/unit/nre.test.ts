import { describe, expect, it } from 'vitest';
import { validateNre } from '../../engine/src/domain/prescription/nre.ts';

const expectNreError = (input: string, message: RegExp) => {
  const r = validateNre(input, '/prescription/nre');
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error).toMatchObject({ code: 'NRE_INVALID', path: '/prescription/nre' });
  expect(r.error.message).toMatch(message);
};

describe('validateNre', () => {
  it('splits 1300A4000000248 into region, batch group and progressive', () => {
    expect(validateNre('1300A4000000248')).toEqual({
      ok: true,
      value: { nre: '1300A4000000248', region: '130', batchGroup: '0A', progressive: '4000000248' },
    });
  });

  it('accepts a Lombardy NRE (region 030) written in lower case with spaces', () => {
    expect(validateNre(' 0300a 4000000123 ')).toEqual({
      ok: true,
      value: { nre: '0300A4000000123', region: '030', batchGroup: '0A', progressive: '4000000123' },
    });
  });

  it('uses /nre as the default path', () => {
    const r = validateNre('123');
    expect(!r.ok && r.error.path).toBe('/nre');
  });

  it('rejects 14 or 16 characters', () => {
    expectNreError('1300A400000024', /length: 14 characters, expected 15/);
    expectNreError('1300A40000002480', /length: 16/);
  });

  it('rejects a region code with a letter', () => expectNreError('13A0A4000000248', /region code 13A/));
  it('rejects a batch group with punctuation', () => expectNreError('1300-4000000248', /batch-group code 0-/));
  it('rejects a progressive with a letter', () => expectNreError('1300A400000024X', /progressive 400000024X must be 10 digits/));
});
