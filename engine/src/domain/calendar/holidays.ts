/**
 * Italian public holidays for a year. The calendar rules are data (reference/holidays.json has the
 * HolidayCalendarData shape): fixed national dates, whether Easter Monday is a holiday, and patron days
 * per municipality (Belfiore code). Only Easter is computed here. Pure: no I/O.
 */
import type { LocalDate } from '../offer/types.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { daysInMonth, epochDayFromParts, isLocalDate, localDateOfEpochDay } from '../time/rome-time.ts';

export interface FixedHoliday {
  month: number;
  day: number;
  name: string;
}

export interface PatronDay {
  /** Belfiore (cadastral) code of the municipality, e.g. F205 = Milano */
  municipality: string;
  municipalityName: string;
  month: number;
  day: number;
  name: string;
}

/** Shape of reference/holidays.json. */
export interface HolidayCalendarData {
  national: FixedHoliday[];
  easterMonday: boolean;
  patronDays: PatronDay[];
}

export const EASTER_MONDAY_NAME = "Lunedì dell'Angelo";

/** Epoch day of Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
const easterSundayEpochDay = (year: number): number => {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return epochDayFromParts(year, month, day);
};

/** Easter Sunday of a Gregorian year. */
export const easterSunday = (year: number): LocalDate => localDateOfEpochDay(easterSundayEpochDay(year));

/** The date of a month/day in a year, or null when it does not exist that year (29 Feb). */
const fixedDate = (year: number, month: number, day: number): LocalDate | null =>
  day <= daysInMonth(year, month) ? localDateOfEpochDay(epochDayFromParts(year, month, day)) : null;

const holidaysOfYear = (data: HolidayCalendarData, year: number, municipality?: string): [LocalDate, string][] => {
  const out: [LocalDate | null, string][] = data.national.map((h) => [fixedDate(year, h.month, h.day), h.name]);
  if (data.easterMonday) out.push([localDateOfEpochDay(easterSundayEpochDay(year) + 1), EASTER_MONDAY_NAME]);
  for (const p of data.patronDays) {
    if (p.municipality === municipality) out.push([fixedDate(year, p.month, p.day), p.name]);
  }
  return out.filter((h): h is [LocalDate, string] => h[0] !== null);
};

/**
 * Holidays (date -> name, in date order) of the given years; patron days only for the given municipality.
 * When two holidays share a date their names are joined with " / ".
 */
export const holidaysFor = (
  data: HolidayCalendarData,
  years: readonly number[],
  municipality?: string,
): Map<LocalDate, string> => {
  const byDate = new Map<LocalDate, string>();
  for (const year of years) {
    for (const [date, name] of holidaysOfYear(data, year, municipality)) {
      const existing = byDate.get(date);
      byDate.set(date, existing === undefined || existing === name ? name : `${existing} / ${name}`);
    }
  }
  return new Map([...byDate.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
};

// ---------------------------------------------------------------------------------------------
// Validation of the reference data (it is loaded from a file, so it is checked like any input)
// ---------------------------------------------------------------------------------------------

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A month/day pair that exists in some year (29 Feb allowed: it is skipped in common years). */
const isMonthDay = (month: unknown, day: unknown): boolean =>
  typeof month === 'number' && typeof day === 'number' && isLocalDate(`2000-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);

const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;

const BELFIORE_RE = /^[A-Z]\d{3}$/;

const holidayDataError = (message: string, path: string): Result<never> => err('HOLIDAY_DATA_INVALID', message, path);

const checkFixed = (h: unknown, path: string): Result<FixedHoliday> => {
  if (!isRecord(h) || !isMonthDay(h['month'], h['day'])) return holidayDataError('month/day is not a calendar day', path);
  if (!isNonEmptyString(h['name'])) return holidayDataError('name is required', `${path}/name`);
  return ok({ month: h['month'] as number, day: h['day'] as number, name: h['name'] });
};

const checkPatron = (p: unknown, path: string): Result<PatronDay> => {
  const fixed = checkFixed(p, path);
  if (!fixed.ok) return fixed;
  const rec = p as Record<string, unknown>;
  const code = rec['municipality'];
  if (typeof code !== 'string' || !BELFIORE_RE.test(code)) {
    return holidayDataError('municipality must be a Belfiore code such as F205', `${path}/municipality`);
  }
  if (!isNonEmptyString(rec['municipalityName'])) {
    return holidayDataError('municipalityName is required', `${path}/municipalityName`);
  }
  return ok({ ...fixed.value, municipality: code, municipalityName: rec['municipalityName'] });
};

/** Checks data read from reference/holidays.json. Error code HOLIDAY_DATA_INVALID with the field path. */
export const validateHolidayCalendarData = (input: unknown): Result<HolidayCalendarData> => {
  if (!isRecord(input)) return holidayDataError('holiday calendar must be an object', '');
  if (!Array.isArray(input['national'])) return holidayDataError('national must be an array', '/national');
  if (typeof input['easterMonday'] !== 'boolean') return holidayDataError('easterMonday must be a boolean', '/easterMonday');
  if (!Array.isArray(input['patronDays'])) return holidayDataError('patronDays must be an array', '/patronDays');
  const national: FixedHoliday[] = [];
  for (const [i, h] of input['national'].entries()) {
    const r = checkFixed(h, `/national/${i}`);
    if (!r.ok) return r;
    national.push(r.value);
  }
  const patronDays: PatronDay[] = [];
  for (const [i, p] of input['patronDays'].entries()) {
    const r = checkPatron(p, `/patronDays/${i}`);
    if (!r.ok) return r;
    patronDays.push(r.value);
  }
  return ok({ national, easterMonday: input['easterMonday'], patronDays });
};
