/**
 * bench/sink: events per second Kafka → Parquet lake (consume, validate, pseudonymise, Arrow, Parquet, commit),
 * against the limit: DuckDB's own ingest of the same rows from the same Arrow record batches into Parquet
 * (DuckDB's native Arrow scan + COPY ... TO parquet, no Kafka, no validation; bench/_duckdb_arrow_ingest.py).
 * It also measures the floor any sink of these JSON topics pays per event (kafkajs consuming them, JSON.parse of each)
 * and prints the ceiling that floor plus DuckDB's own Parquet cost leaves on this machine's cores, next to the targets.
 * Needs a broker: KAFKA_BROKERS, or scripts/kafka.sh; python3 (bench/.venv is created on first run).
 *   npm run bench -- sink [--quick]
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { makeEvent, topicOf } from '../engine/src/events/envelope.ts';
import { mixedEvent } from '../simulator/src/booking-events.ts';
import { KafkaSubscriber, SINK_FETCH, SINK_PARTITIONS_AT_ONCE, ensureKafkaTopics } from '../pipelines/src/relay/kafka-stream.ts';
import { LakeSink } from '../pipelines/src/sinks/lake-sink.ts';
import { loadStreamConfig } from '../pipelines/src/config.ts';
import { validateEvent } from '../pipelines/src/transforms/validate.ts';
import { pseudonymise } from '../pipelines/src/transforms/pseudonymise.ts';
import { toArrowTable } from '../pipelines/src/transforms/to-arrow.ts';
import { tableToIPC } from 'apache-arrow';
import { kafkaBrokers } from './_kafka.ts';
import { ROOT } from './_util.ts';

/** bench/.venv with DuckDB's Python client and pyarrow (bench/requirements-arrow.txt), created on first use. */
function benchPython(): string {
  const venv = join(ROOT, 'bench', '.venv');
  const py = join(venv, 'bin', 'python');
  const stamp = join(venv, '.requirements-arrow');
  if (!existsSync(stamp)) {
    console.log('  installing DuckDB (Python) and pyarrow into bench/.venv for the limit (once)');
    if (!existsSync(py)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(py, ['-m', 'pip', 'install', '-q', '-r', join(ROOT, 'bench', 'requirements-arrow.txt')], { stdio: 'inherit' });
    execFileSync('touch', [stamp]);
  }
  return py;
}

const quick = process.argv.includes('--quick');
const N = quick ? 60_000 : 300_000;
const brokers = kafkaBrokers().split(',');
const prefix = `bench${randomBytes(3).toString('hex')}.`;
const dir = await mkdtemp(join(tmpdir(), 'cupola-bench-sink-'));
const KEY = 'bench-pseudonym-key';

console.log(`bench sink: ${N.toLocaleString('en')} events (${quick ? 'quick' : 'full'}), Kafka ${brokers.join(',')}, topics ${prefix}*`);

// 1. the events, as the relay would publish them
const now = new Date();
const records = Array.from({ length: N }, (_, i) => {
  const e = makeEvent(mixedEvent(i, now), now);
  return { topic: topicOf(e.aggregate_type), key: e.aggregate_id, value: Buffer.from(JSON.stringify(e)) }; // off the JS heap
});

// 2. load them into Kafka (not timed)
const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'bench-sink' });
const admin = kafka.admin();
await admin.connect();
await ensureKafkaTopics({ brokers, topicPrefix: prefix, partitions: 3 }, admin);
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const t0 = performance.now();
for (let i = 0; i < N; i += 1_000) {
  const byTopic = new Map<string, { key: string; value: Buffer }[]>();
  for (const r of records.slice(i, i + 1_000)) (byTopic.get(prefix + r.topic) ?? byTopic.set(prefix + r.topic, []).get(prefix + r.topic)!).push({ key: r.key, value: r.value });
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
}
await producer.disconnect();
console.log(`  produced in ${((performance.now() - t0) / 1000).toFixed(1)} s (not timed)`);

