/**
 * The embedded stream (no KAFKA_BROKERS): the relay hands each batch straight to the sink in-process. The guarantee
 * is the same as through Kafka: the relay marks rows published only after the sink has made them durable, and the
 * sink drops re-deliveries by event_id.
 */
import type { StreamPublisher, StreamRecord } from './stream-port.ts';

export class InProcessPublisher implements StreamPublisher {
  readonly kind = 'in-process' as const;
  constructor(private readonly deliver: (records: readonly StreamRecord[]) => Promise<unknown>) {}
  async ensureTopics(): Promise<void> {}
  async publish(records: readonly StreamRecord[]): Promise<void> {
    if (records.length) await this.deliver(records);
  }
  async close(): Promise<void> {}
}
