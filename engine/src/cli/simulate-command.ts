import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { loadConfig } from '../config.ts';
import { addDays, utcToLocal } from '../domain/time/rome-time.ts';
import { simulateToLake } from '../../../simulator/src/demand-lake.ts';
import { DEV_PSEUDONYM_KEY } from '../../../pipelines/src/transforms/pseudonymise.ts';
import type { Command } from './args.ts';
import { progressBar } from './progress.ts';
import { simulateThroughApi } from './simulate-api.ts';

/**
 * `cupola simulate`: deterministic synthetic demand (prescriptions, searches, bookings, refusals, cancellations,
 * moves, confirmations, deliveries, no-shows) over the synthetic region. `--mode lake` writes the events straight to
 * the lake with the same envelope and payload schemas as the engine's (simulator/src/demand-sim.ts); `--mode api`
 * sends the same demand through the engine's HTTP API and lets the engine's outbox feed the lake (simulate-api.ts).
 */
export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'simulate N days of demand (deterministic by seed) into the Parquet lake, straight or through the engine API',
  usage: '--days N [--seed S] [--scale demo|region] [--start YYYY-MM-DD] [--mode lake|api] [--write-from YYYY-MM-DD] [--load X] [--url URL] [--reset]',
  options: {
    days: { type: 'string', description: 'days to simulate (required)' },
    seed: { type: 'string', description: 'random seed (default 1)' },
    scale: { type: 'string', description: 'demo (3 ATS, 30 clinics; default) or region (8 ATS, ~5,000 clinics)' },
    start: { type: 'string', description: 'first simulated day (default: N days before today, so the history ends today)' },
    mode: {
      type: 'string',
      description:
        'lake (default): write the events straight to $CUPOLA_DATA_DIR/lake (fast, for long histories). ' +
        'api: send the demand through the engine HTTP API, one request at a time — by default an in-process engine on this ' +
        "data folder's store (PGlite, or DATABASE_URL), seeded with the region from --start, on a simulated clock that runs " +
        'from --start to the last day, its outbox relayed into the lake. Unlike the lake mode it books no pre-history backlog: ' +
        'the agendas start empty, so waits are short at first (and at a small --load)',
    },
    'write-from': { type: 'string', description: 'lake mode: simulate from --start but write only days from this date (append one more day)' },
    load: { type: 'string', description: 'demand multiplier (default 1: demand close to the supply; e.g. 0.05 for a 5% sample in api mode)' },
    url: {
      type: 'string',
      description:
        'api mode: drive a running engine instead (token from CUPOLA_JWT_SECRET, or CUPOLA_TOKEN; --start is ignored). Its clock is real time: ' +
        'the N days of demand are sent now, compressed into today (prescriptions dated today), visits are recorded only for ' +
        'slots already started (none, usually: counted as pending), holds never lapse, and the lake is the engine\'s own stream',
    },
    reset: { type: 'boolean', description: 'api mode: replace the region, patients and appointments the store already holds' },
  },
  async run(v) {
    const days = Number(v.days);
    if (!Number.isInteger(days) || days < 1 || days > 546) throw new Error("--days must be an integer 1..546");
    const seed = v.seed === undefined ? 1 : Number(v.seed);
    if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
    const scale = (v.scale ?? 'demo') as string;
    if (scale !== 'demo' && scale !== 'region') throw new Error("--scale must be 'demo' or 'region'");
    const mode = (v.mode ?? 'lake') as string;
    if (mode !== 'lake' && mode !== 'api') throw new Error("--mode must be 'lake' or 'api'");
    if (mode === 'lake' && (v.url || v.reset)) throw new Error('--url and --reset apply to --mode api only');
    if (mode === 'api' && v['write-from']) throw new Error('--write-from applies to --mode lake only');
    // api mode at region scale holds the seeded region in an in-process engine: re-run with a larger heap when the
    // default is small (the lake mode keeps its state in typed arrays and streams its events: the default heap does)
    if (mode === 'api' && scale === 'region' && getHeapStatistics().heap_size_limit < 8 * 2 ** 30 && !process.env.CUPOLA_SIMULATE_CHILD) {
      return new Promise<number>((resolve) => {
        const child = spawn(process.execPath, ['--max-old-space-size=16384', ...process.execArgv, ...process.argv.slice(1)], {
          stdio: 'inherit', env: { ...process.env, CUPOLA_SIMULATE_CHILD: '1' },
        });
        child.on('exit', (code) => resolve(code ?? 1));
      });
    }
    const today = utcToLocal(new Date()).date;
    const start = (v.start as string | undefined) ?? addDays(today, -days + 1);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(start)) throw new Error('--start must be YYYY-MM-DD');
    const load = v.load === undefined ? undefined : Number(v.load);
    if (load !== undefined && !(load > 0)) throw new Error('--load must be a positive number');
    if (mode === 'api') return runApiMode({ scale, seed, days, start: v.url ? today : start, load, url: v.url as string | undefined, reset: !!v.reset });
    const cfg = loadConfig(process.env);
    const lakeDir = join(cfg.dataDir, 'lake');
    const bar = progressBar('simulate');
    const t0 = Date.now();
    const r = await simulateToLake({
      scale, seed, days, startDate: start, lakeDir, pseudonymKey: process.env.CUPOLA_PSEUDONYM_KEY || DEV_PSEUDONYM_KEY,
      ...(v['write-from'] ? { writeFrom: v['write-from'] as string } : {}), ...(load ? { load } : {}),
      onDay: (done, total) => bar.update(done, total, 'days'),
    });
    bar.stop();
    const s = ((Date.now() - t0) / 1000).toFixed(1);
    console.log(
      `simulated ${days} days (${r.firstDate}..${r.lastDate}, scale ${scale}, seed ${seed}): ${r.prescriptions} prescriptions, ` +
        `${r.bookings} first-access bookings (${r.refusedFirst} refused the first date, ${r.tutela} percorso di tutela), ${r.followUps} follow-ups, ` +
        `${r.cancellations} cancellations, ${r.moves} moves, ${r.delivered} delivered, ${r.noShows} no-shows, ${r.unmet} unmet, ${r.abandoned} abandoned; ` +
        `${r.written} events in ${r.files} files under ${lakeDir} (${r.invalid} invalid, ${r.skipped} of types the lake does not take) in ${s}s`,
    );
    return 0;
  },
};

