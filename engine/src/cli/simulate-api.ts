/**
 * `cupola simulate --mode api`: the demand model driven through the engine's real HTTP routes (simulator/src/demand-api.ts).
 *
 * - In-process (default): the store of this data folder (embedded PGlite in $CUPOLA_DATA_DIR/pg, or DATABASE_URL),
 *   migrated and seeded with the region plan from --start (enough weeks of slots for the history plus the booking
 *   horizon); the engine app listens on an ephemeral port on a simulated clock that the driver advances request by
 *   request; the engine's sweeper (hold expiry, reminders) runs at fixed hours of the simulated day; the outbox is
 *   relayed into the lake ($CUPOLA_DATA_DIR/lake) by the same relay and sink `cupola up` runs, drained at the end of
 *   every simulated day. The region is seeded with COPY (no outbox events), so its offer events (catalogue, tree,
 *   agendas, weekly supply) are handed to the same sink from the lake mode's simulation of the same plan.
 * - External (--url): a running engine on real time; see the command's help.
 */
import { loadConfig } from '../config.ts';
import { buildApp } from '../http/app.ts';
import { mintToken } from '../http/auth.ts';
import { epochDayOf, localToUtcMs } from '../domain/time/rome-time.ts';
import { loadEngineReference } from '../reference.ts';
import type { Db } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';
import { OfferCache } from '../store/offer-cache.ts';
import { openDb } from '../store/open.ts';
import { startSweeper } from '../usecases/sweeper.ts';
import { regionExists, runSeed } from './seed-command.ts';
import { ApiDemandDriver, httpApi, realClock, simulatedClock, type Api, type DriveResult } from '../../../simulator/src/demand-api.ts';
import { loadMaxWaitDays } from '../../../simulator/src/demand-lake.ts';
import { BOOKING_HORIZON_DAYS } from '../../../simulator/src/demand-sim.ts';
import { topicOf } from '../events/envelope.ts';
import { planRegion, type Scale } from '../../../simulator/src/region-plan.ts';
import { loadReference } from '../../../simulator/src/reference.ts';
import { loadStreamConfig } from '../../../pipelines/src/config.ts';
import { startSinkService } from '../../../pipelines/src/stream.ts';
import { OutboxRelay } from '../../../pipelines/src/relay/outbox-relay.ts';
import { InProcessPublisher } from '../../../pipelines/src/relay/in-process-stream.ts';


/** Tables a --reset empties besides those `seed --reset` does (patients, prescriptions and what hangs on them). */
const BOOKING_TABLES = 'reminder, waitlist_entry, idempotency_key, availability_search, prescription_line, prescription, patient';

export interface SimulateApiOptions {
  scale: Scale;
  seed: number;
  days: number;
  start: string;
  load?: number | undefined;
  url?: string | undefined;
  reset?: boolean;
  /** environment read for the store, the keys and the data folder (default process.env) */
  env?: NodeJS.ProcessEnv;
  /** an open store to use instead of the configured one (left open) */
  db?: Db;
  /** no seeding progress on stderr */
  quiet?: boolean;
  /** sees every request the driver sends and the status it got (tests: the same seed sends the same requests) */
  onCall?: (method: string, path: string, body: unknown, status: number) => void;
  onDay?: (done: number, total: number) => void;
}

export interface SimulateApiResult extends DriveResult {
  engine: string;
  /** events the sink wrote to the lake (in-process only) */
  written: number | null;
  files: number | null;
  deadLettered: number | null;
  /** of `written`, the seeded region's offer events (not from the outbox) */
  offerEvents: number | null;
  lakeDir: string | null;
  seedLine: string | null;
}

