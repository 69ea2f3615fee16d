import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../scripts/dashboards.sh', import.meta.url));

/**
 * While the platform runs, rebuilds the marts (dbt build over the lake the sink keeps appending to) and the static
 * dashboards every `everyMinutes` (0 = never). One refresh at a time; dbt stays the warehouse's only writer.
 */
export function scheduleMartsRefresh(opts: { everyMinutes: number; dataDir: string; log?: (line: string) => void; script?: string }) {
  const log = opts.log ?? ((l: string) => console.log(l));
  let child: ChildProcess | null = null;
  if (!(opts.everyMinutes > 0)) return { stop() {} };
  const timer = setInterval(() => {
    if (child) return;
    const t0 = Date.now();
    child = spawn('bash', [opts.script ?? SCRIPT], { env: { ...process.env, CUPOLA_DATA_DIR: opts.dataDir }, stdio: 'ignore' });
    child.on('exit', (code) => {
      log(`marts refresh: dbt build + dashboards ${code === 0 ? 'done' : `failed (exit ${code})`} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      child = null;
    });
  }, opts.everyMinutes * 60_000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      child?.kill('SIGTERM');
    },
  };
}
