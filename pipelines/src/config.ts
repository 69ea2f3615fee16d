import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { DEV_PSEUDONYM_KEY } from './transforms/pseudonymise.ts';

export interface StreamConfig {
  /** null → embedded in-process stream */
  brokers: string[] | null;
  topicPrefix: string;
  groupId: string;
  partitions: number;
  pseudonymKey: string;
  devPseudonymKey: boolean;
  livePort: number;
  liveHost: string;
  dataDir: string;
  lakeDir: string;
  deadLetterDir: string;
  compactEveryMs: number;
  /** the sink's ingest worker threads (0 = ingest on the sink's own thread) */
  sinkWorkers: number;
}

/**
 * KAFKA_BROKERS (unset → in-process), CUPOLA_PSEUDONYM_KEY, CUPOLA_LIVE_PORT (3001), CUPOLA_DATA_DIR (./data),
 * CUPOLA_SINK_WORKERS (ingest worker threads; default min(2, cores)).
 */
export function loadStreamConfig(env: NodeJS.ProcessEnv = process.env): StreamConfig {
  const dataDir = resolve(env.CUPOLA_DATA_DIR ?? './data');
  const livePort = Number(env.CUPOLA_LIVE_PORT ?? 3001);
  if (!Number.isInteger(livePort) || livePort < 0 || livePort > 65535) throw new Error(`CUPOLA_LIVE_PORT must be an integer 0-65535, got ${env.CUPOLA_LIVE_PORT}`);
  const sinkWorkers = Number(env.CUPOLA_SINK_WORKERS ?? Math.min(2, availableParallelism()));
  if (!Number.isInteger(sinkWorkers) || sinkWorkers < 0 || sinkWorkers > 64) throw new Error(`CUPOLA_SINK_WORKERS must be an integer 0-64, got ${env.CUPOLA_SINK_WORKERS}`);
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    brokers: brokers.length ? brokers : null,
    topicPrefix: env.CUPOLA_KAFKA_TOPIC_PREFIX ?? 'cupola.',
    groupId: env.CUPOLA_KAFKA_GROUP ?? 'cupola-sink',
    partitions: Number(env.CUPOLA_KAFKA_PARTITIONS ?? 3),
    pseudonymKey: env.CUPOLA_PSEUDONYM_KEY || DEV_PSEUDONYM_KEY,
    devPseudonymKey: !env.CUPOLA_PSEUDONYM_KEY,
    livePort,
    liveHost: env.HOST ?? '127.0.0.1',
    dataDir,
    lakeDir: join(dataDir, 'lake'),
    deadLetterDir: join(dataDir, 'dead-letter'),
    compactEveryMs: Number(env.CUPOLA_COMPACT_EVERY_MS ?? 60_000),
    sinkWorkers,
  };
}
