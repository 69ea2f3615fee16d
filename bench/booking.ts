/**
 * bench booking: confirmed bookings per second through the HTTP API (64 concurrent clients, two engine processes on one
 * PostgreSQL server with the region-scale seed; CUPOLA_BENCH_ENGINES changes the count), then a hot-slot contention
 * phase; the limit is PostgreSQL's own pgbench simple-update rate (`pgbench -N`) on the same server with the same
 * client count. It prints where a booking's CPU goes and the HTTP floor: the CPU of a request refused before any
 * database work; how much of the limit's CPU is per transaction rather than per row (pgbench's own work, BATCH accounts
 * to a transaction); and the database floor of a booking (the engine's own statements, BATCH bookings to each, sent
 * with no engine), which with the HTTP floor bounds the ratio this machine allows (`ratio_ceiling`).
 * Two rates: `bookings_per_s` — booking requests (POST /appointments) of patients who searched beforehand, the
 * comparable of pgbench's one-transaction-per-request (this is the ratio); `search_and_book_per_s` — the whole
 * search → book loop of a booking channel, each booking preceded by its own search.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { bookingDbFloor } from './_booking-db-floor.ts';
import { benchPatients, busyServices, operatorToken, regionDb, startEngines } from './_region.ts';
import { cpuSince, jsonPoster, machineBusyMs, pct, pgBin, printJson, processCpuMs, quick, round, startPg } from './_util.ts';
import { addDays } from '../engine/src/domain/time/rome-time.ts';

const CLIENTS = 64;
const SECONDS = quick ? 8 : 30;
// CUPOLA_BENCH_ENGINES: engine processes sharing the database (default 2: the multi-instance setup the issue asks for)
const ENGINES = Number(process.env.CUPOLA_BENCH_ENGINES ?? 2);
if (!Number.isInteger(ENGINES) || ENGINES < 1) throw new Error(`CUPOLA_BENCH_ENGINES must be a whole number ≥ 1, not ${process.env.CUPOLA_BENCH_ENGINES}`);

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
/** Runs pgbench on the same server and clients: its rate (transactions/s) and the machine's CPU per transaction (µs). */
const pgbench = (args: string[]) => {
  const cpu = cpuSince();
  const out = execFileSync(`${bin}/pgbench`, [...args, '-n', '-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), '-h', '127.0.0.1', '-p', port, '-U', 'postgres', 'cupola_pgbench'], { encoding: 'utf8' });
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? NaN);
  const txns = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1] ?? NaN);
  return { tps, cpuUsPerTxn: cpu(txns).machineUs };
};
const limitRun = pgbench(['-N']);
const limit = limitRun.tps;
console.log(`pgbench -N, ${CLIENTS} clients, ${SECONDS} s: ${round(limit, 0)} tps, ${round(limitRun.cpuUsPerTxn, 0)} µs of machine CPU per transaction`);
// (a2) how much of the limit is per transaction (round trips, commit) and how much per row: pgbench -N's own work
// (an account updated and read, a history row inserted) for BATCH accounts in one transaction of three set-based
// statements — what grouping bookings can save at most, and the per-row cost it cannot
const BATCH = 16;
const batchDir = mkdtempSync(join(tmpdir(), 'cupola-pgbench-'));
const batchScript = join(batchDir, 'batched.sql');
writeFileSync(batchScript, `BEGIN;
WITH ids AS (SELECT (1 + floor(random() * 100000 * :scale))::int AS aid, floor(random() * 10001)::int - 5000 AS delta FROM generate_series(1, ${BATCH})),
  u AS (UPDATE pgbench_accounts a SET abalance = a.abalance + ids.delta FROM ids WHERE a.aid = ids.aid RETURNING a.aid, a.abalance),
  h AS (INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 1 + aid % (10 * :scale), 1 + aid % :scale, aid, delta, now() FROM ids)
SELECT count(*), sum(abalance) FROM u;
END;
`);
const batched = pgbench(['-f', batchScript]);
rmSync(batchDir, { recursive: true, force: true });
const perRowUs = batched.cpuUsPerTxn / BATCH;
console.log(`  the same work ${BATCH} accounts to a transaction: ${round(batched.tps * BATCH, 0)} accounts/s, ${round(perRowUs, 0)} µs of machine CPU per account (so ${round(100 * (1 - perRowUs / limitRun.cpuUsPerTxn), 0)} % of a -N transaction's CPU is per transaction, not per row)`);

