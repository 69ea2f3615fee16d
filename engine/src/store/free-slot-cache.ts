import { FreeSlotIndex } from '../domain/booking/free-slot-index.ts';
import type { PriorityClass } from '../domain/offer/types.ts';
import type { AgendaRelease, FreeSlot } from './booking-store.ts';
import type { Db } from './db.ts';

/** A committed change of a slot by this engine: the places now taken, in which transaction. */
export interface OwnTake {
  slotId: string;
  booked: number;
  xid: string;
}

interface Loading {
  promise: Promise<void>;
  /** booked counts announced while the window was being read: applied on top of what was read, in order */
  buffer: [string, number][];
  /** the agenda changed otherwise meanwhile: what was read must not be installed */
  stale: boolean;
}

const CHANNEL = 'cupola_slot';
/** windows start this much before the instant asked for, so requests a little older than the load still fit */
const WINDOW_LEAD_MS = 3600_000;
/** how long a search waits for windows being read before asking SQL itself */
const LOAD_WAIT_MS = 1000;

/**
 * The per-process free-slot index kept fresh from PostgreSQL (the I/O edge of `FreeSlotIndex`).
 * Agenda windows are read lazily, in one statement for all the agendas a search misses. Every committed slot change
 * is announced by the database on channel `cupola_slot` (migration 004's statement triggers); this engine's own
 * bookings are applied at once (`ownTake`) so a search after them never shows their slot, until their own
 * notification arrives. PostgreSQL stays the authority on capacity: a stale entry can only end in SLOT_TAKEN.
 * Without a live LISTEN connection (PGlite, a lost connection, or before it is up) `freeSlots` answers null and the
 * caller asks SQL; on loss the whole index is dropped and rebuilt lazily after reconnecting.
 */
export class LiveFreeSlots {
  readonly index = new FreeSlotIndex();
  private ready = false;
  private stopped = false;
  private handle: { close(): Promise<void>; query: Db['query'] } | null = null;
  private generation = 0;
  private loading = new Map<string, Loading>();
  private retry: NodeJS.Timeout | null = null;
  /** reads on the listening connection, one at a time */
  private reads: Promise<unknown> = Promise.resolve();
  /** counters for tests and benchmarks */
  readonly stats = { hits: 0, fallbacks: 0, loads: 0, loadedAgendas: 0, notifications: 0, resets: 0, losses: 0 };
  /** the transaction of the last notification applied (tests wait for a marker notification with it) */
  lastXid: string | null = null;

  constructor(private readonly db: Db, private readonly opts: { reconnectMs: number; loadWaitMs: number } = { reconnectMs: 1000, loadWaitMs: LOAD_WAIT_MS }) {}

  /** Starts listening (no-op where the store cannot LISTEN); resolves once the index can serve. */
  async start(): Promise<this> {
    if (process.env.CUPOLA_SLOT_INDEX_DEBUG) {
      const t = setInterval(() => console.error(`slot index ${process.pid}: ${JSON.stringify({ ...this.stats, agendas: this.index.agendaCount, slots: this.index.slotCount })}`), 2000);
      t.unref();
    }
    if (this.db.listen) await this.connect();
    return this;
  }

  get live() {
    return this.ready;
  }

