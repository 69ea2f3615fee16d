/**
 * An in-memory free-slot index (pure: no I/O). Per agenda it holds a *window*: every open slot whose start lies in
 * [lo, hi], sorted by start — full ones too, so that a release makes them free again. Within a loaded window the
 * index answers the same question as the SQL free-slot query (`freeSlots` in store/booking-store.ts): the first
 * `perAgenda` slots of each agenda in [from, to) with a place left and open to the class (unreserved, reserved to
 * it, or reserved to another class but already released), then the earliest `total` of them.
 *
 * Where a window does not cover what a question needs, `query` names the agendas to (re)load instead of guessing.
 * Changes arrive as new `booked` values of known slots (`applyBooked`), as whole agendas to forget (`dropAgenda`),
 * or as this engine's own bookings before their change notification comes back (`markOwn` … `settle`).
 */
import type { PriorityClass } from '../offer/types.ts';

export interface IndexedSlot {
  id: string;
  agenda_id: string;
  start_at: Date;
  end_at: Date;
  capacity: number;
  booked: number;
  reserved_class: PriorityClass | null;
  attrs: Record<string, unknown> | null;
}

interface Entry extends IndexedSlot {
  startMs: number;
}

interface Window {
  /** every open slot with start in [lo, hi] (hi = Infinity: every open slot from lo on), sorted by start */
  slots: Entry[];
  lo: number;
  hi: number;
  /** the free-slot depth the window was loaded for (grows when a question needs more) */
  depth: number;
}

/** One agenda of a question: its id and, per class, the instant up to which slots reserved to the class are released. */
export interface IndexQuestionAgenda {
  id: string;
  releasedUntil: Record<PriorityClass, Date>;
}

export interface IndexAnswer {
  slots: IndexedSlot[];
  /** agendas whose window is missing or too short for this question, with the depth to load them at */
  missing: { id: string; depth: number }[];
}

interface Own {
  booked: number;
  xid: string;
  expiresMs: number;
}

export class FreeSlotIndex {
  private windows = new Map<string, Window>();
  private byId = new Map<string, Entry>();
  private own = new Map<string, Own>();
  /** change notifications already seen, by transaction (so an own booking reported after its notification adds no overlay) */
  private seenXids = new Map<string, number>();

  constructor(private readonly opts: { ownTtlMs: number; minDepth: number; maxDepth: number } = { ownTtlMs: 10_000, minDepth: 24, maxDepth: 400 }) {}

  get agendaCount() {
    return this.windows.size;
  }

  get slotCount() {
    return this.byId.size;
  }

  hasAgenda(id: string) {
    return this.windows.has(id);
  }

  depthOf(id: string) {
    return this.windows.get(id)?.depth ?? 0;
  }

  /** Installs (replaces) an agenda's window: every open slot with start in [lo, hi]; hi = Infinity when complete. */
  setWindow(agendaId: string, lo: number, hi: number, depth: number, rows: readonly IndexedSlot[]) {
    this.dropAgenda(agendaId);
    const slots = rows
      .map((r) => ({ ...r, start_at: new Date(r.start_at), end_at: new Date(r.end_at), startMs: new Date(r.start_at).getTime() }))
      .sort((a, b) => a.startMs - b.startMs);
    for (const s of slots) this.byId.set(s.id, s);
    this.windows.set(agendaId, { slots, lo, hi, depth });
  }

  dropAgenda(agendaId: string) {
    const w = this.windows.get(agendaId);
    if (!w) return;
    for (const s of w.slots) this.byId.delete(s.id);
    this.windows.delete(agendaId);
  }

  clear() {
    this.windows.clear();
    this.byId.clear();
    this.own.clear();
    this.seenXids.clear();
  }

  /** A committed change of a slot's booked count (slots outside every window are ignored). */
  applyBooked(slotId: string, booked: number) {
    const s = this.byId.get(slotId);
    if (s) s.booked = booked;
  }

  /**
   * This engine committed a change to `slotId` leaving `booked` places taken, in transaction `xid`: until that
   * transaction's change notification is applied (or `ownTtlMs` passes), the index uses that count.
   */
  markOwn(slotId: string, booked: number, xid: string, nowMs: number) {
    if (this.seenXids.has(xid)) return;
    this.own.set(slotId, { booked, xid, expiresMs: nowMs + this.opts.ownTtlMs });
  }

  /** The change notification of transaction `xid` has been applied: own overlays of that transaction end. */
  settle(xid: string, nowMs: number) {
    this.seenXids.set(xid, nowMs);
    if (this.seenXids.size > 4096) {
      for (const [x, at] of this.seenXids) if (at < nowMs - this.opts.ownTtlMs || this.seenXids.size > 4096) this.seenXids.delete(x);
    }
    for (const [id, o] of this.own) if (o.xid === xid) this.own.delete(id);
  }

