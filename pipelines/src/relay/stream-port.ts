/**
 * The stream port: what the relay and the sink need from a message stream, so the client library (kafkajs today)
 * or the transport (Kafka or in-process) can change without touching them.
 */
export interface StreamRecord {
  /** topic family (offer, booking, delivery, payment, prescription) — not the broker's topic name */
  topic: string;
  /** aggregate id: records with the same key stay in order */
  key: string;
  /** the event envelope as JSON */
  value: string | Uint8Array;
  /** where the record was read from, when the source has positions (Kafka): for dead letters */
  partition?: number;
  offset?: string;
}

export interface StreamPublisher {
  readonly kind: 'kafka' | 'in-process';
  /** Creates missing topics (partitions, retention). Idempotent. */
  ensureTopics(): Promise<void>;
  /** Resolves only when every record is durably accepted (acks from all in-sync replicas / the sink's durable write). */
  publish(records: readonly StreamRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** A batch handler resolves after the batch is durable; only then does the source commit its position. */
export type BatchHandler = (records: readonly StreamRecord[]) => Promise<void>;

export interface StreamSubscriber {
  /** Starts consuming from the last committed position (or the beginning); returns once running. */
  run(handler: BatchHandler): Promise<void>;
  /** Records published but not yet committed by this consumer group (the stream's backlog), when known. */
  lag(): Promise<number | null>;
  close(): Promise<void>;
}
