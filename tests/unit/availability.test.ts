import { describe, expect, it } from 'vitest';
import {
  exclusionReasons,
  searchAvailability,
  type AvailabilityRequest,
  type CandidateSlot,
} from '../../engine/src/domain/booking/availability.ts';

const at = (iso: string) => new Date(iso);
const MILANO = '030321';
const BERGAMO = '030325';

const slot = (slotId: string, startIso: string, over: Partial<CandidateSlot> = {}): CandidateSlot => ({
  slotId,
  startAt: at(startIso),
  capacity: 1,
  booked: 0,
  held: 0,
  serviceIds: ['cardio-first'],
  accessType: 'first',
  reservedClass: null,
  channels: ['desk', 'call_centre', 'web'],
  regimes: ['SSN'],
  quotaReleaseDays: { U: 1, B: 2, D: 5, P: 10 },
  bookingHorizonDays: 91,
  providerId: 'asst-niguarda',
  siteId: 'niguarda-main',
  ats: MILANO,
  region: '030',
  distanceKm: 5,
  ...over,
});

const REQUEST: AvailabilityRequest = {
  serviceId: 'cardio-first',
  service: { sex: null, minAge: null, maxAge: null },
  cls: 'D',
  accessType: 'first',
  patient: { sex: 'F', birthDate: '1960-07-01', ats: MILANO, region: '030' },
  channel: 'web',
  regime: 'SSN',
  now: at('2026-05-04T08:00:00Z'), // Monday 10:00 in Rome
};
const req = (over: Partial<AvailabilityRequest>): AvailabilityRequest => ({ ...REQUEST, ...over });

describe('searchAvailability ranking', () => {
  const slots = [
    slot('late-milano', '2026-05-12T07:00:00Z'),
    slot('early-bergamo', '2026-05-06T07:00:00Z', { ats: BERGAMO, providerId: 'asst-pg23', siteId: 'pg23', distanceKm: 50 }),
    slot('mid-milano', '2026-05-08T12:00:00Z'),
  ];

  it('returns eligible slots by start, flags the guarantee area and reports both first availabilities', () => {
    const r = searchAvailability(slots, REQUEST);
    expect(r.eligible.map((e) => [e.slot.slotId, e.localDate, e.inGuaranteeArea])).toEqual([
      ['early-bergamo', '2026-05-06', false],
      ['mid-milano', '2026-05-08', true],
      ['late-milano', '2026-05-12', true],
    ]);
    expect(r.firstAvailable).toEqual({ slotId: 'early-bergamo', startAt: at('2026-05-06T07:00:00Z'), date: '2026-05-06' });
    expect(r.firstAvailableInArea).toEqual({ slotId: 'mid-milano', startAt: at('2026-05-08T12:00:00Z'), date: '2026-05-08' });
    expect(r.excluded).toEqual([]);
  });

  it('with the region as guarantee area, every Lombardy slot is in the area', () => {
    const r = searchAvailability(slots, req({ areaRule: 'region' }));
    expect(r.eligible.every((e) => e.inGuaranteeArea)).toBe(true);
    expect(r.firstAvailableInArea?.slotId).toBe('early-bergamo');
  });

  it('breaks a tie on start by preferences met, then area, then distance, then id', () => {
    const same = '2026-05-06T07:00:00Z';
    const tied = [
      slot('z-far', same, { distanceKm: 20 }),
      slot('a-near', same, { distanceKm: 2 }),
      slot('other-ats', same, { ats: BERGAMO, distanceKm: 1 }),
      slot('preferred', same, { providerId: 'asst-sacco', distanceKm: 30, ats: BERGAMO }),
    ];
    const r = searchAvailability(tied, req({ preferences: { providerId: 'asst-sacco' } }));
    expect(r.eligible.map((e) => [e.slot.slotId, e.preferenceScore])).toEqual([
      ['preferred', 1],
      ['a-near', 0],
      ['z-far', 0],
      ['other-ats', 0],
    ]);
  });

  it('does not let a preference overtake an earlier slot', () => {
    const r = searchAvailability(
      [slot('morning-later', '2026-05-07T07:00:00Z'), slot('afternoon-first', '2026-05-06T13:00:00Z')],
      req({ preferences: { timeOfDay: 'morning' } }),
    );
    expect(r.eligible.map((e) => [e.slot.slotId, e.preferenceScore])).toEqual([
      ['afternoon-first', 0],
      ['morning-later', 1],
    ]);
  });

  it('reads the time of day in Rome time (12:30 local is morning, 13:00 is afternoon)', () => {
    const r = searchAvailability(
      [slot('m', '2026-05-06T10:30:00Z'), slot('a', '2026-05-06T11:00:00Z')],
      req({ preferences: { timeOfDay: 'afternoon' } }),
    );
    expect(r.eligible.map((e) => [e.slot.slotId, e.preferenceScore])).toEqual([
      ['m', 0],
      ['a', 1],
    ]);
  });

  it('applies the limit to the eligible list but not to the first availabilities', () => {
    const r = searchAvailability(slots, req({ limit: 1 }));
    expect(r.eligible.map((e) => e.slot.slotId)).toEqual(['early-bergamo']);
    expect(r.firstAvailableInArea?.slotId).toBe('mid-milano');
  });
});

