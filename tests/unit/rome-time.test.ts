import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysBetween,
  isLocalDate,
  isLocalTime,
  isoWeekday,
  localToUtc,
  parseLocalTime,
  romeOffsetMinutes,
  utcToLocal,
} from '../../engine/src/domain/time/rome-time.ts';

const HOUR = 3_600_000;

const romeFormatter = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Rome',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  weekday: 'short',
  hourCycle: 'h23',
});
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** What Intl says the Rome wall clock shows at an instant. */
const intlRome = (instant: Date) => {
  const p = Object.fromEntries(romeFormatter.formatToParts(instant).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}`, weekday: WEEKDAYS[p.weekday as string] };
};

const intlOffsetMinutes = (instant: Date): number => {
  const { date, time } = intlRome(instant);
  const wall = Date.parse(`${date}T${time}:00Z`);
  return Math.round((wall - Math.floor(instant.getTime() / 60_000) * 60_000) / 60_000);
};

describe('Rome time agrees with Intl (Europe/Rome) over 2024-2027', () => {
  const from = Date.UTC(2024, 0, 1);
  const to = Date.UTC(2028, 0, 1);

  it('gives the same offset and wall clock as Intl for every hour of 2024-2027', () => {
    let mismatches = 0;
    for (let ms = from; ms < to; ms += HOUR) {
      const instant = new Date(ms + 17 * 60_000); // a minute that is not on the hour
      const expected = intlRome(instant);
      const ours = utcToLocal(instant);
      if (romeOffsetMinutes(instant) !== intlOffsetMinutes(instant)) mismatches++;
      if (ours.date !== expected.date || ours.time !== expected.time || ours.weekday !== expected.weekday) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('maps every existing local hour of 2024-2027 back to an instant Intl shows as that wall clock', () => {
    let checked = 0;
    let gaps = 0;
    for (let ms = from; ms < to; ms += HOUR) {
      const wall = new Date(ms).toISOString();
      const date = wall.slice(0, 10);
      const time = wall.slice(11, 16);
      const utc = localToUtc(date, time);
      if (utc === null) {
        gaps++;
        continue;
      }
      const back = intlRome(utc);
      expect(`${back.date} ${back.time}`).toBe(`${date} ${time}`);
      checked++;
    }
    expect(gaps).toBe(4); // one missing hour per year
    expect(checked).toBe((to - from) / HOUR - 4);
  });
});

describe('Rome offsets and conversions', () => {
  it('08:00 local is 07:00Z in January and 06:00Z in July', () => {
    expect(localToUtc('2026-01-15', '08:00')?.toISOString()).toBe('2026-01-15T07:00:00.000Z');
    expect(localToUtc('2026-07-15', '08:00')?.toISOString()).toBe('2026-07-15T06:00:00.000Z');
  });

  it('summer time starts at 01:00Z on the last Sunday of March and ends at 01:00Z on the last Sunday of October', () => {
    expect(romeOffsetMinutes(new Date('2026-03-29T00:59:59Z'))).toBe(60);
    expect(romeOffsetMinutes(new Date('2026-03-29T01:00:00Z'))).toBe(120);
    expect(romeOffsetMinutes(new Date('2026-10-25T00:59:59Z'))).toBe(120);
    expect(romeOffsetMinutes(new Date('2026-10-25T01:00:00Z'))).toBe(60);
  });

  it('a wall-clock time in the spring-forward gap does not exist', () => {
    expect(localToUtc('2026-03-29', '01:59')?.toISOString()).toBe('2026-03-29T00:59:00.000Z');
    expect(localToUtc('2026-03-29', '02:00')).toBeNull();
    expect(localToUtc('2026-03-29', '02:59')).toBeNull();
    expect(localToUtc('2026-03-29', '03:00')?.toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('a wall-clock time in the repeated October hour maps to its first occurrence (CEST)', () => {
    expect(localToUtc('2026-10-25', '01:59')?.toISOString()).toBe('2026-10-24T23:59:00.000Z');
    expect(localToUtc('2026-10-25', '02:00')?.toISOString()).toBe('2026-10-25T00:00:00.000Z');
    expect(localToUtc('2026-10-25', '02:30')?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(localToUtc('2026-10-25', '03:00')?.toISOString()).toBe('2026-10-25T02:00:00.000Z');
  });

  it('the repeated October hour shows the same wall clock twice', () => {
    expect(utcToLocal(new Date('2026-10-25T00:30:00Z')).time).toBe('02:30');
    expect(utcToLocal(new Date('2026-10-25T01:30:00Z')).time).toBe('02:30');
  });

  it('utcToLocal crosses midnight and the year boundary into Rome time', () => {
    expect(utcToLocal(new Date('2025-12-31T23:30:00Z'))).toEqual({ date: '2026-01-01', time: '00:30', weekday: 4 });
    expect(utcToLocal(new Date('2026-06-30T22:15:00Z'))).toEqual({ date: '2026-07-01', time: '00:15', weekday: 3 });
  });
});

describe('local date and time helpers', () => {
  it('adds days across months, leap days and years', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2026-03-28', 2)).toBe('2026-03-30');
  });

  it('counts signed days between two dates', () => {
    expect(daysBetween('2026-01-01', '2026-12-31')).toBe(364);
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
    expect(daysBetween('2026-03-10', '2026-03-01')).toBe(-9);
  });

  it('gives ISO weekdays with Monday = 1 and Sunday = 7', () => {
    expect(isoWeekday('2026-01-05')).toBe(1);
    expect(isoWeekday('2026-03-29')).toBe(7);
    expect(isoWeekday('1970-01-01')).toBe(4);
    expect(isoWeekday('1969-12-28')).toBe(7);
  });

  it('parses HH:MM into minutes after midnight and rejects anything else', () => {
    expect(parseLocalTime('00:00')).toBe(0);
    expect(parseLocalTime('08:30')).toBe(510);
    expect(parseLocalTime('23:59')).toBe(1439);
    for (const bad of ['24:00', '8:30', '08:60', '08:30:00', '', 'ab:cd']) expect(parseLocalTime(bad)).toBeNull();
  });

  it('accepts only real calendar dates and valid times', () => {
    expect(isLocalDate('2024-02-29')).toBe(true);
    expect(isLocalDate('2025-02-29')).toBe(false);
    expect(isLocalDate('2025-04-31')).toBe(false);
    expect(isLocalDate('2025-13-01')).toBe(false);
    expect(isLocalDate('2025-1-01')).toBe(false);
    expect(isLocalDate(20250101)).toBe(false);
    expect(isLocalTime('07:05')).toBe(true);
    expect(isLocalTime('7:05')).toBe(false);
    expect(isLocalTime(null)).toBe(false);
  });
});
