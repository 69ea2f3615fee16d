/**
 * The outbox relay: reads committed outbox rows in a stable order, publishes them through the stream port, and marks
 * them published. Visibility-safe cursor: only rows whose transaction id is below the snapshot's xmin are read —
 * every transaction that could still commit rows ordered before them has finished — and rows are picked by
 * `published_at is null` rather than "id > last id", so a row committed late by a concurrent transaction (a lower
 * id than rows already published) is still relayed. Publishing happens before marking: a crash between the two
 * re-publishes the batch on restart (at-least-once), and the sink drops the repeats by event_id.
 */
import type { Db } from '../../../engine/src/store/db.ts';
import type { StreamPublisher, StreamRecord } from './stream-port.ts';

interface OutboxRow {
  id: string;
  event_id: string;
  topic: string;
  type: string;
  schema_version: number;
  occurred_at: Date | string;
  aggregate_type: string;
  aggregate_id: string;
  ats: string | null;
  provider: string | null;
  payload: unknown;
}

export const PENDING_SQL = `
  select id::text as id, event_id::text as event_id, topic, type, schema_version, occurred_at, aggregate_type, aggregate_id, ats, provider, payload
    from outbox
   where published_at is null
     and txid < pg_snapshot_xmin(pg_current_snapshot())
   order by txid, id
   limit $1`;

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

export function toRecord(r: OutboxRow): StreamRecord {
  const payload = typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload;
  return {
    topic: r.topic,
    key: r.aggregate_id,
    value: JSON.stringify({
      event_id: r.event_id, type: r.type, schema_version: r.schema_version, occurred_at: iso(r.occurred_at),
      aggregate_type: r.aggregate_type, aggregate_id: r.aggregate_id, ats: r.ats, provider: r.provider, payload,
    }),
  };
}

export interface RelayOptions {
  batchSize?: number;
  /** wait between polls when the outbox is drained */
  idleMs?: number;
  onError?: (e: unknown) => void;
  /** called after each published batch */
  onPublished?: (n: number, pending: number | null) => void;
  /** called after a batch is published and before it is marked (fault injection in tests) */
  beforeMark?: () => void;
}

export class OutboxRelay {
  published = 0;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly db: Db, private readonly port: StreamPublisher, private readonly opts: RelayOptions = {}) {}

  /** Publishes one batch of pending rows; returns how many were published. */
  async runOnce(): Promise<number> {
    const rows = await this.db.query<OutboxRow>(PENDING_SQL, [this.opts.batchSize ?? 1000]);
    if (!rows.length) return 0;
    await this.port.publish(rows.map(toRecord));
    this.opts.beforeMark?.();
    await this.db.query(`update outbox set published_at = now() where id = any($1::bigint[])`, [rows.map((r) => r.id)]);
    this.published += rows.length;
    this.opts.onPublished?.(rows.length, null);
    return rows.length;
  }

  /** Rows not yet published (committed or not yet visible to the cursor). */
  async pending(): Promise<number> {
    const r = await this.db.query<{ n: number }>(`select count(*)::int as n from outbox where published_at is null`);
    return r[0]!.n;
  }

  /** Relays until everything committed so far is published. */
  async drain(): Promise<number> {
    let n = 0;
    for (let k; (k = await this.runOnce()) > 0; ) n += k;
    return n;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      let backoff = 0;
      while (this.running) {
        try {
          const n = await this.runOnce();
          backoff = 0;
          if (n > 0) continue;
        } catch (e) {
          this.opts.onError?.(e);
          backoff = Math.min(5_000, backoff ? backoff * 2 : 200);
        }
        await new Promise<void>((res) => {
          const t = setTimeout(res, backoff || (this.opts.idleMs ?? 20));
          this.wake = () => {
            clearTimeout(t);
            res();
          };
        });
        this.wake = null;
      }
    })();
  }

  /** Nudges the poller (e.g. right after a local commit). */
  poke(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}
