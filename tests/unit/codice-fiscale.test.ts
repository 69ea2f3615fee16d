import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cfCheckCharacter, decodeOmocodia, validateCodiceFiscale } from '../../engine/src/domain/patient/codice-fiscale.ts';

const TODAY = { today: '2026-03-01' };

// An independent oracle for the check character (DOMAIN.md §2 tables).
const ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
const value = (ch: string, oddPosition: boolean): number => {
  const idx = /\d/.test(ch) ? Number(ch) : ch.charCodeAt(0) - 65;
  return oddPosition ? (ODD[idx] as number) : idx;
};
const withCheck = (first15: string): string => {
  let sum = 0;
  for (let i = 0; i < 15; i++) sum += value(first15.charAt(i), i % 2 === 0);
  return first15 + String.fromCharCode(65 + (sum % 26));
};
/** Replaces the last k omocodic digits (positions 15, 14, 13, 11, 10, 8, 7 in that order) and recomputes the check. */
const omocodic = (cf: string, k: number): string => {
  const chars = [...cf.slice(0, 15)];
  for (const i of [14, 13, 12, 10, 9, 7, 6].slice(0, k)) chars[i] = 'LMNPQRSTUV'.charAt(Number(chars[i]));
  return withCheck(chars.join(''));
};
const expectCfError = (input: string, message: RegExp, opts = TODAY) => {
  const r = validateCodiceFiscale(input, '/patient/codiceFiscale', opts);
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error.code).toBe('CF_INVALID');
  expect(r.error.path).toBe('/patient/codiceFiscale');
  expect(r.error.message).toMatch(message);
};

describe('validateCodiceFiscale on real codes', () => {
  it('accepts RSSMRA85T10A562S: a man born on 10 December 1985 in A562', () => {
    expect(validateCodiceFiscale('RSSMRA85T10A562S', undefined, TODAY)).toEqual({
      ok: true,
      value: { cf: 'RSSMRA85T10A562S', kind: 'cf', sex: 'M', birthPlace: 'A562', birthDate: '1985-12-10', omocodia: false },
    });
  });

  it('accepts MRTMTT25D09F205Z and puts the birth in the most recent possible century', () => {
    const r = validateCodiceFiscale('MRTMTT25D09F205Z', undefined, TODAY);
    expect(r).toEqual({ ok: true, value: { cf: 'MRTMTT25D09F205Z', kind: 'cf', sex: 'M', birthPlace: 'F205', birthDate: '2025-04-09', omocodia: false } });
  });

  it('moves the birth back a century when that date would be after today', () => {
    const r = validateCodiceFiscale('MRTMTT25D09F205Z', undefined, { today: '2025-04-08' });
    expect(r.ok && r.value.birthDate).toBe('1925-04-09');
    const sameDay = validateCodiceFiscale('MRTMTT25D09F205Z', undefined, { today: '2025-04-09' });
    expect(sameDay.ok && sameDay.value.birthDate).toBe('2025-04-09');
  });

  it('accepts RSSMRA80A01F205X born on 1 January 1980 in Milan', () => {
    const r = validateCodiceFiscale('RSSMRA80A01F205X', undefined, TODAY);
    expect(r.ok && r.value).toMatchObject({ birthDate: '1980-01-01', birthPlace: 'F205', sex: 'M' });
  });

  it('normalises lower case and spaces', () => {
    const r = validateCodiceFiscale('  rss mra 85t10 a562s ', undefined, TODAY);
    expect(r.ok && r.value.cf).toBe('RSSMRA85T10A562S');
  });

  it('decodes a woman: day + 40', () => {
    const cf = withCheck('BNCLRA92M41F205');
    expect(validateCodiceFiscale(cf, undefined, TODAY)).toEqual({
      ok: true,
      value: { cf, kind: 'cf', sex: 'F', birthPlace: 'F205', birthDate: '1992-08-01', omocodia: false },
    });
  });

  it('decodes a birth abroad (Z code)', () => {
    const r = validateCodiceFiscale(withCheck('SMTJHN70C15Z114'), undefined, TODAY);
    expect(r.ok && r.value).toMatchObject({ birthPlace: 'Z114', birthDate: '1970-03-15' });
  });

  it('without a reference date, validates but does not decode the birth date', () => {
    const r = validateCodiceFiscale('RSSMRA85T10A562S');
    expect(r).toEqual({ ok: true, value: { cf: 'RSSMRA85T10A562S', kind: 'cf', sex: 'M', birthPlace: 'A562', omocodia: false } });
  });

  it('uses /codiceFiscale as the default error path', () => {
    const r = validateCodiceFiscale('RSS');
    expect(!r.ok && r.error.path).toBe('/codiceFiscale');
  });
});

