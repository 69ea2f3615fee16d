/**
 * bench/dbt: full `dbt build` on a simulated history written to a fresh lake, then an incremental build after
 * one more simulated day. Full: one year at region scale (targets on this machine: ≤ 120 s full, ≤ 10 s
 * incremental). --quick: 8 weeks at demo scale (the JSON says which history was used).
 * Both builds go through the long-lived dbt worker the platform's marts refresh uses (engine/src/cli/dbt-worker.ts),
 * timed from request to answer; as in the platform, the worker's incremental build leaves out the seeds its full build
 * loaded (scripts/dbt_worker.py). The same incremental is then run again as a one-off `scripts/dbt.sh build`, on the
 * warehouse as it was before it (`incremental_cli_s`: Python start-up, imports, the project's partial parse and the
 * seeds included).
 * Then the floor under the full build (bench/_dbt-floor.py): the appointment events' staging query alone (lake scan,
 * JSON parse, dedupe; nothing written) and DuckDB writing fct_bookings' rows once more, no fold. A full build does both,
 * each on both cores, so its wall time is at least their sum (`floor_s`; `floor_ratio` against the limit).
 * Last line: {"bench":"dbt","events":…,"full_s":…,"incremental_s":…,"incremental_cli_s":…,"floor_s":…,…}
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addDays } from '../engine/src/domain/time/rome-time.ts';
import { utcToLocal } from '../engine/src/domain/time/rome-time.ts';
import { DbtWorker } from '../engine/src/cli/dbt-worker.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const quick = process.argv.includes('--quick');
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const scale = (arg('--scale') ?? (quick ? 'demo' : 'region')) as 'demo' | 'region';
const days = Number(arg('--days') ?? (quick ? 56 : 365));
const LIMIT_FULL_S = 120;
const LIMIT_INCREMENTAL_S = 10;

const dataDir = mkdtempSync(join(tmpdir(), 'cupola-bench-dbt-'));
const env = { ...process.env, CUPOLA_DATA_DIR: dataDir, CUPOLA_SCALE: scale };
const start = addDays(utcToLocal(new Date()).date, -days);

/** Runs `cupola simulate` (a child process: region scale wants a larger heap); returns the events written. */
function simulate(args: string[]): number {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/cupola.js'), 'simulate', '--seed', '1', '--scale', scale, '--start', start, ...args], {
    cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`simulate failed: ${r.stdout}`);
  const m = / (\d+) events in (\d+) files/.exec(r.stdout);
  if (!m) throw new Error(`no summary line in: ${r.stdout}`);
  console.log(`  ${r.stdout.trim()}`);
  return Number(m[1]);
}

/** A one-off `scripts/dbt.sh <args>`; returns its wall seconds. */
function dbt(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(join(ROOT, 'scripts/dbt.sh'), args, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 256 << 20 });
  const s = (performance.now() - t0) / 1000;
  const done = /Done\..*/.exec(r.stdout)?.[0] ?? '';
  console.log(`  dbt ${args.join(' ')} (one-off process): ${s.toFixed(1)} s  ${done}`);
  if (r.status !== 0) throw new Error(`dbt ${args.join(' ')} failed:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`);
  if (args[0] === 'build') console.log(`    slowest nodes: ${slowest(8)}`);
  return s;
}

/** `dbt build` through the worker; returns its wall seconds, request to answer. */
async function workerBuild(worker: DbtWorker): Promise<number> {
  const t0 = performance.now();
  const r = await worker.run(['build', '--quiet']);
  const s = (performance.now() - t0) / 1000;
  console.log(`  dbt build (worker${r.parsed ? ', parsed the project' : ''}${r.seeds_skipped ? ', seeds unchanged' : ''}): ${s.toFixed(1)} s  ${r.summary}`);
  if (!r.ok) throw new Error(`dbt build failed: ${r.error ?? ''} ${JSON.stringify(r.failures).slice(0, 4000)}`);
  console.log(`    slowest nodes: ${slowest(8)}`);
  return s;
}

/** The slowest nodes of the last dbt run (its run_results.json), e.g. "fct_bookings 4.1 s, …", and the time in tests. */
function slowest(n: number): string {
  const rr = JSON.parse(readFileSync(join(dataDir, 'dbt/target/run_results.json'), 'utf8')) as { results: { unique_id: string; execution_time: number }[] };
  const rows = rr.results.map((x) => ({ id: x.unique_id.split('.')[0] === 'test' ? `test ${x.unique_id.split('.')[2]}` : x.unique_id.split('.').at(-1)!, s: x.execution_time }));
  const tests = rows.filter((x) => x.id.startsWith('test ')).reduce((a, x) => a + x.s, 0);
  return `${rows.sort((a, b) => b.s - a.s).slice(0, n).map((x) => `${x.id} ${x.s.toFixed(1)} s`).join(', ')}; ${rr.results.length} nodes, tests ${tests.toFixed(1)} s in all`;
}

