import { loadConfig } from '../config.ts';
import { migrate } from '../store/migrate.ts';
import { openDb } from '../store/open.ts';
import { loadStreamConfig } from '../../../pipelines/src/config.ts';
import { KafkaPublisher } from '../../../pipelines/src/relay/kafka-stream.ts';
import { OutboxRelay } from '../../../pipelines/src/relay/outbox-relay.ts';
import { startKafkaRelay } from '../../../pipelines/src/stream.ts';
import type { Command } from './args.ts';
import { onShutdown } from './shutdown.ts';

export const relayCommand: Command = {
  name: 'relay',
  summary: 'publish committed outbox events to Kafka (KAFKA_BROKERS), in commit order, exactly once into the lake',
  usage: '[--once]',
  options: { once: { type: 'boolean', description: 'publish everything committed so far, then exit' } },
  async run(v) {
    const scfg = loadStreamConfig();
    if (!scfg.brokers) {
      console.error('KAFKA_BROKERS is not set: without a broker the relay runs in-process inside `cupola sink` and `cupola up`');
      return 2;
    }
    const db = await openDb(loadConfig());
    await migrate(db);
    if (v.once) {
      const pub = await KafkaPublisher.connect({ brokers: scfg.brokers, topicPrefix: scfg.topicPrefix, partitions: scfg.partitions });
      try {
        await pub.ensureTopics();
        const n = await new OutboxRelay(db, pub).drain();
        console.log(`relay: published ${n} events to ${scfg.brokers.join(',')}`);
      } finally {
        await pub.close();
        await db.close();
      }
      return 0;
    }
    const r = await startKafkaRelay(db, scfg);
    console.log(`relay: outbox (${db.kind}) → Kafka ${scfg.brokers.join(',')} topics ${scfg.topicPrefix}{offer,booking,delivery,payment,prescription}`);
    onShutdown(async () => {
      await r.stop();
      await db.close();
    });
    return -1;
  },
};
