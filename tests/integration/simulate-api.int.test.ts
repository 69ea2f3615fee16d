/**
 * `cupola simulate --mode api`: the demand model driven through the engine's HTTP routes on a simulated clock, the
 * outbox relayed into the lake. A short history at a small load, run twice on the same store (the second with
 * --reset) to show that the same seed sends the same requests and gets the same outcome.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateThroughApi, type SimulateApiResult } from '../../engine/src/cli/simulate-api.ts';
import type { Db } from '../../engine/src/store/db.ts';
import { openTestDb, TEST_SECRET } from './harness.ts';
import { readLake } from './stream-harness.ts';

const RUN = { scale: 'demo', seed: 11, days: 8, start: '2026-03-02', load: 0.03, quiet: true } as const;

/** Appointments by status and outcome, prescriptions, patients and the outbox: what a run leaves in the engine. */
async function storeCounts(db: Db) {
  const rows = await db.query<{ k: string; n: number }>(
    `select status || coalesce(':' || outcome_reason, '') || coalesce(':' || cancel_reason, '') || case when late_cancel then ':late' else '' end as k,
            count(*)::int as n from appointment group by 1
     union all select 'prescription', count(*)::int from prescription
     union all select 'patient', count(*)::int from patient
     union all select 'outbox', count(*)::int from outbox
     union all select 'outbox_unpublished', count(*)::int from outbox where published_at is null
     order by 1`);
  return Object.fromEntries(rows.map((r) => [r.k, r.n]));
}

const countBy = <T>(xs: readonly T[], key: (x: T) => string) => {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
};

const withoutTiming = ({ engine: _e, lakeDir: _l, files: _f, seedLine, ...r }: SimulateApiResult) => ({ ...r, seedLine: seedLine?.replace(/ in [\d.]+ s .*$/, '') });

