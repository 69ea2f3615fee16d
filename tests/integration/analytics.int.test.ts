/**
 * Analytics end to end on simulated data: `cupola simulate` (demo scale, 5 weeks) → lake → `dbt build` (all data
 * tests and contracts) and `dbt source freshness` → the Observable Framework build (offline) → every page in headless
 * Chromium (Debian package, playwright-core), with charts rendered from data, no console errors, screenshots under
 * test-results/dashboards/, and the live tile following a booking made through the engine's HTTP API (the engine as
 * `cupola up` runs it: in-process relay and sink, live state over SSE — on embedded PGlite and on PostgreSQL).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { chromium, type Browser } from 'playwright-core';
import { simulateToLake, type SimulateLakeResult } from '../../simulator/src/demand-lake.ts';
import { addDays, utcToLocal } from '../../engine/src/domain/time/rome-time.ts';
import { startDashboardsServer, type DashboardsServer } from '../../engine/src/cli/dashboards-server.ts';
import { DbtWorker } from '../../engine/src/cli/dbt-worker.ts';
import { buildPages, refreshMarts } from '../../engine/src/cli/marts-refresh.ts';
import { loadConfig } from '../../engine/src/config.ts';
import { mintToken } from '../../engine/src/http/auth.ts';
import { startServer } from '../../engine/src/server.ts';
import { loadStreamConfig } from '../../pipelines/src/config.ts';
import { startPlatformStream } from '../../pipelines/src/stream.ts';
import { writeParquet } from '../../forecasting/src/jobs/io.ts';
import { DEMAND_FORECAST_COLUMNS } from '../../forecasting/src/jobs/forecast-runner.ts';
import { openTestDb, STORES, TEST_SECRET, type StoreKind } from './harness.ts';
import { buildTree, post, prescribe, registerPatient, seedRegionRoot } from './fixtures.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dashboards/dist');
const SHOTS = join(ROOT, 'test-results/dashboards');
const PAGES = ['index', 'classi-priorita', 'prossima-disponibilita', 'obiettivi-volumi', 'saturazione', 'liste-attesa', 'no-show', 'domanda-offerta', 'allarmi'];
const DAYS = 35;

let dataDir: string;
let sim: SimulateLakeResult;
let dbt: { status: number | null; out: string };

function run(cmd: string, args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

async function sql(q: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(join(dataDir, 'warehouse.duckdb'), { access_mode: 'READ_ONLY' });
  const c = await db.connect();
  try {
    return (await c.runAndReadAll(q)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

/** Where fct_bookings' rows sit: those of slots from a week before its newest event on (recent) against the rest. */
async function bookingsLayout() {
  const [layout] = await sql(`with t as (select rowid as r, slot_date >= (select max(last_event_at)::date - 7 from fct_bookings) as recent, slot_date from fct_bookings)
    select count(*) filter (where recent)::integer as recent, count(*) filter (where not recent)::integer as older,
      (select max(r) from t where not recent) < (select min(r) from t where recent) as recent_last,
      (select bool_and(ordered) from (select slot_date >= lag(slot_date) over (order by r) as ordered from t where recent)) as recent_in_order
    from t`);
  return layout!;
}

/**
 * The engine as `cupola up` runs it — HTTP server on a migrated store (embedded PGlite, or a fresh database on the
 * PostgreSQL server of CUPOLA_TEST_PG_URL), the in-process relay and sink
 * and the live-state server (startPlatformStream) — with one clinic offering a cardiology visit on weekday mornings,
 * and a patient holding two first-access prescription lines (class D and class B). Nothing is booked yet.
 */
