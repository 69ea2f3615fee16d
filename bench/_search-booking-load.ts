/**
 * Booking load of bench/search, run in a worker thread so the timed searches do not share an event loop with it: an
 * open loop starting one search → book pair every 1/rate s (whatever the earlier ones are doing) until `until`
 * (epoch ms), on the booking engine. Posts { started, booked, errors } when every pair has ended.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { jsonPoster } from './_util.ts';

const { engine, headers, people, rate, until } = workerData as {
  engine: string; headers: Record<string, string>; people: { patientId: string; lineId: string }[]; rate: number; until: number;
};
const post = jsonPoster(headers);
let i = 0;
let started = 0;
let booked = 0;
let errors = 0;
const inflight: Promise<void>[] = [];

async function bookOnce() {
  const p = people[i++ % people.length]!;
  const s = await post(engine, '/availability/search', { patientId: p.patientId, prescriptionLineId: p.lineId, channel: 'desk', limit: 3 });
  const o = s.json.options?.[0];
  if (o && (await post(engine, '/appointments', { patientId: p.patientId, prescriptionLineId: p.lineId, slotId: o.slotId, channel: 'desk', searchId: s.json.searchId })).status === 201) booked++;
}

const t0 = Date.now();
await new Promise<void>((resolve) => {
  const ticker = setInterval(() => {
    const due = Math.floor(((Date.now() - t0) / 1000) * rate);
    while (started < due && Date.now() < until) {
      started++;
      // e.g. a kept-alive socket reset by the server: the load goes on
      inflight.push(bookOnce().catch(() => void errors++));
    }
    if (Date.now() >= until) (clearInterval(ticker), resolve());
  }, 5);
});
await Promise.all(inflight);
parentPort!.postMessage({ started, booked, errors });
