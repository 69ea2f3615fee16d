import { describe, expect, it } from 'vitest';
import { findDuplicates, resolveDuplicates, type BookedItem } from '../../engine/src/domain/booking/duplicates.ts';

const at = (iso: string) => new Date(iso);
const item = (appointmentId: string, over: Partial<BookedItem> = {}): BookedItem => ({
  appointmentId,
  serviceId: 'cardio-first',
  prescriptionLineId: null,
  slotStart: at('2026-05-20T07:00:00Z'),
  providerId: 'asst-niguarda',
  bookedAt: at('2026-05-01T09:00:00Z'),
  ...over,
});
const WINDOW = { from: '2026-05-02', to: '2026-11-02' };

describe('findDuplicates', () => {
  it('matches another appointment for the same prescription line, even for another service', () => {
    const existing = [item('a1', { prescriptionLineId: 'L1', serviceId: 'ecg' })];
    expect(findDuplicates(existing, item('new', { prescriptionLineId: 'L1' }), null)).toEqual([
      { appointmentId: 'a1', rule: 'same_prescription_line', crossProvider: false },
    ]);
  });

  it('matches the same service at another provider inside the validity window', () => {
    const existing = [item('a1', { providerId: 'asst-sacco', slotStart: at('2026-06-10T07:00:00Z') })];
    expect(findDuplicates(existing, item('new', { prescriptionLineId: 'L2' }), WINDOW)).toEqual([
      { appointmentId: 'a1', rule: 'same_service_in_window', crossProvider: true },
    ]);
  });

  it('compares the window with the Rome local date of the existing slot', () => {
    // 23:30 UTC on 1 May is 01:30 on 2 May in Rome: inside the window
    expect(findDuplicates([item('a1', { slotStart: at('2026-05-01T23:30:00Z') })], item('new'), WINDOW)).toHaveLength(1);
    expect(findDuplicates([item('a1', { slotStart: at('2026-05-01T21:30:00Z') })], item('new'), WINDOW)).toEqual([]);
  });

  it('ignores the same service outside the window, another service, and the candidate itself', () => {
    const existing = [
      item('a1', { slotStart: at('2026-11-03T08:00:00Z') }),
      item('a2', { serviceId: 'derma-first' }),
      item('new'),
    ];
    expect(findDuplicates(existing, item('new'), WINDOW)).toEqual([]);
  });

  it('without a window, only the prescription line counts', () => {
    expect(findDuplicates([item('a1')], item('new'), null)).toEqual([]);
  });

  it('two bookings without a prescription line are not duplicates by line', () => {
    expect(findDuplicates([item('a1', { serviceId: 'x' })], item('new'), null)).toEqual([]);
  });
});

describe('resolveDuplicates', () => {
  const older = item('a1', { prescriptionLineId: 'L1', bookedAt: at('2026-05-01T09:00:00Z'), providerId: 'asst-sacco' });
  const newer = item('new', { prescriptionLineId: 'L1', bookedAt: at('2026-05-03T09:00:00Z') });

  it('keep_earlier cancels the new booking', () => {
    expect(resolveDuplicates([older], newer, 'keep_earlier', null)).toEqual({
      duplicates: [{ appointmentId: 'a1', rule: 'same_prescription_line', crossProvider: true }],
      keep: 'a1',
      cancel: [{ appointmentId: 'new', reason: 'duplicate' }],
      events: [{ type: 'booking.duplicate_detected', appointmentId: 'a1', duplicateOf: 'new', rule: 'same_prescription_line', policy: 'keep_earlier' }],
    });
  });

  it('keep_newer cancels every earlier duplicate, oldest first', () => {
    const oldest = item('a0', { prescriptionLineId: 'L1', bookedAt: at('2026-04-30T09:00:00Z') });
    const r = resolveDuplicates([older, oldest], newer, 'keep_newer', null);
    expect([r.keep, r.cancel]).toEqual([
      'new',
      [
        { appointmentId: 'a0', reason: 'duplicate' },
        { appointmentId: 'a1', reason: 'duplicate' },
      ],
    ]);
    expect(r.events.map((e) => e.appointmentId)).toEqual(['a1', 'a0']);
  });

  it('notify_only cancels nothing but still reports the duplicate', () => {
    const r = resolveDuplicates([older], newer, 'notify_only', null);
    expect([r.cancel, r.events.map((e) => e.type)]).toEqual([[], ['booking.duplicate_detected']]);
  });

  it('with no duplicate, keeps nothing in particular and emits nothing', () => {
    expect(resolveDuplicates([item('a9', { serviceId: 'derma-first' })], newer, 'keep_newer', WINDOW)).toEqual({ duplicates: [], keep: null, cancel: [], events: [] });
  });

  it('breaks a tie on bookedAt by appointment id', () => {
    const twin = item('a2', { prescriptionLineId: 'L1', bookedAt: newer.bookedAt });
    expect(resolveDuplicates([twin], newer, 'keep_earlier', null).keep).toBe('a2');
  });
});
