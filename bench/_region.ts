/** Shared set-up of the booking and search benchmarks: a region-scale database, patients, prescriptions, engines. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPg } from '../engine/src/store/db.pg.ts';
import { migrate } from '../engine/src/store/migrate.ts';
import { runSeed } from '../engine/src/cli/seed-command.ts';
import { cfCheckCharacter } from '../engine/src/domain/patient/codice-fiscale.ts';
import { addDays, utcToLocal } from '../engine/src/domain/time/rome-time.ts';
import { mintToken } from '../engine/src/http/auth.ts';
import type { Db } from '../engine/src/store/db.ts';
import { ROOT, startPg } from './_util.ts';

export const SECRET = 'bench-secret-0123456789-abcdefghijkl';

/** A region-scale database seeded from today (kept between runs; reseeded when its slots are in the past or its size differs). */
export async function regionDb(name: string, weeks: number): Promise<{ db: Db; url: string }> {
  const admin = startPg();
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  const exists = (await c.query(`select 1 from pg_database where datname = $1`, [name])).rowCount;
  if (!exists) await c.query(`create database ${name}`);
  await c.end();
  const url = admin.replace(/\/postgres$/, `/${name}`);
  const db = openPg(url, { max: 4 });
  await migrate(db);
  const today = utcToLocal(new Date()).date;
  const marker = await db.query<{ weeks: number; start: string }>(`select (attrs->>'benchWeeks')::int as weeks, attrs->>'benchStart' as start from org_unit where id = 'region-030'`).catch(() => []);
  if (!marker[0] || marker[0].weeks !== weeks || marker[0].start !== today) {
    console.log(`seeding ${name}: region scale, ${weeks} weeks from ${today} (once; kept for later runs)…`);
    const r = await runSeed(db, { scale: 'region', seed: 42, startDate: today, weeks }, { reset: true, quiet: true });
    console.log(r.line);
    await db.query(`update org_unit set attrs = attrs || $1 where id = 'region-030'`, [JSON.stringify({ benchWeeks: weeks, benchStart: today })]);
  }
  return { db, url };
}

const LETTERS = 'BCDFGHLMNPRSTVZ';
export function benchCf(i: number): string {
  const n = (k: number) => LETTERS[Math.floor(i / 15 ** k) % 15]!;
  const first15 = `${n(0)}${n(1)}${n(2)}${n(3)}${n(4)}${n(5)}${String(40 + (i % 50)).padStart(2, '0')}A01F205`;
  return first15 + cfCheckCharacter(first15);
}

/**
 * Bench patients (resident in each ATS in turn) with one prescription line each for the given services
 * (class mix U 5%, B 20%, D 35%, P 40%). Bulk-loaded with COPY; returns [patientId, lineId] pairs.
 */
