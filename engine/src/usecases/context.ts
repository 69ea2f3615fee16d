import type { Db } from '../store/db.ts';
import type { Principal } from '../http/auth.ts';
import type { HolidayCalendarData } from '../domain/calendar/holidays.ts';

/** Reference data the engine needs at run time (loaded from reference/ at the edge). */
export interface EngineReference {
  calendar: HolidayCalendarData;
}

/** What every use case receives: the store, who is asking, the clock and the reference data. */
export interface Ctx {
  db: Db;
  principal: Principal;
  now: Date;
  ref: EngineReference;
}
