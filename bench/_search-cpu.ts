/**
 * Scratch probe: CPU and wall time of availability searches in-process (app.inject, no HTTP socket, no booking
 * load) on the bench region database, with the free-slot index on or off. Usage:
 *   node --import tsx bench/_search-cpu.ts [on|off] [n]
 */
import { buildApp } from '../engine/src/http/app.ts';
import { openPg } from '../engine/src/store/db.pg.ts';
import { loadEngineReference } from '../engine/src/reference.ts';
import { mintToken } from '../engine/src/http/auth.ts';
import { SECRET } from './_region.ts';
import { pct, round } from './_util.ts';

const mode = process.argv[2] ?? 'on';
const n = Number(process.argv[3] ?? 1000);
const db = openPg(process.env.CUPOLA_PROBE_PG_URL ?? 'postgres://postgres@127.0.0.1:54329/cupola_bench_region', { max: 4 });
const app = await buildApp({ db, ref: await loadEngineReference(), jwtSecret: SECRET, slotIndex: mode === 'on' });
const headers = { authorization: `Bearer ${await mintToken(SECRET, { sub: 'bench-op', role: 'cup-operator' })}` };
const search = (k: number) => app.inject({ method: 'POST', url: '/availability/search', headers, payload: { patientId: `bpat-${k}`, prescriptionLineId: `brx-${k}-1`, channel: 'web', limit: 10 } });
for (let k = 0; k < 300; k++) await search(30_000 + k);
const ix = (app as unknown as { slotIndex: { index: { query: (...a: unknown[]) => unknown } } | null }).slotIndex?.index;
const probe = { calls: 0, agendas: 0, ms: 0 };
let last: unknown[] = [];
const all: unknown[][] = [];
if (ix) {
  const q = ix.query.bind(ix);
  ix.query = (...a: unknown[]) => {
    const t = performance.now();
    const r = q(...a);
    probe.ms += performance.now() - t;
    probe.calls++;
    probe.agendas += (a[0] as unknown[]).length;
    last = a;
    all.push(a);
    return r;
  };
}
const lat: number[] = [];
const c0 = process.cpuUsage();
const t0 = performance.now();
for (let k = 0; k < n; k++) {
  const s = performance.now();
  const r = await search(10_000 + k);
  lat.push(performance.now() - s);
  if (r.statusCode !== 200) throw new Error(r.body);
}
const wall = performance.now() - t0;
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ mode, n, wall_ms_per_search: round(wall / n, 3), cpu_ms_per_search: round((c.user + c.system) / 1000 / n, 3), user_ms_per_search: round(c.user / 1000 / n, 3), sys_ms_per_search: round(c.system / 1000 / n, 3), p50_ms: round(pct(lat, 50), 2), p99_ms: round(pct(lat, 99), 2),
  probe: { calls: probe.calls, agendas_per_call: round(probe.agendas / (probe.calls || 1), 1), us_per_call: round((1000 * probe.ms) / (probe.calls || 1), 1) },
  index: (app as unknown as { slotIndex: { stats: unknown } | null }).slotIndex?.stats ?? null }));
if (ix && process.env.TIGHT) {
  const frozen = all.slice();
  const wins = (ix as unknown as { windows: Map<string, { start: Float64Array; state: Int32Array; lo: number; hi: number; depth: number }> }).windows;
  const from = new Date(last[2] as string).getTime();
  for (const ag of (last[0] as { id: string }[]).slice(0, 8)) {
    const w = wins.get(ag.id)!;
    const after = [...w.start.keys()].filter((i) => w.start[i]! >= from);
    const free = after.filter((i) => w.state[3 * i]! < w.state[3 * i + 1]!);
    console.log(ag.id, 'slots', w.start.length, 'after from', after.length, 'free', free.length, 'unreserved free', free.filter((i) => w.state[3 * i + 2] === 0).length, 'depth', w.depth, 'hi', new Date(w.hi).toISOString?.());
  }
  all.length = 0;
  const t = performance.now();
  for (let k = 0; k < 5000; k++) ix.query(...last);
  const t2 = performance.now();
  const c2 = process.cpuUsage();
  for (let r = 0; r < 30; r++) for (const a of frozen) ix.query(...a);
  const cc = process.cpuUsage(c2);
  console.log('replay us/call wall', (1000 * (performance.now() - t2)) / (30 * frozen.length), 'cpu', (cc.user + cc.system) / (30 * frozen.length));
  console.log('tight loop us/call', (1000 * (performance.now() - t)) / 5000, 'agendas', (last[0] as unknown[]).length, 'args', JSON.stringify(last.slice(1)));
}
await app.close();
await db.close();
