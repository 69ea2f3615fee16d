/**
 * Working days, the cancellation cut-off and reminder instants (DOMAIN.md §6; DL 73/2024 art. 3 c.5: the CUP
 * asks for confirmation or cancellation at least 2 working days before the appointment). Saturday and Sunday
 * are not working days [M] (a parameter, default [6, 7]), nor are the holidays passed in (national + the
 * patron day of the site's municipality, see holidaysFor). Pure: instants and holidays are passed in.
 */
import type { LocalDate, LocalTime } from '../offer/types.ts';
import { addDays, isoWeekday, localDateOf, localToUtc, utcToLocal } from '../time/rome-time.ts';
import { endOfLocalDay } from './local-day.ts';

/** Holidays as returned by holidaysFor (a Map) or any set of local dates. */
export type Holidays = ReadonlySet<LocalDate> | ReadonlyMap<LocalDate, string>;

/** ISO weekdays that are never working days [M]. */
export const DEFAULT_NON_WORKING_WEEKDAYS: readonly number[] = [6, 7];

export const isWorkingDay = (date: LocalDate, holidays: Holidays, nonWorking = DEFAULT_NON_WORKING_WEEKDAYS): boolean =>
  !nonWorking.includes(isoWeekday(date)) && !holidays.has(date);

/** The working day that is n working days before date (date itself does not count; n = 0 gives date). */
export const workingDaysBefore = (date: LocalDate, n: number, holidays: Holidays, nonWorking = DEFAULT_NON_WORKING_WEEKDAYS): LocalDate => {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a non-negative integer: ${n}`);
  if (nonWorking.length >= 7) throw new RangeError('every weekday is non-working');
  let day = date;
  for (let counted = 0; counted < n; ) {
    day = addDays(day, -1);
    if (isWorkingDay(day, holidays, nonWorking)) counted++;
  }
  return day;
};

/**
 * The last instant a cancellation is timely: the end of the local day that is cutoffWorkingDays working days
 * before the appointment's local date. A cancellation after it is late (it counts as a no-show for the penalty).
 */
export const cancellationCutoff = (slotStart: Date, cutoffWorkingDays: number, holidays: Holidays, nonWorking = DEFAULT_NON_WORKING_WEEKDAYS): Date =>
  endOfLocalDay(workingDaysBefore(localDateOf(slotStart), cutoffWorkingDays, holidays, nonWorking));

export const isTimelyCancellation = (
  cancelledAt: Date,
  slotStart: Date,
  cutoffWorkingDays: number,
  holidays: Holidays,
  nonWorking = DEFAULT_NON_WORKING_WEEKDAYS,
): boolean => cancelledAt.getTime() <= cancellationCutoff(slotStart, cutoffWorkingDays, holidays, nonWorking).getTime();

export interface ReminderOptions {
  /** local time of the reminder sent on the cut-off day, default '09:00' */
  cutoffReminderTime?: LocalTime;
  nonWorking?: readonly number[];
}

/** The instant d calendar days before slotStart at the same local wall-clock time (the same instant - d x 24 h in the DST gap). */
const sameLocalTimeDaysBefore = (slotStart: Date, days: number): Date => {
  const { date, time } = utcToLocal(slotStart);
  return localToUtc(addDays(date, -days), time) ?? new Date(slotStart.getTime() - days * 86_400_000);
};

/**
 * When to remind the patient of an appointment: for each d in reminderDaysBefore, d calendar days before at
 * the appointment's local time; plus one on the cut-off day (default 09:00 local) so the patient can still cancel
 * in time. Instants before now or not before the appointment are dropped; the rest are sorted and deduplicated.
 */
export const reminderInstants = (
  slotStart: Date,
  reminderDaysBefore: readonly number[],
  cutoffWorkingDays: number,
  holidays: Holidays,
  now: Date,
  opts: ReminderOptions = {},
): Date[] => {
  const nonWorking = opts.nonWorking ?? DEFAULT_NON_WORKING_WEEKDAYS;
  const cutoffDay = workingDaysBefore(localDateOf(slotStart), cutoffWorkingDays, holidays, nonWorking);
  const candidates = reminderDaysBefore.map((d) => sameLocalTimeDaysBefore(slotStart, d));
  const cutoffReminder = localToUtc(cutoffDay, opts.cutoffReminderTime ?? '09:00');
  if (cutoffReminder !== null) candidates.push(cutoffReminder);
  const times = candidates.map((d) => d.getTime()).filter((t) => t >= now.getTime() && t < slotStart.getTime());
  return [...new Set(times)].sort((a, b) => a - b).map((t) => new Date(t));
};
