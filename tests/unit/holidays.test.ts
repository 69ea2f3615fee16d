import { describe, expect, it } from 'vitest';
import {
  easterSunday,
  holidaysFor,
  validateHolidayCalendarData,
  type HolidayCalendarData,
} from '../../engine/src/domain/calendar/holidays.ts';

const ITALY: HolidayCalendarData = {
  national: [
    { month: 1, day: 1, name: 'Capodanno' },
    { month: 1, day: 6, name: 'Epifania' },
    { month: 4, day: 25, name: 'Festa della Liberazione' },
    { month: 5, day: 1, name: 'Festa del Lavoro' },
    { month: 6, day: 2, name: 'Festa della Repubblica' },
    { month: 8, day: 15, name: 'Ferragosto' },
    { month: 11, day: 1, name: 'Ognissanti' },
    { month: 12, day: 8, name: 'Immacolata Concezione' },
    { month: 12, day: 25, name: 'Natale' },
    { month: 12, day: 26, name: 'Santo Stefano' },
  ],
  easterMonday: true,
  patronDays: [
    { municipality: 'F205', municipalityName: 'Milano', month: 12, day: 7, name: "Sant'Ambrogio" },
    { municipality: 'A794', municipalityName: 'Bergamo', month: 8, day: 26, name: "Sant'Alessandro" },
  ],
};

describe('Easter', () => {
  it('computes Easter Sunday with the anonymous Gregorian algorithm', () => {
    expect(easterSunday(2024)).toBe('2024-03-31');
    expect(easterSunday(2025)).toBe('2025-04-20');
    expect(easterSunday(2026)).toBe('2026-04-05');
    expect(easterSunday(2027)).toBe('2027-03-28');
    expect(easterSunday(2038)).toBe('2038-04-25');
    expect(easterSunday(2285)).toBe('2285-03-22');
  });
});

describe('holidaysFor', () => {
  it('Easter Monday 2026 is 2026-04-06', () => {
    expect(holidaysFor(ITALY, [2026]).get('2026-04-06')).toBe("Lunedì dell'Angelo");
  });

  it('lists the eleven national holidays of a year in date order', () => {
    const h = holidaysFor(ITALY, [2026]);
    expect([...h.keys()]).toEqual([
      '2026-01-01', '2026-01-06', '2026-04-06', '2026-04-25', '2026-05-01', '2026-06-02',
      '2026-08-15', '2026-11-01', '2026-12-08', '2026-12-25', '2026-12-26',
    ]);
  });

  it('a patron day is a holiday only in its municipality', () => {
    expect(holidaysFor(ITALY, [2026], 'F205').get('2026-12-07')).toBe("Sant'Ambrogio");
    expect(holidaysFor(ITALY, [2026], 'A794').has('2026-12-07')).toBe(false);
    expect(holidaysFor(ITALY, [2026], 'A794').get('2026-08-26')).toBe("Sant'Alessandro");
    expect(holidaysFor(ITALY, [2026]).has('2026-12-07')).toBe(false);
  });

  it('covers several years at once', () => {
    const h = holidaysFor(ITALY, [2025, 2026, 2027], 'F205');
    expect(h.size).toBe(36);
    expect(h.get('2025-04-21')).toBe("Lunedì dell'Angelo");
    expect(h.get('2027-03-29')).toBe("Lunedì dell'Angelo");
  });

  it('leaves Easter Monday out when the data says so', () => {
    expect(holidaysFor({ ...ITALY, easterMonday: false }, [2026]).has('2026-04-06')).toBe(false);
  });

  it('joins the names of two holidays on the same date', () => {
    const data: HolidayCalendarData = {
      ...ITALY,
      patronDays: [{ municipality: 'Z999', municipalityName: 'Test', month: 4, day: 25, name: 'San Marco' }],
    };
    expect(holidaysFor(data, [2026], 'Z999').get('2026-04-25')).toBe('Festa della Liberazione / San Marco');
  });

  it('skips 29 February in common years', () => {
    const data: HolidayCalendarData = { national: [{ month: 2, day: 29, name: 'Leap' }], easterMonday: false, patronDays: [] };
    expect([...holidaysFor(data, [2024, 2025]).keys()]).toEqual(['2024-02-29']);
  });
});

describe('validateHolidayCalendarData', () => {
  it('accepts the reference shape', () => {
    expect(validateHolidayCalendarData(ITALY)).toEqual({ ok: true, value: ITALY });
  });

  it('rejects a day that no month has, with its path', () => {
    const r = validateHolidayCalendarData({ ...ITALY, national: [{ month: 4, day: 31, name: 'x' }] });
    expect(r).toMatchObject({ ok: false, error: { code: 'HOLIDAY_DATA_INVALID', path: '/national/0' } });
  });

  it('rejects a municipality that is not a Belfiore code', () => {
    const r = validateHolidayCalendarData({
      ...ITALY,
      patronDays: [{ municipality: 'Milano', municipalityName: 'Milano', month: 12, day: 7, name: "Sant'Ambrogio" }],
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'HOLIDAY_DATA_INVALID', path: '/patronDays/0/municipality' } });
  });
});
