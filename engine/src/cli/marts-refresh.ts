import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DbtWorker } from './dbt-worker.ts';

const DASHBOARDS_SH = fileURLToPath(new URL('../../../scripts/dashboards.sh', import.meta.url));

/** Runs a script with the data folder; resolves to its exit code. */
function runScript(script: string, args: string[], dataDir: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('bash', [script, ...args], { env: { ...process.env, CUPOLA_DATA_DIR: dataDir }, stdio: 'ignore' });
    child.on('exit', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
}

/** The refresh's page step: the static dashboards from the marts as they are; resolves to the script's exit code. */
export function buildPages(dataDir: string, pagesScript = DASHBOARDS_SH): Promise<number> {
  return runScript(pagesScript, ['--pages'], dataDir);
}

/**
 * One refresh of the analytics: `dbt build` through the long-lived worker (incremental models fold only what the lake
 * gained since the last build), then the static dashboards from the rebuilt marts (`scripts/dashboards.sh --pages`).
 * The pages are rebuilt only after a build that passed. Returns the line the platform logs.
 */
export async function refreshMarts(worker: DbtWorker, dataDir: string, pagesScript = DASHBOARDS_SH): Promise<{ ok: boolean; line: string }> {
  const t0 = Date.now();
  const b = await worker.run(['build', '--quiet']);
  if (!b.ok) {
    const why = b.failures[0] ? `${b.failures[0].node}: ${b.failures[0].message.split('\n')[0]}` : (b.error ?? '').split('\n')[0];
    return { ok: false, line: `marts refresh: dbt build failed in ${b.seconds.toFixed(1)} s (${b.summary || 'no nodes ran'}; ${why}); dashboards not rebuilt` };
  }
  const t1 = Date.now();
  const pages = await buildPages(dataDir, pagesScript);
  const s = (ms: number) => (ms / 1000).toFixed(1);
  return {
    ok: pages === 0,
    line: `marts refresh: dbt build done in ${b.seconds.toFixed(1)} s (${b.summary}${b.seeds_skipped ? ', seeds unchanged' : ''}), dashboards ${pages === 0 ? 'done' : `failed (exit ${pages})`} in ${s(Date.now() - t1)} s; ${s(Date.now() - t0)} s in all`,
  };
}

/**
 * While the platform runs, refreshes the marts and the static dashboards every `everyMinutes` (0 = never): by
 * default `refreshMarts` on a dbt worker started at the first refresh and kept for the next ones. One refresh at a
 * time; dbt stays the warehouse's only writer. `refresh` replaces the whole step (tests of the schedule itself).
 */
export function scheduleMartsRefresh(opts: {
  everyMinutes: number;
  dataDir: string;
  log?: (line: string) => void;
  refresh?: (dataDir: string) => Promise<{ line: string }>;
}) {
  const log = opts.log ?? ((l: string) => console.log(l));
  if (!(opts.everyMinutes > 0)) return { stop: async () => {} };
  let worker: Promise<DbtWorker> | null = null;
  let busy = false;
  let stopping = false;
  const refresh = opts.refresh ?? (async (dataDir: string) => refreshMarts(await (worker ??= DbtWorker.start({ dataDir })), dataDir));
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    refresh(opts.dataDir)
      .then((r) => log(r.line), (e: unknown) => {
        // stopping the platform kills the dbt worker: the refresh under way ends with it, which is no failure
        if (stopping) return log('marts refresh: stopped with the platform (the refresh under way was cut short)');
        log(`marts refresh: failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
        worker = null; // a worker that died is started again at the next refresh
      })
      .finally(() => (busy = false));
  }, opts.everyMinutes * 60_000);
  timer.unref();
  return {
    async stop() {
      stopping = true;
      clearInterval(timer);
      const w = await worker?.catch(() => null);
      await w?.stop({ kill: true });
    },
  };
}