// (b) bookings through the API
const { db, url } = await regionDb('cupola_bench_region', quick ? 2 : 13);
const services = await busyServices(db, 12);
const people = await benchPatients(db, quick ? 30_000 : 150_000, services);
// the hot-slot phase's patients, kept apart so that earlier phases cannot use up their prescriptions
const hotPeople = people.splice(people.length - CLIENTS * 4);
// and the database floor's (phase d)
const floorPeople = people.splice(people.length - (quick ? 4_000 : 24_000));
const engines = await startEngines(url, ENGINES, 39300);
const token = await operatorToken();
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
let next = 0;
const lat: number[] = [];
let booked = 0;
let taken = 0;
let errors = 0;
const errorCodes = new Map<string, number>();

const call = jsonPoster(headers);

/** `pick`: which option the patient prefers (in the booking phase, one that no earlier patient chose). */
type Searched = { p: (typeof people)[number]; searchId: string; options: { slotId: string }[]; pick?: number };
const refuse = (code: string) => {
  errors++;
  errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1);
};

/** A search; with `earliest` the patient asks for dates from that day on (their choice of a later date). */
async function search(base: string, earliest?: string, limit = 10, p = people[next++ % people.length]!): Promise<Searched | null> {
  const s = await call(base, '/availability/search', { patientId: p.patientId, prescriptionLineId: p.lineId, channel: 'call_centre', limit, ...(earliest ? { earliest } : {}) });
  if (s.status !== 200) return (refuse(s.json.code), null);
  return { p, searchId: s.json.searchId, options: s.json.options };
}

/** Books one of the options (patients do not all take the first: each client starts from a different one); true when booked. */
async function book(base: string, k: number, s: Searched): Promise<boolean> {
  const shift = s.options.length ? (s.pick ?? k) % s.options.length : 0;
  for (const o of [...s.options.slice(shift), ...s.options.slice(0, shift)].slice(0, 3)) {
    const b = await call(base, '/appointments', { patientId: s.p.patientId, prescriptionLineId: s.p.lineId, slotId: o.slotId, channel: 'call_centre', searchId: s.searchId });
    if (b.status === 201) return true;
    if (b.json.code === 'SLOT_TAKEN') taken++;
    else return (refuse(b.json.code), false);
  }
  return false;
}

// (b1) the channel's whole loop: search, then book
console.log(`search → book through the API: ${CLIENTS} clients for ${SECONDS} s on ${engines.urls.length} engine processes…`);
let t0 = Date.now();
let loopBooked = 0;
const loopLat: number[] = [];
await Promise.all(Array.from({ length: CLIENTS }, async (_, k) => {
  const base = engines.urls[k % engines.urls.length]!;
  while (Date.now() < t0 + SECONDS * 1000) {
    const t = performance.now();
    const s = await search(base);
    if (s && (await book(base, k, s))) (loopBooked++, loopLat.push(performance.now() - t));
  }
}));
const loopPerS = loopBooked / ((Date.now() - t0) / 1000);
console.log(`  ${loopBooked} bookings = ${round(loopPerS, 1)} search+book/s; p50 ${round(pct(loopLat, 50), 1)} ms, p99 ${round(pct(loopLat, 99), 1)} ms`);