describe('validateCodiceFiscale with omocodia', () => {
  it('accepts each omocodic variant of RSSMRA85T10A562S and decodes the same birth data', () => {
    for (let k = 1; k <= 7; k++) {
      const cf = omocodic('RSSMRA85T10A562S', k);
      const r = validateCodiceFiscale(cf, undefined, TODAY);
      expect(r).toEqual({ ok: true, value: { cf, kind: 'cf', sex: 'M', birthPlace: 'A562', birthDate: '1985-12-10', omocodia: true } });
    }
  });

  it('computes RSSMRA85T10A56NH for the first omocodic variant', () => {
    expect(omocodic('RSSMRA85T10A562S', 1)).toBe('RSSMRA85T10A56NH');
    expect(validateCodiceFiscale('RSSMRA85T10A56NH', undefined, TODAY).ok).toBe(true);
  });

  it('decodes omocodic letters back to digits only at the omocodic positions', () => {
    expect(decodeOmocodia('RSSMRAURTMLARSNS')).toBe('RSSMRA85T10A562S');
  });

  it('rejects an omocodic letter outside LMNPQRSTUV at a digit position', () => {
    expectCfError('RSSMRA85T10A56AH', /position 15 must be a digit/);
  });
});

describe('validateCodiceFiscale rejections say which part is wrong', () => {
  it('rejects a wrong length', () => expectCfError('RSSMRA85T10A562', /length: 15 characters, expected 16/));
  it('rejects punctuation', () => expectCfError('RSSMRA85T10A56-S', /characters: only letters/));
  it('rejects a digit in the surname part', () => expectCfError('R1SMRA85T10A562S', /position 2 must be a letter/));
  it('rejects a month letter outside ABCDEHLMPRST', () => expectCfError(withCheck('RSSMRA85F10A562'), /month letter F/));
  it('rejects day 32', () => expectCfError(withCheck('RSSMRA85T32A562'), /day 32/));
  it('rejects day 00 and 40', () => {
    expectCfError(withCheck('RSSMRA85T00A562'), /day 00/);
    expectCfError(withCheck('RSSMRA85T40A562'), /day 40/);
  });
  it('rejects 31 April (D31) and 30 February for a woman (B70)', () => {
    expectCfError(withCheck('RSSMRA85D31A562'), /day 31/);
    expectCfError(withCheck('RSSMRA85B70A562'), /day 70/);
  });
  it('rejects 29 February of a common year once the century is known', () => {
    expectCfError(withCheck('RSSMRA85B29A562'), /29 February/);
    const leap = validateCodiceFiscale(withCheck('RSSMRA84B29A562'), undefined, TODAY);
    expect(leap.ok && leap.value.birthDate).toBe('1984-02-29');
  });
  it('rejects a wrong check character and names the expected one', () => expectCfError('RSSMRA85T10A562T', /check character T \(expected S\)/));
});

describe('validateCodiceFiscale on temporary codes', () => {
  it('accepts an STP code: STP + 13 digits', () => {
    expect(validateCodiceFiscale('STP0301230000001')).toEqual({ ok: true, value: { cf: 'STP0301230000001', kind: 'stp', omocodia: false } });
  });
  it('accepts an ENI code', () => {
    expect(validateCodiceFiscale('eni0301230000042')).toEqual({ ok: true, value: { cf: 'ENI0301230000042', kind: 'eni', omocodia: false } });
  });
  it('rejects an STP code with a letter after the digits start', () => expectCfError('STP03012300000A1', /STP followed by 13 digits/));
  it('still reads a personal code whose surname consonants are STP', () => {
    const cf = withCheck('STPMRA85T10F205');
    expect(validateCodiceFiscale(cf, undefined, TODAY)).toMatchObject({ ok: true, value: { kind: 'cf', birthDate: '1985-12-10' } });
  });
});

describe('check character', () => {
  it('matches the independent oracle on random codes', () => {
    const char = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
    fc.assert(fc.property(fc.array(char, { minLength: 15, maxLength: 15 }), (chars) => {
      const s = chars.join('');
      expect(cfCheckCharacter(s)).toBe(withCheck(s).charAt(15));
    }));
  });

  it('every generated code with a valid date is accepted and decoded back', () => {
    const arb = fc.record({
      year: fc.integer({ min: 1927, max: 2025 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 28 }),
      female: fc.boolean(),
      k: fc.integer({ min: 0, max: 7 }),
    });
    fc.assert(fc.property(arb, ({ year, month, day, female, k }) => {
      const dd = String(female ? day + 40 : day).padStart(2, '0');
      const base = withCheck(`VRDGPP${String(year % 100).padStart(2, '0')}${'ABCDEHLMPRST'.charAt(month - 1)}${dd}B157`);
      const r = validateCodiceFiscale(omocodic(base, k), undefined, TODAY);
      const birthDate = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      expect(r).toEqual({ ok: true, value: expect.objectContaining({ birthDate, sex: female ? 'F' : 'M', birthPlace: 'B157', omocodia: k > 0 }) });
    }));
  });
});