  private async connect() {
    if (this.stopped || this.ready) return;
    try {
      const handle = await this.db.listen!(CHANNEL, (p) => this.onMessage(p), () => this.onLost());
      if (this.stopped) return void (await handle.close());
      this.handle = handle;
      this.reset();
      this.ready = true;
    } catch {
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect() {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, this.opts.reconnectMs);
    this.retry.unref?.();
  }

  /** Notifications may have been missed: forget everything, serve from SQL until listening again. */
  private onLost() {
    this.stats.losses++;
    this.ready = false;
    this.handle = null;
    this.reset();
    this.scheduleReconnect();
  }

  private reset() {
    this.generation++;
    this.index.clear();
    for (const l of this.loading.values()) l.stale = true;
  }

  async stop() {
    this.stopped = true;
    this.ready = false;
    if (this.retry) clearTimeout(this.retry);
    await this.handle?.close();
    this.handle = null;
    this.reset();
  }

  /** Applies one change notification (exposed for tests). */
  onMessage(payload: string) {
    this.stats.notifications++;
    let m: { x?: string; r?: boolean; b?: [string, string, number][]; a?: string[] };
    try {
      m = JSON.parse(payload);
    } catch {
      m = { r: true };
    }
    if (m.r) {
      this.stats.resets++;
      this.reset();
    } else {
      for (const [id, agenda, booked] of m.b ?? []) {
        const l = this.loading.get(agenda);
        if (l) l.buffer.push([id, booked]);
        else this.index.applyBooked(id, booked);
      }
      for (const a of m.a ?? []) {
        const l = this.loading.get(a);
        if (l) l.stale = true;
        this.index.dropAgenda(a);
      }
    }
    if (m.x) {
      this.index.settle(m.x, Date.now());
      this.lastXid = m.x;
    }
  }

  /** Hook for the booking write: this engine just took a place (committed, or committing with its transaction). */
  readonly ownTake = (t: OwnTake) => {
    if (this.ready) this.index.markOwn(t.slotId, t.booked, t.xid, Date.now());
  };

  /** The same answer as the SQL `freeSlots`, from memory; null when the index cannot answer (then ask SQL). */
  async freeSlots(agendas: readonly AgendaRelease[], cls: PriorityClass | null, from: Date, to: Date, perAgenda: number, total?: number): Promise<FreeSlot[] | null> {
    if (!this.ready) return null;
    for (let attempt = 0; attempt < 4 && this.ready; attempt++) {
      const a = this.index.query(agendas, cls, from, to, perAgenda, Date.now(), total);
      if (!a.missing.length) {
        this.stats.hits++;
        return a.slots as FreeSlot[];
      }
      try {
        // a read that takes long (a busy or stalled connection) must not hold the search: SQL answers this one
        let timer: NodeJS.Timeout | undefined;
        const slow = new Promise<'slow'>((r) => (timer = setTimeout(() => r('slow'), this.opts.loadWaitMs)));
        const done = await Promise.race([this.load(a.missing, from).then(() => 'done' as const), slow]).finally(() => clearTimeout(timer));
        if (done === 'slow') break;
      } catch {
        break; // the listening connection failed under the read: SQL answers this one
      }
    }
    this.stats.fallbacks++;
    return null;
  }

  private async load(missing: readonly { id: string; depth: number }[], from: Date) {
    const waits: Promise<void>[] = [];
    const need: { id: string; depth: number }[] = [];
    for (const m of missing) {
      const l = this.loading.get(m.id);
      if (l) waits.push(l.promise);
      else need.push(m);
    }
    if (need.length) {
      const gen = this.generation;
      const lo = from.getTime() - WINDOW_LEAD_MS;
      const entries = new Map(need.map((m) => [m.id, { promise: Promise.resolve(), buffer: [], stale: false } as Loading]));
      for (const [id, e] of entries) this.loading.set(id, e);
      const p = this.read(need, lo)
        .then((windows) => {
          for (const [id, w] of windows) {
            const e = entries.get(id)!;
            if (e.stale || gen !== this.generation) continue;
            this.index.setWindow(id, lo, w.hi, w.depth, w.rows);
            for (const [slotId, booked] of e.buffer) this.index.applyBooked(slotId, booked);
          }
          this.stats.loads++;
          this.stats.loadedAgendas += windows.size;
        })
        .finally(() => {
          for (const [id, e] of entries) if (this.loading.get(id) === e) this.loading.delete(id);
        });
      for (const e of entries.values()) e.promise = p;
      waits.push(p);
    }
    await Promise.all(waits);
  }

  /** Reads the windows: every open slot from `lo` up to the depth-th free one (all of them at the maximum depth). */
  private async read(need: readonly { id: string; depth: number }[], lo: number) {
    const MAX = 400;
    // on the listening connection: a search inside a transaction holds a pool connection while it waits for this
    const handle = this.handle;
    if (!handle) throw new Error('not listening');
    const run = () => handle.query<{ agenda: string; depth: number; hi: Date | null; id: string | null; start_at: Date; end_at: Date; capacity: number; booked: number;
      reserved_class: PriorityClass | null; attrs: Record<string, unknown> | null }>(
      `select ag.id as agenda, ag.depth, w.hi, s.id, s.start_at, s.end_at, s.capacity, s.booked, s.reserved_class, s.attrs
       from unnest($1::text[], $2::int[]) as ag(id, depth)
       cross join lateral (select case when ag.depth >= ${MAX} then null else
         (select f.start_at from slot f where f.agenda_id = ag.id and f.status = 'open' and f.booked < f.capacity and f.start_at >= $3
          order by f.start_at offset ag.depth - 1 limit 1) end as hi) w
       left join lateral (select id::text as id, start_at, end_at, capacity, booked, reserved_class, attrs from slot
         where agenda_id = ag.id and status = 'open' and start_at >= $3 and (w.hi is null or start_at <= w.hi) order by start_at) s on true`,
      [need.map((m) => m.id), need.map((m) => Math.min(MAX, Math.max(1, m.depth))), new Date(lo).toISOString()],
    );
    const next = this.reads.then(run, run);
    this.reads = next.catch(() => undefined);
    const rows = await next;
    const out = new Map<string, { hi: number; depth: number; rows: FreeSlot[] }>();
    for (const m of need) out.set(m.id, { hi: Infinity, depth: Math.min(MAX, m.depth), rows: [] });
    for (const r of rows) {
      const w = out.get(r.agenda)!;
      if (r.hi) w.hi = new Date(r.hi).getTime();
      if (r.id) w.rows.push({ id: r.id, agenda_id: r.agenda, start_at: r.start_at, end_at: r.end_at, capacity: r.capacity, booked: r.booked, reserved_class: r.reserved_class, attrs: r.attrs });
    }
    return out;
  }
}