/** bench/_dbt-floor.py on this run's lake and warehouse (the dbt virtualenv's DuckDB); its JSON figures. */
function dbtFloor(): { events: number; read_s: number; read_cpu_s: number; fct_rows: number; write_s: number; write_cpu_s: number } {
  const r = spawnSync(join(ROOT, '.venv/bin/python'), [join(ROOT, 'bench/_dbt-floor.py')], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`bench/_dbt-floor.py failed:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

let worker: DbtWorker | null = null;
try {
  dbt(['--version']); // the virtualenv exists before timing
  console.log(`simulating ${days} days at ${scale} scale from ${start} into ${dataDir}/lake …`);
  let t0 = performance.now();
  const written = simulate(['--days', String(days)]);
  const simS = (performance.now() - t0) / 1000;
  console.log(`  ${written} events in ${simS.toFixed(1)} s`);
  worker = await DbtWorker.start({ dataDir, env });
  const fullS = await workerBuild(worker);
  const before = join(dataDir, 'warehouse-before-incremental.duckdb'); // the one-off run starts from the same warehouse
  copyFileSync(join(dataDir, 'warehouse.duckdb'), before);
  spawnSync('sync'); // the copy's gigabytes are on disk before the next timing, not flushed while it runs
  t0 = performance.now();
  const more = simulate(['--days', String(days + 1), '--write-from', addDays(start, days)]);
  console.log(`  one more day: ${more} events (${((performance.now() - t0) / 1000).toFixed(1)} s to re-simulate)`);
  const incrementalS = await workerBuild(worker);
  await worker.stop();
  renameSync(before, join(dataDir, 'warehouse.duckdb'));
  const incrementalCliS = dbt(['build', '--quiet']);
  const events = written + more;
  console.log('floor under the full build (bench/_dbt-floor.py, after the builds):');
  const floor = dbtFloor();
  const floorS = floor.read_s + floor.write_s;
  console.log(`  read the appointment events (lake scan, JSON parse, dedupe; nothing written): ${floor.read_s.toFixed(1)} s (CPU ${floor.read_cpu_s.toFixed(1)} s), ${floor.events} events`);
  console.log(`  write fct_bookings' ${floor.fct_rows} rows once more (no fold): ${floor.write_s.toFixed(1)} s (CPU ${floor.write_cpu_s.toFixed(1)} s)`);
  const cores = availableParallelism();
  console.log(`  floor ${floorS.toFixed(1)} s against the ${LIMIT_FULL_S} s limit (ratio ${(floorS / LIMIT_FULL_S).toFixed(3)}); the full build took ${fullS.toFixed(1)} s`);
  console.log(`  even overlapped, their CPU (${(floor.read_cpu_s + floor.write_cpu_s).toFixed(1)} s) needs ${((floor.read_cpu_s + floor.write_cpu_s) / cores).toFixed(1)} s on this machine's ${cores} cores`);
  console.log(`full build ${fullS.toFixed(1)} s (limit ${LIMIT_FULL_S} s), incremental ${incrementalS.toFixed(1)} s (limit ${LIMIT_INCREMENTAL_S} s; as a one-off dbt process ${incrementalCliS.toFixed(1)} s), ${events} events`);
  console.log(JSON.stringify({
    bench: 'dbt', events, full_s: Number(fullS.toFixed(2)), incremental_s: Number(incrementalS.toFixed(2)), incremental_cli_s: Number(incrementalCliS.toFixed(2)),
    limit_full_s: LIMIT_FULL_S, limit_incremental_s: LIMIT_INCREMENTAL_S,
    ratio_full: Number((fullS / LIMIT_FULL_S).toFixed(3)), ratio_incremental: Number((incrementalS / LIMIT_INCREMENTAL_S).toFixed(3)),
    floor_read_s: floor.read_s, floor_fct_write_s: floor.write_s, floor_s: Number(floorS.toFixed(2)), floor_ratio: Number((floorS / LIMIT_FULL_S).toFixed(3)),
    floor_cpu_s: Number((floor.read_cpu_s + floor.write_cpu_s).toFixed(1)),
    history: `${quick ? 'quick: ' : ''}${days}+1 days, ${scale} scale`, simulate_s: Number(simS.toFixed(1)),
  }));
} finally {
  await worker?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