describe('searchAvailability exclusions', () => {
  const excluded = (s: CandidateSlot, r: AvailabilityRequest = REQUEST) => exclusionReasons(s, r);

  it('accepts a plain slot', () => expect(excluded(slot('ok', '2026-05-06T07:00:00Z'))).toEqual([]));
  it('excludes a slot that does not offer the service', () =>
    expect(excluded(slot('x', '2026-05-06T07:00:00Z', { serviceIds: ['ecg'] }))).toEqual(['service_not_offered']));
  it('excludes a slot in the past', () => expect(excluded(slot('x', '2026-05-04T07:59:00Z'))).toEqual(['past']));
  it('excludes a slot before the earliest date', () =>
    expect(excluded(slot('x', '2026-05-06T07:00:00Z'), req({ earliest: '2026-05-07' }))).toEqual(['before_earliest']));
  it('excludes a slot beyond its booking horizon', () => {
    expect(excluded(slot('x', '2026-05-14T07:00:00Z', { bookingHorizonDays: 10 }))).toEqual([]);
    expect(excluded(slot('x', '2026-05-15T07:00:00Z', { bookingHorizonDays: 10 }))).toEqual(['beyond_horizon']);
  });
  it('excludes a slot whose places are all booked or held', () => {
    expect(excluded(slot('x', '2026-05-06T07:00:00Z', { capacity: 2, booked: 1, held: 1 }))).toEqual(['full']);
  });
  it('excludes a slot not open to the channel or the regime', () => {
    expect(excluded(slot('x', '2026-05-06T07:00:00Z', { channels: ['desk'], regimes: ['ALPI'] }))).toEqual(['channel_not_allowed', 'regime_not_allowed']);
  });
  it('excludes a follow-up agenda for a first access', () => {
    expect(excluded(slot('x', '2026-05-06T07:00:00Z', { accessType: 'follow_up' }))).toEqual(['access_type_mismatch']);
  });

  it('excludes a slot reserved to class B from a D request until its release 2 days before', () => {
    const reserved = slot('b', '2026-05-08T07:00:00Z', { reservedClass: 'B' });
    expect(excluded(reserved, req({ now: at('2026-05-06T06:59:59Z') }))).toEqual(['reserved_to_other_class']);
    expect(excluded(reserved, req({ now: at('2026-05-06T07:00:00Z') }))).toEqual([]);
    expect(excluded(reserved, req({ cls: 'B' }))).toEqual([]);
  });

  it('keeps a reserved slot closed to follow-ups (no class) until its release', () => {
    const reserved = slot('u', '2026-05-08T07:00:00Z', { reservedClass: 'U', accessType: 'follow_up' });
    expect(excluded(reserved, req({ cls: null, accessType: 'follow_up' }))).toEqual(['reserved_to_other_class']);
  });

  it("checks the service's sex limit", () => {
    expect(excluded(slot('x', '2026-05-06T07:00:00Z'), req({ service: { sex: 'M', minAge: null, maxAge: null } }))).toEqual(['patient_sex']);
  });

  it('checks the age limit on the date of the slot', () => {
    const paediatric = req({ service: { sex: null, minAge: null, maxAge: 17 }, patient: { ...REQUEST.patient, birthDate: '2008-05-07' } });
    expect(excluded(slot('before-birthday', '2026-05-06T07:00:00Z'), paediatric)).toEqual([]);
    expect(excluded(slot('on-birthday', '2026-05-07T07:00:00Z'), paediatric)).toEqual(['patient_age']);
  });

  it('lists every reason of a slot that fails several rules', () => {
    const r = searchAvailability([slot('bad', '2026-05-04T07:00:00Z', { booked: 1, channels: ['desk'] })], REQUEST);
    expect(r).toEqual({ eligible: [], excluded: [{ slotId: 'bad', reasons: ['past', 'full', 'channel_not_allowed'] }], firstAvailable: null, firstAvailableInArea: null });
  });

  it('excludes a slot farther than the maximum distance but still counts it as the first availability', () => {
    const r = searchAvailability(
      [slot('far', '2026-05-06T07:00:00Z', { distanceKm: 40 }), slot('near', '2026-05-07T07:00:00Z', { distanceKm: 3 }), slot('unknown', '2026-05-08T07:00:00Z', { distanceKm: null })],
      req({ preferences: { maxDistanceKm: 25 } }),
    );
    expect(r.eligible.map((e) => e.slot.slotId)).toEqual(['near', 'unknown']);
    expect(r.excluded).toEqual([{ slotId: 'far', reasons: ['too_far'] }]);
    expect(r.firstAvailableInArea?.slotId).toBe('far');
  });
});
