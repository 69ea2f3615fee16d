import { runTogether, type Queryable, type Stmt } from './db.ts';
import { makeEvent, topicOf, type EventEnvelope, type NewEvent } from '../events/envelope.ts';

const TYPES = ['uuid', 'text', 'text', 'int', 'timestamptz', 'text', 'text', 'text', 'text', 'jsonb'];
const COLS = TYPES.length;

/** The outbox insert of some events as one statement (one row each, in order), with their envelopes. */
export function outboxInsert(events: readonly NewEvent[], now: Date): { stmt: Stmt | null; envelopes: EventEnvelope[] } {
  const envelopes = events.map((e) => makeEvent(e, now));
  if (!envelopes.length) return { stmt: null, envelopes };
  const params: unknown[] = [];
  for (const env of envelopes)
    params.push(env.event_id, topicOf(env.aggregate_type), env.type, env.schema_version, env.occurred_at, env.aggregate_type,
      env.aggregate_id, env.ats, env.provider, JSON.stringify(env.payload));
  return { stmt: { sql: insertSql(envelopes.length), params }, envelopes };
}

/** The insert of n outbox rows (one text per n, built once). */
const insertSqls: string[] = [];
function insertSql(n: number): string {
  let sql = insertSqls[n];
  if (sql === undefined) {
    const rows = Array.from({ length: n }, (_, i) => `(${TYPES.map((t, k) => `$${i * COLS + k + 1}::${t}`).join(',')})`);
    sql = `insert into outbox (event_id, topic, type, schema_version, occurred_at, aggregate_type, aggregate_id, ats, provider, payload)
       select * from (values ${rows.join(',')}) v`;
    if (n <= 256) insertSqls[n] = sql;
  }
  return sql;
}

/** Writes events to the outbox inside the caller's transaction (one statement). */
export async function appendEvents(tx: Queryable, events: readonly NewEvent[], now: Date): Promise<EventEnvelope[]> {
  const { stmt, envelopes } = outboxInsert(events, now);
  if (stmt) await runTogether(tx, [stmt]);
  return envelopes;
}
