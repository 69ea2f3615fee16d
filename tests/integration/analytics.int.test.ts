/**
 * Analytics end to end on simulated data: `cupola simulate` (demo scale, 5 weeks) → lake → `dbt build` (all data
 * tests and contracts) and `dbt source freshness` → the Observable Framework build (offline) → every page in headless
 * Chromium (Debian package, playwright-core), with charts rendered from data, no console errors, screenshots under
 * test-results/dashboards/, and the live tile following the SSE stream.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { chromium, type Browser } from 'playwright-core';
import { simulateToLake, type SimulateLakeResult } from '../../simulator/src/demand-lake.ts';
import { addDays, utcToLocal } from '../../engine/src/domain/time/rome-time.ts';
import { startDashboardsServer, type DashboardsServer } from '../../engine/src/cli/dashboards-server.ts';

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

  it('an incremental build after one more day adds its bookings and updates the outcomes of earlier ones', async () => {
    const [before] = await sql(`select count(*)::integer as n, count(*) filter (where is_delivered)::integer as delivered from fct_bookings`);
    const start = addDays(utcToLocal(new Date()).date, -DAYS + 1);
    const more = await simulateToLake({ scale: 'demo', seed: 1, days: DAYS + 1, startDate: start, writeFrom: addDays(start, DAYS), lakeDir: join(dataDir, 'lake'), pseudonymKey: 'analytics-test-key' });
    const r = run('scripts/dbt.sh', ['build', '--select', '+fct_bookings'], { CUPOLA_DATA_DIR: dataDir });
    expect(r.out).toMatch(/incremental model main\.fct_bookings/);
    expect(r.status).toBe(0);
    const [after] = await sql(`select count(*)::integer as n, count(*) filter (where is_delivered)::integer as delivered from fct_bookings`);
    expect(after!.n).toBe(more.bookings + more.followUps);
    expect(after!.n as number).toBeGreaterThan(before!.n as number);
    expect(after!.delivered).toBe(more.delivered);
  });
});

describe('dashboards', () => {
  let site: DashboardsServer;
  let live: { server: Server; url: string; clients: Set<ServerResponse>; send(bookings: number): void };
  let browser: Browser;

  beforeAll(async () => {
    rmSync(join(ROOT, 'dashboards/src/.observablehq/cache'), { recursive: true, force: true }); // loader outputs are cached
    const b = run('npx', ['observable', 'build'], { CUPOLA_DATA_DIR: dataDir }, join(ROOT, 'dashboards'));
    if (b.status !== 0) throw new Error(`observable build failed:\n${b.out}`);
    const clients = new Set<ServerResponse>();
    const snapshot = (bookings: number) => JSON.stringify({
      at: new Date().toISOString(), next_available: [], last_hour: { bookings, cancellations: 1 },
      today: { date: utcToLocal(new Date()).date, first_access_bookings: bookings, within_class_maximum: bookings, share: 1, by_class: {} },
      stream: { events_total: bookings, lake_events_total: bookings, dead_letters: 0, last_occurred_at: null, lag_ms: 5, backlog: 0 },
    });
    const server = createServer((req, res) => {
      if (req.url === '/live/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        res.write(`event: snapshot\ndata: ${snapshot(3)}\n\n`);
        clients.add(res);
        req.on('close', () => clients.delete(res));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(snapshot(3));
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    live = { server, url, clients, send: (n) => { for (const c of clients) c.write(`event: snapshot\ndata: ${snapshot(n)}\n\n`); } };
    site = await startDashboardsServer({ dir: DIST, liveUrl: url });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    mkdirSync(SHOTS, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    for (const c of live?.clients ?? []) c.end();
    live?.server.closeAllConnections();
    await new Promise<void>((ok) => (live ? live.server.close(() => ok()) : ok()));
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
    expect(data.length).toBe(8);
    const unknown = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { if (!allowed.has(k)) unknown.add(k); walk(x); }
    };
    for (const f of data) walk(JSON.parse(readFileSync(f, 'utf8')));
    expect([...unknown]).toEqual([]);
  });

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

  it('the live tile shows the bookings of the SSE stream and follows its updates', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(`${site.url}/prossima-disponibilita`);
    await p.waitForSelector('[data-live-tile][data-bookings="3"]', { timeout: 10_000 });
    live.send(42);
    await p.waitForSelector('[data-live-tile][data-bookings="42"]', { timeout: 10_000 });
    expect(await p.textContent('[data-live-tile] .value')).toContain('42');
    await p.screenshot({ path: join(SHOTS, 'live-tile.png') });
    await ctx.close();
  }, 60_000);
});
