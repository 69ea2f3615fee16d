/**
 * bench search: availability-search latency (HTTP, one engine process) over the region-scale slot table while a
 * booking load runs through a second engine process. Target (issue): p99 ≤ 5 ms. JSON keys p50_ms, p99_ms, slots.
 * The booking load is open-loop at a stated rate (`--bookings-per-s`, default 100: each a search then a booking,
 * several times the peak a region of 10 million people makes), not a closed loop that saturates both cores — then
 * every latency would measure the CPU queue, not the search. The load runs in a worker thread of its own
 * (_search-booking-load.ts).
 */
import { benchPatients, busyServices, operatorToken, regionDb, startEngines } from './_region.ts';
import { loadavg } from 'node:os';
import { jsonPoster, pct, printJson, processCpuMs, quick, round, tsWorker } from './_util.ts';

const SECONDS = quick ? 8 : 30;
const argAt = process.argv.indexOf('--bookings-per-s');
const RATE = argAt > 0 ? Number(process.argv[argAt + 1]) : 100;
const { db, url } = await regionDb('cupola_bench_region', quick ? 2 : 13);
const slots = (await db.query<{ n: number }>(`select count(*)::int as n from slot`))[0]!.n;
const services = await busyServices(db, 12);
const people = await benchPatients(db, 40_000, services);
const engines = await startEngines(url, 2, 39400);
const [searchEngine, bookEngine] = engines.urls;
// a crash of the bench must not leave its engines running (they would hold the ports)
let enginesStopped = false;
const stopEngines = () => {
  if (!enginesStopped) engines.stop(); // once: a second SIGTERM would cut an engine's own shutdown short
  enginesStopped = true;
};
process.on('exit', stopEngines);
const token = await operatorToken();
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
const post = jsonPoster(headers);

const until = Date.now() + SECONDS * 1000;
// the load books the first half of the patients; the timed searches cycle through the other half (a prescription
// already booked would answer PRESCRIPTION_USED, a quicker answer than a search)
const LOAD_PEOPLE = Math.floor(people.length / 2);
// the booking load in a worker thread: its requests and responses must not queue behind the timed searches' (nor
// theirs behind it) in one event loop
const load = tsWorker('./_search-booking-load.ts', { engine: bookEngine, headers, people: people.slice(0, LOAD_PEOPLE), rate: RATE, until });
const loadDone = new Promise<{ started: number; booked: number; errors: number }>((resolve, reject) => {
  load.once('message', resolve);
  load.once('error', reject);
});

// warm-up, then sequential timed searches
for (let k = 0; k < 50; k++) await post(searchEngine!, '/availability/search', { patientId: people[k]!.patientId, prescriptionLineId: people[k]!.lineId, channel: 'web', limit: 10 });
const lat: number[] = [];
let empty = 0;
// the search engine's own CPU over the timed searches (with what it does meanwhile: change notifications, refreshes)
const cpu0 = processCpuMs(engines.pids[0]!);
let j = 0;
while (Date.now() < until) {
  const p = people[LOAD_PEOPLE + (j++ % (people.length - LOAD_PEOPLE))]!;
  const t0 = performance.now();
  const r = await post(searchEngine!, '/availability/search', { patientId: p.patientId, prescriptionLineId: p.lineId, channel: 'web', limit: 10 });
  lat.push(performance.now() - t0);
  if (r.status !== 200 || !r.json.options?.length) empty++;
}
const cpuMs = cpu0 === null ? null : processCpuMs(engines.pids[0]!)! - cpu0;
const { started, booked, errors: loadErrors } = await loadDone;
await load.terminate();
const p50 = pct(lat, 50);
const p99 = pct(lat, 99);
console.log(`booking load: ${started} search→book pairs started at ${RATE}/s, ${booked} booked${loadErrors ? `, ${loadErrors} failed to connect` : ''}`);
const cpuPerSearch = cpuMs === null ? null : round(cpuMs / lat.length, 3);
console.log(`${lat.length} searches over ${slots} slots while ${booked} bookings ran: p50 ${round(p50, 2)} ms, p99 ${round(p99, 2)} ms (target p99 ≤ 5 ms, ratio ${round(p99 / 5, 2)}); ${empty} without options`);
console.log(`tail: p90 ${round(pct(lat, 90), 2)} ms, p95 ${round(pct(lat, 95), 2)} ms, p99.9 ${round(pct(lat, 99.9), 2)} ms, max ${round(Math.max(...lat), 2)} ms; ${lat.filter((x) => x > 5).length} searches over 5 ms`);
console.log(`search engine CPU: ${cpuPerSearch ?? '?'} ms per search; machine load average ${loadavg().map((x) => round(x, 2)).join(' ')}`);
printJson({ bench: 'search', quick, p50_ms: round(p50, 2), p99_ms: round(p99, 2), slots, searches: lat.length, bookings_meanwhile: booked, booking_rate_per_s: RATE, limit_p99_ms: 5, ratio: round(p99 / 5, 2),
  engine_cpu_ms_per_search: cpuPerSearch, loadavg_1m: round(loadavg()[0]!, 2) });
stopEngines();
await db.close();
process.exit(0);