// (b2) bookings: patients who searched beforehand (searches not timed) book through the API. They searched at about
// the same moment, before anyone booked, so each chooses an option no earlier patient of this phase chose: with
// stale results they would otherwise race for the same few slots, and the phase would mostly measure SLOT_TAKEN
// refusals (about one per booking before this rule). That contention is the hot-slot phase's job. Patients of one
// service ask for dates from the same day until its 50 options are all chosen, then from the next day.
const searched: Searched[] = [];
const chosen = new Set<string>();
const horizonDays = (quick ? 2 : 13) * 7 - 2;
const today = new Date().toISOString().slice(0, 10);
const want = Math.ceil(SECONDS * (quick ? 2000 : 3500));
// per service, the day (from today) its next patients ask for; it moves on once a search there leaves no option free
const dayOf = new Map(services.map((s) => [s, 1]));
let unplaced = 0;
console.log(`searching for ${want} patients before the booking phase (not timed)…`);
await Promise.all(Array.from({ length: 16 }, async (_, k) => {
  while (searched.length < want && next < people.length) {
    const p = people[next++]!;
    const day = dayOf.get(p.serviceId)!;
    if (day > horizonDays) continue;
    const s = await search(engines.urls[k % engines.urls.length]!, addDays(today, day), 50, p);
    const pick = s ? s.options.findIndex((o) => !chosen.has(o.slotId)) : -1;
    if (pick < 0) {
      unplaced++;
      dayOf.set(p.serviceId, Math.max(dayOf.get(p.serviceId)!, day + 1));
    } else {
      chosen.add(s!.options[pick]!.slotId);
      searched.push({ ...s!, pick });
    }
  }
}));
console.log(`  ${searched.length} patients searched, each with an option of their own; ${unplaced} left without one`);
console.log(`booking through the API: ${CLIENTS} clients for ${SECONDS} s on ${engines.urls.length} engine processes…`);
let queue = 0;
// where the CPU of the booking phase goes (the cores are shared): the engines, this load generator, and the machine as a
// whole (the rest is mostly PostgreSQL)
const cpuOf = () => ({ engines: engines.pids.reduce((a, pid) => a + (processCpuMs(pid) ?? NaN), 0), self: process.cpuUsage(), machine: machineBusyMs() ?? NaN });
/** CPU per request (µs) since `from`: engines, this load generator, the whole machine. */
const cpuPer = (from: ReturnType<typeof cpuOf>, requests: number) => {
  const to = cpuOf();
  const self = process.cpuUsage(from.self);
  const us = (ms: number) => round((ms * 1000) / requests, 0);
  return { engines_us: us(to.engines - from.engines), load_generator_us: us((self.user + self.system) / 1000), machine_us: us(to.machine - from.machine) };
};
// what ratio 1.0 leaves per booking: every core's time divided by pgbench's rate
const budgetUs = round((availableParallelism() * 1e6) / limit, 0);
const cpu0 = cpuOf();
t0 = Date.now();
await Promise.all(Array.from({ length: CLIENTS }, async (_, k) => {
  const base = engines.urls[k % engines.urls.length]!;
  while (Date.now() < t0 + SECONDS * 1000 && queue < searched.length) {
    const s = searched[queue++]!;
    const t = performance.now();
    if (await book(base, k, s)) (booked++, lat.push(performance.now() - t));
  }
}));
const elapsed = (Date.now() - t0) / 1000;
const perS = booked / elapsed;
const cpuSplit = cpuPer(cpu0, booked);
console.log(`  ${booked} bookings in ${round(elapsed, 1)} s = ${round(perS, 1)} bookings/s; p50 ${round(pct(lat, 50), 1)} ms, p99 ${round(pct(lat, 99), 1)} ms; ${taken} SLOT_TAKEN retries; ${errors} errors ${JSON.stringify(Object.fromEntries(errorCodes))}`);
if (queue >= searched.length) console.log('  (the searched patients ran out before the time: the rate is a lower bound)');
console.log(`  CPU per booking: engines ${cpuSplit.engines_us} µs, load generator ${cpuSplit.load_generator_us} µs, whole machine ${cpuSplit.machine_us} µs (ratio 1.0 leaves ${budgetUs} µs of the ${availableParallelism()} cores per booking)`);

// (b3) the HTTP floor: the same clients post booking requests that the engines refuse at schema validation (a slotId
// that is not a slot number), so each goes through routing, the bearer token check, the JSON body and its validation and a
// problem+json reply, with no database work. What ratio 1.0 leaves per booking beyond this is the budget for a
// booking's database work (and the engine's own booking logic).
const floorSeconds = quick ? 3 : 5;
let floorRequests = 0;
const floorCpu0 = cpuOf();
const tf = Date.now();
await Promise.all(Array.from({ length: CLIENTS }, async (_, k) => {
  const base = engines.urls[k % engines.urls.length]!;
  const p = people[k]!;
  while (Date.now() < tf + floorSeconds * 1000) {
    const r = await call(base, '/appointments', { patientId: p.patientId, prescriptionLineId: p.lineId, slotId: 'not-a-slot', channel: 'call_centre' });
    if (r.status !== 400 || r.json.code !== 'VALIDATION_FAILED') throw new Error(`the HTTP floor expected 400 VALIDATION_FAILED, got ${r.status} ${r.json.code}`);
    floorRequests++;
  }
}));
const httpFloor = cpuPer(floorCpu0, floorRequests);
console.log(`  HTTP floor (${floorRequests} requests refused at validation, no database work, ${round(floorRequests / floorSeconds, 0)}/s): engines ${httpFloor.engines_us} µs, load generator ${httpFloor.load_generator_us} µs, whole machine ${httpFloor.machine_us} µs per request; ratio 1.0 leaves ${round(budgetUs - httpFloor.machine_us, 0)} µs per booking beyond it (the booking phase used ${round(cpuSplit.machine_us - httpFloor.machine_us, 0)})`);

