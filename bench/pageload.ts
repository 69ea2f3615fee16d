/**
 * bench/pageload: how long each dashboard page takes, in headless Chromium (Debian /usr/bin/chromium, playwright-core),
 * from navigation start to its first rendered chart (an <svg> inside a `[data-chart]` container, see
 * dashboards/src/components/charts.js), served by the same static server `cupola up` uses. Target: ≤ 1 s per page.
 * The site is built on simulated demo history (full: 400 days, as scripts/dashboards.sh; --quick: 35 days) into
 * $CUPOLA_DATA_DIR/bench/pageload-<full|quick>/ and reused on later runs: the history and warehouse always (--rebuild
 * simulates again), the built site while no file under dashboards/src is newer than it.
 * Each page is opened `runs` times in a fresh browser context (empty cache: "cold", the headline figures) and as many
 * times while moving through the site in one context ("warm"); a page's figure is its median.
 *   npm run bench -- pageload [--quick] [--rebuild]
 * Last line: {"bench":"pageload","pages":9,"p50_ms":…,"max_ms":…,"limit_ms":1000,"ratio":max/limit,"warm_p50_ms":…,…}
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { addDays, utcToLocal } from '../engine/src/domain/time/rome-time.ts';
import { startDashboardsServer } from '../engine/src/cli/dashboards-server.ts';
import { cpus, loadavg } from 'node:os';
import { printJson, quick, ROOT } from './_util.ts';

const LIMIT_MS = 1_000;
const DAYS = quick ? 35 : 400;
const RUNS = quick ? 2 : 5;
const PAGES = ['index', 'classi-priorita', 'prossima-disponibilita', 'obiettivi-volumi', 'saturazione', 'liste-attesa', 'no-show', 'domanda-offerta', 'allarmi'];
const rebuild = process.argv.includes('--rebuild');

const benchDir = join(resolve(process.env.CUPOLA_DATA_DIR ?? join(ROOT, 'data')), 'bench', `pageload-${quick ? 'quick' : 'full'}`);
const dataDir = join(benchDir, 'data');
const dist = join(benchDir, 'dist');

function step(what: string, cmd: string, args: string[], cwd = ROOT, env: Record<string, string> = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, CUPOLA_DATA_DIR: dataDir, ...env }, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`${what} failed:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  console.log(`  ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Newest modification time of the files under a folder (dot folders such as the loader cache skipped). */
const newest = (dir: string): number => readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'))
  .reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);

const reuseData = !rebuild && existsSync(join(dataDir, 'warehouse.duckdb'));
const reuseSite = reuseData && existsSync(join(dist, 'index.html')) && statSync(join(dist, 'index.html')).mtimeMs > newest(join(ROOT, 'dashboards/src'));
if (reuseData) {
  console.log(`reusing the simulated history and warehouse in ${dataDir} (--rebuild to simulate again)`);
} else {
  rmSync(benchDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  console.log(`simulating ${DAYS} days (demo scale) into ${dataDir} …`);
  const start = addDays(utcToLocal(new Date()).date, -DAYS + 1);
  step(`simulate ${DAYS} days`, process.execPath, [join(ROOT, 'bin/cupola.js'), 'simulate', '--days', String(DAYS), '--seed', '1', '--scale', 'demo', '--start', start]);
  step('dbt build', join(ROOT, 'scripts/dbt.sh'), ['build', '--quiet']);
}
if (reuseSite) {
  console.log(`reusing the dashboards built in ${dist}`);
} else {
  console.log(`building the dashboards into ${dist} …`);
  rmSync(dist, { recursive: true, force: true }); // Framework does not clear an output folder outside its own
  const cache = join(ROOT, 'dashboards/src/.observablehq/cache'); // loader outputs are cached across builds
  rmSync(cache, { recursive: true, force: true });
  step('observable build', 'npx', ['observable', 'build'], join(ROOT, 'dashboards'), { CUPOLA_DASHBOARDS_OUT: dist });
  rmSync(cache, { recursive: true, force: true });
}

const site = await startDashboardsServer({ dir: dist, liveUrl: null });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
/** Records, in the page, the time since navigation start at which the first chart's <svg> is attached. */
const MARK_FIRST_CHART = `(() => {
  const seen = () => document.querySelector('[data-chart] svg');
  const mark = () => { if (window.__firstChartMs === undefined && seen()) window.__firstChartMs = performance.now(); };
  new MutationObserver(mark).observe(document, { childList: true, subtree: true });
})();`;

/** Opens a page in the context; returns the time from navigation start to its first chart, and the data bytes fetched. */
async function open(ctx: BrowserContext, page: string): Promise<{ ms: number; dataBytes: number }> {
  const p = await ctx.newPage();
  let dataBytes = 0;
  p.on('response', (r) => {
    if (r.url().includes('/_file/data/')) r.body().then((b) => (dataBytes += b.length), () => undefined);
  });
  await p.goto(`${site.url}/${page === 'index' ? '' : page}`, { waitUntil: 'commit' });
  await p.waitForFunction(() => (window as unknown as { __firstChartMs?: number }).__firstChartMs !== undefined, undefined, { timeout: 30_000, polling: 50 });
  const ms = await p.evaluate(() => (window as unknown as { __firstChartMs: number }).__firstChartMs);
  await p.waitForLoadState('load');
  await p.close();
  return { ms, dataBytes };
}

const newContext = async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await ctx.addInitScript(MARK_FIRST_CHART);
  return ctx;
};

