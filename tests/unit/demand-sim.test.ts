import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../pipelines/src/transforms/validate.ts';
import { partitionDate } from '../../pipelines/src/transforms/to-arrow.ts';
import { pseudonymise } from '../../pipelines/src/transforms/pseudonymise.ts';
import { topicOf, type EventEnvelope } from '../../engine/src/events/envelope.ts';
import { DemandSimulation } from '../../simulator/src/demand-sim.ts';
import { loadMaxWaitDays } from '../../simulator/src/demand-lake.ts';
import { planRegion } from '../../simulator/src/region-plan.ts';
import { loadReference } from '../../simulator/src/reference.ts';

const ref = loadReference();
const maxWaitDays = loadMaxWaitDays();
const plan = planRegion({ scale: 'demo', seed: 3, startDate: '2026-03-02', weeks: 104 }, ref);

function simulate(days: number, seed = 3) {
  const sim = new DemandSimulation(plan, { seed, days, maxWaitDays });
  const out = [...sim.days()];
  return { sim, days: out, events: out.flatMap((d) => d.events) };
}

describe('demand simulation', () => {
  const base = simulate(21);

  it('is deterministic: the same seed gives the same events, ids included', () => {
    const again = simulate(21);
    expect(again.events.length).toBe(base.events.length);
    expect(again.events.map((e) => e.event_id)).toEqual(base.events.map((e) => e.event_id));
    expect(JSON.stringify(again.events.slice(-50))).toBe(JSON.stringify(base.events.slice(-50)));
  });

  it('a longer run repeats a shorter one exactly, so one more day can be appended to a history', () => {
    const longer = simulate(22);
    expect(longer.events.slice(0, base.events.length).map((e) => e.event_id)).toEqual(base.events.map((e) => e.event_id));
    expect(longer.events.length).toBeGreaterThan(base.events.length);
  });

  it('another seed gives another history', () => {
    const other = simulate(21, 4);
    expect(other.events.map((e) => e.event_id)).not.toEqual(base.events.map((e) => e.event_id));
  });

  it('emits only events the lake accepts, each on the Rome-local day being simulated', () => {
    for (const d of base.days) {
      for (const e of d.events) {
        const v = validateEvent(e);
        expect(v.ok, `${e.type}: ${v.ok ? '' : v.reason}`).toBe(true);
        expect(partitionDate(e.occurred_at)).toBe(d.date);
      }
    }
    expect(base.sim.counters.events).toBe(base.events.length);
  });

  it('keeps direct identifiers out of the lake once pseudonymised: no codice fiscale, name or NRE survives', () => {
    const booked = base.events.filter((e) => e.type === 'appointment.booked' || e.type === 'prescription.registered').slice(0, 200);
    for (const e of booked) {
      const cf = (e.payload as { patient: { cf: string } }).patient.cf;
      const lake = JSON.stringify(pseudonymise(e, topicOf(e.aggregate_type), 'k'));
      expect(lake).not.toContain(cf);
      expect(lake).not.toMatch(/"(cf|nre|prescription_nre|name|phone|email)"/);
    }
  });

  it('never books an agenda day over the capacity it published', () => {
    const capacity = new Map<string, number>();
    for (const e of base.events.filter((x) => x.type === 'agenda.slots_generated')) {
      for (const s of (e.payload as { supply: { date: string; capacity: number }[] }).supply) capacity.set(`${e.aggregate_id}|${s.date}`, s.capacity);
    }
    const latest = new Map<string, EventEnvelope>();
    for (const e of base.events) if (e.type.startsWith('appointment.') && e.type !== 'appointment.held' && e.type !== 'appointment.hold_expired') latest.set(e.aggregate_id, e);
    const booked = new Map<string, number>();
    for (const e of latest.values()) {
      const p = e.payload as { agenda_id: string; chosen_date: string; status: string };
      if (p.status === 'cancelled') continue;
      const k = `${p.agenda_id}|${p.chosen_date}`;
      booked.set(k, (booked.get(k) ?? 0) + 1);
    }
    expect(booked.size).toBeGreaterThan(100);
    for (const [k, n] of booked) expect(n, k).toBeLessThanOrEqual(capacity.get(k) ?? 0);
  });

  it('produces the behaviours analytics needs: refusals, percorso di tutela, cancellations, moves, confirmations, no-shows', () => {
    const c = base.sim.counters;
    expect(c.refusedFirst).toBeGreaterThan(0);
    expect(c.tutela).toBeGreaterThan(0);
    expect(c.cancellations).toBeGreaterThan(0);
    expect(c.moves).toBeGreaterThan(0);
    expect(c.noShows).toBeGreaterThan(0);
    expect(base.events.some((e) => e.type === 'appointment.confirmed')).toBe(true);
    const refused = base.events.filter((e) => e.type === 'appointment.booked' && (e.payload as { refused_first_availability: boolean }).refused_first_availability);
    for (const e of refused) expect((e.payload as { chosen_date: string; first_offered_date: string }).chosen_date > (e.payload as { first_offered_date: string }).first_offered_date).toBe(true);
  });

  it('books first-access U/B/D/P patients and follow-ups without a class', () => {
    const booked = base.events.filter((e) => e.type === 'appointment.booked').map((e) => e.payload as { priority: string | null; access_type: string });
    expect(new Set(booked.filter((p) => p.access_type === 'first').map((p) => p.priority))).toEqual(new Set(['U', 'B', 'D', 'P']));
    expect(booked.filter((p) => p.access_type === 'follow_up').every((p) => p.priority === null)).toBe(true);
  });
});