// 3. the sink: Kafka → Parquet, offsets committed after each durable batch
const WORKERS = loadStreamConfig().sinkWorkers; // CUPOLA_SINK_WORKERS, default min(2, cores)
const sink = await LakeSink.open({ lakeDir: join(dir, 'lake'), deadLetterDir: join(dir, 'dead-letter'), pseudonymKey: KEY, workers: WORKERS });
const sub = await KafkaSubscriber.connect({ brokers, topicPrefix: prefix, groupId: `${prefix}sink`, concurrency: Math.max(1, WORKERS) });
const load0 = loadavg()[0]!;
let first = 0;
let cpu0 = process.cpuUsage();
let cpu1 = process.cpuUsage();
let done = 0;
let batches = 0;
let ingestMs = 0;
const finished = new Promise<void>((resolve) => {
  void sub.run(async (rs) => {
    if (!first) {
      first = performance.now();
      cpu0 = process.cpuUsage();
    }
    const ti = performance.now();
    await sink.ingest(rs);
    ingestMs += performance.now() - ti;
    batches++;
    if (sink.eventsWritten + sink.deadLetters.count >= N && !done) {
      done = performance.now();
      cpu1 = process.cpuUsage(cpu0);
      resolve();
    }
  });
});
const tJoin = performance.now();
await finished;
const sinkSeconds = (done - first) / 1000;
// CPU time of this process (all threads: kafkajs, ingest workers, GC) over the same span: less sensitive than the
// wall clock to other processes on a shared machine; the broker's CPU is not counted
const sinkCpuUs = (cpu1.user + cpu1.system) / N;
const eventsPerS = N / sinkSeconds;
console.log(`  sink (${WORKERS} ingest worker threads): ${sink.eventsWritten.toLocaleString('en')} events in ${sinkSeconds.toFixed(2)} s from first batch (${batches} batches, ${sink.filesWritten} files; group join ${((first - tJoin) / 1000).toFixed(1)} s not counted) → ${Math.round(eventsPerS).toLocaleString('en')} events/s`);
console.log(`    of which validate + pseudonymise + Arrow + Parquet + fsync (summed over batches ingested at once): ${(ingestMs / 1000).toFixed(2)} s (${Math.round(N / (ingestMs / 1000)).toLocaleString('en')} events/s); the rest is kafkajs fetch/decode and offset commits`);
await sub.close();
await sink.close();
if (sink.eventsWritten !== N) throw new Error(`sink wrote ${sink.eventsWritten} of ${N}`);

// 3b. the floor: what any sink of these topics does per event, measured on the same messages in this run.
// (a) kafkajs alone: a new consumer group reads the same topics with the subscriber's fetch settings and only counts
//     each batch (no copy, no parse, no write); this process's CPU per event from the start of the consumer (the
//     first fetch is decoded before its first batch is handed over), the broker's not counted.
// (b) UTF-8 decoding and JSON.parse of each message on one thread: a sink that validates and pseudonymises an event
//     must at least parse it.
const floorConsumer = kafka.consumer({ groupId: `${prefix}floor`, ...SINK_FETCH });
await floorConsumer.connect();
await floorConsumer.subscribe({ topics: [...new Set(records.map((r) => prefix + r.topic))], fromBeginning: true });
let consumed = 0;
const consumeCpu0 = process.cpuUsage();
const consumeCpu = await new Promise<NodeJS.CpuUsage>((resolve) => {
  void floorConsumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: SINK_PARTITIONS_AT_ONCE,
    eachBatch: async ({ batch }) => {
      consumed += batch.messages.length;
      if (consumed >= N) resolve(process.cpuUsage(consumeCpu0));
    },
  });
});
await floorConsumer.disconnect();
const consumeUs = (consumeCpu.user + consumeCpu.system) / N;
let parseUs = Infinity;
for (let pass = 0; pass < 3; pass++) {
  let fields = 0;
  const t = performance.now();
  for (const r of records) fields += (JSON.parse(r.value.toString('utf8')) as { type: string }).type.length;
  if (fields === 0) throw new Error('no event parsed');
  parseUs = Math.min(parseUs, ((performance.now() - t) * 1000) / N);
}
console.log(`  floor: kafkajs alone consumed them with ${consumeUs.toFixed(2)} µs of CPU per event (group join included, broker not); UTF-8 + JSON.parse ${parseUs.toFixed(2)} µs per event`);

