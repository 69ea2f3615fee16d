/**
 * Wiring of relay, sink and live state, for the CLI commands (relay, sink, up) and the benchmarks.
 */
import type { Db } from '../../engine/src/store/db.ts';
import type { StreamConfig } from './config.ts';
import { LiveState } from './live/live-state.ts';
import { startLiveServer, type LiveServer } from './live/sse-server.ts';
import { InProcessPublisher } from './relay/in-process-stream.ts';
import { KafkaPublisher, KafkaSubscriber } from './relay/kafka-stream.ts';
import { OutboxRelay } from './relay/outbox-relay.ts';
import { LakeSink } from './sinks/lake-sink.ts';
import type { DeadLetterPublisher } from './sinks/dead-letter.ts';

export interface SinkService {
  sink: LakeSink;
  live: LiveState;
  server: LiveServer | null;
  stop(): Promise<void>;
}

const log = (msg: string) => console.error(`[stream] ${msg}`);

/**
 * Fault injection for the crash tests: CUPOLA_FAULT="<point>:<n>" makes the process SIGKILL itself the n-th time it
 * reaches <point> — `relay-before-mark` (batch published, not yet marked) or `sink-after-durable` (batch in the lake,
 * offsets / published marks not yet committed). Unset in normal runs.
 */
function faultAt(point: 'relay-before-mark' | 'sink-after-durable'): (() => void) | undefined {
  const [p, n] = (process.env.CUPOLA_FAULT ?? '').split(':');
  if (p !== point) return undefined;
  let left = Number(n ?? 1);
  return () => {
    if (--left <= 0) {
      log(`fault injection: SIGKILL at ${point}`);
      process.kill(process.pid, 'SIGKILL');
    }
  };
}

/** The sink with its live state and (unless livePort is null) the SSE endpoint; compacts periodically. */
export async function startSinkService(cfg: StreamConfig, opts: { serveLive?: boolean; publishDeadLetters?: DeadLetterPublisher } = {}): Promise<SinkService> {
  if (cfg.devPseudonymKey) log('warning: CUPOLA_PSEUDONYM_KEY is not set; using the development key (pseudonyms are not secret)');
  const live = new LiveState();
  let server: LiveServer | null = null;
  const sink = await LakeSink.open({
    lakeDir: cfg.lakeDir,
    deadLetterDir: cfg.deadLetterDir,
    pseudonymKey: cfg.pseudonymKey,
    workers: cfg.sinkWorkers,
    ...(opts.publishDeadLetters ? { publishDeadLetters: opts.publishDeadLetters } : {}),
    ...(faultAt('sink-after-durable') ? { afterDurable: faultAt('sink-after-durable')! } : {}),
    onWritten: (events, at) => {
      live.deadLetters = sink.deadLetters.count;
      live.apply(events, at);
      server?.notify();
    },
  });
  if (opts.serveLive !== false) {
    try {
      server = await startLiveServer(live, { port: cfg.livePort, host: cfg.liveHost });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      log(`live-state port ${cfg.livePort} is in use; serving on a free port instead`);
      server = await startLiveServer(live, { port: 0, host: cfg.liveHost });
    }
  }
  const compactTimer = setInterval(() => {
    sink.compact().catch((e) => log(`compaction failed: ${(e as Error).message}`));
  }, cfg.compactEveryMs);
  compactTimer.unref();
  return {
    sink, live, server,
    async stop() {
      clearInterval(compactTimer);
      await server?.close();
      await sink.close();
    },
  };
}

/** Embedded default: relay → sink in-process (no broker). */
export async function startEmbeddedStream(db: Db, cfg: StreamConfig, opts: { serveLive?: boolean; idleMs?: number } = {}) {
  const svc = await startSinkService(cfg, opts);
  const relay = new OutboxRelay(db, new InProcessPublisher((records) => svc.sink.ingest(records)), {
    idleMs: opts.idleMs ?? 20,
    onError: (e) => log(`relay: ${(e as Error).message}`),
  });
  const backlogTimer = setInterval(() => {
    relay.pending().then((n) => {
      svc.live.backlog = n;
    }, () => undefined);
  }, 2_000);
  backlogTimer.unref();
  relay.start();
  return {
    ...svc, relay,
    async stop() {
      clearInterval(backlogTimer);
      await relay.stop();
      await svc.stop();
    },
  };
}

/** The relay publishing to Kafka (KAFKA_BROKERS). */
export async function startKafkaRelay(db: Db, cfg: StreamConfig, opts: { idleMs?: number; batchSize?: number } = {}) {
  if (!cfg.brokers) throw new Error('KAFKA_BROKERS is not set');
  const publisher = await KafkaPublisher.connect({ brokers: cfg.brokers, topicPrefix: cfg.topicPrefix, partitions: cfg.partitions });
  await publisher.ensureTopics();
  const beforeMark = faultAt('relay-before-mark');
  const relay = new OutboxRelay(db, publisher, {
    idleMs: opts.idleMs ?? 20,
    ...(beforeMark ? { beforeMark } : {}),
    ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
    onError: (e) => log(`relay: ${(e as Error).message}`),
  });
  relay.start();
  return {
    relay,
    async stop() {
      await relay.stop();
      await publisher.close();
    },
  };
}

/** The sink consuming Kafka (consumer group `cupola-sink`). */
export async function startKafkaSink(cfg: StreamConfig, opts: { serveLive?: boolean; groupId?: string } = {}) {
  if (!cfg.brokers) throw new Error('KAFKA_BROKERS is not set');
  const sub = await KafkaSubscriber.connect({
    brokers: cfg.brokers, topicPrefix: cfg.topicPrefix, partitions: cfg.partitions, groupId: opts.groupId ?? cfg.groupId, concurrency: Math.max(1, cfg.sinkWorkers),
  });
  const svc = await startSinkService(cfg, { ...opts, publishDeadLetters: (letters) => sub.publishDeadLetters(letters) });
  await sub.run(async (records) => {
    await svc.sink.ingest(records);
  });
  const lagTimer = setInterval(() => {
    sub.lag().then((n) => {
      svc.live.backlog = n;
    }, () => undefined);
  }, 2_000);
  lagTimer.unref();
  return {
    ...svc, subscriber: sub,
    async stop() {
      clearInterval(lagTimer);
      await sub.close();
      await svc.stop();
    },
  };
}

/**
 * What `cupola up` runs beside the engine: the in-process relay and sink, or — when KAFKA_BROKERS is set — the
 * Kafka relay and the Kafka sink in this process.
 */
export async function startPlatformStream(db: Db, cfg: StreamConfig) {
  if (!cfg.brokers) {
    const s = await startEmbeddedStream(db, cfg);
    return { mode: 'in-process', liveUrl: s.server?.url ?? '', lakeDir: cfg.lakeDir, stop: s.stop };
  }
  const relay = await startKafkaRelay(db, cfg);
  const sink = await startKafkaSink(cfg);
  return {
    mode: `Kafka ${cfg.brokers.join(',')}`, liveUrl: sink.server?.url ?? '', lakeDir: cfg.lakeDir,
    async stop() {
      await relay.stop();
      await sink.stop();
    },
  };
}
