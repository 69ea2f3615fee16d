/**
 * Codice fiscale (Italian tax code) validation and decoding, plus the temporary STP/ENI codes of foreign
 * patients. Layout and check-character tables: DOMAIN.md §2. Pure: the reference date for the birth century
 * is passed in.
 *
 * Layout (1-based positions): 1-3 surname, 4-6 name, 7-8 year, 9 month letter (ABCDEHLMPRST), 10-11 day
 * (female = day + 40), 12-15 Belfiore place code (a letter and 3 digits; foreign countries Z###), 16 check
 * character. Omocodia: the digits at 7, 8, 10, 11, 13, 14, 15 may be replaced with LMNPQRSTUV (0-9); they are
 * decoded before reading the birth date and place, and the check character is computed on the code as written.
 * The official substitution order (from position 15 leftwards) is not enforced: any omocodic position is accepted.
 *
 * STP / ENI [M]: assumed to be 16 characters, 'STP' or 'ENI' + a 3-digit region/ASL code + 10 digits (the ASL
 * part and a progressive): 13 digits after the prefix, no check character. Only this layout is checked; the
 * region/ASL code is not looked up. They carry no birth data. A personal code whose surname consonants are
 * S-T-P or E-N-I is still read as a personal code, since its 4th character is a letter.
 */
import type { LocalDate } from '../offer/types.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { daysInMonth, isLocalDate } from '../time/rome-time.ts';
import type { Sex } from '../prescription/catalogue-entry.ts';

export type CodiceFiscaleKind = 'cf' | 'stp' | 'eni';

export interface CodiceFiscaleInfo {
  /** normalised: upper case, no spaces */
  cf: string;
  kind: CodiceFiscaleKind;
  /** only for kind 'cf' and only when opts.today is given */
  birthDate?: LocalDate;
  sex?: Sex;
  /** Belfiore code with omocodic letters decoded, e.g. F205 */
  birthPlace?: string;
  omocodia: boolean;
}

export interface CodiceFiscaleOptions {
  /** reference date: the birth year is the most recent one whose birth date is not after it */
  today?: LocalDate;
}

export const CF_LENGTH = 16;
export const MONTH_LETTERS = 'ABCDEHLMPRST';
export const OMOCODIA_LETTERS = 'LMNPQRSTUV';
/** 0-based indexes of the digits that omocodia may replace (1-based positions 7, 8, 10, 11, 13, 14, 15). */
export const OMOCODIA_POSITIONS: readonly number[] = [6, 7, 9, 10, 12, 13, 14];

/** Values of A..Z at odd (1st, 3rd, ...) positions; digit d takes the value of the d-th letter. */
const ODD_VALUES = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
const A = 'A'.charCodeAt(0);

const charIndex = (ch: string): number => (ch >= '0' && ch <= '9' ? ch.charCodeAt(0) - 48 : ch.charCodeAt(0) - A);

/** The check character of the first 15 characters of a codice fiscale (upper case A-Z / 0-9). */
export const cfCheckCharacter = (first15: string): string => {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const idx = charIndex(first15.charAt(i));
    sum += i % 2 === 0 ? (ODD_VALUES[idx] as number) : idx;
  }
  return String.fromCharCode(A + (sum % 26));
};

/** The code with omocodic letters at positions 7, 8, 10, 11, 13, 14, 15 turned back into digits. */
export const decodeOmocodia = (cf: string): string =>
  [...cf].map((ch, i) => (OMOCODIA_POSITIONS.includes(i) && OMOCODIA_LETTERS.includes(ch) ? String(OMOCODIA_LETTERS.indexOf(ch)) : ch)).join('');

const normalise = (input: string): string => input.replace(/\s+/g, '').toUpperCase();

const invalid = (message: string, path: string, details?: unknown): Result<never> => err('CF_INVALID', message, path, details);

const TEMPORARY_RE = /^(STP|ENI)\d{13}$/;
const DIGIT_OR_OMOCODIC = /^[0-9LMNPQRSTUV]$/;
const LETTER = /^[A-Z]$/;

