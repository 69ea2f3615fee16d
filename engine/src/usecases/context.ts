import type { Db, Queryable } from '../store/db.ts';
import type { Principal } from '../http/auth.ts';
import type { HolidayCalendarData } from '../domain/calendar/holidays.ts';
import type { OfferCache } from '../store/offer-cache.ts';
import type { BookingReader, BookingWriter } from '../store/booking-writer.ts';
import type { LiveFreeSlots } from '../store/free-slot-cache.ts';

/** Reference data the engine needs at run time (loaded from reference/ at the edge). */
export interface EngineReference {
  calendar: HolidayCalendarData;
}

/** The Idempotency-Key of a request: the first response is stored in the same transaction as the effect. */
export interface IdempotencyClaim {
  principal: string;
  key: string;
  method: string;
  path: string;
  requestSha: string;
  successStatus: number;
}

/** What every use case receives: the store, who is asking, the clock and the reference data. */
export interface Ctx {
  db: Db;
  principal: Principal;
  now: Date;
  ref: EngineReference;
  offer: OfferCache;
  /** group commit of bookings made outside a transaction (absent: each is written on its own) */
  bookings?: BookingWriter | undefined;
  /** grouped reads of searches and bookings made outside a transaction (absent: each reads on its own) */
  reads?: BookingReader | undefined;
  idempotency?: IdempotencyClaim | undefined;
  /** in-memory free-slot index kept fresh by the database's change notifications (absent or not live: SQL) */
  slots?: LiveFreeSlots | undefined;
}

/** Thrown when another request with the same Idempotency-Key committed first: the HTTP layer replays its response. */
export class IdempotentReplay extends Error {
  constructor(readonly claim: IdempotencyClaim) {
    super('replay');
  }
}

/**
 * Runs a use case in one transaction; with an Idempotency-Key the key is claimed first (a concurrent twin waits on
 * the unique index, then replays) and the response is stored before commit, so a retried request has one effect.
 */
export async function inTransaction<T>(ctx: Ctx, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  const claim = ctx.idempotency;
  return ctx.db.transaction(async (tx) => {
    if (claim) {
      const got = await tx.query(
        `insert into idempotency_key (principal, key, method, path, request_sha, status_code, response) values ($1,$2,$3,$4,$5,0,'{}')
         on conflict do nothing returning key`,
        [claim.principal, claim.key, claim.method, claim.path, claim.requestSha],
      );
      if (!got.length) throw new IdempotentReplay(claim);
    }
    const out = await fn(tx);
    if (claim)
      await tx.query(`update idempotency_key set status_code = $3, response = $4 where principal = $1 and key = $2`, [
        claim.principal, claim.key, claim.successStatus, JSON.stringify(out),
      ]);
    return out;
  });
}