  private bookedOf(s: Entry, nowMs: number): number {
    const o = this.own.get(s.id);
    if (!o) return s.booked;
    if (o.expiresMs < nowMs) {
      this.own.delete(s.id);
      return s.booked;
    }
    return o.booked;
  }

  /** Same answer as the SQL free-slot query, or the agendas that must be (re)loaded first. */
  query(agendas: readonly IndexQuestionAgenda[], cls: PriorityClass | null, from: Date, to: Date, perAgenda: number, nowMs: number, total?: number): IndexAnswer {
    const fromMs = from.getTime();
    const toMs = to.getTime();
    const per = Math.max(1, Math.min(200, perAgenda | 0));
    const cap = total ? Math.max(1, total | 0) : Infinity;
    const found: Entry[] = [];
    const foundBooked: number[] = [];
    // with a total: the starts of the earliest `cap` found so far (a max-heap); a slot starting after the greatest
    // of them can never make the answer, nor can anything after it in the same agenda
    const heap = new MaxHeap();
    /** agendas whose window ended before `to` with fewer than `per` found: their next free slot is after `hi` */
    const short: { id: string; hi: number; depth: number }[] = [];
    const missing: { id: string; depth: number }[] = [];
    const own = this.own.size > 0;
    let lastRu: IndexQuestionAgenda['releasedUntil'] | null = null;
    let relU = 0;
    let relB = 0;
    let relD = 0;
    let relP = 0;
    for (const ag of agendas) {
      const w = this.windows.get(ag.id);
      if (!w || fromMs < w.lo) {
        missing.push({ id: ag.id, depth: Math.max(this.opts.minDepth, w?.depth ?? 0, per) });
        continue;
      }
      const ru = ag.releasedUntil;
      if (ru !== lastRu) {
        // agendas of one rule share one object: read its instants once
        lastRu = ru;
        relU = ru.U.getTime();
        relB = ru.B.getTime();
        relD = ru.D.getTime();
        relP = ru.P.getTime();
      }
      const xs = w.slots;
      let n = 0;
      let cut = false;
      for (let i = lowerBound(xs, fromMs); i < xs.length && n < per; i++) {
        const s = xs[i]!;
        const ms = s.startMs;
        if (ms >= toMs) break;
        if (heap.size >= cap && ms > heap.top()) {
          cut = true;
          break;
        }
        const booked = own ? this.bookedOf(s, nowMs) : s.booked;
        if (booked >= s.capacity) continue;
        const rc = s.reserved_class;
        if (rc !== null && rc !== cls && ms > (rc === 'U' ? relU : rc === 'B' ? relB : rc === 'D' ? relD : relP)) continue;
        n++;
        found.push(s);
        foundBooked.push(booked);
        if (cap !== Infinity) {
          if (heap.size < cap) heap.push(ms);
          else if (ms < heap.top()) heap.replaceTop(ms);
        }
      }
      if (!cut && n < per && w.hi < toMs) short.push({ id: ag.id, hi: w.hi, depth: w.depth });
    }
    const cutMs = cap !== Infinity && heap.size >= cap ? heap.top() : Infinity;
    // a short window matters only if a slot after its end could still make the answer
    for (const s of short)
      if (s.hi < cutMs) missing.push({ id: s.id, depth: Math.min(this.opts.maxDepth, Math.max(this.opts.minDepth, s.depth * 2, per * 2)) });
    if (missing.length) return { slots: [], missing };
    const order = found.map((_, i) => i).sort((a, b) => found[a]!.startMs - found[b]!.startMs || (found[a]!.id < found[b]!.id ? -1 : found[a]!.id > found[b]!.id ? 1 : 0));
    const take = cap === Infinity ? order : order.slice(0, cap);
    return { slots: take.map((i) => plain(found[i]!, foundBooked[i]!)), missing };
  }
}

/** A binary max-heap of numbers. */
class MaxHeap {
  private xs: number[] = [];
  get size() {
    return this.xs.length;
  }
  top() {
    return this.xs[0]!;
  }
  push(x: number) {
    const xs = this.xs;
    let i = xs.push(x) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (xs[p]! >= x) break;
      xs[i] = xs[p]!;
      i = p;
    }
    xs[i] = x;
  }
  replaceTop(x: number) {
    const xs = this.xs;
    const n = xs.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && xs[r]! > xs[l]! ? r : l;
      if (xs[c]! <= x) break;
      xs[i] = xs[c]!;
      i = c;
    }
    xs[i] = x;
  }
}

const plain = (s: Entry, booked: number): IndexedSlot => ({
  id: s.id, agenda_id: s.agenda_id, start_at: s.start_at, end_at: s.end_at, capacity: s.capacity, booked, reserved_class: s.reserved_class, attrs: s.attrs,
});

function lowerBound(xs: readonly Entry[], ms: number): number {
  if (!xs.length || xs[0]!.startMs >= ms) return 0;
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]!.startMs < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
