import type { Db } from '../store/db.ts';
import { appendEvents } from '../store/outbox-store.ts';
import type { OfferCache } from '../store/offer-cache.ts';
import { expireHolds } from './booking.ts';
import type { EngineReference } from './context.ts';

/** Sends the reminders that fell due: each becomes an `appointment.reminder_due` event for the messaging channel. */
export async function dispatchReminders(db: Db, now: Date, limit = 500): Promise<number> {
  return db.transaction(async (tx) => {
    const due = await tx.query<{ id: string; appointment_id: string; due_at: Date; kind: string; ats_id: string; provider_id: string; slot_start: Date }>(
      `select r.id::text as id, r.appointment_id, r.due_at, r.kind, a.ats_id, a.provider_id, s.start_at as slot_start
       from reminder r join appointment ap on ap.id = r.appointment_id join slot s on s.id = ap.slot_id join agenda a on a.id = ap.agenda_id
       where r.status = 'scheduled' and r.due_at <= $1 and ap.status = 'booked' order by r.due_at limit ${limit} for update of r skip locked`,
      [now.toISOString()],
    );
    for (const r of due) {
      await tx.query(`update reminder set status = 'sent' where id = $1`, [r.id]);
      await appendEvents(tx, [{ type: 'appointment.reminder_due', aggregateType: 'appointment', aggregateId: r.appointment_id, ats: r.ats_id, provider: r.provider_id,
        payload: { appointment_id: r.appointment_id, kind: r.kind, due_at: new Date(r.due_at).toISOString(), slot_start: new Date(r.slot_start).toISOString() } }], now);
    }
    return due.length;
  });
}

/** Background duties of an engine instance: expire holds, dispatch reminders. Safe to run on several instances. */
export function startSweeper(deps: { db: Db; ref: EngineReference; offer: OfferCache; now?: () => Date }, everyMs = 10_000) {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const now = (deps.now ?? (() => new Date()))();
      await expireHolds({ db: deps.db, ref: deps.ref, offer: deps.offer, now });
      await dispatchReminders(deps.db, now);
    } catch (e) {
      console.error(`sweeper: ${(e as Error).message}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}
