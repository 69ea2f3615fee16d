import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { loadConfig } from '../config.ts';
import { addDays, utcToLocal } from '../domain/time/rome-time.ts';
import { simulateToLake } from '../../../simulator/src/demand-lake.ts';
import { DEV_PSEUDONYM_KEY } from '../../../pipelines/src/transforms/pseudonymise.ts';
import type { Command } from './args.ts';
import { progressBar } from './progress.ts';

/**
 * `cupola simulate`: deterministic synthetic demand (prescriptions, searches, bookings, refusals, cancellations,
 * moves, confirmations, deliveries, no-shows) over the synthetic region, written to the lake with the same envelope
 * and payload schemas as the engine's events (simulator/src/demand-sim.ts).
 */
export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'simulate N days of demand (deterministic by seed) and write the events to the Parquet lake',
  usage: '--days N [--seed S] [--scale demo|region] [--start YYYY-MM-DD] [--mode lake|api] [--write-from YYYY-MM-DD]',
  options: {
    days: { type: 'string', description: 'days to simulate (required)' },
    seed: { type: 'string', description: 'random seed (default 1)' },
    scale: { type: 'string', description: 'demo (3 ATS, 30 clinics; default) or region (8 ATS, ~5,000 clinics)' },
    start: { type: 'string', description: 'first simulated day (default: N days before today, so the history ends today)' },
    mode: { type: 'string', description: 'lake (write events straight to $CUPOLA_DATA_DIR/lake; default) or api' },
    'write-from': { type: 'string', description: 'simulate from --start but write only days from this date (append one more day)' },
    load: { type: 'string', description: 'demand multiplier (default 1: demand close to the supply)' },
  },
  async run(v) {
    const days = Number(v.days);
    if (!Number.isInteger(days) || days < 1 || days > 546) throw new Error("--days must be an integer 1..546");
    const seed = v.seed === undefined ? 1 : Number(v.seed);
    if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
    const scale = (v.scale ?? 'demo') as string;
    if (scale !== 'demo' && scale !== 'region') throw new Error("--scale must be 'demo' or 'region'");
    const mode = (v.mode ?? 'lake') as string;
    if (mode === 'api') {
      console.error('--mode api is not available yet: use --mode lake (events identical in shape to the engine\'s, written to the lake)');
      return 2;
    }
    if (mode !== 'lake') throw new Error("--mode must be 'lake' or 'api'");
    // region scale keeps millions of appointments in memory: re-run with a larger heap when the default is small
    if (scale === 'region' && getHeapStatistics().heap_size_limit < 8 * 2 ** 30 && !process.env.CUPOLA_SIMULATE_CHILD) {
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
