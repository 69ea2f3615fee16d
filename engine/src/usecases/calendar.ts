import { holidaysFor } from '../domain/calendar/holidays.ts';
import type { DateRange } from '../domain/offer/types.ts';
import type { EngineReference } from './context.ts';

/** National holidays plus the municipality's patron day for every year a date range touches. */
export function holidaysIn(ref: EngineReference, range: DateRange, municipality: string | null | undefined) {
  const years: number[] = [];
  for (let y = Number(range.from.slice(0, 4)) - 1; y <= Number(range.to.slice(0, 4)); y++) years.push(y);
  const key = `${years.join(',')}|${municipality ?? ''}`;
  let byKey = memo.get(ref.calendar);
  if (!byKey) memo.set(ref.calendar, (byKey = new Map()));
  let cal = byKey.get(key);
  if (!cal) byKey.set(key, (cal = holidaysFor(ref.calendar, years, municipality ?? undefined)));
  return cal;
}

/** Calendars per reference data set, by years and municipality (pure results; the data never changes at run time). */
const memo = new WeakMap<object, Map<string, ReadonlyMap<string, string>>>();
