import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../engine/src/events/envelope.ts';
import { appointmentEvent, searchEvent } from '../../simulator/src/booking-events.ts';
import { LiveState } from '../../pipelines/src/live/live-state.ts';
import { pseudonymise, type LakeEvent } from '../../pipelines/src/transforms/pseudonymise.ts';

const T = Date.parse('2026-05-12T08:00:00Z');
const at = (ms: number, e: ReturnType<typeof appointmentEvent>): LakeEvent => pseudonymise(makeEvent(e, new Date(ms)), 'booking', 'k');

describe('the live state', () => {
  it('counts bookings and cancellations of the last hour only', () => {
    const s = new LiveState();
    s.apply([at(T - 2 * 3_600_000, appointmentEvent(0, new Date(T))), at(T - 10 * 60_000, appointmentEvent(1, new Date(T))), at(T - 60_000, appointmentEvent(2, new Date(T), 'cancelled'))], T);
    expect(s.snapshot(T).last_hour).toEqual({ bookings: 1, cancellations: 1 });
    expect(s.snapshot(T + 3_600_000).last_hour).toEqual({ bookings: 0, cancellations: 0 });
  });

  it("computes today's share of first-access bookings within the class maximum, per class", () => {
    const s = new LiveState();
    const mk = (n: number, priority: string, inGaranzia: boolean, access = 'first') => {
      const e = appointmentEvent(n, new Date(T));
      Object.assign(e.payload as object, { priority, in_garanzia: inGaranzia, access_type: access });
      return at(T, e);
    };
    s.apply([mk(1, 'B', true), mk(2, 'B', false), mk(3, 'D', true), mk(4, 'D', false, 'follow_up')], T);
    const today = s.snapshot(T).today;
    expect(today).toMatchObject({ date: '2026-05-12', first_access_bookings: 3, within_class_maximum: 2 });
    expect(today.share).toBeCloseTo(2 / 3);
    expect(today.by_class).toEqual({ B: { bookings: 2, within: 1, share: 0.5 }, D: { bookings: 1, within: 1, share: 1 } });
    expect(s.snapshot(T + 86_400_000).today.first_access_bookings).toBe(0);
  });

  it('keeps the latest search per service, ATS and class as the next available date', () => {
    const s = new LiveState();
    const older = searchEvent(7, new Date(T));
    const newer = searchEvent(7, new Date(T));
    (newer.payload as Record<string, unknown>).first_available_in_area_date = '2026-06-01';
    s.apply([at(T + 1000, newer), at(T, older)], T + 2000);
    const next = s.snapshot(T + 2000).next_available;
    expect(next).toHaveLength(1);
    expect(next[0]).toMatchObject({ service_id: 'svc-7', priority: 'P', first_available_date: '2026-06-01' });
  });

  it("reports the stream's lag as the age of the newest event when it became visible", () => {
    const s = new LiveState();
    s.apply([at(T - 300, appointmentEvent(1, new Date(T))), at(T - 120, appointmentEvent(2, new Date(T)))], T);
    expect(s.snapshot(T).stream).toMatchObject({ events_total: 2, lag_ms: 120, last_occurred_at: new Date(T - 120).toISOString() });
  });
});
