/**
 * Load generator of bench/freshness, run in a worker thread so the system under test does not share its event loop:
 * commits PER_TX events per transaction through the engine's outbox store on an absolute schedule, and reports each
 * event's commit time (wall clock, ms) to the parent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openPg } from '../engine/src/store/db.pg.ts';
import { appendEvents } from '../engine/src/store/outbox-store.ts';
import { mixedEvent } from '../simulator/src/booking-events.ts';

const { url, total, rate, perTx, writers } = workerData as { url: string; total: number; rate: number; perTx: number; writers: number };
const db = openPg(url, { max: writers + 1 });
const wall = () => performance.timeOrigin + performance.now();
const interval = (perTx / rate) * 1000 * writers;
let n = 0;
let late = 0;
let out: [string, number][] = [];
const flush = setInterval(() => {
  if (out.length) parentPort!.postMessage({ commits: out });
  out = [];
}, 50);
const t0 = performance.now();
await Promise.all(
  Array.from({ length: writers }, async (_, w) => {
    for (let tx = 0; n < total; tx++) {
      const due = t0 + (tx + w / writers) * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      else if (wait < -50) late++;
      if (n >= total) break;
      const now = new Date();
      const events = Array.from({ length: perTx }, () => mixedEvent(n++, now));
      const envs = await db.transaction((t) => appendEvents(t, events, now));
      const tc = wall();
      for (const e of envs) out.push([e.event_id, tc]);
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
clearInterval(flush);
parentPort!.postMessage({ commits: out, done: { events: n, seconds, late } });
await db.close();