async function startLiveEngine(store: StoreKind = 'pglite') {
  const streamDir = mkdtempSync(join(tmpdir(), 'cupola-live-'));
  const db = await openTestDb(store);
  const { app, url } = await startServer(db, loadConfig({ PORT: '0', HOST: '127.0.0.1', CUPOLA_DATA_DIR: streamDir, CUPOLA_JWT_SECRET: TEST_SECRET }));
  const stream = await startPlatformStream(db, loadStreamConfig({ CUPOLA_DATA_DIR: streamDir, CUPOLA_LIVE_PORT: '0', CUPOLA_PSEUDONYM_KEY: 'analytics-test-key' }));
  const bearer = async (role: 'region-admin' | 'cup-operator') => ({ authorization: `Bearer ${await mintToken(TEST_SECRET, { sub: `test-${role}`, role })}` });
  const admin = await bearer('region-admin');
  const op = await bearer('cup-operator');
  const now = new Date();
  const day = (plus: number) => new Date(now.getTime() + plus * 86_400_000).toISOString().slice(0, 10);
  await seedRegionRoot(db);
  const ids = await buildTree(app, admin);
  await app.inject({ method: 'PATCH', url: `/org-units/${ids.site}`, headers: admin, payload: { attrs: { channels: ['desk', 'web'] } } });
  const templates = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '08:00', end: '12:00', slotMinutes: 30, capacity: 1 }));
  const a = await post(app, '/agendas', admin, { id: 'ag-live', clinicId: ids.clinic, name: 'live', accessType: 'first', validFrom: day(-1), validTo: day(90), services: [ids.cardio], templates, attrs: {} });
  if (a.statusCode !== 201) throw new Error(a.body);
  const g = await post(app, '/agendas/ag-live/slots/generate', admin, { from: day(1), to: day(40) });
  if (g.statusCode !== 200) throw new Error(g.body);
  const patient = await registerPatient(app, op, 7, ids.ats);
  const lineD = await prescribe(app, op, patient, 4242, ids.cardio, 'D', day(0));
  const lineB = await prescribe(app, op, patient, 4243, ids.cardio, 'B', day(0));
  /** A POST to the engine over HTTP (not app.inject), as a booking channel would make it. */
  const api = async (path: string, body: unknown) => {
    const r = await fetch(`${url}${path}`, { method: 'POST', headers: { ...op, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const outboxCount = async () => (await db.query<{ n: number }>('select count(*)::int as n from outbox'))[0]!.n;
  return {
    url, liveUrl: stream.liveUrl, patient, lineD, lineB, api, outboxCount,
    async stop() {
      await app.close();
      await stream.stop();
      await db.close();
      rmSync(streamDir, { recursive: true, force: true });
    },
  };
}

/**
 * A demand forecast file as `cupola forecast predict` writes it (same columns, same lake folder), for every series of
 * ml_demand_weekly: 12 weeks from the week after the last complete one, P50 = the series' mean weekly demand times
 * `factor`, P10 = 0.8 × P50, P90 = 1.25 × P50. (Training the real model needs 48 weeks of history; this suite has 5.)
 */
async function writeDemandForecast(modelId: string, generatedAt: string, factor: number): Promise<number> {
  const series = await sql(`select service_id, ats_id, priority, avg(demand)::double as mean,
      ((select max(week_start) from ml_demand_weekly) + 7)::varchar as origin from ml_demand_weekly group by service_id, ats_id, priority`);
  const week = (origin: string, h: number) => new Date(Date.parse(`${origin}T00:00:00Z`) + 7 * h * 86_400_000).toISOString().slice(0, 10);
  const rows = series.flatMap((r) => Array.from({ length: 12 }, (_, h) => {
    const p50 = (r.mean as number) * factor;
    return { model_id: modelId, generated_at: generatedAt, backend: 'cpu', origin_week: r.origin, week_start: week(r.origin as string, h), horizon: h + 1,
      service_id: r.service_id, ats_id: r.ats_id, priority: r.priority, service_kind: 'visit', p10: 0.8 * p50, p50, p90: 1.25 * p50 };
  }));
  return writeParquet(join(dataDir, 'lake/forecasts/demand', `date=${generatedAt.slice(0, 10)}`, `${modelId}.parquet`), DEMAND_FORECAST_COLUMNS, rows);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cupola-analytics-'));
  const today = utcToLocal(new Date()).date;
  sim = await simulateToLake({ scale: 'demo', seed: 1, days: DAYS, startDate: addDays(today, -DAYS + 1), lakeDir: join(dataDir, 'lake'), pseudonymKey: 'analytics-test-key' });
  dbt = run('scripts/dbt.sh', ['build'], { CUPOLA_DATA_DIR: dataDir });
}, 600_000);

afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('dbt on a simulated history', () => {
  it('the simulation writes every topic the dbt sources read, with no invalid event', () => {
    expect(sim.invalid).toBe(0);
    expect(sim.bookings).toBeGreaterThan(1000);
    for (const topic of ['booking', 'delivery', 'offer', 'prescription']) expect(existsSync(join(dataDir, 'lake', topic))).toBe(true);
  });

  it('dbt build passes every model, contract and data test', () => {
    expect(dbt.out).toMatch(/Completed successfully/);
    expect(dbt.out).toMatch(/ERROR=0/);
    expect(dbt.status).toBe(0);
  });

  it('the lake sources are fresh for a history ending today', () => {
    const r = run('scripts/dbt.sh', ['source', 'freshness'], { CUPOLA_DATA_DIR: dataDir });
    expect(r.out.match(/PASS freshness of lake\.\w+/g)?.length).toBe(4);
    expect(r.out).not.toMatch(/WARN freshness|ERROR STALE|ERROR freshness/);
    expect(r.status).toBe(0);
  });

  it('fct_bookings holds one row per booking the simulation made, with the ex-ante wait', async () => {
    const [row] = await sql(`select count(*)::integer as n, count(*) filter (where access_type = 'first')::integer as first,
      min(wait_days) filter (where access_type = 'first')::integer as min_wait from fct_bookings`);
    expect(row!.n).toBe(sim.bookings + sim.followUps);
    expect(row!.first).toBe(sim.bookings);
    expect(row!.min_wait as number).toBeGreaterThanOrEqual(1);
  });

  it('a full build lays out fct_bookings with the appointments of recent and future slots last, in slot date order', async () => {
    // the rows an incremental run merges onto then sit in the newest row groups (macros/layout.sql)
    const layout = await bookingsLayout();
    expect(layout.recent as number).toBeGreaterThan(100);
    expect(layout.older as number).toBeGreaterThan(100);
    expect(layout.recent_last).toBe(true);
    expect(layout.recent_in_order).toBe(true);
  });

  it('no-shows rise with the lead time, as simulated', async () => {
    const rows = await sql(`select lead_band, sum(no_shows)::double / sum(visits_due) as rate from mart_no_show
      where lead_band in ('0-7', '61-120') group by 1 order by min(min_lead_days)`);
    expect(rows.map((r) => r.lead_band)).toEqual(['0-7', '61-120']);
    expect(rows[1]!.rate as number).toBeGreaterThan(rows[0]!.rate as number);
  });

  it('the marts the dashboards read carry no patient column', async () => {
    const read = (readFileSync(join(ROOT, 'dashboards/src/data/warehouse.js'), 'utf8').match(/MARTS = new Set\(\[([^\]]+)\]/)?.[1] ?? '').match(/[a-z_]+/g) ?? [];
    expect(read.length).toBeGreaterThan(8);
    const present = await sql(`select distinct table_name from information_schema.columns where table_schema = 'main'`);
    expect(read.filter((t) => !present.some((p) => p.table_name === t))).toEqual([]);
    const rows = await sql(`select table_name, column_name from information_schema.columns where table_schema = 'main'
      and table_name in (${read.map((t) => `'${t}'`).join(', ')})
      and (column_name like 'patient%' or column_name in ('cf', 'nre', 'prescription_nre', 'appointment_id', 'birth_year'))`);
    expect(rows).toEqual([]);
  });

  it('without a forecast the forecast mart is empty and its data loader says there is none', async () => {
    const [row] = await sql('select count(*)::integer as n from mart_demand_forecast');
    expect(row!.n).toBe(0);
    const r = run(process.execPath, ['src/data/volume_forecast.json.js'], { CUPOLA_DATA_DIR: dataDir }, join(ROOT, 'dashboards'));
    expect(r.status, r.out).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ forecast: null, weeks: [] });
  });

  it('an incremental build after one more day adds its bookings and updates the outcomes of earlier ones', async () => {
    const [before] = await sql(`select count(*)::integer as n, count(*) filter (where is_delivered)::integer as delivered from fct_bookings`);
    const start = addDays(utcToLocal(new Date()).date, -DAYS + 1);
    const more = await simulateToLake({ scale: 'demo', seed: 1, days: DAYS + 1, startDate: start, writeFrom: addDays(start, DAYS), lakeDir: join(dataDir, 'lake'), pseudonymKey: 'analytics-test-key' });
    // a batch of the new day written twice, as a sink that crashed between its file and its offset commit replays it
    const newDay = join(dataDir, 'lake/booking', `date=${addDays(start, DAYS)}`);
    const batch = readdirSync(newDay).find((f) => f.endsWith('.parquet'))!;
    copyFileSync(join(newDay, batch), join(newDay, `replayed-${batch}`));
    const [lakeRows] = await sql(`select count(*)::integer as n, count(distinct event_id)::integer as ids
      from read_parquet('${join(dataDir, 'lake/booking/*/*.parquet')}') where type like 'appointment.%'`);
    expect(lakeRows!.n as number).toBeGreaterThan(lakeRows!.ids as number);
    // the layout limit at 1: any spread of fct_bookings' recent rows (the rows this run rewrites) lays them out again;
    // the vacuum ratio at 0: any deleted row kept in a table (the full build's layout move leaves some) keeps the vacuum on
    const r = run('scripts/dbt.sh', ['build', '--vars', '{layout_max_spread: 1, vacuum_dead_ratio: 0}'], { CUPOLA_DATA_DIR: dataDir });
    expect(r.out).toMatch(/vacuum kept on this run: \w+ holds \d+ deleted rows for \d+ live ones/);
    for (const model of ['main.fct_bookings', 'main.mart_wait_times', 'main.fct_slots_daily', 'intermediate.int_first_access_weekly']) {
      expect(r.out).toMatch(new RegExp(`incremental model ${model.replace('.', '\\.')}`));
    }
    expect(r.status, r.out.slice(-3000)).toBe(0);
    const [after] = await sql(`select count(*)::integer as n, count(*) filter (where is_delivered)::integer as delivered from fct_bookings`);
    expect(after!.n).toBe(more.bookings + more.followUps);
    expect(after!.n as number).toBeGreaterThan(before!.n as number);
    expect(after!.delivered).toBe(more.delivered);
    const [staged] = await sql(`select count(*)::integer as n, count(distinct event_id)::integer as ids from staging.stg_lake__appointment_events
      where event_type in ('appointment.held', 'appointment.booked', 'appointment.confirmed', 'appointment.moved', 'appointment.cancelled', 'appointment.hold_expired')`);
    expect(staged!.n).toBe(staged!.ids);
    expect(staged!.ids).toBe(lakeRows!.ids);
    const layout = await bookingsLayout();
    expect(layout.recent_last).toBe(true);
    expect(layout.recent_in_order).toBe(true);
  });

  it("the platform's long-lived dbt worker builds the next two days in turn, parsing once, loading the seeds again only when the warehouse may have changed them, and leaving the warehouse readable between builds", async () => {
    const start = addDays(utcToLocal(new Date()).date, -DAYS + 1);
    const worker = await DbtWorker.start({ dataDir });
    const lastRunLog = () => {
      const log = readFileSync(join(dataDir, 'dbt/logs/dbt.log'), 'utf8');
      return log.slice(log.lastIndexOf('Running with dbt'));
    };
    let bookings = 0;
    try {
      for (const extra of [2, 3]) {
        const more = await simulateToLake({ scale: 'demo', seed: 1, days: DAYS + extra, startDate: start, writeFrom: addDays(start, DAYS + extra - 1), lakeDir: join(dataDir, 'lake'), pseudonymKey: 'analytics-test-key' });
        // the first build logs its SQL (dbt's debug level), the second writes the worker's default, info
        const r = await worker.run(extra === 2 ? ['build', '--quiet', '--log-level-file', 'debug'] : ['build', '--quiet']);
        expect(r.error).toBeNull();
        expect(r.failures).toEqual([]);
        expect(r.ok).toBe(true);
        expect(r.parsed).toBe(extra === 2); // the second build reuses the parsed project
        // the first build's warehouse was last written by another dbt process; the second one's by this worker's build
        expect(r.seeds_skipped).toBe(extra === 3);
        expect(r.summary).toMatch(/^PASS=\d+ SUCCESS=\d+ (WARN=\d+ )?TOTAL=\d+$/);
        if (extra === 2) {
          // a run with few deleted rows in its tables defers DuckDB's vacuum (macros/vacuum.sql)
          expect(lastRunLog()).toMatch(/set global max_vacuum_tasks = 0/);
        } else {
          const log = lastRunLog();
          expect(log).toMatch(/OK created sql incremental model main\.fct_bookings/);
          expect(log).not.toMatch(/\[debug\]/);
          expect(log).not.toMatch(/seed file/);
        }
        // the worker is still running and another process reads the warehouse it has just written
        const [after] = await sql(`select count(*)::integer as n, count(*) filter (where is_delivered)::integer as delivered from fct_bookings`);
        expect(after!.n).toBe(more.bookings + more.followUps);
        expect(after!.delivered).toBe(more.delivered);
        bookings = after!.n as number;
      }
      const wrong = await worker.run(['build', '--select', 'no_such_model', '--warn-error']); // a request dbt refuses
      expect(wrong.ok).toBe(false);
      expect(wrong.error).toMatch(/'no_such_model' does not match any enabled nodes/);
      expect((await sql('select count(*)::integer as n from fct_bookings'))[0]!.n).toBe(bookings);
      expect((await worker.run(['ls', '--select', 'fct_bookings', '--quiet'])).ok).toBe(true); // and it goes on serving

      // another process writes the warehouse between two builds: the next build loads the seeds again
      const [seeded] = await sql('select count(*)::integer as n from reference.priority_class_max_waits');
      const db = await DuckDBInstance.create(join(dataDir, 'warehouse.duckdb'));
      const c = await db.connect();
      await c.run(`delete from reference.priority_class_max_waits where priority = 'P'`);
      c.closeSync();
      db.closeSync();
      expect((await sql('select count(*)::integer as n from reference.priority_class_max_waits'))[0]!.n).toBeLessThan(seeded!.n as number);
      const again = await worker.run(['build', '--quiet']);
      expect(again.ok, again.error ?? JSON.stringify(again.failures)).toBe(true);
      expect(again.seeds_skipped).toBe(false);
      expect((await sql('select count(*)::integer as n from reference.priority_class_max_waits'))[0]!.n).toBe(seeded!.n);
    } finally {
      await worker.stop();
    }
  }, 300_000);

  it('every mart built incrementally equals the same mart built from scratch on the same lake', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'cupola-analytics-fresh-'));
    try {
      symlinkSync(join(dataDir, 'lake'), join(fresh, 'lake'));
      const r = run('scripts/dbt.sh', ['build', '--exclude', 'resource_type:test'], { CUPOLA_DATA_DIR: fresh });
      expect(r.status, r.out.slice(-3000)).toBe(0);
      const db = await DuckDBInstance.create(':memory:');
      const c = await db.connect();
      try {
        await c.run(`set TimeZone = 'Europe/Rome'`);
        await c.run(`attach '${join(dataDir, 'warehouse.duckdb')}' as inc (read_only)`);
        await c.run(`attach '${join(fresh, 'warehouse.duckdb')}' as scratch (read_only)`);
        const tables = (await c.runAndReadAll(`select table_name from duckdb_tables() where database_name = 'scratch' and schema_name = 'main' order by 1`)).getRowObjectsJS().map((t) => t.table_name as string);
        expect(tables).toEqual(expect.arrayContaining(['fct_bookings', 'fct_slots_daily', 'mart_wait_times', 'mart_compliance_drilldown', 'mart_demand_vs_supply', 'mart_waiting_list', 'ml_demand_weekly']));
        const differences: Record<string, number> = {};
        for (const t of tables) {
          const cols = (await c.runAndReadAll(`select column_name, data_type from duckdb_columns() where database_name = 'scratch' and schema_name = 'main' and table_name = '${t}'
            and column_name not in ('loaded_until', 'events_loaded_at') order by column_index`)).getRowObjectsJS();
          // the technical load stamps differ by design; doubles are compared to 1e-6 (sums in another order)
          const list = cols.map((x) => (x.data_type === 'DOUBLE' ? `round("${x.column_name}", 6)` : `"${x.column_name}"`)).join(', ');
          const [d] = (await c.runAndReadAll(`select (select count(*) from (select ${list} from inc.main.${t} except all select ${list} from scratch.main.${t}))
            + (select count(*) from (select ${list} from scratch.main.${t} except all select ${list} from inc.main.${t})) as n,
            (select count(*) from scratch.main.${t}) as rows`)).getRowObjectsJS();
          differences[t] = Number(d!.n);
          if (t === 'fct_bookings') expect(Number(d!.rows)).toBeGreaterThan(1000);
        }
        expect(differences).toEqual(Object.fromEntries(tables.map((t) => [t, 0])));
      } finally {
        c.closeSync();
        db.closeSync();
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('dashboards', () => {
  let site: DashboardsServer;
  let engine: Awaited<ReturnType<typeof startLiveEngine>>;
  let browser: Browser;

  beforeAll(async () => {
    // two forecast runs in the lake: the page must draw the newer one
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    expect(await writeDemandForecast('test-older', hourAgo, 10)).toBeGreaterThan(0);
    expect(await writeDemandForecast('test-latest', new Date().toISOString(), 1)).toBeGreaterThan(0);
    // the platform's refresh: dbt build on its worker (the forecast mart picks the new runs up), then the site
    const worker = await DbtWorker.start({ dataDir });
    const refreshed = await refreshMarts(worker, dataDir).finally(() => worker.stop());
    if (!refreshed.ok) throw new Error(refreshed.line);
    expect(refreshed.line).toMatch(/^marts refresh: dbt build done in [\d.]+ s \(PASS=\d+ SUCCESS=\d+ TOTAL=\d+\), dashboards done in [\d.]+ s; [\d.]+ s in all$/);
    engine = await startLiveEngine();
    site = await startDashboardsServer({ dir: DIST, liveUrl: engine.liveUrl });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    mkdirSync(SHOTS, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await engine?.stop();
  });

  const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));

  it('the built site references no external URL', () => {
    const offenders: string[] = [];
    for (const f of files(DIST).filter((x) => /\.(html|js|css)$/.test(x))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/(?:src|href)\s*=\s*["']?(https?:)?\/\/[^"'\s>]+|(?:import|from|fetch|url)\s*\(?\s*["'](https?:)?\/\/[^"']+/g)) offenders.push(`${relative(DIST, f)}: ${m[0]}`);
      for (const m of text.matchAll(/https?:\/\/[^\s"'`)]+/g)) if (!/^https?:\/\/www\.w3\.org\//.test(m[0])) offenders.push(`${relative(DIST, f)}: ${m[0]}`);
    }
    expect(offenders).toEqual([]);
  });

  it('the data loaders output only allowlisted aggregate columns', () => {
    const allowed = new Set<string>((JSON.parse(readFileSync(join(ROOT, 'dashboards/loader-columns.json'), 'utf8')) as { columns: string[] }).columns);
    const data = files(join(DIST, '_file/data')).filter((f) => f.endsWith('.json'));
    expect(data.length).toBe(9);
    const unknown = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { if (!allowed.has(k)) unknown.add(k); walk(x); }
    };
    for (const f of data) walk(JSON.parse(readFileSync(f, 'utf8')));
    expect([...unknown]).toEqual([]);
  });

  it('rebuilding the site (the platform refresh) keeps the served site answering: each build has its own folder and the link to it is replaced at once', async () => {
    let done = false;
    const exited = buildPages(dataDir).finally(() => (done = true));
    const statuses = new Map<number, number>();
    while (!done) {
      const status = await fetch(`${site.url}/`).then(async (r) => (await r.arrayBuffer(), r.status), () => 0);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await exited).toBe(0);
    expect([...statuses.keys()]).toEqual([200]);
    expect(statuses.get(200)!).toBeGreaterThan(20); // the site was asked throughout the build, not once
    expect(existsSync(join(DIST, 'index.html'))).toBe(true);
    expect(lstatSync(DIST).isSymbolicLink()).toBe(true);
    // the new build and the one it replaced are kept, older ones removed
    const builds = readdirSync(join(ROOT, 'dashboards')).filter((d) => /^dist\.\d+$/.test(d)).sort();
    expect(builds.length).toBe(2);
    expect(readlinkSync(DIST)).toBe(builds[1]);
  }, 180_000);

  for (const page of PAGES) {
    it(`the page ${page} renders every chart with data and logs no console error`, async () => {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const p = await ctx.newPage();
      const errors: string[] = [];
      p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      p.on('pageerror', (e) => errors.push(String(e)));
      const t0 = Date.now();
      await p.goto(`${site.url}/${page === 'index' ? '' : page}`, { waitUntil: 'load' });
      await p.waitForSelector('[data-chart] svg', { timeout: 15_000 });
      const firstChartMs = Date.now() - t0;
      await p.waitForTimeout(300);
      const charts = await p.$$eval('[data-chart]', (els) => els.map((e) => ({
        name: e.getAttribute('data-chart'), rows: Number(e.getAttribute('data-rows')),
        marks: e.querySelectorAll('svg g[aria-label="line"] path, svg g[aria-label="bar"] rect, svg g[aria-label="dot"] circle, svg g[aria-label="dot"] path, svg g[aria-label="area"] path').length,
      })));
      await p.screenshot({ path: join(SHOTS, `${page}.png`), fullPage: true });
      await ctx.close();
      expect(charts.length).toBeGreaterThan(0);
      for (const c of charts) {
        expect(c.rows, `${c.name} has data`).toBeGreaterThan(0);
        expect(c.marks, `${c.name} draws marks`).toBeGreaterThan(0);
      }
      expect(errors).toEqual([]);
      expect(firstChartMs).toBeLessThan(5_000);
    }, 60_000);
  }

  it('the forecast mart holds the latest forecast run only, summed over the classes', async () => {
    const [m] = await sql(`select count(*)::integer as n, count(distinct model_id)::integer as models, any_value(model_id) as model, sum(p50)::double as p50 from mart_demand_forecast`);
    const [d] = await sql(`select count(distinct service_id || '|' || ats_id)::integer as series, sum(mean)::double as mean from (
      select service_id, ats_id, priority, avg(demand) as mean from ml_demand_weekly group by all)`);
    expect(m).toMatchObject({ n: (d!.series as number) * 12, models: 1, model: 'test-latest' });
    expect(m!.p50 as number).toBeCloseTo((d!.mean as number) * 12, 6);
  });

  it('the volume-targets page draws the forecast band of the latest run on the trajectory chart', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    await p.goto(`${site.url}/obiettivi-volumi`);
    await p.waitForSelector('[data-chart="targets-trajectory"] svg', { timeout: 15_000 });
    expect(await p.getAttribute('[data-chart="targets-trajectory"]', 'data-forecast')).toBe('band');
    const band = await p.$$eval('[data-chart="targets-trajectory"] svg g[aria-description="banda di previsione"] path', (els) => els.map((e) => e.getAttribute('d') ?? ''));
    expect(band.length).toBe(1);
    expect(band[0]!.length).toBeGreaterThan(20);
    expect(await p.$$('[data-chart="targets-trajectory"] svg g[aria-description="previsione mediana"] path')).toHaveLength(1);
    const note = (await p.textContent('[data-forecast-note="band"]')) ?? '';
    expect(note).toContain('P10–P90');
    expect(note).toContain('test-latest');
    const [lo, hi, mid] = [...note.matchAll(/tra ([\d.]+) e ([\d.]+) cumulate \(mediana ([\d.]+)\)/g)].flatMap((m) => m.slice(1).map((x) => Number(x.replace(/\./g, ''))));
    expect(lo).toBeGreaterThan(0);
    expect(lo!).toBeLessThan(mid!);
    expect(mid!).toBeLessThan(hi!);
    await p.screenshot({ path: join(SHOTS, 'obiettivi-volumi-forecast.png'), fullPage: true });
    await ctx.close();
  }, 60_000);

  it.each(STORES)('the live tile counts a booking made through the engine API on %s exactly once, and nothing for a rejected one', async (store) => {
    // the pages above use the PGlite engine of beforeAll; on PostgreSQL the same wiring with its own dashboards server
    const own = store === 'pglite' ? null : await startLiveEngine(store);
    const live = own ?? engine;
    const liveSite = own ? await startDashboardsServer({ dir: DIST, liveUrl: own.liveUrl }) : site;
    try {
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      await p.goto(`${liveSite.url}/prossima-disponibilita`);
      await p.waitForSelector('[data-live-tile][data-status="collegato"]', { timeout: 15_000 });
      const tile = async () => ({
        bookings: await p.getAttribute('[data-live-tile]', 'data-bookings'),
        nextAvailable: await p.getAttribute('[data-live-next]', 'data-next-available'),
      });
      expect(await tile()).toEqual({ bookings: '0', nextAvailable: '0' });

      const search = await live.api('/availability/search', { patientId: live.patient, prescriptionLineId: live.lineD, channel: 'desk' });
      expect(search.status, JSON.stringify(search.body)).toBe(200);
      const options = search.body.options as { slotId: string }[];
      const booked = await live.api('/appointments', { patientId: live.patient, prescriptionLineId: live.lineD, slotId: options[0]!.slotId, channel: 'desk', searchId: search.body.searchId });
      expect(booked.status, JSON.stringify(booked.body)).toBe(201);
      await p.waitForSelector('[data-live-tile][data-bookings="1"]', { timeout: 15_000 });
      expect(await p.textContent('[data-live-tile] .value')).toContain('1 prenotazioni');

      // rejected: a slot id that does not exist — no event, so the tile must not move even after later snapshots arrive
      const outbox = await live.outboxCount();
      const rejected = await live.api('/appointments', { patientId: live.patient, prescriptionLineId: live.lineB, slotId: '999999999999', channel: 'desk' });
      expect(rejected.status).toBe(404);
      expect(rejected.body).toMatchObject({ code: 'SLOT_NOT_FOUND', path: '/slotId' });
      expect(await live.outboxCount()).toBe(outbox);
      // a later event (a class B search) reaches the page: the tile has seen a newer snapshot and still counts one booking
      const later = await live.api('/availability/search', { patientId: live.patient, prescriptionLineId: live.lineB, channel: 'desk' });
      expect(later.status, JSON.stringify(later.body)).toBe(200);
      await p.waitForSelector('[data-live-next][data-next-available="2"]', { timeout: 15_000 });
      expect(await tile()).toEqual({ bookings: '1', nextAvailable: '2' });
      const snapshot = (await (await fetch(`${live.liveUrl}/live`)).json()) as { last_hour: { bookings: number } };
      expect(snapshot.last_hour.bookings).toBe(1);
      await p.screenshot({ path: join(SHOTS, `live-tile-${store}.png`) });
      await ctx.close();
    } finally {
      if (own) await liveSite.close();
      await own?.stop();
    }
  }, 90_000);
});
