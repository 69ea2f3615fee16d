/**
 * Writes simulated demand straight into the Parquet lake through the pipelines' own modules (validate →
 * pseudonymise → Arrow → Parquet), so the files have exactly the shape the live sink writes:
 * <lake>/<topic>/date=YYYY-MM-DD/part-sim-<seed>-<date>.parquet, one file per topic and day. Re-running with the
 * same seed overwrites the same files (no duplicates); `writeFrom` skips the days before a date, to append one
 * more day to an existing history.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { topicOf } from '../../engine/src/events/envelope.ts';
import { validateEvent } from '../../pipelines/src/transforms/validate.ts';
import { pseudonymise, type LakeEvent } from '../../pipelines/src/transforms/pseudonymise.ts';
import { partitionDate, toArrowTable } from '../../pipelines/src/transforms/to-arrow.ts';
import { ParquetWriter } from '../../pipelines/src/sinks/parquet-writer.ts';
import { DemandSimulation, type DemandCounters, type MaxWaitDays } from './demand-sim.ts';
import { planRegion, type Scale } from './region-plan.ts';
import { defaultReferenceDir, loadReference } from './reference.ts';
import { BOOKING_HORIZON_DAYS } from './demand-sim.ts';

/** Rows per Parquet file written by the simulator. */
const FILE_ROWS = 250_000;

export interface SimulateLakeOptions {
  scale: Scale;
  seed: number;
  days: number;
  startDate: string;
  lakeDir: string;
  pseudonymKey: string;
  /** first date written (earlier days are simulated but not written) */
  writeFrom?: string;
  load?: number;
  onDay?: (done: number, total: number) => void;
}

export interface SimulateLakeResult extends DemandCounters {
  written: number;
  invalid: number;
  files: number;
  firstDate: string;
  lastDate: string;
}

export function loadMaxWaitDays(dir: string = defaultReferenceDir()): MaxWaitDays {
  const raw = JSON.parse(readFileSync(join(dir, 'priority-classes.json'), 'utf8')) as { classes: Record<string, { maxWaitDays: Record<string, number> }> };
  const out: Record<string, Record<string, number>> = {};
  for (const c of ['U', 'B', 'D', 'P']) {
    const m = raw.classes[c]?.maxWaitDays;
    if (!m) throw new Error(`priority-classes.json lacks class ${c}`);
    out[c] = m;
  }
  return out as unknown as MaxWaitDays;
}

export async function simulateToLake(opts: SimulateLakeOptions): Promise<SimulateLakeResult> {
  const ref = loadReference();
  // always the longest plan, so that the region (agenda validity, closures) does not depend on the number of days
  const weeks = 104;
  if (opts.days + BOOKING_HORIZON_DAYS > weeks * 7) throw new RangeError(`at most ${weeks * 7 - BOOKING_HORIZON_DAYS} days`);
  const plan = planRegion({ scale: opts.scale, seed: opts.seed, startDate: opts.startDate, weeks }, ref);
  const sim = new DemandSimulation(plan, { seed: opts.seed, days: opts.days, maxWaitDays: loadMaxWaitDays(), ...(opts.load ? { load: opts.load } : {}) });
  const writer = await ParquetWriter.open();
  let written = 0;
  let invalid = 0;
  let files = 0;
  let firstDate = '';
  let lastDate = '';
  try {
    for (const day of sim.days()) {
      lastDate = day.date;
      firstDate ||= day.date;
      opts.onDay?.(day.index + 1, opts.days);
      if (opts.writeFrom && day.date < opts.writeFrom) continue;
      const byTopic = new Map<string, LakeEvent[]>();
      for (const ev of day.events) {
        const v = validateEvent(ev);
        if (!v.ok) {
          invalid++;
          continue;
        }
        const topic = topicOf(ev.aggregate_type);
        const lake = pseudonymise(v.event, topic, opts.pseudonymKey);
        const key = `${topic}/date=${partitionDate(lake.occurred_at)}`;
        (byTopic.get(key) ?? byTopic.set(key, []).get(key)!).push(lake);
      }
      // deterministic ingestion time: the end of the simulated day
      const ingestedAt = Date.parse(`${day.date}T23:00:00Z`);
      for (const [key, events] of [...byTopic].sort(([a], [b]) => a.localeCompare(b))) {
        // large days (the go-live backlog at region scale) are split so that no Arrow table gets too big
        for (let k = 0; k * FILE_ROWS < events.length; k++) {
          const path = join(opts.lakeDir, key, `part-sim-${opts.seed}-${day.date}${k ? `-${k}` : ''}.parquet`);
          written += await writer.write([toArrowTable(events.slice(k * FILE_ROWS, (k + 1) * FILE_ROWS), ingestedAt)], path);
          files++;
        }
      }
    }
  } finally {
    writer.close();
  }
  return { ...sim.counters, written, invalid, files, firstDate, lastDate };
}
