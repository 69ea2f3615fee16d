import { loadConfig } from '../config.ts';
import { mintToken } from '../http/auth.ts';
import { utcToLocal } from '../domain/time/rome-time.ts';
import { startServer } from '../server.ts';
import { migrate } from '../store/migrate.ts';
import { openDb } from '../store/open.ts';
import type { Command } from './args.ts';
import { regionExists, runSeed } from './seed-command.ts';

export const upCommand: Command = {
  name: 'up',
  summary: 'run the platform on embedded defaults: migrate, seed the demo region on first start, serve',
  usage: '[--port N]',
  options: { port: { type: 'string', description: 'engine port (default $PORT or 3000)' } },
  async run(v) {
    const cfg = loadConfig({ ...process.env, ...(v.port ? { PORT: v.port as string } : {}) });
    const db = await openDb(cfg);
    await migrate(db);
    if (!(await regionExists(db))) {
      const r = await runSeed(db, { scale: 'demo', seed: 1, startDate: utcToLocal(new Date()).date });
      console.log(r.line);
    }
    const { app, url } = await startServer(db, cfg);
    const token = await mintToken(cfg.jwtSecret, { sub: 'demo-admin', role: 'region-admin' });
    console.log(
      [
        '',
        `Cupola is running (store: ${db.kind === 'pglite' ? `embedded PGlite in ${cfg.dataDir}/pg` : 'PostgreSQL'})`,
        `  engine API    ${url}`,
        `  API docs      ${url}/docs   (OpenAPI JSON: ${url}/docs/json)`,
        `  health        ${url}/health`,
        '',
        'A region-admin token for trying the API (8 hours; mint others with `npx cupola token --role <role>`):',
        `  ${token}`,
        `  curl -H "Authorization: Bearer <token>" ${url}/org-units?level=ats`,
        '',
        'Stop with Ctrl-C.',
      ].join('\n'),
    );
    const stop = async () => {
      await app.close();
      await db.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1;
  },
};