/** Which 1-based position breaks the layout (letters / digits-or-omocodic letters), or null. */
const badPosition = (cf: string): { position: number; expected: string } | null => {
  for (let i = 0; i < CF_LENGTH; i++) {
    const ch = cf.charAt(i);
    const wantsDigit = OMOCODIA_POSITIONS.includes(i);
    if (wantsDigit ? !DIGIT_OR_OMOCODIC.test(ch) : !LETTER.test(ch)) {
      return { position: i + 1, expected: wantsDigit ? 'a digit (or an omocodic letter LMNPQRSTUV)' : 'a letter' };
    }
  }
  return null;
};

/** The most recent year ending in yy whose date month/day is not after today (null when that date does not exist). */
const birthDateFor = (yy: number, month: number, day: number, today: LocalDate): LocalDate | null => {
  const todayYear = Number(today.slice(0, 4));
  let year = todayYear - ((((todayYear % 100) - yy) % 100) + 100) % 100;
  const mmdd = `${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  if (`${year}-${mmdd}` > today) year -= 100;
  const date = `${String(year).padStart(4, '0')}-${mmdd}`;
  return isLocalDate(date) ? date : null;
};

const validateTemporary = (cf: string, path: string): Result<CodiceFiscaleInfo> =>
  TEMPORARY_RE.test(cf)
    ? ok({ cf, kind: cf.startsWith('STP') ? 'stp' : 'eni', omocodia: false })
    : invalid(`${cf.slice(0, 3)} code must be ${cf.slice(0, 3)} followed by 13 digits (3-digit region/ASL code + 10 digits)`, path);

const validatePersonal = (cf: string, path: string, opts: CodiceFiscaleOptions): Result<CodiceFiscaleInfo> => {
  const bad = badPosition(cf);
  if (bad !== null) return invalid(`invalid characters: position ${bad.position} must be ${bad.expected}`, path, bad);
  const decoded = decodeOmocodia(cf);
  const month = MONTH_LETTERS.indexOf(cf.charAt(8)) + 1;
  if (month === 0) return invalid(`invalid month letter ${cf.charAt(8)} (expected one of ${MONTH_LETTERS})`, path);
  const rawDay = Number(decoded.slice(9, 11));
  const sex: Sex = rawDay > 40 ? 'F' : 'M';
  const day = sex === 'F' ? rawDay - 40 : rawDay;
  // 29 Feb is checked against the real year below when today is known
  if (day < 1 || day > (month === 2 ? 29 : daysInMonth(2001, month))) {
    return invalid(`invalid day ${decoded.slice(9, 11)} (1-31 for men, 41-71 for women, within the month)`, path);
  }
  const expected = cfCheckCharacter(cf);
  if (cf.charAt(15) !== expected) return invalid(`wrong check character ${cf.charAt(15)} (expected ${expected})`, path);
  const info: CodiceFiscaleInfo = { cf, kind: 'cf', sex, birthPlace: decoded.slice(11, 15), omocodia: decoded !== cf };
  if (opts.today === undefined) return ok(info);
  const birthDate = birthDateFor(Number(decoded.slice(6, 8)), month, day, opts.today);
  if (birthDate === null) return invalid(`invalid day ${decoded.slice(9, 11)}: 29 February in a common year`, path);
  return ok({ ...info, birthDate });
};

/**
 * Validates and decodes a codice fiscale or an STP/ENI code. Input is normalised (spaces removed, upper case).
 * Error code CF_INVALID at `path`; the message says which part is wrong: length, characters, month, day or
 * check character.
 */
export const validateCodiceFiscale = (
  input: string,
  path = '/codiceFiscale',
  opts: CodiceFiscaleOptions = {},
): Result<CodiceFiscaleInfo> => {
  if (typeof input !== 'string') return invalid('codice fiscale must be a string', path);
  if (opts.today !== undefined && !isLocalDate(opts.today)) throw new RangeError(`not a local date: ${String(opts.today)}`);
  const cf = normalise(input);
  if (cf.length !== CF_LENGTH) return invalid(`invalid length: ${cf.length} characters, expected ${CF_LENGTH}`, path);
  if (!/^[A-Z0-9]+$/.test(cf)) return invalid('invalid characters: only letters A-Z and digits 0-9 are allowed', path);
  // a personal code may also start with STP/ENI (surname consonants), but it has a letter at position 4
  if (/^(STP|ENI)\d/.test(cf)) return validateTemporary(cf, path);
  return validatePersonal(cf, path, opts);
};
