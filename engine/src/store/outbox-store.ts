import type { Queryable } from './db.ts';
import { makeEvent, topicOf, type EventEnvelope, type NewEvent } from '../events/envelope.ts';

/** Writes events to the outbox inside the caller's transaction. */
export async function appendEvents(tx: Queryable, events: readonly NewEvent[], now: Date): Promise<EventEnvelope[]> {
  const out: EventEnvelope[] = [];
  for (const e of events) {
    const env = makeEvent(e, now);
    await tx.query(
      `insert into outbox (event_id, topic, type, schema_version, occurred_at, aggregate_type, aggregate_id, ats, provider, payload)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
      [env.event_id, topicOf(env.aggregate_type), env.type, env.schema_version, env.occurred_at, env.aggregate_type,
        env.aggregate_id, env.ats, env.provider, JSON.stringify(env.payload)],
    );
    out.push(env);
  }
  return out;
}
