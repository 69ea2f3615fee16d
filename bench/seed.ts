/**
 * bench seed: region-scale seeding (≈5M slots, 13 weeks) on a real PostgreSQL server and on embedded PGlite.
 * Limit (issue): the region in under 5 minutes on this 2-core machine. --quick: 1 week of the region.
 */
import pg from 'pg';
import { openPg } from '../engine/src/store/db.pg.ts';
import { openPglite } from '../engine/src/store/db.pglite.ts';
import { migrate } from '../engine/src/store/migrate.ts';
import { runSeed } from '../engine/src/cli/seed-command.ts';
import type { Db } from '../engine/src/store/db.ts';
import { printJson, quick, round, startPg } from './_util.ts';

const LIMIT_S = 300;
const weeks = quick ? 1 : 13;
const run = { scale: 'region' as const, seed: 42, startDate: '2026-03-02', weeks };

async function seedOn(db: Db) {
  await migrate(db);
  const r = await runSeed(db, run, { quiet: true });
  console.log(r.line);
  return r;
}

const admin = startPg();
const c = new pg.Client({ connectionString: admin });
await c.connect();
await c.query('drop database if exists cupola_bench_seed with (force)');
await c.query('create database cupola_bench_seed');
await c.end();
const pgDb = openPg(admin.replace(/\/postgres$/, '/cupola_bench_seed'));
console.log(`seeding the region (${weeks} weeks) on PostgreSQL…`);
const onPg = await seedOn(pgDb);
await pgDb.close();

console.log(`seeding the region (${weeks} weeks) on PGlite (in memory)…`);
const lite = await openPglite();
const onLite = await seedOn(lite);
await lite.close();

console.log(`PostgreSQL: ${onPg.slots} slots in ${round(onPg.seconds, 1)} s = ${Math.round(onPg.slots / onPg.seconds)} slots/s (limit ${LIMIT_S} s, ratio ${round(onPg.seconds / LIMIT_S)})`);
console.log(`PGlite:     ${onLite.slots} slots in ${round(onLite.seconds, 1)} s = ${Math.round(onLite.slots / onLite.seconds)} slots/s (limit ${LIMIT_S} s, ratio ${round(onLite.seconds / LIMIT_S)})`);
printJson({
  bench: 'seed', quick, weeks, slots: onPg.slots, slots_per_s: Math.round(onPg.slots / onPg.seconds), region_s: round(onPg.seconds, 1),
  pglite_slots_per_s: Math.round(onLite.slots / onLite.seconds), pglite_region_s: round(onLite.seconds, 1), limit_s: LIMIT_S,
  ratio: round(onPg.seconds / LIMIT_S), pglite_ratio: round(onLite.seconds / LIMIT_S),
});