// The driver runs twice here on embedded PGlite (the default store); the command test below runs it on PostgreSQL.
describe('cupola simulate --mode api on the embedded store', () => {
  const store = 'pglite';
  let db: Db;
  const dirs: string[] = [];
  let first: SimulateApiResult;
  let second: SimulateApiResult;
  let firstCounts: Record<string, number>;
  let secondCounts: Record<string, number>;
  let firstLake: Record<string, unknown>[];
  let secondLake: Record<string, unknown>[];
  let patients: { codice_fiscale: string; first_name: string; last_name: string; phone: string }[];

  const firstCalls: string[] = [];
  const secondCalls: string[] = [];
  /** Requests as sent, with the ids the engine generates (uuid-based) replaced by their order of appearance in the run. */
  const record = (log: string[]) => {
    const ids = new Map<string, string>();
    return (method: string, path: string, body: unknown, status: number) =>
      log.push(`${method} ${path} ${JSON.stringify(body ?? null)} → ${status}`.replace(/\b(pat|rx|appt|srch)-[0-9a-f-]{20,}/g, (id) =>
        ids.get(id) ?? ids.set(id, `#${ids.size}`).get(id)!));
  };
  const env = (dir: string) => ({ ...process.env, CUPOLA_DATA_DIR: dir, CUPOLA_PSEUDONYM_KEY: 'sim-api-test-key', CUPOLA_JWT_SECRET: TEST_SECRET, DATABASE_URL: '' });

  beforeAll(async () => {
    db = await openTestDb(store);
    for (let k = 0; k < 2; k++) dirs.push(await mkdtemp(join(tmpdir(), `cupola-sim-api-${k}-`)));
    first = await simulateThroughApi({ ...RUN, db, env: env(dirs[0]!), onCall: record(firstCalls) });
    firstCounts = await storeCounts(db);
    patients = await db.query(`select cf as codice_fiscale, first_name, last_name, phone from patient`);
    firstLake = await readLake(join(dirs[0]!, 'lake'));
    second = await simulateThroughApi({ ...RUN, db, env: env(dirs[1]!), reset: true, onCall: record(secondCalls) });
    secondCounts = await storeCounts(db);
    secondLake = await readLake(join(dirs[1]!, 'lake'));
  }, 300_000); // about 30 s on an idle machine; the margin is for a busy one
  afterAll(async () => {
    await db?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('books, cancels, delivers and records no-shows through the API, and the store agrees with what the driver saw', () => {
    expect(first.bookings).toBeGreaterThan(10);
    expect(first.followUps).toBeGreaterThan(0);
    expect(first.cancellations).toBeGreaterThan(0);
    expect(first.noShows).toBeGreaterThan(0);
    expect(first.delivered).toBeGreaterThan(0);
    expect(first.refused).toEqual({});
    const c = firstCounts;
    expect(c['prescription']).toBe(first.prescriptions + first.followUpPrescriptions);
    expect(c['delivered'] ?? 0).toBe(first.delivered);
    expect(c['not_delivered:no_show'] ?? 0).toBe(first.noShows);
    expect((c['cancelled:patient'] ?? 0) + (c['cancelled:patient:late'] ?? 0)).toBe(first.cancellations);
    expect(c['cancelled:patient:late'] ?? 0).toBe(first.lateCancellations);
    expect(c['outbox_unpublished']).toBe(0);
  });

  it('relays every outbox event into the lake: one booked or held event per appointment, the outcomes as the store has them', async () => {
    const types = countBy(firstLake, (e) => String(e.type));
    const appointments = Object.entries(firstCounts).filter(([k]) => /^(held|booked|cancelled|checked_in|delivered|not_delivered)/.test(k)).reduce((s, [, n]) => s + n, 0);
    expect((types['appointment.booked'] ?? 0) + (types['appointment.held'] ?? 0)).toBe(appointments);
    expect(types['appointment.delivered'] ?? 0).toBe(first.delivered);
    expect(types['appointment.not_delivered'] ?? 0).toBe(first.noShows + first.providerCancelled);
    expect(types['appointment.cancelled'] ?? 0).toBe(first.cancellations);
    expect(types['prescription.registered']).toBe(firstCounts['prescription']);
    expect(types['availability.searched']).toBeGreaterThan(0);
    expect(types['payment.no_show_penalty_due'] ?? 0).toBe(first.noShows);
    // the engine's sweeper ran on the simulated clock: reminders fell due and were sent
    expect(types['appointment.reminder_due'] ?? 0).toBeGreaterThan(0);
    expect(firstLake.length).toBe(first.written);
    expect(first.written).toBe(firstCounts['outbox']! + first.offerEvents!);
    // the seeded region's offer is in the lake as the lake mode writes it, so the marts' dimensions join
    for (const t of ['service.created', 'org_unit.created', 'agenda.created', 'agenda.slots_generated']) expect(types[t], t).toBeGreaterThan(0);
    const agendas = new Set(firstLake.filter((e) => e.type === 'agenda.created').map((e) => e.aggregate_id));
    const bookedOn = firstLake.filter((e) => e.type === 'appointment.booked').map((e) => JSON.parse(String(e.payload)).agenda_id as string);
    expect(bookedOn.filter((a) => !agendas.has(a))).toEqual([]);
    // the events are dated on the simulated days, not on the day the test runs
    const dates = new Set(firstLake.map((e) => String(e.occurred_at).slice(0, 10)));
    expect([...dates].every((d) => d >= '2026-03-01' && d <= '2026-03-09')).toBe(true);
  });

  it('lets no codice fiscale, name or phone number reach the lake', () => {
    expect(patients.length).toBeGreaterThan(10);
    // every column as written (the payload column is JSON text: a name would appear in it as a quoted value)
    const text = firstLake.map((row) => Object.values(row).map(String).join('\u0001')).join('\n');
    expect(text).toContain('"agenda_id"');
    const leaks = patients.filter((p) => text.includes(p.codice_fiscale) || text.includes(`"${p.last_name}"`) || text.includes(`"${p.first_name}"`) || text.includes(p.phone));
    expect(leaks).toEqual([]);
  });

  it('sends the same requests for the same seed, in the same order, and gets the same answers', () => {
    expect(firstCalls.length).toBe(first.calls);
    expect(firstCalls.some((c) => c.startsWith('POST /appointments/#'))).toBe(true);
    expect(secondCalls).toEqual(firstCalls);
  });

  it('gives the same outcome for the same seed: counts, store rows and lake events per type', () => {
    expect(withoutTiming(second)).toEqual(withoutTiming(first));
    expect(secondCounts).toEqual(firstCounts);
    expect(countBy(secondLake, (e) => `${String(e.type)} ${String(e.occurred_at).slice(0, 10)}`)).toEqual(
      countBy(firstLake, (e) => `${String(e.type)} ${String(e.occurred_at).slice(0, 10)}`));
  });
});

describe('the simulate command in api mode', () => {
  const cli = (args: string[], env: Record<string, string>) =>
    promisify(execFile)(process.execPath, ['bin/cupola.js', ...args], { env: { ...process.env, ...env }, timeout: 120_000 });

  it('says in its help what the api mode does and that a remote engine runs on real time', async () => {
    const { stdout } = await cli(['simulate', '--help'], {});
    expect(stdout).toContain('--mode <value>');
    expect(stdout).toMatch(/api: send the demand through the engine HTTP API/);
    expect(stdout).toMatch(/--url <value> +api mode: drive a running engine instead .* Its clock is real time/);
  });

  it('seeds the store it is given, prints one summary line a script can parse, and refuses a store that already holds a region', async () => {
    // on PostgreSQL (DATABASE_URL): the command is the same, the embedded store only starts slower
    const db = await openTestDb('pg');
    const dir = await mkdtemp(join(tmpdir(), 'cupola-sim-api-cli-'));
    const env = { CUPOLA_DATA_DIR: dir, DATABASE_URL: db.url! };
    try {
      const { stdout } = await cli(['simulate', '--mode', 'api', '--days', '2', '--start', '2026-03-02', '--load', '0.02', '--seed', '5'], env);
      const last = stdout.trim().split('\n').pop()!;
      expect(last).toMatch(/^simulated 2 days through the API \(2026-03-02\.\.2026-03-03, engine in-process on pg, scale demo, seed 5, load 0\.02\): \d+ prescriptions, [1-9]\d* first-access bookings/);
      const m = / (\d+) events in (\d+) files under (\S+)\/lake \((\d+) of them the seeded region's offer, 0 dead letters\)/.exec(last);
      expect(m?.[3]).toBe(dir);
      const published = (await db.query<{ n: number }>(`select count(*)::int as n from outbox where published_at is not null`))[0]!.n;
      expect(published).toBeGreaterThan(0);
      expect(Number(m?.[4])).toBeGreaterThan(0);
      expect(Number(m?.[1])).toBe(published + Number(m?.[4]));
      await expect(cli(['simulate', '--mode', 'api', '--days', '2', '--start', '2026-03-02'], env)).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--reset') });
      await expect(cli(['simulate', '--mode', 'api', '--days', '2', '--write-from', '2026-03-03'], env)).rejects.toMatchObject({ code: 1 });
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