// (c) hot slots: everyone races for the same 10 slots
const hot = (await db.query<{ id: string; capacity: number }>(
  `select s.id::text, s.capacity from slot s join agenda a on a.id = s.agenda_id join agenda_service x on x.agenda_id = a.id and x.service_id = $1
   where s.status = 'open' and s.booked = 0 and s.start_at > now() + interval '3 days' and a.access_type = 'first' and s.reserved_class is null
     and a.attrs->'regimes' is null order by s.start_at limit 10`, [services[0]])).map((r) => r);
let hotWon = 0;
let hotTaken = 0;
await Promise.all(Array.from({ length: CLIENTS }, async (_, k) => {
  for (let j = 0; j < 4; j++) {
    const p = hotPeople[k * 4 + j]!;
    if (p.serviceId !== services[0]) continue;
    const slot = hot[(k + j) % hot.length]!;
    const b = await call(engines.urls[k % engines.urls.length]!, '/appointments', { patientId: p.patientId, prescriptionLineId: p.lineId, slotId: slot.id, channel: 'call_centre' });
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

// (d) the database floor: the engine's own read and write statements for ready-made bookings (an appointment and its
// event each), BATCH to a statement, sent by this process alone with the engines stopped (_booking-db-floor.ts). With
// the HTTP floor it is the least a booking through the API costs here, before any booking logic.
await new Promise((r) => setTimeout(r, 1000));
const dbFloor = await bookingDbFloor(db, floorPeople, { batch: BATCH, inFlight: 4, warm: quick ? 1_000 : 3_000 });
const leastUs = httpFloor.machine_us + dbFloor.databaseUs + dbFloor.driverUs;
console.log(`database floor (${dbFloor.bookings} bookings, ${BATCH} to a statement, 4 statements in flight, ${round(dbFloor.perS, 0)}/s, ${dbFloor.refused} refused): PostgreSQL and the kernel ${round(dbFloor.databaseUs, 0)} µs, the driver ${round(dbFloor.driverUs, 0)} µs per booking`);
console.log(`  with the HTTP floor: ${round(leastUs, 0)} µs per booking before any booking logic, against the ${budgetUs} µs ratio 1.0 leaves (at most ratio ${round(budgetUs / leastUs, 2)} on this machine)`);
await db.close();
console.log(`ratio bookings/s ÷ pgbench tps = ${round(perS / limit, 3)} (target ≥ 1.0)`);
printJson({ bench: 'booking', quick, bookings_per_s: round(perS, 1), limit_per_s: round(limit, 0), ratio: round(perS / limit, 3), over_capacity: over,
  search_and_book_per_s: round(loopPerS, 1), search_and_book_p99_ms: round(pct(loopLat, 99), 1),
  booked_count_mismatch: mismatch, hot_won: hotWon, hot_capacity: hotCapacity, hot_refused: hotTaken, p50_ms: round(pct(lat, 50), 1), p99_ms: round(pct(lat, 99), 1), errors,
  cpu_us_per_booking: cpuSplit, http_floor_cpu_us_per_request: httpFloor, engines: ENGINES,
  limit_cpu_us_per_txn: round(limitRun.cpuUsPerTxn, 0), batched_rows_per_s: round(batched.tps * BATCH, 0), batched_cpu_us_per_row: round(perRowUs, 0), batch: BATCH,
  db_floor_database_us: round(dbFloor.databaseUs, 0), db_floor_driver_us: round(dbFloor.driverUs, 0), least_us_per_booking: round(leastUs, 0), budget_us: budgetUs,
  ratio_ceiling: round(budgetUs / leastUs, 3) });
process.exit(0);
