/**
 * Europe/Rome wall-clock time <-> UTC instants, computed from the EU summer-time rule without Intl:
 * CEST (UTC+2) from the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC,
 * CET (UTC+1) otherwise. The rule is applied to every year (Italy has followed it since 1996).
 *
 * Local dates are 'YYYY-MM-DD' strings and local times 'HH:MM'. Internally a date is an "epoch day"
 * (days since 1970-01-01) so that slot generation can work on numbers; the numeric helpers are exported
 * for hot loops. Pure: no I/O, no clock.
 */
import type { LocalDate, LocalTime } from '../offer/types.ts';

export const MS_PER_MINUTE = 60_000;
export const MS_PER_DAY = 86_400_000;
const MINUTES_PER_DAY = 1440;
const CET_MINUTES = 60;
const CEST_MINUTES = 120;

const LOCAL_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic on epoch days (proleptic Gregorian, UTC-free: a local date is just a day number)
// ---------------------------------------------------------------------------------------------

export const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

export const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/** Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
export const epochDayFromParts = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
};

/** Civil date of an epoch day (H. Hinnant's civil_from_days). */
export const partsFromEpochDay = (epochDay: number): { year: number; month: number; day: number } => {
  const z = epochDay + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
};

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const pad4 = (n: number): string => String(n).padStart(4, '0');

/** 'YYYY-MM-DD' of an epoch day. */
export const localDateOfEpochDay = (epochDay: number): LocalDate => {
  let s = dateStrings.get(epochDay);
  if (s === undefined) {
    const { year, month, day } = partsFromEpochDay(epochDay);
    s = `${pad4(year)}-${pad2(month)}-${pad2(day)}`;
    // searches format the same few hundred days over and over: keep them (bounded, a cache only)
    if (dateStrings.size >= 20_000) dateStrings.clear();
    dateStrings.set(epochDay, s);
  }
  return s;
};
const dateStrings = new Map<number, LocalDate>();

/** True for a real calendar date written 'YYYY-MM-DD'. */
export const isLocalDate = (value: unknown): value is LocalDate => {
  if (typeof value !== 'string') return false;
  const m = LOCAL_DATE_RE.exec(value);
  if (m === null) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
};

/** True for a wall-clock time 'HH:MM' between 00:00 and 23:59. */
export const isLocalTime = (value: unknown): value is LocalTime =>
  typeof value === 'string' && LOCAL_TIME_RE.test(value);

/** Epoch day of a local date. Throws on a malformed date (validate input with isLocalDate first). */
export const epochDayOf = (date: LocalDate): number => {
  if (!isLocalDate(date)) throw new RangeError(`not a local date: ${String(date)}`);
  return epochDayFromParts(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)));
};

/** Minutes after midnight of 'HH:MM', or null when it is not a valid time. */
export const parseLocalTime = (time: LocalTime): number | null => {
  const m = LOCAL_TIME_RE.exec(time);
  return m === null ? null : Number(m[1]) * 60 + Number(m[2]);
};

/** 'HH:MM' of minutes after midnight (0..1439). */
export const formatLocalTime = (minuteOfDay: number): LocalTime =>
  `${pad2(Math.floor(minuteOfDay / 60))}:${pad2(minuteOfDay % 60)}`;

/** ISO weekday (1 = Monday ... 7 = Sunday) of an epoch day. 1970-01-01 was a Thursday. */
export const isoWeekdayOfEpochDay = (epochDay: number): number => ((((epochDay + 3) % 7) + 7) % 7) + 1;

export const addDays = (date: LocalDate, n: number): LocalDate => localDateOfEpochDay(epochDayOf(date) + n);

export const isoWeekday = (date: LocalDate): number => isoWeekdayOfEpochDay(epochDayOf(date));

/** Signed number of days from a to b (b - a). */
export const daysBetween = (a: LocalDate, b: LocalDate): number => epochDayOf(b) - epochDayOf(a);

// ---------------------------------------------------------------------------------------------
// Summer-time transitions, cached per year
// ---------------------------------------------------------------------------------------------

interface YearTransitions {
  /** UTC ms at which CEST starts (last Sunday of March, 01:00 UTC). */
  readonly summerStartMs: number;
  /** UTC ms at which CEST ends (last Sunday of October, 01:00 UTC). */
  readonly summerEndMs: number;
}

const lastSundayEpochDay = (year: number, month: number): number => {
  const last = epochDayFromParts(year, month, daysInMonth(year, month));
  return last - (isoWeekdayOfEpochDay(last) % 7);
};

const transitionCache = new Map<number, YearTransitions>();

