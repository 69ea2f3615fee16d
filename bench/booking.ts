/**
 * bench booking: confirmed bookings per second through the HTTP API (search → book, 64 concurrent clients, two engine
 * processes on one PostgreSQL server with the region-scale seed), then a hot-slot contention phase; the limit is
 * PostgreSQL's own pgbench simple-update rate (`pgbench -N`) on the same server with the same client count.
 */
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { benchPatients, busyServices, operatorToken, regionDb, startEngines } from './_region.ts';
import { pct, pgBin, printJson, quick, round, startPg } from './_util.ts';

const CLIENTS = 64;
const SECONDS = quick ? 8 : 30;

// (a) the limit: pgbench -N with the same client count
const admin = startPg();
const port = new URL(admin).port;
const bin = pgBin();
const c = new pg.Client({ connectionString: admin });
await c.connect();
await c.query('drop database if exists cupola_pgbench with (force)');
await c.query('create database cupola_pgbench');
await c.end();
execFileSync(`${bin}/pgbench`, ['-i', '-q', '-s', '10', '-h', '127.0.0.1', '-p', port, '-U', 'postgres', 'cupola_pgbench'], { stdio: 'ignore' });
const pgbenchOut = execFileSync(`${bin}/pgbench`, ['-N', '-n', '-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), '-h', '127.0.0.1', '-p', port, '-U', 'postgres', 'cupola_pgbench'], { encoding: 'utf8' });
const limit = Number(/tps = ([\d.]+)/.exec(pgbenchOut)?.[1] ?? NaN);
console.log(`pgbench -N, ${CLIENTS} clients, ${SECONDS} s: ${round(limit, 0)} tps`);

// (b) bookings through the API
const { db, url } = await regionDb('cupola_bench_region', quick ? 2 : 13);
const services = await busyServices(db, 12);
const people = await benchPatients(db, 40_000, services);
const engines = await startEngines(url, 2, 39300);
const token = await operatorToken();
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
let next = 0;
const lat: number[] = [];
let booked = 0;
let taken = 0;
let errors = 0;
const errorCodes = new Map<string, number>();

async function call(base: string, path: string, body: unknown) {
  const r = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, any> };
}

async function client(k: number, until: number) {
  const base = engines.urls[k % engines.urls.length]!;
  while (Date.now() < until) {
    const p = people[next++ % people.length]!;
    const t0 = performance.now();
    const s = await call(base, '/availability/search', { patientId: p.patientId, prescriptionLineId: p.lineId, channel: 'call_centre', limit: 10 });
    if (s.status !== 200) {
      errors++;
      errorCodes.set(s.json.code, (errorCodes.get(s.json.code) ?? 0) + 1);
      continue;
    }
    let done = false;
    // patients do not all take the very first option: start from a different one per client, as people choose
    const opts = s.json.options as { slotId: string }[];
    const shift = opts.length ? k % opts.length : 0;
    for (const o of [...opts.slice(shift), ...opts.slice(0, shift)].slice(0, 3)) {
      const b = await call(base, '/appointments', { patientId: p.patientId, prescriptionLineId: p.lineId, slotId: o.slotId, channel: 'call_centre', searchId: s.json.searchId });
      if (b.status === 201) {
        booked++;
        done = true;
        break;
      }
      if (b.json.code === 'SLOT_TAKEN') taken++;
      else {
        errors++;
        errorCodes.set(b.json.code, (errorCodes.get(b.json.code) ?? 0) + 1);
        break;
      }
    }
    if (done) lat.push(performance.now() - t0);
  }
}

console.log(`booking through the API: ${CLIENTS} clients for ${SECONDS} s on ${engines.urls.length} engine processes…`);
const t0 = Date.now();
await Promise.all(Array.from({ length: CLIENTS }, (_, k) => client(k, t0 + SECONDS * 1000)));
const elapsed = (Date.now() - t0) / 1000;
const perS = booked / elapsed;
console.log(`  ${booked} bookings in ${round(elapsed, 1)} s = ${round(perS, 1)} bookings/s; search+book p50 ${round(pct(lat, 50), 1)} ms, p99 ${round(pct(lat, 99), 1)} ms; ${taken} SLOT_TAKEN retries; ${errors} errors ${JSON.stringify(Object.fromEntries(errorCodes))}`);

// (c) hot slots: everyone races for the same 10 slots
const hot = (await db.query<{ id: string; capacity: number }>(
  `select s.id::text, s.capacity from slot s join agenda a on a.id = s.agenda_id join agenda_service x on x.agenda_id = a.id and x.service_id = $1
   where s.status = 'open' and s.booked = 0 and s.start_at > now() + interval '3 days' and a.access_type = 'first' and s.reserved_class is null
     and a.attrs->'regimes' is null order by s.start_at limit 10`, [services[0]])).map((r) => r);
let hotWon = 0;
let hotTaken = 0;
await Promise.all(Array.from({ length: CLIENTS }, async (_, k) => {
  for (let j = 0; j < 4; j++) {
    const p = people[next++ % people.length]!;
    if (p.serviceId !== services[0]) continue;
    const slot = hot[(k + j) % hot.length]!;
    const b = await call(engines.urls[k % 2]!, '/appointments', { patientId: p.patientId, prescriptionLineId: p.lineId, slotId: slot.id, channel: 'call_centre' });
    if (b.status === 201) hotWon++;
    else if (b.json.code === 'SLOT_TAKEN') hotTaken++;
  }
}));
const hotCapacity = hot.reduce((a, s) => a + s.capacity, 0);
console.log(`hot-slot phase: ${hotWon} won, ${hotTaken} refused SLOT_TAKEN, over ${hot.length} slots with ${hotCapacity} places`);
const over = (await db.query<{ n: number }>(`select count(*)::int as n from slot where booked > capacity`))[0]!.n;
const mismatch = (await db.query<{ n: number }>(
  `select count(*)::int as n from (select s.id from slot s join appointment a on a.slot_id = s.id and a.status in ('held','booked') group by s.id, s.booked having count(*) <> s.booked) x`))[0]!.n;
console.log(`over-capacity slots: ${over}; slots whose booked count differs from their appointments: ${mismatch}`);
engines.stop();
await db.close();
console.log(`ratio bookings/s ÷ pgbench tps = ${round(perS / limit, 3)} (target ≥ 1.0)`);
printJson({ bench: 'booking', quick, bookings_per_s: round(perS, 1), limit_per_s: round(limit, 0), ratio: round(perS / limit, 3), over_capacity: over,
  booked_count_mismatch: mismatch, hot_won: hotWon, hot_capacity: hotCapacity, hot_refused: hotTaken, p50_ms: round(pct(lat, 50), 1), p99_ms: round(pct(lat, 99), 1), errors });
process.exit(0);
