/**
 * Fault tests of the change stream on a real Apache Kafka broker (scripts/kafka.sh, started by scripts/test.sh)
 * and a real PostgreSQL server: relay and sink run as child processes (`cupola relay`, `cupola sink`).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from './harness.ts';
import { commitEvents, lakeFiles, readLake, tempDataDir, waitFor } from './stream-harness.ts';
import { mixedEvent } from '../../simulator/src/booking-events.ts';
import type { Db } from '../../engine/src/store/db.ts';

const run = promisify(execFile);

function brokers(): string {
  const b = process.env.CUPOLA_TEST_KAFKA_BROKERS;
  if (!b) throw new Error('CUPOLA_TEST_KAFKA_BROKERS is not set: run the suite with `npm test` (scripts/test.sh starts Kafka)');
  return b;
}

interface Child {
  proc: ChildProcess;
  out: string[];
}

describe('the change stream through a real Kafka broker', () => {
  let db: Db & { url?: string };
  let tmp: Awaited<ReturnType<typeof tempDataDir>>;
  let env: NodeJS.ProcessEnv;
  const children: Child[] = [];

  const start = (cmd: 'relay' | 'sink', extra: NodeJS.ProcessEnv = {}): Child => {
    const proc = spawn(process.execPath, ['bin/cupola.js', cmd], { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    const c = { proc, out: [] as string[] };
    proc.stdout!.on('data', (d) => c.out.push(String(d)));
    proc.stderr!.on('data', (d) => c.out.push(String(d)));
    children.push(c);
    return c;
  };
  const kill = async (c: Child) => {
    if (c.proc.exitCode !== null || c.proc.signalCode) return;
    const exited = new Promise((r) => c.proc.once('exit', r));
    c.proc.kill('SIGKILL');
    await exited;
  };
  const lakeIds = async () => (await readLake(tmp.cfg.lakeDir)).map((r) => String(r.event_id));

  beforeAll(async () => {
    db = await openTestDb('pg');
    tmp = await tempDataDir();
    const prefix = `t${randomBytes(4).toString('hex')}.`;
    env = {
      ...process.env, DATABASE_URL: db.url, KAFKA_BROKERS: brokers(), CUPOLA_KAFKA_TOPIC_PREFIX: prefix, CUPOLA_KAFKA_GROUP: `${prefix}sink`,
      CUPOLA_DATA_DIR: tmp.dir, CUPOLA_LIVE_PORT: '0', CUPOLA_PSEUDONYM_KEY: 'test-pseudonym-key',
    };
  });
  const stopGracefully = async (c: Child) => {
    if (c.proc.exitCode !== null || c.proc.signalCode) return;
    const exited = new Promise((r) => c.proc.once('exit', r));
    c.proc.kill('SIGTERM'); // leaves the consumer group at once, so the next test's sink joins without waiting
    const t = setTimeout(() => c.proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  };
  afterEach(async () => {
    for (const c of children.splice(0)) await stopGracefully(c);
  });
  afterAll(async () => {
    const admin = new Kafka({ brokers: brokers().split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(String(env.CUPOLA_KAFKA_TOPIC_PREFIX)));
    if (mine.length) await admin.deleteTopics({ topics: mine });
    await admin.disconnect();
    await db?.close();
    await tmp?.cleanup();
  });

  it('lands every committed event exactly once after the relay and the sink are killed with SIGKILL mid-stream and restarted', async () => {
    let relay = start('relay');
    let sink = start('sink');
    const committed: string[] = [];
    let n = 0;
    const load = async (events: number) => {
      for (let k = 0; k < events; k += 20) {
        committed.push(...(await commitEvents(db, Array.from({ length: 20 }, () => mixedEvent(n++, new Date())), 20)));
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await load(600);
    await waitFor(async () => (await lakeFiles(tmp.cfg.lakeDir)).some((f) => f.endsWith('.parquet')), 'the first lake file', 60_000);
    const writing = load(1200); // keep committing while both die
    await new Promise((r) => setTimeout(r, 150));
    await kill(relay);
    await new Promise((r) => setTimeout(r, 100));
    await kill(sink);
    await writing;
    const beforeRestart = new Set(await lakeIds());
    expect(beforeRestart.size).toBeLessThan(committed.length); // the kill really interrupted the stream
    relay = start('relay');
    sink = start('sink');
    await load(400);
    await waitFor(async () => (await lakeIds()).length >= committed.length, `${committed.length} events in the lake`, 90_000);
    await new Promise((r) => setTimeout(r, 1_000)); // anything extra (a duplicate) would arrive now
    const ids = await lakeIds();
    expect(ids).toHaveLength(committed.length);
    expect(new Set(ids)).toEqual(new Set(committed));
    const pending = await db.query<{ n: number }>(`select count(*)::int as n from outbox where published_at is null`);
    expect(pending[0]!.n).toBe(0);
  });

  it('lands every event exactly once when the relay dies between publishing and marking and the sink between writing and committing offsets', async () => {
    const admin = new Kafka({ brokers: brokers().split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const inKafka = async () => {
      let n = 0;
      for (const t of (await admin.listTopics()).filter((x) => x.startsWith(String(env.CUPOLA_KAFKA_TOPIC_PREFIX)))) for (const p of await admin.fetchTopicOffsets(t)) n += Number(p.high);
      return n;
    };
    const outboxRows = async () => (await db.query<{ n: number }>(`select count(*)::int as n from outbox`))[0]!.n;
    const [k0, o0] = [await inKafka(), await outboxRows()];
    const before = (await lakeIds()).length;
    const committed = await commitEvents(db, Array.from({ length: 300 }, (_, i) => mixedEvent(200_000 + i, new Date())), 10);
    const relay = start('relay', { CUPOLA_FAULT: 'relay-before-mark:1' });
    const sink = start('sink', { CUPOLA_FAULT: 'sink-after-durable:1' });
    const died = (c: Child) => new Promise<string | null>((r) => (c.proc.exitCode !== null || c.proc.signalCode ? r(c.proc.signalCode) : c.proc.once('exit', (_code, sig) => r(sig))));
    expect(await Promise.all([died(relay), died(sink)])).toEqual(['SIGKILL', 'SIGKILL']);
    const pendingAfterCrash = (await db.query<{ n: number }>(`select count(*)::int as n from outbox where published_at is null`))[0]!.n;
    expect(pendingAfterCrash).toBeGreaterThan(0); // published to Kafka but never marked
    start('relay');
    start('sink');
    committed.push(...(await commitEvents(db, Array.from({ length: 100 }, (_, i) => mixedEvent(210_000 + i, new Date())), 10)));
    await waitFor(async () => (await lakeIds()).length >= before + committed.length, 'every event after the crashes', 90_000);
    await new Promise((r) => setTimeout(r, 1_000));
    const ids = await lakeIds();
    expect(ids).toHaveLength(before + committed.length);
    for (const id of committed) expect(ids.includes(id)).toBe(true);
    expect((await inKafka()) - k0).toBeGreaterThan((await outboxRows()) - o0); // the crashed batch really was published twice
    await admin.disconnect();
  });

  it('loses and duplicates nothing when the broker restarts during a load', async () => {
    const before = new Set(await lakeIds());
    start('relay');
    start('sink');
    const committed: string[] = [];
    let n = 100_000;
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        committed.push(...(await commitEvents(db, Array.from({ length: 10 }, () => mixedEvent(n++, new Date())), 10)));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await waitFor(async () => (await lakeIds()).length > before.size + 100, 'the load to reach the lake', 60_000);
    // restart the broker this test uses (its port from CUPOLA_TEST_KAFKA_BROKERS), never the script's default one
    const port = brokers().split(',')[0]!.split(':').pop()!;
    await run('scripts/kafka.sh', ['restart'], { env: { ...process.env, CUPOLA_KAFKA_PORT: port }, timeout: 120_000 });
    await new Promise((r) => setTimeout(r, 2_000));
    stop = true;
    await writer;
    const expected = before.size + committed.length;
    await waitFor(async () => (await lakeIds()).length >= expected, `${expected} events in the lake after the broker restart`, 120_000);
    await new Promise((r) => setTimeout(r, 1_000));
    const ids = await lakeIds();
    expect(ids).toHaveLength(expected);
    expect(new Set(ids).size).toBe(expected);
    for (const id of committed) expect(ids.includes(id)).toBe(true);
  });

  it('dead-letters a message that is not a valid event to the dead-letter topic and folder, with the reason, and lets the others flow', async () => {
    const before = (await lakeIds()).length;
    start('sink');
    const kafka = new Kafka({ brokers: brokers().split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const dlTopic = `${env.CUPOLA_KAFKA_TOPIC_PREFIX}dead-letter`;
    await waitFor(async () => (await admin.listTopics()).includes(dlTopic), 'the sink to create its topics', 60_000);
    const producer = kafka.producer();
    await producer.connect();
    const bad = [
      { key: 'x', value: 'this is not json' },
      { key: 'y', value: JSON.stringify({ event_id: 'nope', type: 'appointment.booked' }) },
    ];
    const sent = await producer.send({ topic: `${env.CUPOLA_KAFKA_TOPIC_PREFIX}booking`, acks: -1, messages: bad });
    await producer.disconnect();
    start('relay');
    const ids = await commitEvents(db, Array.from({ length: 30 }, (_, i) => mixedEvent(500_000 + i, new Date())), 10);
    await waitFor(async () => (await lakeIds()).length >= before + 30, 'the valid events', 60_000);
    const lake = new Set(await lakeIds());
    for (const id of ids) expect(lake.has(id)).toBe(true);
    // the folder (scrubbed copy)
    const letters = (await Promise.all((await lakeFiles(tmp.cfg.deadLetterDir)).map((f) => readFile(f, 'utf8')))).join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(letters.map((l) => l.reason).sort()).toEqual([expect.stringMatching(/^invalid envelope: \//), 'not JSON']); // two partitions: any order
    // the dead-letter topic: original bytes and key, reason and source position in headers
    const consumer = kafka.consumer({ groupId: `${env.CUPOLA_KAFKA_TOPIC_PREFIX}dl-reader` });
    await consumer.connect();
    await consumer.subscribe({ topics: [dlTopic], fromBeginning: true });
    const got: { key: string; value: string; headers: Record<string, string> }[] = [];
    void consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        got.push({ key: String(message.key), value: String(message.value), headers });
      },
    });
    await waitFor(() => got.length >= 2, 'two messages on the dead-letter topic', 60_000);
    await new Promise((r) => setTimeout(r, 500)); // a third (e.g. a valid event dead-lettered by mistake) would arrive now
    await consumer.disconnect();
    expect(got).toHaveLength(2);
    const byKey = Object.fromEntries(got.map((m) => [m.key, m]));
    expect(byKey.x).toMatchObject({ value: bad[0]!.value, headers: { reason: 'not JSON', 'source-topic': `${env.CUPOLA_KAFKA_TOPIC_PREFIX}booking` } });
    expect(byKey.y).toMatchObject({ value: bad[1]!.value, headers: { reason: expect.stringMatching(/^invalid envelope: \//), 'source-topic': `${env.CUPOLA_KAFKA_TOPIC_PREFIX}booking` } });
    for (const m of got) {
      const source = sent.find((r) => String(r.partition) === m.headers['source-partition'])!;
      expect(source).toBeDefined(); // the partition the message was produced to
      expect(Number(m.headers['source-offset'])).toBeGreaterThanOrEqual(Number(source.baseOffset));
      expect(Number.isNaN(Date.parse(m.headers['received-at']!))).toBe(false);
    }
    const [meta] = (await admin.fetchTopicMetadata({ topics: [dlTopic] })).topics;
    await admin.disconnect();
    expect(meta!.partitions).toHaveLength(1); // created by the code, like the other topics
  });
});
