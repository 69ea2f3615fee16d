import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from './harness.ts';
import { OutboxRelay } from '../../pipelines/src/relay/outbox-relay.ts';
import type { StreamPublisher, StreamRecord } from '../../pipelines/src/relay/stream-port.ts';
import type { Db } from '../../engine/src/store/db.ts';
import { appendEvents } from '../../engine/src/store/outbox-store.ts';
import { appointmentEvent } from '../../simulator/src/booking-events.ts';

class CapturingPublisher implements StreamPublisher {
  readonly kind = 'in-process' as const;
  readonly records: StreamRecord[] = [];
  failNext = false;
  async ensureTopics() {}
  async publish(rs: readonly StreamRecord[]) {
    this.records.push(...rs);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('crash after publishing, before marking');
    }
  }
  async close() {}
  aggregates() {
    return this.records.map((r) => (JSON.parse(String(r.value)) as { aggregate_id: string; payload: { seq?: number } }));
  }
}

const insertOn = async (c: pg.Client, aggregateId: string, seq = 0) => {
  const e = appointmentEvent(seq, new Date());
  const q = { query: (sql: string, params?: readonly unknown[]) => c.query(sql, params as unknown[]).then((r) => r.rows) };
  await appendEvents(q as never, [{ ...e, aggregateId, payload: { ...e.payload, seq } }], new Date());
};

/**
 * Publishes until nothing is pending. The snapshot xmin is cluster-wide, so a transaction open in another test's
 * database can hold the relay back for a moment: keep polling rather than stopping at the first empty poll.
 */
async function drainAll(relay: OutboxRelay, timeoutMs = 20_000): Promise<number> {
  let n = 0;
  const t0 = Date.now();
  while ((await relay.pending()) > 0) {
    if (Date.now() - t0 > timeoutMs) throw new Error('the relay did not drain the outbox');
    const k = await relay.runOnce();
    n += k;
    if (!k) await new Promise((r) => setTimeout(r, 10));
  }
  return n;
}

describe('the outbox relay on a real PostgreSQL server', () => {
  let db: Db & { url?: string };
  const clients: pg.Client[] = [];
  const connect = async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    db = await openTestDb('pg', { poolMax: 20 });
  });
  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await db?.close();
  });

  it('waits for an earlier transaction that commits late instead of skipping its row, then relays both in order', async () => {
    const early = await connect();
    const late = await connect();
    await early.query('begin');
    await insertOn(early, 'ap-early'); // lower id and txid, commits last
    await late.query('begin');
    await insertOn(late, 'ap-late');
    await late.query('commit');

    const pub = new CapturingPublisher();
    const relay = new OutboxRelay(db, pub);
    expect(await relay.runOnce()).toBe(0); // ap-late is committed, but ap-early's transaction is still open
    await early.query('commit');
    expect(await drainAll(relay)).toBe(2);
    expect(pub.aggregates().map((e) => e.aggregate_id)).toEqual(['ap-early', 'ap-late']);
    const ids = await db.query<{ id: string; aggregate_id: string }>(`select id::text, aggregate_id from outbox order by id`);
    expect(ids.map((r) => r.aggregate_id)).toEqual(['ap-early', 'ap-late']); // a plain "id > last id" cursor would have passed ap-early
    expect(await relay.pending()).toBe(0);
  });

  it('publishes every row of many concurrent writers exactly once and keeps each aggregate in order', async () => {
    await db.query(`update outbox set published_at = now() where published_at is null`);
    const pub = new CapturingPublisher();
    const relay = new OutboxRelay(db, pub, { idleMs: 1, batchSize: 37 });
    relay.start();
    const writers = 8;
    const perWriter = 40;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const c = await connect();
        for (let s = 0; s < perWriter; s++) {
          await c.query('begin');
          await insertOn(c, `ap-w${w}`, s);
          if ((s + w) % 3 === 0) await new Promise((r) => setTimeout(r, 2 + ((s * 7 + w) % 5)));
          await c.query('commit');
        }
      }),
    );
    const t0 = Date.now();
    while ((await relay.pending()) > 0 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
    await relay.stop();
    const got = pub.aggregates();
    expect(got).toHaveLength(writers * perWriter);
    expect(new Set(pub.records.map((r) => JSON.parse(String(r.value)).event_id)).size).toBe(writers * perWriter);
    for (let w = 0; w < writers; w++) {
      expect(got.filter((e) => e.aggregate_id === `ap-w${w}`).map((e) => e.payload.seq)).toEqual(Array.from({ length: perWriter }, (_, s) => s));
    }
  });

  it('publishes a batch again after a crash between publishing and marking it, losing nothing', async () => {
    const c = await connect();
    await c.query('begin');
    await insertOn(c, 'ap-crash-1');
    await insertOn(c, 'ap-crash-2');
    await c.query('commit');
    const pub = new CapturingPublisher();
    pub.failNext = true;
    const relay = new OutboxRelay(db, pub);
    let crashed: unknown = null;
    for (let i = 0; i < 500 && !crashed; i++) await relay.runOnce().then(() => new Promise((r) => setTimeout(r, 10)), (e) => (crashed = e));
    expect(String(crashed)).toContain('crash after publishing');
    expect(await relay.pending()).toBe(2);
    expect(await drainAll(relay)).toBe(2);
    expect(pub.aggregates().map((e) => e.aggregate_id)).toEqual(['ap-crash-1', 'ap-crash-2', 'ap-crash-1', 'ap-crash-2']);
    expect(await relay.pending()).toBe(0);
  });
});
