/**
 * Live state for the real-time dashboards, folded from lake events (already pseudonymised). Pure: no clocks or I/O;
 * callers pass `now` (epoch ms). Aggregates only — nothing here identifies a patient.
 * - next available date per service × ATS × priority class: the latest availability search's first available date
 *   (in the patient's guarantee area when known), per (service, patient ATS, class);
 * - bookings and cancellations in the last hour (appointment.booked / appointment.cancelled), per minute buckets;
 * - today's (Europe/Rome) share of first-access bookings with a class whose chosen date is within the class maximum
 *   (in_garanzia), overall and per class;
 * - the stream's own lag: commit-to-visible latency of the last batch, events and dead letters counted, backlog.
 */
import type { LakeEvent } from '../transforms/pseudonymise.ts';
import { partitionDate } from '../transforms/to-arrow.ts';

export interface NextAvailable {
  service_id: string;
  ats: string;
  priority: string;
  first_available_date: string | null;
  searched_at: string;
}

export interface LiveSnapshot {
  at: string;
  next_available: NextAvailable[];
  last_hour: { bookings: number; cancellations: number };
  today: { date: string; first_access_bookings: number; within_class_maximum: number; share: number | null; by_class: Record<string, { bookings: number; within: number; share: number | null }> };
  stream: {
    events_total: number;
    lake_events_total: number;
    dead_letters: number;
    last_occurred_at: string | null;
    /** occurred_at → visible here, for the newest event of the last batch */
    lag_ms: number | null;
    /** events published but not yet ingested (Kafka consumer lag or outbox backlog), when known */
    backlog: number | null;
  };
}

/** What the live state reads of a lake event (the sink's workers send only this to the sink's thread). */
export type LiveEvent = Pick<LakeEvent, 'event_id' | 'type' | 'occurred_at' | 'payload'>;

const MINUTE = 60_000;

export class LiveState {
  private readonly next = new Map<string, NextAvailable>();
  private readonly bookedPerMinute = new Map<number, number>();
  private readonly cancelledPerMinute = new Map<number, number>();
  private today = { date: '', byClass: new Map<string, { bookings: number; within: number }>() };
  eventsTotal = 0;
  lakeEventsTotal = 0;
  deadLetters = 0;
  lastOccurredMs: number | null = null;
  lagMs: number | null = null;
  backlog: number | null = null;
  version = 0;

  /** Folds a durable batch of events into the state. */
  apply(events: readonly LiveEvent[], now: number): void {
    let newest = -Infinity;
    for (const e of events) {
      const t = Date.parse(e.occurred_at);
      if (t > newest) newest = t;
      const p = e.payload as Record<string, unknown>;
      if (e.type === 'availability.searched') {
        const key = `${p.service_id}|${p.patient_ats ?? ''}|${p.priority ?? '-'}`;
        const prev = this.next.get(key);
        if (!prev || prev.searched_at <= e.occurred_at) {
          this.next.set(key, {
            service_id: String(p.service_id), ats: String(p.patient_ats ?? ''), priority: String(p.priority ?? '-'),
            first_available_date: (p.first_available_in_area_date ?? p.first_available_date ?? null) as string | null,
            searched_at: e.occurred_at,
          });
        }
      } else if (e.type === 'appointment.booked' || e.type === 'appointment.cancelled') {
        const m = Math.floor(t / MINUTE);
        const map = e.type === 'appointment.booked' ? this.bookedPerMinute : this.cancelledPerMinute;
        map.set(m, (map.get(m) ?? 0) + 1);
        if (e.type === 'appointment.booked' && p.access_type === 'first' && typeof p.priority === 'string' && typeof p.in_garanzia === 'boolean') {
          const day = partitionDate(t);
          if (day > this.today.date) this.today = { date: day, byClass: new Map() };
          if (day === this.today.date) {
            const c = this.today.byClass.get(p.priority) ?? { bookings: 0, within: 0 };
            c.bookings++;
            if (p.in_garanzia) c.within++;
            this.today.byClass.set(p.priority, c);
          }
        }
      }
    }
    this.eventsTotal += events.length;
    this.lakeEventsTotal += events.length;
    if (events.length) {
      this.lastOccurredMs = Math.max(this.lastOccurredMs ?? -Infinity, newest);
      this.lagMs = Math.max(0, now - newest);
    }
    this.prune(now);
    this.version++;
  }

  private prune(now: number): void {
    const oldest = Math.floor((now - 60 * MINUTE) / MINUTE);
    for (const map of [this.bookedPerMinute, this.cancelledPerMinute]) for (const m of map.keys()) if (m < oldest) map.delete(m);
  }

  snapshot(now: number): LiveSnapshot {
    const since = Math.floor((now - 60 * MINUTE) / MINUTE);
    const sum = (map: Map<number, number>) => [...map].reduce((s, [m, n]) => (m >= since ? s + n : s), 0);
    const today = partitionDate(now);
    const byClass: LiveSnapshot['today']['by_class'] = {};
    let bookings = 0;
    let within = 0;
    if (this.today.date === today) {
      for (const [k, c] of [...this.today.byClass].sort()) {
        byClass[k] = { bookings: c.bookings, within: c.within, share: c.bookings ? c.within / c.bookings : null };
        bookings += c.bookings;
        within += c.within;
      }
    }
    return {
      at: new Date(now).toISOString(),
      next_available: [...this.next.values()].sort((a, b) => a.service_id.localeCompare(b.service_id) || a.ats.localeCompare(b.ats) || a.priority.localeCompare(b.priority)),
      last_hour: { bookings: sum(this.bookedPerMinute), cancellations: sum(this.cancelledPerMinute) },
      today: { date: today, first_access_bookings: bookings, within_class_maximum: within, share: bookings ? within / bookings : null, by_class: byClass },
      stream: {
        events_total: this.eventsTotal,
        lake_events_total: this.lakeEventsTotal,
        dead_letters: this.deadLetters,
        last_occurred_at: this.lastOccurredMs === null ? null : new Date(this.lastOccurredMs).toISOString(),
        lag_ms: this.lagMs,
        backlog: this.backlog,
      },
    };
  }
}
