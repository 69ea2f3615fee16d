import { describe, expect, it } from 'vitest';
import { topicOf, type EventEnvelope } from '../../engine/src/events/envelope.ts';
import { pseudonymise } from '../../pipelines/src/transforms/pseudonymise.ts';
import { validateEvent } from '../../pipelines/src/transforms/validate.ts';
import { PatientPseudonyms, lakeEventOf, loadMaxWaitDays } from '../../simulator/src/demand-lake.ts';
import { DemandSimulation, iso } from '../../simulator/src/demand-sim.ts';
import { planRegion } from '../../simulator/src/region-plan.ts';
import { loadReference } from '../../simulator/src/reference.ts';

const plan = planRegion({ scale: 'demo', seed: 5, startDate: '2026-03-23', weeks: 104 }, loadReference());
const maxWaitDays = loadMaxWaitDays();

type Sunk = { event: EventEnvelope; ms: number; key: number };

function run(days: number, writeFrom = 0): { sunk: Sunk[][]; sim: DemandSimulation } {
  const sim = new DemandSimulation(plan, { seed: 5, days, maxWaitDays });
  const sunk: Sunk[][] = [];
  for (let i = 0; i < days; i++) {
    const today: Sunk[] = [];
    sim.simulateDay(i, i < writeFrom ? null : (event, ms, key) => void today.push({ event, ms, key }));
    sunk.push(today);
  }
  return { sunk, sim };
}

describe('simulated demand written to the lake', () => {
  const full = run(24);

  it('hands each event to the sink with its instant and a patient key that stands for one codice fiscale', () => {
    const cfOf = new Map<number, string>();
    let keyed = 0;
    for (const { event, ms, key } of full.sunk.flat()) {
      expect(ms).toBe(Date.parse(event.occurred_at));
      const cf = (event.payload as { patient?: { cf: string } }).patient?.cf;
      if (key < 0) continue;
      keyed++;
      expect(cf).toBeDefined();
      expect(cfOf.get(key) ?? cf).toBe(cf);
      cfOf.set(key, cf!);
    }
    expect(keyed).toBeGreaterThan(1000);
  });

  it("makes exactly the pipelines' lake events, the cached pseudonyms included", () => {
    const pseudonyms = new PatientPseudonyms('test-key', 16);
    let hits = 0;
    for (const { event, key } of full.sunk.flat()) {
      const topic = topicOf(event.aggregate_type);
      const expected = pseudonymise(event, topic, 'test-key');
      const own = structuredClone(event); // lakeEventOf scrubs the event it is given
      expect(validateEvent(own).ok).toBe(true);
      const lake = lakeEventOf(own, topic, 'test-key', pseudonyms, key);
      expect(lake).toEqual(expected);
      expect(JSON.stringify(lake.payload)).toBe(JSON.stringify(expected.payload));
      if (key >= 0) hits++;
    }
    expect(hits).toBeGreaterThan(1000);
  });

  it('simulates days it does not write exactly the same: the days written after them are identical, ids included', () => {
    const skipped = run(24, 20);
    expect(skipped.sunk.slice(0, 20).every((d) => d.length === 0)).toBe(true);
    for (let i = 20; i < 24; i++) {
      expect(skipped.sunk[i]!.map((s) => s.event.event_id)).toEqual(full.sunk[i]!.map((s) => s.event.event_id));
      expect(JSON.stringify(skipped.sunk[i])).toBe(JSON.stringify(full.sunk[i]));
    }
    expect(skipped.sim.counters).toEqual(full.sim.counters);
  });

  it('formats instants exactly as Date#toISOString', () => {
    for (const ms of [0, 1, 999, 86_399_999, 951_782_400_000, 1_774_223_999_999, 1_774_224_000_000, 4_102_444_800_123, 1.5, -1]) {
      expect(iso(ms)).toBe(new Date(ms).toISOString());
    }
    for (let ms = 1_700_000_000_000; ms < 1_800_000_000_000; ms += 976_543_217) expect(iso(ms)).toBe(new Date(ms).toISOString());
  });
});
