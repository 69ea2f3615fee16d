/**
 * Kafka adapter of the stream port (kafkajs 2.2.4, verified against Apache Kafka 4.1.1 in KRaft mode by the
 * integration suite). Topic names are `<prefix><family>` (prefix default "cupola."); topics are created by code
 * with their partitions and retention. The producer is idempotent with acks=all; the consumer never auto-commits:
 * offsets are committed after the handler (the sink's durable write) resolves.
 */
import { Kafka, logLevel, type Admin, type Consumer, type KafkaMessage, type Producer } from 'kafkajs';
import { TOPICS } from '../../../engine/src/events/envelope.ts';
import type { BatchHandler, StreamPublisher, StreamRecord, StreamSubscriber } from './stream-port.ts';
import { MicroBatcher } from '../sinks/micro-batcher.ts';
import type { DeadLetter } from '../sinks/dead-letter.ts';

export interface KafkaOptions {
  brokers: string[];
  topicPrefix?: string;
  clientId?: string;
  partitions?: number;
  retentionMs?: number;
}

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const client = (o: KafkaOptions, id: string) =>
  new Kafka({
    brokers: o.brokers,
    clientId: o.clientId ?? id,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 30 },
    connectionTimeout: 3_000,
  });

export const topicName = (o: KafkaOptions, family: string) => `${o.topicPrefix ?? 'cupola.'}${family}`;

/**
 * The dead-letter topic (`<prefix>dead-letter`): messages the sink could not accept. Value and key are the original
 * message's bytes; headers carry `reason`, `source-topic`, `source-partition`, `source-offset` and `received-at`.
 * One partition (dead letters are rare and read by people, in order); kept 30 days.
 */
export const DEAD_LETTER_FAMILY = 'dead-letter';
const DEAD_LETTER_RETENTION_MS = 30 * 86_400_000;

/** Connects an admin client, creates the missing topics, disconnects. */
async function ensureTopicsOn(o: KafkaOptions, kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureKafkaTopics(o, admin);
  } finally {
    await admin.disconnect();
  }
}

export async function ensureKafkaTopics(o: KafkaOptions, admin: Admin): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const wanted = [...TOPICS.map((t) => ({ topic: topicName(o, t), partitions: o.partitions ?? 3, retentionMs: o.retentionMs ?? 7 * 86_400_000 })),
    { topic: topicName(o, DEAD_LETTER_FAMILY), partitions: 1, retentionMs: Math.max(DEAD_LETTER_RETENTION_MS, o.retentionMs ?? 0) }];
  const missing = wanted.filter((t) => !existing.has(t.topic));
  if (!missing.length) return;
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions,
        replicationFactor: 1,
        configEntries: [
          { name: 'retention.ms', value: String(t.retentionMs) },
          { name: 'cleanup.policy', value: 'delete' },
          { name: 'max.message.bytes', value: String(16 * 1024 * 1024) },
        ],
      })),
    });
  } catch (e) {
    // another process created them first
    if (!/already exists/i.test(String((e as Error).message))) throw e;
  }
}

export class KafkaPublisher implements StreamPublisher {
  readonly kind = 'kafka' as const;
  private constructor(private readonly o: KafkaOptions, private readonly kafka: Kafka, private readonly producer: Producer) {}

  static async connect(o: KafkaOptions): Promise<KafkaPublisher> {
    const kafka = client(o, 'cupola-relay');
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    return new KafkaPublisher(o, kafka, producer);
  }

  async ensureTopics(): Promise<void> {
    await ensureTopicsOn(this.o, this.kafka);
  }

