/** Instants bounding a Rome local day. Midnight never falls in the summer-time gap (02:00-02:59), so both exist. Pure. */
import type { LocalDate } from '../offer/types.ts';
import { addDays, localToUtc } from '../time/rome-time.ts';

/** The instant the local day starts (00:00 Europe/Rome). */
export const startOfLocalDay = (date: LocalDate): Date => localToUtc(date, '00:00') as Date;

/** The last millisecond of the local day (the next local midnight minus 1 ms): 23 or 25 hours after midnight on DST days. */
export const endOfLocalDay = (date: LocalDate): Date => new Date(startOfLocalDay(addDays(date, 1)).getTime() - 1);
