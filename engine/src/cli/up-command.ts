import { loadConfig } from '../config.ts';
import { mintToken } from '../http/auth.ts';
import { utcToLocal } from '../domain/time/rome-time.ts';
import { startServer } from '../server.ts';
import { migrate } from '../store/migrate.ts';
import { openDb } from '../store/open.ts';
import type { Command } from './args.ts';
import { onShutdown } from './shutdown.ts';
import { regionExists, runSeed } from './seed-command.ts';
import { loadStreamConfig } from '../../../pipelines/src/config.ts';
import { startPlatformStream } from '../../../pipelines/src/stream.ts';
import { DEFAULT_DASHBOARDS_DIR, startDashboardsServer, type DashboardsServer } from './dashboards-server.ts';
import { existsSync } from 'node:fs';
import { scheduleMartsRefresh } from './marts-refresh.ts';

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
    const stream = await startPlatformStream(db, loadStreamConfig());
    // --- analytics dashboards (issue 5): the built site next to the engine, /live forwarded to the live state ---
    let dashboards: DashboardsServer | null = null;
    if (existsSync(`${DEFAULT_DASHBOARDS_DIR}index.html`)) {
      dashboards = await startDashboardsServer({ port: Number(process.env.CUPOLA_DASHBOARDS_PORT ?? 3002), host: process.env.HOST ?? '127.0.0.1', liveUrl: stream.liveUrl });
    }
    const refreshMinutes = Number(process.env.CUPOLA_REFRESH_MINUTES ?? 15);
    const refresh = dashboards ? scheduleMartsRefresh({ everyMinutes: refreshMinutes, dataDir: cfg.dataDir }) : null;
    const dashboardsLine = dashboards
      ? `  dashboards    ${dashboards.url}/   (built site; marts and pages rebuilt every ${refreshMinutes} min — CUPOLA_REFRESH_MINUTES, 0 = off)`
      : '  dashboards    not built yet: scripts/dashboards.sh (simulate → dbt build → observable build)';
    // --- end analytics dashboards ---
    const token = await mintToken(cfg.jwtSecret, { sub: 'demo-admin', role: 'region-admin' });
    console.log(
      [
        '',
        `Cupola is running (store: ${db.kind === 'pglite' ? `embedded PGlite in ${cfg.dataDir}/pg` : 'PostgreSQL'})`,
        `  engine API    ${url}`,
        `  API docs      ${url}/docs   (OpenAPI JSON: ${url}/docs/json)`,
        `  health        ${url}/health`,
        `  live state    ${stream.liveUrl}/live   (SSE: ${stream.liveUrl}/live/stream; stream: ${stream.mode}, lake: ${stream.lakeDir})`,
        dashboardsLine,
        '',
        'A region-admin token for trying the API (8 hours; mint others with `npx cupola token --role <role>`):',
        `  ${token}`,
        `  curl -H "Authorization: Bearer <token>" ${url}/org-units?level=ats`,
        '',
        'Stop with Ctrl-C.',
      ].join('\n'),
    );
    onShutdown(async () => {
      await refresh?.stop();
      await app.close();
      await dashboards?.close();
      await stream.stop();
      await db.close();
    });
    return -1;
  },
};
