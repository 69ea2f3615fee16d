import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const quick = process.argv.includes('--quick');

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