async function runApiMode(o: { scale: 'demo' | 'region'; seed: number; days: number; start: string; load: number | undefined; url: string | undefined; reset: boolean }) {
  const bar = progressBar('simulate');
  const t0 = Date.now();
  const r = await simulateThroughApi({ ...o, onDay: (done, total) => bar.update(done, total, 'days (api)') });
  bar.stop();
  const s = ((Date.now() - t0) / 1000).toFixed(1);
  const refused = Object.entries(r.refused).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ');
  const when = o.url ? `${o.days} days of demand compressed into today (${r.firstDate}), real-time engine ${r.engine}` : `${r.firstDate}..${r.lastDate}, engine ${r.engine}`;
  if (r.seedLine) console.log(r.seedLine);
  console.log(
    `simulated ${o.days} days through the API (${when}, scale ${o.scale}, seed ${o.seed}${o.load ? `, load ${o.load}` : ''}): ${r.prescriptions} prescriptions, ` +
      `${r.bookings} first-access bookings (${r.refusedFirst} refused the first date, ${r.tutela} percorso di tutela, ${r.holds} holds of which ${r.holdsExpired} lapsed), ` +
      `${r.followUps} follow-ups, ${r.cancellations} cancellations (${r.lateCancellations} late), ${r.moves} moves, ${r.delivered} delivered, ${r.noShows} no-shows, ` +
      `${r.providerCancelled} cancelled by the provider, ${r.unmet} unmet (${r.waitlisted} put on the waitlist), ${r.abandoned} abandoned${o.url ? `, ${r.pendingVisits} visits pending` : ''}; ` +
      `${r.calls} API calls (refused: ${refused || 'none'}); ` +
      (r.lakeDir !== null ? `${r.written} events in ${r.files} files under ${r.lakeDir} (${r.offerEvents} of them the seeded region's offer, ${r.deadLettered} dead letters)` : "events through the engine's own stream") +
      ` in ${s}s`,
  );
  return 0;
}