  async publish(records: readonly StreamRecord[]): Promise<void> {
    if (!records.length) return;
    const byTopic = new Map<string, { key: string; value: Buffer | string }[]>();
    for (const r of records) {
      const t = topicName(this.o, r.topic);
      (byTopic.get(t) ?? byTopic.set(t, []).get(t)!).push({ key: r.key, value: typeof r.value === 'string' ? r.value : Buffer.from(r.value) });
    }
    await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

/**
 * A consumed message as a stream record, without copying: the value is kafkajs' slice of the fetch response, and the
 * key (read only for dead letters) is decoded when asked for, not once per message.
 */
class KafkaRecord implements StreamRecord {
  constructor(readonly topic: string, private readonly m: KafkaMessage, readonly partition: number) {}
  get key(): string {
    return this.m.key?.toString() ?? '';
  }
  get value(): Uint8Array {
    return this.m.value ?? EMPTY;
  }
  get offset(): string {
    return this.m.offset;
  }
}
const EMPTY = new Uint8Array();

/** How the sink's consumer fetches (bench sink's floor consumes with the same settings). */
export const SINK_FETCH = { maxWaitTimeInMs: 50, minBytes: 1, maxBytes: 64 * 1024 * 1024, maxBytesPerPartition: 16 * 1024 * 1024 } as const;
export const SINK_PARTITIONS_AT_ONCE = 32;

export class KafkaSubscriber implements StreamSubscriber {
  private readonly families = new Map<string, string>();
  private deadLetterProducer: Producer | null = null;
  private constructor(private readonly o: KafkaOptions, private readonly kafka: Kafka, private readonly consumer: Consumer, private readonly groupId: string) {
    for (const t of TOPICS) this.families.set(topicName(o, t), t);
  }

  /**
   * Publishes dead letters to `<prefix>dead-letter` (idempotent producer, acks from all in-sync replicas): the
   * original key and bytes, with the reason and the source topic, partition and offset as headers. The sink awaits
   * this before the batch's offsets are committed, so a dead letter is on the topic before its source is skipped
   * (at least once: a crash in between publishes it again).
   */
  async publishDeadLetters(letters: readonly DeadLetter[], now = Date.now()): Promise<void> {
    if (!letters.length) return;
    if (!this.deadLetterProducer) {
      const p = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await p.connect();
      this.deadLetterProducer = p;
    }
    const receivedAt = new Date(now).toISOString();
    await this.deadLetterProducer.send({
      topic: topicName(this.o, DEAD_LETTER_FAMILY),
      acks: -1,
      messages: letters.map((l) => {
        const r = l.record;
        const value = r ? (typeof r.value === 'string' ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength)) : JSON.stringify(l.raw);
        const headers: Record<string, string> = { reason: l.reason, 'source-topic': topicName(this.o, l.topic), 'received-at': receivedAt };
        if (r?.partition !== undefined) headers['source-partition'] = String(r.partition);
        if (r?.offset !== undefined) headers['source-offset'] = r.offset;
        return { key: r?.key || null, value, headers };
      }),
    });
  }

  private lingerMs = 20;
  private maxRecords = 10_000;

  private concurrency = 1;

  /** `concurrency`: micro-batches ingested at once (the sink's worker threads). */
  static async connect(o: KafkaOptions & { groupId?: string; maxWaitMs?: number; lingerMs?: number; maxRecords?: number; concurrency?: number }): Promise<KafkaSubscriber> {
    const kafka = client(o, 'cupola-sink');
    const groupId = o.groupId ?? 'cupola-sink';
    const consumer = kafka.consumer({
      groupId,
      ...SINK_FETCH,
      maxWaitTimeInMs: o.maxWaitMs ?? SINK_FETCH.maxWaitTimeInMs,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      allowAutoTopicCreation: false,
    });
    await consumer.connect();
    const s = new KafkaSubscriber(o, kafka, consumer, groupId);
    if (o.lingerMs !== undefined) s.lingerMs = o.lingerMs;
    if (o.maxRecords !== undefined) s.maxRecords = o.maxRecords;
    if (o.concurrency !== undefined) s.concurrency = o.concurrency;
    if (o.maxRecords === undefined && s.concurrency > 1) s.maxRecords = 25_000 * s.concurrency; // one fetch (all partitions) → one micro-batch, split across the workers
    return s;
  }

  async run(handler: BatchHandler): Promise<void> {
    await ensureTopicsOn(this.o, this.kafka);
    await this.consumer.subscribe({ topics: [...this.families.keys()], fromBeginning: true });
    // partitions are fetched concurrently and their batches coalesced into one micro-batch (one file per topic/date)
    const batcher = new MicroBatcher<StreamRecord>((records) => handler(records), { lingerMs: this.lingerMs, maxRecords: this.maxRecords, concurrency: this.concurrency });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: SINK_PARTITIONS_AT_ONCE,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!batch.messages.length || !isRunning() || isStale()) return;
        const family = this.families.get(batch.topic) ?? batch.topic;
        await batcher.add(batch.messages.map((m) => new KafkaRecord(family, m, batch.partition)));
        const last = batch.messages[batch.messages.length - 1]!.offset;
        resolveOffset(last);
        await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        await heartbeat();
      },
    });
  }

  async lag(): Promise<number | null> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      let lag = 0;
      for (const topic of this.families.keys()) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId: this.groupId, topics: [topic] });
        for (const e of ends) {
          const c = committed?.partitions.find((p) => p.partition === e.partition);
          const at = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(e.low);
          lag += Math.max(0, Number(e.high) - at);
        }
      }
      return lag;
    } catch {
      return null;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.consumer.disconnect();
    await this.deadLetterProducer?.disconnect();
  }
}
