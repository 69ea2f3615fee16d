import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const quick = process.argv.includes('--quick');

/** A worker thread running a TypeScript module of bench/ (through tsx), e.g. a load generator kept off the main loop. */
export function tsWorker(module: string, workerData: unknown): Worker {
  const script = new URL(module, import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(script)}); });`, { eval: true, workerData });
}

/** Starts (installing if needed) the benchmark PostgreSQL server; returns the admin URL of database `postgres`. */
export function startPg(): string {
  const out = execFileSync(`${ROOT}scripts/pg.sh`, ['start'], { encoding: 'utf8', env: { ...process.env, CUPOLA_PG_PORT: process.env.CUPOLA_PG_PORT ?? '54329' } });
  const line = out.trim().split('\n').pop()!;
  return line.replace(/^DATABASE_URL=/, '').replace(/\/[^/]+$/, '/postgres');
}

export function pgBin(): string {
  return execFileSync(`${ROOT}scripts/pg.sh`, ['bin'], { encoding: 'utf8' }).trim();
}

export const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export function printJson(o: Record<string, unknown>) {
  console.log(JSON.stringify(o));
}

/**
 * A load generator's HTTP client: POSTs JSON over kept-alive connections with node:http. (`fetch` costs about 1 ms of
 * CPU per request on this machine, 4 times as much: on 2 shared cores the client's own cost would be measured as the
 * engine's. pgbench, the limit, is a lean C client.)
 */
export function jsonPoster(headers: Record<string, string>, maxSockets = 64) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return (base: string, path: string, body: unknown) =>
    new Promise<{ status: number; json: Record<string, any> }>((resolve, reject) => {
      const u = new URL(base + path);
      const data = JSON.stringify(body);
      const req = http.request(
        { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(data) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
            } catch (e) {
              reject(e);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(data);
    });
}

/** CPU time (user + system, ms) a process has used so far, from /proc (null where there is none). */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14 and 15 (utime, stime) in clock ticks; after the command name they are at 11 and 12
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100;

/** CPU time (ms) the whole machine has spent busy (not idle nor waiting for I/O) so far, from /proc/stat (null where there is none). */
export function machineBusyMs(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return ((total - f[3]! - f[4]!) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