const transitionsOf = (year: number): YearTransitions => {
  let t = transitionCache.get(year);
  if (t === undefined) {
    t = {
      summerStartMs: lastSundayEpochDay(year, 3) * MS_PER_DAY + 60 * MS_PER_MINUTE,
      summerEndMs: lastSundayEpochDay(year, 10) * MS_PER_DAY + 60 * MS_PER_MINUTE,
    };
    transitionCache.set(year, t);
  }
  return t;
};

/** The UTC year last asked for (most instants fall in it): its first and next year's first ms, and its transitions. */
let lastYear = { fromMs: 0, toMs: 0, t: { summerStartMs: 0, summerEndMs: 0 } as YearTransitions };

/** UTC offset of Rome, in minutes, at a UTC instant given as epoch milliseconds. */
export const romeOffsetMinutesAtMs = (utcMs: number): number => {
  let y = lastYear;
  if (!(utcMs >= y.fromMs && utcMs < y.toMs)) {
    const year = new Date(utcMs).getUTCFullYear();
    y = { fromMs: epochDayFromParts(year, 1, 1) * MS_PER_DAY, toMs: epochDayFromParts(year + 1, 1, 1) * MS_PER_DAY, t: transitionsOf(year) };
    if (Number.isFinite(y.fromMs)) lastYear = y;
  }
  const { summerStartMs, summerEndMs } = y.t;
  return utcMs >= summerStartMs && utcMs < summerEndMs ? CEST_MINUTES : CET_MINUTES;
};

/** UTC offset of Rome at an instant: 60 (CET) or 120 (CEST). */
export const romeOffsetMinutes = (instant: Date): number => romeOffsetMinutesAtMs(instant.getTime());

/**
 * UTC epoch milliseconds of a Rome wall-clock time (epoch day + minutes after midnight), or null when the
 * time does not exist (the 02:00-02:59 gap on the last Sunday of March). In the repeated hour of the last
 * Sunday of October the first occurrence (CEST) is returned.
 */
export const localToUtcMs = (epochDay: number, minuteOfDay: number): number | null => {
  const wallMs = epochDay * MS_PER_DAY + minuteOfDay * MS_PER_MINUTE;
  const year = partsFromEpochDay(epochDay).year;
  const { summerStartMs, summerEndMs } = transitionsOf(year);
  // In wall-clock terms summer time starts at 02:00 (CET) = 03:00 (CEST) and ends at 03:00 (CEST).
  const gapStartWall = summerStartMs + CET_MINUTES * MS_PER_MINUTE;
  const gapEndWall = summerStartMs + CEST_MINUTES * MS_PER_MINUTE;
  const summerEndWall = summerEndMs + CEST_MINUTES * MS_PER_MINUTE;
  if (wallMs < gapStartWall) return wallMs - CET_MINUTES * MS_PER_MINUTE;
  if (wallMs < gapEndWall) return null;
  if (wallMs < summerEndWall) return wallMs - CEST_MINUTES * MS_PER_MINUTE;
  return wallMs - CET_MINUTES * MS_PER_MINUTE;
};

/** The UTC instant of a Rome wall-clock time; null when it falls in the spring-forward gap. */
export const localToUtc = (date: LocalDate, time: LocalTime): Date | null => {
  const minutes = parseLocalTime(time);
  if (minutes === null) throw new RangeError(`not a local time: ${String(time)}`);
  const ms = localToUtcMs(epochDayOf(date), minutes);
  return ms === null ? null : new Date(ms);
};

export interface RomeWallClock {
  date: LocalDate;
  time: LocalTime;
  /** ISO weekday: 1 = Monday ... 7 = Sunday */
  weekday: number;
}

/** Rome wall-clock date, time (seconds dropped) and ISO weekday of an instant. */
export const utcToLocal = (instant: Date): RomeWallClock => {
  const utcMs = instant.getTime();
  const wallMs = utcMs + romeOffsetMinutesAtMs(utcMs) * MS_PER_MINUTE;
  const epochDay = Math.floor(wallMs / MS_PER_DAY);
  const minuteOfDay = Math.floor((wallMs - epochDay * MS_PER_DAY) / MS_PER_MINUTE);
  return {
    date: localDateOfEpochDay(epochDay),
    time: formatLocalTime(minuteOfDay % MINUTES_PER_DAY),
    weekday: isoWeekdayOfEpochDay(epochDay),
  };
};

/** The Rome local date of an instant (utcToLocal's date, without the rest). */
export const localDateOf = (instant: Date): LocalDate => {
  const utcMs = instant.getTime();
  return localDateOfEpochDay(Math.floor((utcMs + romeOffsetMinutesAtMs(utcMs) * MS_PER_MINUTE) / MS_PER_DAY));
};
