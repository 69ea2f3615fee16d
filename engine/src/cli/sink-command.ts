import { loadConfig } from '../config.ts';
import { migrate } from '../store/migrate.ts';
import { openDb } from '../store/open.ts';
import { loadStreamConfig } from '../../../pipelines/src/config.ts';
import { LakeSink } from '../../../pipelines/src/sinks/lake-sink.ts';
import { startEmbeddedStream, startKafkaSink } from '../../../pipelines/src/stream.ts';
import type { Command } from './args.ts';

export const sinkCommand: Command = {
  name: 'sink',
  summary: 'write the event stream to the Parquet lake and serve the live state (SSE); in-process relay without KAFKA_BROKERS',
  usage: '[--live-port N] [--compact]',
  options: {
    'live-port': { type: 'string', description: 'live-state port (default $CUPOLA_LIVE_PORT or 3001; 0 = any free port)' },
    compact: { type: 'boolean', description: 'compact small lake files now, then exit' },
  },
  async run(v) {
    const scfg = loadStreamConfig({ ...process.env, ...(v['live-port'] !== undefined ? { CUPOLA_LIVE_PORT: v['live-port'] as string } : {}) });
    if (v.compact) {
      const sink = await LakeSink.open({ lakeDir: scfg.lakeDir, deadLetterDir: scfg.deadLetterDir, pseudonymKey: scfg.pseudonymKey });
      const r = await sink.compact({ minFiles: 2 });
      await sink.close();
      console.log(`sink: compacted ${r.partitions} partitions (${r.filesBefore} files → ${r.partitions}, ${r.rows} rows)`);
      return 0;
    }
    let stop: () => Promise<void>;
    let url: string | undefined;
    if (scfg.brokers) {
      const s = await startKafkaSink(scfg);
      url = s.server?.url;
      stop = s.stop;
      console.log(`sink: Kafka ${scfg.brokers.join(',')} → lake ${scfg.lakeDir}`);
    } else {
      const db = await openDb(loadConfig());
      await migrate(db);
      const s = await startEmbeddedStream(db, scfg);
      url = s.server?.url;
      stop = async () => {
        await s.stop();
        await db.close();
      };
      console.log(`sink: outbox (${db.kind}, in-process relay) → lake ${scfg.lakeDir}`);
    }
    console.log(`live state: ${url}/live (SSE: ${url}/live/stream)`);
    const onSignal = async () => {
      await stop();
      process.exit(0);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    return -1;
  },
};