export async function simulateThroughApi(opts: SimulateApiOptions): Promise<SimulateApiResult> {
  const env = opts.env ?? process.env;
  const cfg = loadConfig(env);
  const ref = loadReference();
  // slots for the history plus the supply horizon the offer events publish (demand-sim.ts), as the lake mode's region
  const weeks = Math.min(104, Math.ceil((opts.days + BOOKING_HORIZON_DAYS) / 7));
  const plan = planRegion({ scale: opts.scale, seed: opts.seed, startDate: opts.start, weeks }, ref);
  const maxWaitDays = loadMaxWaitDays();

  if (opts.url) {
    const token = env.CUPOLA_TOKEN || (await mintToken(cfg.jwtSecret, { sub: 'simulator', role: 'service' }));
    const api = observed(httpApi(opts.url, token), opts.onCall);
    const health = await api('GET', '/health');
    if (health.status !== 200) throw new Error(`${opts.url}/health answered ${health.status}`);
    const ats = await api('GET', '/org-units?level=ats');
    if (ats.status !== 200) throw new Error(`${opts.url} refused the token (${ats.status} ${ats.body?.code ?? ''}): set CUPOLA_JWT_SECRET to the engine's key or CUPOLA_TOKEN`);
    const known = new Set((ats.body.items as { id: string }[]).map((a) => a.id));
    const missing = plan.orgUnits.filter((u) => u.level === 'ats' && !known.has(u.id)).map((u) => u.id);
    if (missing.length) throw new Error(`the engine at ${opts.url} lacks the ${opts.scale} region's ATS ${missing.join(', ')}: seed it with \`cupola seed --scale ${opts.scale}\``);
    const driver = new ApiDemandDriver({
      plan, seed: opts.seed, days: opts.days, maxWaitDays, ...(opts.load ? { load: opts.load } : {}), api, clock: realClock,
      nrePrefix: '030SX', nreBase: (Math.floor(Date.now() / 1000) % 100_000) * 100_000, ...(opts.onDay ? { onDay: opts.onDay } : {}),
    });
    const r = await driver.run();
    return { ...r, engine: opts.url, written: null, files: null, deadLettered: null, lakeDir: null, seedLine: null, offerEvents: null };
  }

  const db = opts.db ?? (await openDb(cfg));
  let closeAll: (() => Promise<void>)[] = opts.db ? [] : [async () => db.close()];
  try {
    await migrate(db);
    const seeded = await seedFor(db, opts, weeks);
    const engineRef = await loadEngineReference();
    const offer = new OfferCache();
    const startMs = localToUtcMs(epochDayOf(opts.start), 0) ?? Date.parse(`${opts.start}T00:00:00Z`);
    const clock = simulatedClock(startMs);
    const now = () => new Date(clock.now());
    const app = await buildApp({ db, ref: engineRef, offer, jwtSecret: cfg.jwtSecret, jwksUrl: undefined, now });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    closeAll = [async () => void (await app.close()), ...closeAll];
    // the engine's background duties, ticked by the driver at simulated instants (the timer itself never fires)
    const sweeper = startSweeper({ db, ref: engineRef, offer, now }, 2 ** 31 - 1);
    closeAll = [async () => sweeper.stop(), ...closeAll];
    const streamCfg = loadStreamConfig(env);
    const sink = await startSinkService(streamCfg, { serveLive: false });
    closeAll = [async () => sink.stop(), ...closeAll];
    const relay = new OutboxRelay(db, new InProcessPublisher((records) => sink.sink.ingest(records)), { batchSize: 20_000 });
    const token = await mintToken(cfg.jwtSecret, { sub: 'simulator', role: 'service' });
    let offerEvents = 0;
    const driver = new ApiDemandDriver({
      plan, seed: opts.seed, days: opts.days, maxWaitDays, ...(opts.load ? { load: opts.load } : {}),
      api: observed(httpApi(address.replace('[::1]', 'localhost'), token), opts.onCall), clock, sweep: () => sweeper.tick(),
      // the seeded region has no outbox events: its offer reaches the lake as the lake mode writes it, through the same sink
      writeOffer: async (events) => {
        offerEvents += events.length;
        await sink.sink.ingest(events.map((e) => ({ topic: topicOf(e.aggregate_type), key: e.aggregate_id, value: JSON.stringify(e) })));
      },
      afterDay: async () => void (await relay.drain()), ...(opts.onDay ? { onDay: opts.onDay } : {}),
    });
    const r = await driver.run();
    await relay.drain();
    return {
      ...r, engine: `in-process on ${db.kind}`, written: sink.sink.eventsWritten, files: sink.sink.filesWritten,
      deadLettered: sink.sink.deadLetters.count, lakeDir: streamCfg.lakeDir, seedLine: seeded, offerEvents,
    };
  } finally {
    for (const close of closeAll) await close();
  }
}

/** Seeds the plan's region into an empty store (or, with --reset, a store emptied first); returns the seed summary. */
async function seedFor(db: Db, opts: SimulateApiOptions, weeks: number): Promise<string> {
  if (await regionExists(db)) {
    if (!opts.reset)
      throw new Error('the store already holds a region: --mode api seeds its own region from --start, so pass --reset to replace the offer, ' +
        'patients and appointments of this store (or --url to drive a running engine instead)');
    await db.exec(`truncate ${BOOKING_TABLES} restart identity cascade`);
  }
  const r = await runSeed(db, { scale: opts.scale, seed: opts.seed, startDate: opts.start, weeks }, { reset: !!opts.reset, quiet: !!opts.quiet });
  return r.line;
}

const observed = (api: Api, onCall: SimulateApiOptions['onCall']): Api =>
  onCall
    ? async (method, path, body) => {
        const r = await api(method, path, body);
        onCall(method, path, body, r.status);
        return r;
      }
    : api;
