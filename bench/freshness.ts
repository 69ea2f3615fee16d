/**
 * bench/freshness: at a sustained 2,000 events/s committed to the outbox (transactions of 10 events, written through
 * the engine's outbox store as the booking use cases do), the time from commit to
 *  - visible in the live state: the SSE frame announcing the state that includes the event reaches a subscriber;
 *  - queryable in the lake: the Parquet file holding the event is durable under its final name.
 * Defaults: PostgreSQL (scripts/pg.sh) and Kafka (KAFKA_BROKERS or scripts/kafka.sh). `--embedded` uses the
 * in-process stream instead of Kafka; `--pglite` uses embedded PGlite instead of PostgreSQL.
 *   npm run bench -- freshness [--quick] [--embedded] [--pglite]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPg } from '../engine/src/store/db.pg.ts';
import { openPglite } from '../engine/src/store/db.pglite.ts';
import { migrate } from '../engine/src/store/migrate.ts';
import { appendEvents } from '../engine/src/store/outbox-store.ts';
import type { Db } from '../engine/src/store/db.ts';
import { mixedEvent } from '../simulator/src/booking-events.ts';
import { loadStreamConfig } from '../pipelines/src/config.ts';
import { startEmbeddedStream, startKafkaRelay, startKafkaSink } from '../pipelines/src/stream.ts';
import type { LakeEvent } from '../pipelines/src/transforms/pseudonymise.ts';
import { pct, printJson, quick, round, startPg, tsWorker } from './_util.ts';
import { kafkaBrokers } from './_kafka.ts';

const embedded = process.argv.includes('--embedded');
const usePglite = process.argv.includes('--pglite');
const RATE = 2_000;
const PER_TX = 10;
const SECONDS = quick ? 8 : 60;
const WARMUP_S = 2;

const dir = await mkdtemp(join(tmpdir(), 'cupola-bench-fresh-'));
let db: Db;
let dbUrl: string | null = null;
let dropDb = async () => {};
if (usePglite) {
  db = await openPglite(join(dir, 'pg'));
} else {
  const admin = startPg();
  const name = `cupola_fresh_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  dbUrl = admin.replace(/\/[^/]+$/, `/${name}`);
  db = openPg(dbUrl, { max: 4 });
  dropDb = async () => {
    const c2 = new pg.Client({ connectionString: admin });
    await c2.connect();
    await c2.query(`drop database if exists ${name} with (force)`);
    await c2.end();
  };
}
await migrate(db);

const env: NodeJS.ProcessEnv = { CUPOLA_DATA_DIR: dir, CUPOLA_LIVE_PORT: '0', CUPOLA_PSEUDONYM_KEY: 'bench-key' };
if (!embedded) {
  const prefix = `fresh${randomBytes(3).toString('hex')}.`;
  Object.assign(env, { KAFKA_BROKERS: kafkaBrokers(), CUPOLA_KAFKA_TOPIC_PREFIX: prefix, CUPOLA_KAFKA_GROUP: `${prefix}sink` });
}
const cfg = loadStreamConfig(env);
const mode = embedded ? 'in-process stream' : `Kafka ${cfg.brokers!.join(',')}`;
console.log(`bench freshness: ${RATE} events/s for ${SECONDS} s (+${WARMUP_S} s warm-up), ${PER_TX} events per transaction, store ${db.kind}, ${mode}`);

let stream: { live: import('../pipelines/src/live/live-state.ts').LiveState; server: import('../pipelines/src/live/sse-server.ts').LiveServer | null; stop(): Promise<void> };
if (embedded) {
  stream = await startEmbeddedStream(db, cfg, { idleMs: 5 });
} else {
  const relay = await startKafkaRelay(db, cfg, { idleMs: 5 });
  const sink = await startKafkaSink(cfg);
  stream = { live: sink.live, server: sink.server, stop: async () => { await relay.stop(); await sink.stop(); } };
}

// instrument: which events each live-state version contains, and when they became durable in the lake
const committedAt = new Map<string, number>();
const lakeAt = new Map<string, number>();
const liveAt = new Map<string, number>();
const pendingVersions: { version: number; ids: string[] }[] = [];
const wall = () => performance.timeOrigin + performance.now();
const apply = stream.live.apply.bind(stream.live);
stream.live.apply = (events: readonly LakeEvent[], now: number) => {
  const t = wall();
  apply(events, now);
  const ids = events.map((e) => e.event_id);
  for (const id of ids) lakeAt.set(id, t);
  pendingVersions.push({ version: stream.live.version, ids });
};

// an SSE subscriber, like a dashboard
const ctrl = new AbortController();
const res = await fetch(`${stream.server!.url}/live/stream`, { signal: ctrl.signal });
const reader = res.body!.getReader();
const sse = (async () => {
  const dec = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const t = wall();
      buf += dec.decode(value, { stream: true });
      let k;
      while ((k = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, k);
        buf = buf.slice(k + 2);
        const m = /^id: (\d+)$/m.exec(frame);
        if (!m) continue;
        const v = Number(m[1]);
        while (pendingVersions.length && pendingVersions[0]!.version <= v) for (const id of pendingVersions.shift()!.ids) liveAt.set(id, t);
      }
    }
  } catch {
    /* aborted */
  }
})();