// cold: each page in a fresh context (empty cache); warm: the pages one after the other in one context that has
// opened the overview first, as a planner moving through the site (hashed assets come from the browser cache)
const cold = new Map<string, number[]>(PAGES.map((p) => [p, []]));
const warm = new Map<string, number[]>(PAGES.map((p) => [p, []]));
const dataKb = new Map<string, number>();
try {
  for (let i = 0; i < RUNS; i++) {
    for (const page of PAGES) {
      const ctx = await newContext();
      const r = await open(ctx, page);
      cold.get(page)!.push(r.ms);
      dataKb.set(page, Math.round(r.dataBytes / 1024));
      await ctx.close();
    }
    const ctx = await newContext();
    await open(ctx, 'index');
    for (const page of PAGES) warm.get(page)!.push((await open(ctx, page)).ms);
    await ctx.close();
  }
} finally {
  await browser.close();
  await site.close();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const figures = PAGES.map((page) => ({ page, ms: median(cold.get(page)!), warm: median(warm.get(page)!), runs: cold.get(page)! }));
for (const f of figures) {
  console.log(`  ${f.page.padEnd(24)} first chart ${f.ms.toFixed(0).padStart(5)} ms cold (runs: ${f.runs.map((x) => x.toFixed(0)).join(', ')}), ${f.warm.toFixed(0).padStart(4)} ms warm; data files ${dataKb.get(f.page)} kB`);
}

const per = figures.map((f) => f.ms);
const p50 = median(per);
const max = Math.max(...per);
const slowest = figures.find((f) => f.ms === max)!.page;
const warmPer = figures.map((f) => f.warm);
// the machine's load says how far the figures are from an idle one (Chromium and the server share its cores)
console.log(`load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);
console.log(`${figures.length} pages, cold: p50 ${p50.toFixed(0)} ms, max ${max.toFixed(0)} ms (${slowest}); warm: p50 ${median(warmPer).toFixed(0)} ms, max ${Math.max(...warmPer).toFixed(0)} ms; limit ${LIMIT_MS} ms`);
printJson({
  bench: 'pageload', pages: figures.length, p50_ms: Math.round(p50), max_ms: Math.round(max), limit_ms: LIMIT_MS, ratio: Number((max / LIMIT_MS).toFixed(3)),
  slowest, warm_p50_ms: Math.round(median(warmPer)), warm_max_ms: Math.round(Math.max(...warmPer)), runs_per_page: RUNS, load_avg_1m: Number(loadavg()[0]!.toFixed(1)), cores: cpus().length, history: `${quick ? 'quick: ' : ''}${DAYS} days, demo scale`, reused_site: reuseSite,
});
