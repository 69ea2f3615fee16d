/**
 * Dead letters: events that fail validation are written, with the reason, as JSON lines under
 * $CUPOLA_DATA_DIR/dead-letter/<topic>/date=YYYY-MM-DD/ (outside the lake, so the lake holds only valid,
 * pseudonymised rows). Personal keys are scrubbed from the quarantined copy too. Durable before the sink
 * acknowledges the batch, so a dead-lettered event is never silently lost. With a broker, the sink also publishes
 * each dead letter to the dead-letter topic (relay/kafka-stream.ts) before its offset is committed.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { scrub } from '../transforms/pseudonymise.ts';
import { partitionDate } from '../transforms/to-arrow.ts';
import { fsyncPath } from './parquet-writer.ts';
import type { StreamRecord } from '../relay/stream-port.ts';

export interface DeadLetter {
  /** topic family the record came from */
  topic: string;
  reason: string;
  /** the message as parsed (or its text when it was not JSON) */
  raw: unknown;
  /** the original record (bytes, key, Kafka partition and offset) */
  record?: StreamRecord;
}

/** Publishes dead letters to a dead-letter topic; resolves once the broker has them (acks from all in-sync replicas). */
export type DeadLetterPublisher = (letters: readonly DeadLetter[]) => Promise<void>;

export class DeadLetterFolder {
  count = 0;
  readonly byReason = new Map<string, number>();
  constructor(readonly dir: string) {}

  async write(letters: readonly DeadLetter[], now: number): Promise<void> {
    if (!letters.length) return;
    const groups = new Map<string, string[]>();
    for (const l of letters) {
      const file = join(this.dir, l.topic.replace(/[^a-z0-9_.-]/gi, '_'), `date=${partitionDate(now)}`, 'dead-letters.jsonl');
      const line = JSON.stringify({ received_at: new Date(now).toISOString(), topic: l.topic, reason: l.reason, event: scrub(l.raw) });
      (groups.get(file) ?? groups.set(file, []).get(file)!).push(line);
    }
    for (const [file, lines] of groups) {
      await mkdir(join(file, '..'), { recursive: true });
      await appendFile(file, lines.join('\n') + '\n');
      await fsyncPath(file, 'r+');
    }
    for (const l of letters) {
      this.count++;
      const key = l.reason.startsWith('invalid') ? l.reason.split(':')[0]! : l.reason;
      this.byReason.set(key, (this.byReason.get(key) ?? 0) + 1);
    }
  }
}