export async function benchPatients(db: Db, count: number, serviceIds: string[]): Promise<{ patientId: string; lineId: string; serviceId: string }[]> {
  // the last run's rows go children first, with the foreign-key triggers off (session_replication_role): each
  // check would scan a table whose referencing column has no index (appointment.search_id, for one), which made
  // this clean-up quadratic, minutes after a run of 100k bookings
  await db.exec(`begin; set local session_replication_role = replica;
    delete from reminder; delete from waitlist_entry; delete from idempotency_key;
    delete from appointment where patient_id like 'bpat-%'; update slot set booked = 0 where booked > 0;
    delete from availability_search; delete from prescription_line where id like 'brx-%'; delete from prescription where id like 'brx-%';
    delete from patient where id like 'bpat-%'; delete from outbox where type like 'appointment.%' or type = 'availability.searched'; commit`);
  const ats = (await db.query<{ id: string }>(`select id from org_unit where level = 'ats' order by id`)).map((r) => r.id);
  const today = utcToLocal(new Date()).date;
  const out: { patientId: string; lineId: string; serviceId: string }[] = [];
  const patients: unknown[][] = [];
  const rx: unknown[][] = [];
  const lines: unknown[][] = [];
  for (let i = 0; i < count; i++) {
    const pid = `bpat-${i}`;
    const cls = ['U', 'B', 'B', 'B', 'B', 'D', 'D', 'D', 'D', 'D', 'D', 'D', 'P', 'P', 'P', 'P', 'P', 'P', 'P', 'P'][i % 20];
    const svc = serviceIds[i % serviceIds.length]!;
    patients.push([pid, benchCf(i), 'cf', '1970-01-01', 'M', ats[i % ats.length], '+39 333 0000000', JSON.stringify({ reminders: true })]);
    rx.push([`brx-${i}`, `0300B${String(i).padStart(10, '0')}`, pid, addDays(today, -3), addDays(today, 180), cls, 'bench']);
    lines.push([`brx-${i}-1`, `brx-${i}`, 1, svc, 1, 'first']);
    out.push({ patientId: pid, lineId: `brx-${i}-1`, serviceId: svc });
  }
  await db.copyRows('patient', ['id', 'cf', 'cf_kind', 'birth_date', 'sex', 'residence_ats', 'phone', 'consent'], patients);
  await db.copyRows('prescription', ['id', 'nre', 'patient_id', 'prescribed_on', 'expires_on', 'priority', 'diagnostic_question'], rx);
  await db.copyRows('prescription_line', ['id', 'prescription_id', 'line_no', 'service_id', 'quantity', 'access_type'], lines);
  // earlier runs leave dead slot versions behind (every booking moves a row out of the free-slot index): clean them
  // up as autovacuum eventually would, so that each run starts from the same state
  await db.exec('vacuum (analyze) slot, appointment, prescription_line, availability_search, outbox');
  return out;
}

/** Services with the most first-access agendas (the busy ones). */
export async function busyServices(db: Db, n: number): Promise<string[]> {
  const r = await db.query<{ service_id: string }>(
    `select x.service_id from agenda_service x join agenda a on a.id = x.agenda_id where a.access_type = 'first' and a.status = 'active'
     group by x.service_id order by count(*) desc limit $1`, [n]);
  return r.map((x) => x.service_id);
}

export async function startEngines(url: string, n: number, basePort: number): Promise<{ urls: string[]; pids: number[]; stop: () => void }> {
  // CUPOLA_BENCH_PORT overrides the base port (several people benchmarking on one machine)
  const base = Number(process.env.CUPOLA_BENCH_PORT ?? basePort);
  const dataDir = mkdtempSync(join(tmpdir(), 'cupola-bench-'));
  const procs: ChildProcess[] = [];
  const urls: string[] = [];
  for (let i = 0; i < n; i++) {
    const port = base + i;
    // an engine already answering there (someone else's) would be measured instead of ours
    const taken = await fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false);
    if (taken) throw new Error(`port ${port} already serves an engine: set CUPOLA_BENCH_PORT to a free base port`);
    // CUPOLA_BENCH_NODE_ARGS: extra node flags for the engines (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")
    const nodeArgs = (process.env.CUPOLA_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    procs.push(spawn(process.execPath, [...nodeArgs, `${ROOT}bin/cupola.js`, 'serve', '--port', String(port)], {
      env: { ...process.env, DATABASE_URL: url, CUPOLA_JWT_SECRET: SECRET, CUPOLA_DATA_DIR: dataDir }, stdio: ['ignore', 'ignore', 'inherit'],
    }));
    urls.push(`http://127.0.0.1:${port}`);
  }
  for (const u of urls) {
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`${u}/health`)).ok) break;
      } catch { /* starting */ }
      if (Date.now() > until) throw new Error(`engine ${u} did not start`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return { urls, pids: procs.map((p) => p.pid!), stop: () => procs.forEach((p) => p.kill('SIGTERM')) };
}

export const operatorToken = () => mintToken(SECRET, { sub: 'bench-operator', role: 'cup-operator' });