// 4. the limit: DuckDB's own ingest of the same rows from the same Arrow record batches into Parquet. DuckDB's
// native Arrow ingest is a zero-copy scan of Arrow memory, which @duckdb/node-api does not expose (its appender
// converts every value from JavaScript, which measured ≈ 50,000 rows/s and mostly timed the JS → C conversion), so
// the limit runs in DuckDB's Python client (same engine version) scanning pyarrow tables — see _duckdb_arrow_ingest.py.
const BATCH = Math.ceil(N / Math.max(1, batches));
const ipcDir = join(dir, 'limit-ipc');
await mkdir(ipcDir, { recursive: true });
let files = 0;
for (let i = 0; i < N; i += BATCH) {
  const evs = records.slice(i, i + BATCH).map((r) => {
    const v = validateEvent(r.value);
    if (!v.ok) throw new Error(v.reason);
    return pseudonymise(v.event, r.topic, KEY);
  });
  await writeFile(join(ipcDir, `part-${String(files++).padStart(5, '0')}.arrows`), tableToIPC(toArrowTable(evs, Date.now()), 'stream'));
}
const limit = JSON.parse(execFileSync(benchPython(), [join(ROOT, 'bench', '_duckdb_arrow_ingest.py'), ipcDir, join(dir, 'limit')], { encoding: 'utf8' }).trim().split('\n').pop()!) as { rows: number; seconds: number; cpu_seconds: number; threads: string };
if (limit.rows !== N) throw new Error(`the limit wrote ${limit.rows} of ${N} rows`);
const limitSeconds = limit.seconds;
const limitCpuUs = (limit.cpu_seconds * 1e6) / N;
const limitPerS = N / limitSeconds;
console.log(`  limit: DuckDB ${limit.threads} threads scanning the same ${N.toLocaleString('en')} rows as ${files} in-memory Arrow tables (~${BATCH} rows) into Parquet (zstd, fsync) in ${limitSeconds.toFixed(2)} s → ${Math.round(limitPerS).toLocaleString('en')} events/s`);
const ratio = eventsPerS / limitPerS;
console.log(`  ratio ${ratio.toFixed(2)} (targets: ≥ 200,000 events/s, ratio ≥ 0.5)`);

await admin.deleteTopics({ topics: ['offer', 'booking', 'delivery', 'payment', 'prescription'].map((t) => prefix + t) }).catch(() => undefined);
await admin.disconnect();
await rm(dir, { recursive: true, force: true });
// the ceiling: a sink whose validation, pseudonymisation and Arrow building cost nothing, that consumes with kafkajs,
// parses each event and writes Parquet at DuckDB's own cost, on every core of this machine
const cores = availableParallelism();
const ceilingUs = consumeUs + parseUs + limitCpuUs;
const ceilingPerS = (cores * 1e6) / ceilingUs;
console.log(`  ceiling on ${cores} cores: kafkajs ${consumeUs.toFixed(1)} + JSON.parse ${parseUs.toFixed(1)} + DuckDB's Parquet ${limitCpuUs.toFixed(1)} = ${ceilingUs.toFixed(1)} µs per event → at most ${Math.round(ceilingPerS).toLocaleString('en')} events/s, ratio ${(ceilingPerS / limitPerS).toFixed(2)}, with validation, pseudonymisation and Arrow free`);
const bareUs = parseUs + limitCpuUs; // with a Kafka client that cost nothing as well
console.log(`    with a Kafka client that cost nothing too: ${bareUs.toFixed(1)} µs per event → at most ${Math.round((cores * 1e6) / bareUs).toLocaleString('en')} events/s, ratio ${((cores * 1e6) / bareUs / limitPerS).toFixed(2)}`);
console.log(`    the targets allow ${((cores * 1e6) / 200_000).toFixed(1)} µs per event (200,000 events/s) and ${((cores * 1e6) / (0.5 * limitPerS)).toFixed(1)} µs (ratio 0.5)`);
console.log(`  CPU per event: sink ${sinkCpuUs.toFixed(1)} µs (${Math.round(1e6 / sinkCpuUs).toLocaleString('en')} events per CPU-second), DuckDB ${limitCpuUs.toFixed(1)} µs (${Math.round(1e6 / limitCpuUs).toLocaleString('en')}); ratio ${(limitCpuUs / sinkCpuUs).toFixed(2)}`);
console.log(JSON.stringify({ bench: 'sink', events: N, events_per_s: Math.round(eventsPerS), limit_events_per_s: Math.round(limitPerS), ratio: Number(ratio.toFixed(3)),
  sink_cpu_us_per_event: Number(sinkCpuUs.toFixed(2)), limit_cpu_us_per_event: Number(limitCpuUs.toFixed(2)), cpu_ratio: Number((limitCpuUs / sinkCpuUs).toFixed(3)),
  floor_consume_us_per_event: Number(consumeUs.toFixed(2)), floor_parse_us_per_event: Number(parseUs.toFixed(2)), ceiling_events_per_s: Math.round(ceilingPerS), ceiling_ratio: Number((ceilingPerS / limitPerS).toFixed(3)), ceiling_without_kafkajs_ratio: Number(((cores * 1e6) / bareUs / limitPerS).toFixed(3)), batches, workers: WORKERS, load_avg_1m: Number(((load0 + loadavg()[0]!) / 2).toFixed(2)), quick }));
process.exit(0);
