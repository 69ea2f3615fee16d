import { loadConfig } from '../config.ts';
import { utcToLocal } from '../domain/time/rome-time.ts';
import type { Db } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';
import { openDb } from '../store/open.ts';
import { loadReference } from '../../../simulator/src/reference.ts';
import { planRegion, summarizePlan, type Scale } from '../../../simulator/src/region-plan.ts';
import { seedRegion } from '../../../simulator/src/seed.ts';
import type { Command } from './args.ts';
import { progressBar } from './progress.ts';

export interface SeedRun {
  scale: Scale;
  seed: number;
  startDate: string;
  weeks?: number | undefined;
}

export async function regionExists(db: Db): Promise<boolean> {
  return (await db.query(`select 1 from org_unit where level = 'region' limit 1`)).length > 0;
}

const SLOT_INDEXES_DROP = `alter table slot drop constraint slot_agenda_id_start_at_key; drop index slot_free_idx;`;
const SLOT_INDEXES_CREATE = `alter table slot add constraint slot_agenda_id_start_at_key unique (agenda_id, start_at);
  create index slot_free_idx on slot(agenda_id, start_at) where status = 'open' and booked < capacity;`;

const TABLES = 'appointment, slot, agenda_closure, agenda_template, agenda_service, agenda, service_code, service, branch, org_unit, outbox';

/** Seeds a synthetic region in one transaction, with progress on stderr; returns the summary line. */
export async function runSeed(db: Db, run: SeedRun, opts: { reset?: boolean; quiet?: boolean } = {}) {
  const t0 = performance.now();
  const plan = planRegion({ scale: run.scale, seed: run.seed, startDate: run.startDate, ...(run.weeks ? { weeks: run.weeks } : {}) }, loadReference());
  const summary = summarizePlan(plan);
  const bar = opts.quiet ? null : progressBar('seed');
  const result = await db.transaction(async (tx) => {
    if (opts.reset) await tx.exec(`truncate ${TABLES} restart identity cascade`);
    else if ((await tx.query(`select 1 from org_unit limit 1`)).length) throw new Error('the store already holds a region; use --reset to replace it');
    // Bulk load: build the slot indexes once after COPY instead of maintaining them row by row.
    await tx.exec(SLOT_INDEXES_DROP);
    // The plan is consistent by construction: skip per-row foreign-key triggers during the bulk load.
    await tx.exec(`set local session_replication_role = replica`);
    const out = await seedRegion(tx, plan, { onProgress: (d, t, p) => bar?.update(d, t, p) });
    bar?.update(0, 1, 'slot indexes');
    await tx.exec(`set local session_replication_role = origin`);
    await tx.exec(SLOT_INDEXES_CREATE);
    bar?.update(1, 1, 'slot indexes');
    return out;
  });
  bar?.stop();
  await db.exec('analyze');
  const seconds = (performance.now() - t0) / 1000;
  const slots = result.rows.slot;
  return {
    seconds,
    slots,
    summary,
    line:
      `seed: ${run.scale} scale, seed ${run.seed}, from ${run.startDate}: ${summary.ats} ATS, ${summary.providers.total} providers ` +
      `(${summary.providers.public} public, ${summary.providers.private} private), ${summary.sites} sites, ${summary.clinics} clinics, ` +
      `${summary.agendas.total} agendas, ${summary.services} services, ${slots.toLocaleString('en')} slots in ${seconds.toFixed(1)} s ` +
      `(${Math.round(slots / seconds).toLocaleString('en')} slots/s) on ${db.kind}`,
  };
}

export const seedCommand: Command = {
  name: 'seed',
  summary: 'load a deterministic synthetic region (organisations, catalogue, agendas, slots)',
  usage: '[--scale demo|region] [--seed N] [--start YYYY-MM-DD] [--weeks N] [--reset]',
  options: {
    scale: { type: 'string', description: 'demo (seconds) or region (Lombardy-like, ~5M slots); default demo' },
    seed: { type: 'string', description: 'random seed (default 1): same seed and start → same region' },
    start: { type: 'string', description: 'first day of the slots (default today, Europe/Rome)' },
    weeks: { type: 'string', description: 'weeks of slots (default 4 demo, 13 region)' },
    reset: { type: 'boolean', description: 'replace whatever the store holds' },
  },
  async run(v) {
    const scale = (v.scale ?? 'demo') as Scale;
    if (scale !== 'demo' && scale !== 'region') {
      console.error('--scale must be demo or region');
      return 2;
    }
    const seed = Number(v.seed ?? 1);
    const weeks = v.weeks === undefined ? undefined : Number(v.weeks);
    if (!Number.isInteger(seed) || (weeks !== undefined && (!Number.isInteger(weeks) || weeks < 1 || weeks > 104))) {
      console.error('--seed must be an integer and --weeks an integer 1-104');
      return 2;
    }
    const startDate = (v.start as string | undefined) ?? utcToLocal(new Date()).date;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(startDate)) {
      console.error('--start must be YYYY-MM-DD');
      return 2;
    }
    const db = await openDb(loadConfig());
    try {
      await migrate(db);
      const r = await runSeed(db, { scale, seed, startDate, weeks }, { reset: !!v.reset });
      console.log(r.line);
    } finally {
      await db.close();
    }
  },
};
