import { describe, expect, it } from 'vitest';
import { holidaysFor, type HolidayCalendarData } from '../../engine/src/domain/calendar/holidays.ts';
import {
  cancellationCutoff,
  isTimelyCancellation,
  isWorkingDay,
  reminderInstants,
  workingDaysBefore,
} from '../../engine/src/domain/booking/working-days.ts';

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
  patronDays: [{ municipality: 'F205', municipalityName: 'Milano', month: 12, day: 7, name: "Sant'Ambrogio" }],
};
const HOLIDAYS = holidaysFor(ITALY, [2026, 2027]);
const MILAN = holidaysFor(ITALY, [2026, 2027], 'F205');
const at = (iso: string) => new Date(iso);

describe('isWorkingDay', () => {
  it('excludes Saturdays, Sundays and holidays', () => {
    expect(['2026-12-23', '2026-12-24', '2026-12-25', '2026-12-26', '2026-12-27', '2026-12-28'].map((d) => isWorkingDay(d, HOLIDAYS))).toEqual([
      true, true, false, false, false, true,
    ]);
  });

  it('can treat Saturday as a working day', () => {
    expect(isWorkingDay('2026-12-19', HOLIDAYS, [7])).toBe(true);
  });
});

describe('workingDaysBefore', () => {
  it('puts 2 working days before Monday 28 Dec 2026 on Wednesday 23 (24 Dec works; 25-27 do not)', () => {
    expect(workingDaysBefore('2026-12-28', 2, HOLIDAYS)).toBe('2026-12-23');
  });

  it('puts 2 working days before Tuesday 29 Dec 2026 on Thursday 24', () => {
    expect(workingDaysBefore('2026-12-29', 2, HOLIDAYS)).toBe('2026-12-24');
  });

  it('skips Easter Monday: 2 working days before Tuesday 7 Apr 2026 is Thursday 2 Apr', () => {
    expect(workingDaysBefore('2026-04-07', 2, HOLIDAYS)).toBe('2026-04-02');
  });

  it("skips Milan's patron day only for Milan", () => {
    expect(workingDaysBefore('2026-12-09', 2, MILAN)).toBe('2026-12-03');
    expect(workingDaysBefore('2026-12-09', 2, HOLIDAYS)).toBe('2026-12-04');
  });

  it('skips Epiphany and New Year: 3 working days before Thursday 7 Jan 2027 is Thursday 31 Dec 2026', () => {
    expect(workingDaysBefore('2027-01-07', 3, HOLIDAYS)).toBe('2026-12-31');
  });

  it('returns the date itself for 0 working days', () => {
    expect(workingDaysBefore('2026-12-27', 0, HOLIDAYS)).toBe('2026-12-27');
  });

  it('rejects a negative count', () => {
    expect(() => workingDaysBefore('2026-12-27', -1, HOLIDAYS)).toThrow(RangeError);
  });
});

describe('cancellationCutoff', () => {
  it('is the end of Wednesday 23 Dec 2026 (Rome) for a 2-working-day cut-off on Monday 28 Dec', () => {
    expect(cancellationCutoff(at('2026-12-28T08:00:00Z'), 2, HOLIDAYS)).toEqual(at('2026-12-23T22:59:59.999Z'));
  });

  it('ends at the winter-time midnight when the appointment is in summer time (Monday 30 Mar 2026)', () => {
    expect(cancellationCutoff(at('2026-03-30T07:00:00Z'), 2, HOLIDAYS)).toEqual(at('2026-03-26T22:59:59.999Z'));
  });

  it('ends at the summer-time midnight when the appointment is in winter time (Wednesday 28 Oct 2026)', () => {
    expect(cancellationCutoff(at('2026-10-28T08:00:00Z'), 3, HOLIDAYS)).toEqual(at('2026-10-23T21:59:59.999Z'));
  });

  it('uses the Rome date of an early-morning appointment, not its UTC date', () => {
    // 00:30 on Tuesday 29 Dec in Rome is Monday 28 Dec in UTC
    expect(cancellationCutoff(at('2026-12-28T23:30:00Z'), 2, HOLIDAYS)).toEqual(at('2026-12-24T22:59:59.999Z'));
  });

  it('with 0 working days, is the end of the appointment day', () => {
    expect(cancellationCutoff(at('2026-12-28T08:00:00Z'), 0, HOLIDAYS)).toEqual(at('2026-12-28T22:59:59.999Z'));
  });
});

describe('isTimelyCancellation', () => {
  const slot = at('2026-12-28T08:00:00Z');
  it('is timely up to the last millisecond of the cut-off day', () => {
    expect(isTimelyCancellation(at('2026-12-23T22:59:59.999Z'), slot, 2, HOLIDAYS)).toBe(true);
  });
  it('is late from the first millisecond of the next day (Christmas Eve)', () => {
    expect(isTimelyCancellation(at('2026-12-23T23:00:00Z'), slot, 2, HOLIDAYS)).toBe(false);
  });
});

describe('reminderInstants', () => {
  const slot = at('2026-12-28T08:00:00Z'); // Monday 09:00 in Rome
  const early = at('2026-12-01T00:00:00Z');

  it('sends one 3 days before at the appointment time and one at 09:00 on the cut-off day, in time order', () => {
    expect(reminderInstants(slot, [3], 2, HOLIDAYS, early)).toEqual([at('2026-12-23T08:00:00Z'), at('2026-12-25T08:00:00Z')]);
  });

  it('skips reminders already in the past', () => {
    expect(reminderInstants(slot, [3], 2, HOLIDAYS, at('2026-12-24T00:00:00Z'))).toEqual([at('2026-12-25T08:00:00Z')]);
  });

  it('keeps a reminder due exactly now', () => {
    expect(reminderInstants(slot, [3], 2, HOLIDAYS, at('2026-12-25T08:00:00Z'))).toEqual([at('2026-12-25T08:00:00Z')]);
  });

  it('deduplicates reminders that fall on the same instant', () => {
    // 5 days before Monday 28 at 09:00 is Wednesday 23 at 09:00, the cut-off reminder
    expect(reminderInstants(slot, [5, 5, 3], 2, HOLIDAYS, early)).toEqual([at('2026-12-23T08:00:00Z'), at('2026-12-25T08:00:00Z')]);
  });

  it('keeps the local wall-clock time across the summer-time change', () => {
    // Tuesday 31 Mar 2026 09:00 CEST; 3 days before is Saturday 28 Mar 09:00 CET
    const summer = at('2026-03-31T07:00:00Z');
    expect(reminderInstants(summer, [3], 2, HOLIDAYS, at('2026-03-01T00:00:00Z'), { cutoffReminderTime: '10:30' })).toEqual([
      at('2026-03-27T09:30:00Z'),
      at('2026-03-28T08:00:00Z'),
    ]);
  });

  it('drops reminders that are not before the appointment', () => {
    expect(reminderInstants(slot, [0], 0, HOLIDAYS, early)).toEqual([]);
  });
});
