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

/**
 * The classes a slot can be reserved to, as the small numbers a window stores: 0 = open to every class; any other
 * value (the database allows none) is released like P, as in the SQL.
 */
const CLASS_CODE: Record<PriorityClass, number> = { U: 1, B: 2, D: 3, P: 4 };
const OTHER_CLASS = 5;

/**
 * One agenda's window, laid out for the search loop: the starts of its slots (sorted) in one Float64Array and
 * their booked count, capacity and reserved class side by side in one Int32Array — a question reads a few
 * contiguous cache lines per agenda instead of one object per slot scattered over the heap (on the region's data
 * that was most of the index's cost). The slots themselves (ids, dates, attributes) are read only for the answer.
 */
interface Window {
  /** every open slot with start in [lo, hi] (hi = Infinity: every open slot from lo on), sorted by start */
  slots: IndexedSlot[];
  /** slots[i]'s start in ms */
  start: Float64Array;
  /** slots[i]: [3i] booked, [3i + 1] capacity, [3i + 2] reserved class code (CLASS_CODE, 0 = none) */
  state: Int32Array;
  lo: number;
  hi: number;
  /** the free-slot depth the window was loaded for (grows when a question needs more) */
  depth: number;
}

/** Where a slot is held: its window and its position in it. */
interface Place {
  w: Window;
  i: number;
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
  private byId = new Map<string, Place>();
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
      // the agenda's id as one string shared by its slots (the caller's map lookups by it then compare pointers)
      .map((r) => ({ ...r, agenda_id: r.agenda_id === agendaId ? agendaId : r.agenda_id, start_at: new Date(r.start_at), end_at: new Date(r.end_at) }))
      .sort((a, b) => a.start_at.getTime() - b.start_at.getTime());
    const n = slots.length;
    const w: Window = { slots, start: new Float64Array(n), state: new Int32Array(3 * n), lo, hi, depth };
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      w.start[i] = s.start_at.getTime();
      w.state[3 * i] = s.booked;
      w.state[3 * i + 1] = s.capacity;
      w.state[3 * i + 2] = s.reserved_class === null ? 0 : (CLASS_CODE[s.reserved_class] ?? OTHER_CLASS);
      this.byId.set(s.id, { w, i });
    }
    this.windows.set(agendaId, w);
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
    const p = this.byId.get(slotId);
    if (p) p.w.state[3 * p.i] = booked;
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

  private bookedOf(id: string, booked: number, nowMs: number): number {
    const o = this.own.get(id);
    if (!o) return booked;
    if (o.expiresMs < nowMs) {
      this.own.delete(id);
      return booked;
    }
    return o.booked;
  }

  /** Same answer as the SQL free-slot query, or the agendas that must be (re)loaded first. */
  query(agendas: readonly IndexQuestionAgenda[], cls: PriorityClass | null, from: Date, to: Date, perAgenda: number, nowMs: number, total?: number): IndexAnswer {
    const fromMs = from.getTime();
    const toMs = to.getTime();
    const per = Math.max(1, Math.min(200, perAgenda | 0));
    const cap = total ? Math.max(1, total | 0) : Infinity;
    const clsCode = cls === null ? -1 : CLASS_CODE[cls];
    // what was found: its window, position, start and booked count (parallel arrays: no object per slot)
    const foundW: Window[] = [];
    const foundI: number[] = [];
    const foundMs: number[] = [];
    const foundBooked: number[] = [];
    // with a total: the starts of the earliest `cap` found so far (a max-heap); a slot starting after the greatest
    // of them can never make the answer, nor can anything after it in the same agenda
    const heap = new MaxHeap();
    /** agendas whose window ended before `to` with fewer than `per` found: their next free slot is after `hi` */
    const short: { id: string; hi: number; depth: number }[] = [];
    const missing: { id: string; depth: number }[] = [];
    const own = this.own.size > 0;
    let lastRu: IndexQuestionAgenda['releasedUntil'] | null = null;
    // release instants by class code (index 0 unused: an unreserved slot is open to every class)
    const rel = [0, 0, 0, 0, 0, 0];
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
        rel[1] = ru.U.getTime();
        rel[2] = ru.B.getTime();
        rel[3] = ru.D.getTime();
        rel[4] = ru.P.getTime();
        rel[5] = rel[4];
      }
      const start = w.start;
      const state = w.state;
      const len = start.length;
      let n = 0;
      let cut = false;
      for (let i = lowerBound(start, fromMs); i < len && n < per; i++) {
        const ms = start[i]!;
        if (ms >= toMs) break;
        if (heap.size >= cap && ms > heap.top()) {
          cut = true;
          break;
        }
        const k = 3 * i;
        const booked = own ? this.bookedOf(w.slots[i]!.id, state[k]!, nowMs) : state[k]!;
        if (booked >= state[k + 1]!) continue;
        const rc = state[k + 2]!;
        if (rc !== 0 && rc !== clsCode && ms > rel[rc]!) continue;
        n++;
        foundW.push(w);
        foundI.push(i);
        foundMs.push(ms);
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
    // only what starts no later than the `cap`-th earliest can make the answer (ties are broken by id below)
    const order: number[] = [];
    for (let j = 0; j < foundMs.length; j++) if (foundMs[j]! <= cutMs) order.push(j);
    const idOf = (j: number) => foundW[j]!.slots[foundI[j]!]!.id;
    order.sort((a, b) => {
      const d = foundMs[a]! - foundMs[b]!;
      if (d !== 0) return d;
      const x = idOf(a);
      const y = idOf(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const take = cap === Infinity ? order : order.slice(0, cap);
    return { slots: take.map((j) => plain(foundW[j]!.slots[foundI[j]!]!, foundBooked[j]!)), missing };
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

const plain = (s: IndexedSlot, booked: number): IndexedSlot => ({
  id: s.id, agenda_id: s.agenda_id, start_at: s.start_at, end_at: s.end_at, capacity: s.capacity, booked, reserved_class: s.reserved_class, attrs: s.attrs,
});

/** The first position whose start is at or after `ms`. */
function lowerBound(xs: Float64Array, ms: number): number {
  let lo = 0;
  let hi = xs.length;
  if (!hi || xs[0]! >= ms) return 0;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
