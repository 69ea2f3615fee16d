import { loadConfig } from '../config.ts';
import { startServer } from '../server.ts';
import { migrate } from '../store/migrate.ts';
import { openDb } from '../store/open.ts';
import type { Command } from './args.ts';
import { onShutdown } from './shutdown.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the booking engine HTTP API (migrates first)',
  usage: '[--port N] [--host H] [--log]',
  options: {
    port: { type: 'string', description: 'port (default $PORT or 3000)' },
    host: { type: 'string', description: 'interface (default 127.0.0.1)' },
    log: { type: 'boolean', description: 'log every request' },
  },
  async run(v) {
    const cfg = loadConfig({ ...process.env, ...(v.port ? { PORT: v.port as string } : {}), ...(v.host ? { HOST: v.host as string } : {}) });
    const db = await openDb(cfg);
    await migrate(db);
    const { app, url } = await startServer(db, cfg, { logger: !!v.log });
    if (cfg.devSecret) console.log('warning: CUPOLA_JWT_SECRET is not set; using the development signing key');
    console.log(`engine listening on ${url} (store: ${db.kind})  docs: ${url}/docs`);
    onShutdown(async () => {
      await app.close();
      await db.close();
    });
    return -1;
  },
};