// the load: in a worker thread (PostgreSQL) or on this thread (PGlite), on an absolute schedule
const total = (SECONDS + WARMUP_S) * RATE;
const measuredFrom = wall() + WARMUP_S * 1000;
const measured = new Set<string>();
const onCommits = (commits: [string, number][]) => {
  for (const [id, tc] of commits) {
    committedAt.set(id, tc);
    if (tc >= measuredFrom) measured.add(id);
  }
};
let loadSeconds: number;
let behind = 0;
if (dbUrl) {
  const worker = tsWorker('./_fresh-writer.ts', { url: dbUrl, total, rate: RATE, perTx: PER_TX, writers: 4 });
  const done = await new Promise<{ seconds: number; late: number }>((resolve, reject) => {
    worker.on('message', (m: { commits: [string, number][]; done?: { seconds: number; late: number } }) => {
      onCommits(m.commits);
      if (m.done) resolve(m.done);
    });
    worker.on('error', reject);
  });
  loadSeconds = done.seconds;
  behind = done.late;
} else {
  const interval = (PER_TX / RATE) * 1000;
  let n = 0;
  const t0 = performance.now();
  for (let tx = 0; n < total; tx++) {
    const wait = t0 + tx * interval - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    else if (wait < -50) behind++;
    const now = new Date();
    const envs = await db.transaction((t) => appendEvents(t, Array.from({ length: PER_TX }, () => mixedEvent(n++, now)), now));
    const tc = wall();
    onCommits(envs.map((e) => [e.event_id, tc]));
  }
  loadSeconds = (performance.now() - t0) / 1000;
}
const achieved = total / loadSeconds;
const tEnd = performance.now();
while (liveAt.size < committedAt.size && performance.now() - tEnd < 60_000) await new Promise((r) => setTimeout(r, 20));
ctrl.abort();
await sse;

const live: number[] = [];
const lake: number[] = [];
let missing = 0;
for (const id of measured) {
  const c = committedAt.get(id)!;
  const l = liveAt.get(id);
  const k = lakeAt.get(id);
  if (l === undefined || k === undefined) missing++;
  else {
    live.push(l - c);
    lake.push(k - c);
  }
}
const snap = stream.live.snapshot(Date.now());
await stream.stop();
await db.close();
await dropDb();
await rm(dir, { recursive: true, force: true });

console.log(`  load: ${total.toLocaleString('en')} events in ${loadSeconds.toFixed(1)} s → ${Math.round(achieved).toLocaleString('en')} events/s sustained (${behind} transactions started > 50 ms behind schedule)`);
console.log(`  live state (commit → SSE frame): p50 ${live.length ? pct(live, 50).toFixed(0) : '-'} ms, p95 ${pct(live, 95).toFixed(0)} ms, p99 ${pct(live, 99).toFixed(0)} ms, max ${Math.max(...live).toFixed(0)} ms over ${live.length.toLocaleString('en')} events`);
console.log(`  lake (commit → durable Parquet file): p50 ${pct(lake, 50).toFixed(0)} ms, p95 ${pct(lake, 95).toFixed(0)} ms`);
console.log(`  stream: ${snap.stream.events_total.toLocaleString('en')} events, ${snap.stream.dead_letters} dead letters, ${missing} measured events never seen; target p95 ≤ 1000 ms to the live state`);
printJson({
  bench: 'freshness', mode: embedded ? 'in-process' : 'kafka', store: db.kind, events_per_s: Math.round(achieved), events: live.length,
  p50_ms: round(pct(live, 50), 1), p95_ms: round(pct(live, 95), 1), lake_p50_ms: round(pct(lake, 50), 1), lake_p95_ms: round(pct(lake, 95), 1), missing, quick,
});
process.exit(0);
