import { describe, expect, it } from 'vitest';
import {
  assessOffer,
  guaranteeDeadline,
  isWithinGuarantee,
  keepsGuarantee,
  maxWaitDays,
} from '../../engine/src/domain/booking/guarantee.ts';
import { LOMBARDY_GUARANTEE_RULES, validateGuaranteeRules } from '../../engine/src/domain/booking/guarantee-rules.ts';

const at = (iso: string) => new Date(iso);

describe('maximum waits come from reference/priority-classes.json', () => {
  it('are U 3, B 10, D 30 for visits and 60 for instrumental tests, P 120 days', () => {
    expect(['U', 'B', 'D', 'P'].map((c) => maxWaitDays(c as 'U', 'visit'))).toEqual([3, 10, 30, 120]);
    expect(['U', 'B', 'D', 'P'].map((c) => maxWaitDays(c as 'U', 'instrumental'))).toEqual([3, 10, 60, 120]);
  });

  it('carry the Lombardy blank-class rule and the ATS guarantee area', () => {
    expect(LOMBARDY_GUARANTEE_RULES.blankClassDefault).toBe('P');
    expect(LOMBARDY_GUARANTEE_RULES.guaranteeArea).toBe('ats');
    expect(LOMBARDY_GUARANTEE_RULES.classes.U.maxWaitHours).toBe(72);
  });

  it('are validated: a missing kind is reported with its path', () => {
    const r = validateGuaranteeRules({ classes: { U: { maxWaitHours: 72, maxWaitDays: { visit: 3, instrumental: 3 } } } });
    expect(!r.ok && { code: r.error.code, path: r.error.path }).toEqual({ code: 'PRIORITY_CLASS_DATA_INVALID', path: '/classes/U/maxWaitDays/lab' });
  });
});

describe('guaranteeDeadline', () => {
  it('is 72 real hours after the booking for U, across the spring-forward night', () => {
    expect(guaranteeDeadline('U', 'visit', at('2026-03-27T09:00:00Z'))).toEqual(at('2026-03-30T09:00:00Z'));
  });

  it('is the end of the local day booking date + 10 for B, in summer time after the change', () => {
    expect(guaranteeDeadline('B', 'visit', at('2026-03-20T09:00:00Z'))).toEqual(at('2026-03-30T21:59:59.999Z'));
  });

  it('is 30 days for a D visit and 60 days for a D instrumental test', () => {
    expect(guaranteeDeadline('D', 'visit', at('2026-03-02T09:00:00Z'))).toEqual(at('2026-04-01T21:59:59.999Z'));
    expect(guaranteeDeadline('D', 'instrumental', at('2026-03-02T09:00:00Z'))).toEqual(at('2026-05-01T21:59:59.999Z'));
  });

  it('is 120 days for P, ending at the local midnight in winter time', () => {
    expect(guaranteeDeadline('P', 'visit', at('2026-09-01T08:00:00Z'))).toEqual(at('2026-12-30T22:59:59.999Z'));
  });

  it('counts from the Rome local date of the booking, not the UTC date', () => {
    // 00:30 in Rome on 3 March is still 2 March in UTC
    expect(guaranteeDeadline('B', 'visit', at('2026-03-02T23:30:00Z'))).toEqual(at('2026-03-13T22:59:59.999Z'));
  });
});

describe('isWithinGuarantee', () => {
  const booked = at('2026-03-02T09:00:00Z');
  it('includes a slot on the last day, up to its last millisecond', () => {
    expect(isWithinGuarantee('B', 'visit', booked, at('2026-03-12T17:00:00Z'))).toBe(true);
    expect(isWithinGuarantee('B', 'visit', booked, at('2026-03-12T22:59:59.999Z'))).toBe(true);
  });
  it('excludes a slot the next local day', () => {
    expect(isWithinGuarantee('B', 'visit', booked, at('2026-03-12T23:00:00Z'))).toBe(false);
  });
});

describe('assessOffer', () => {
  const now = at('2026-03-02T09:00:00Z');
  it('guarantees a first access when the area has a slot by the deadline', () => {
    expect(assessOffer({ cls: 'B', kind: 'visit', accessType: 'first', now, firstAvailableInArea: at('2026-03-10T08:00:00Z') })).toEqual({
      guaranteed: true,
      deadline: at('2026-03-12T22:59:59.999Z'),
      pathway: 'none',
    });
  });

  it('flags the percorso di tutela when the first slot in the area is after the deadline', () => {
    expect(assessOffer({ cls: 'B', kind: 'visit', accessType: 'first', now, firstAvailableInArea: at('2026-03-13T08:00:00Z') })).toEqual({
      guaranteed: false,
      deadline: at('2026-03-12T22:59:59.999Z'),
      pathway: 'percorso_di_tutela',
    });
  });

  it('flags the percorso di tutela when the area has no slot at all', () => {
    expect(assessOffer({ cls: 'U', kind: 'visit', accessType: 'first', now, firstAvailableInArea: null }).pathway).toBe('percorso_di_tutela');
  });

  it('gives a follow-up access no class guarantee', () => {
    expect(assessOffer({ cls: 'B', kind: 'visit', accessType: 'follow_up', now, firstAvailableInArea: null })).toEqual({
      guaranteed: false,
      deadline: null,
      pathway: 'none',
    });
  });
});

describe('keepsGuarantee (DOMAIN.md §1.2)', () => {
  const deadline = at('2026-03-12T22:59:59.999Z');
  const firstAvailable = at('2026-03-05T08:00:00Z');
  it('(a) keeps it when the patient accepts the first availability', () => {
    expect(keepsGuarantee({ refusedFirst: false, chosenDate: firstAvailable, deadline, firstAvailable })).toEqual({ keeps: true, rule: 'accepted_first' });
  });
  it('(b) keeps it when the patient refuses but chooses a date still within the maximum', () => {
    expect(keepsGuarantee({ refusedFirst: true, chosenDate: at('2026-03-12T15:00:00Z'), deadline, firstAvailable })).toEqual({
      keeps: true,
      rule: 'chose_within_max',
    });
  });
  it('(c) keeps it when even the first availability was beyond the maximum', () => {
    expect(keepsGuarantee({ refusedFirst: true, chosenDate: at('2026-04-20T08:00:00Z'), deadline, firstAvailable: at('2026-03-20T08:00:00Z') })).toEqual({
      keeps: true,
      rule: 'first_beyond_max',
    });
  });
  it('loses it when the patient refuses an in-time first availability and chooses a later date', () => {
    expect(keepsGuarantee({ refusedFirst: true, chosenDate: at('2026-03-20T08:00:00Z'), deadline, firstAvailable })).toEqual({
      keeps: false,
      rule: 'refused_first',
    });
  });
  it('has nothing to keep without a deadline (follow-up)', () => {
    expect(keepsGuarantee({ refusedFirst: false, chosenDate: firstAvailable, deadline: null, firstAvailable })).toEqual({ keeps: false, rule: 'no_guarantee' });
  });
});
