import { describe, expect, it } from 'vitest';
import { isOpenToClass, releaseInstant } from '../../engine/src/domain/offer/quotas.ts';
import type { QuotaReleaseDays } from '../../engine/src/domain/offer/types.ts';

const RELEASE: QuotaReleaseDays = { U: 1, B: 2, D: 5, P: 10 };
const startAt = new Date('2026-05-20T07:00:00Z');
const reservedB = { reservedClass: 'B' as const, startAt };
const ms = (iso: string) => new Date(iso);

describe('isOpenToClass', () => {
  it('an unreserved slot is open to every class and to follow-ups', () => {
    const slot = { reservedClass: null, startAt };
    for (const cls of ['U', 'B', 'D', 'P', null] as const) expect(isOpenToClass(slot, cls, ms('2026-01-01T00:00:00Z'), RELEASE)).toBe(true);
  });

  it('a slot reserved to B is open to B at any time', () => {
    expect(isOpenToClass(reservedB, 'B', ms('2026-01-01T00:00:00Z'), RELEASE)).toBe(true);
  });

  it('a slot reserved to B is closed to other classes and follow-ups until 2 days before it starts', () => {
    const justBefore = ms('2026-05-18T06:59:59.999Z');
    expect(isOpenToClass(reservedB, 'D', justBefore, RELEASE)).toBe(false);
    expect(isOpenToClass(reservedB, 'U', justBefore, RELEASE)).toBe(false);
    expect(isOpenToClass(reservedB, null, justBefore, RELEASE)).toBe(false);
  });

  it('a slot reserved to B opens to everyone exactly 2 days before it starts', () => {
    const atRelease = ms('2026-05-18T07:00:00Z');
    expect(isOpenToClass(reservedB, 'D', atRelease, RELEASE)).toBe(true);
    expect(isOpenToClass(reservedB, null, atRelease, RELEASE)).toBe(true);
    expect(isOpenToClass(reservedB, 'P', ms('2026-05-20T06:00:00Z'), RELEASE)).toBe(true);
  });

  it('a reservation without a release rule never releases', () => {
    expect(isOpenToClass(reservedB, 'D', ms('2026-05-20T06:59:00Z'), { U: 1 })).toBe(false);
  });

  it('a release of 0 days opens the slot only when it starts', () => {
    expect(isOpenToClass(reservedB, 'D', ms('2026-05-20T06:59:59Z'), { B: 0 })).toBe(false);
    expect(isOpenToClass(reservedB, 'D', startAt, { B: 0 })).toBe(true);
  });
});

describe('releaseInstant', () => {
  it('is the start minus the release days for a reserved slot', () => {
    expect(releaseInstant({ reservedClass: 'P', startAt }, RELEASE)).toEqual(ms('2026-05-10T07:00:00Z'));
  });

  it('is null for an unreserved slot and for a class without a release rule', () => {
    expect(releaseInstant({ reservedClass: null, startAt }, RELEASE)).toBeNull();
    expect(releaseInstant(reservedB, { U: 1 })).toBeNull();
  });
});
