import { describe, expect, it } from 'vitest';
import branches from '../../reference/branches.json' with { type: 'json' };
import holidays from '../../reference/holidays.json' with { type: 'json' };
import lombardy from '../../reference/lombardy.json' with { type: 'json' };
import services from '../../reference/pngla-services.json' with { type: 'json' };
import type { Queryable } from '../../engine/src/store/db.ts';
import { parseReference } from '../../simulator/src/reference.ts';
import { estimateSlots, planRegion } from '../../simulator/src/region-plan.ts';
import { copyInChunks, SEED_COLUMNS, SEED_TABLES, seedRegion, slotRows, type GenerateSlotsFn } from '../../simulator/src/seed.ts';

const ref = parseReference({ branches, services, holidays, lombardy });

interface CopyCall {
  table: string;
  columns: readonly string[];
  rows: (readonly unknown[])[];
}

/** A store that only records COPY calls (the seed uses nothing else). */
function recordingDb(): Queryable & { calls: CopyCall[] } {
  const calls: CopyCall[] = [];
  return {
    calls,
    query: () => Promise.reject(new Error('query not expected')),
    exec: () => Promise.reject(new Error('exec not expected')),
    copyRows: (table, columns, rows) => {
      const list = [...rows];
      calls.push({ table, columns, rows: list });
      return Promise.resolve(list.length);
    },
  };
}

const rowsOf = (calls: CopyCall[], table: string) => calls.filter((c) => c.table === table).flatMap((c) => c.rows);

describe('seeding a region plan', () => {
  // 30 Nov - 27 Dec 2026: Sant'Ambrogio (Milano, 7 Dec), Immacolata (8 Dec), San Siro (Pavia, 9 Dec), Christmas.
  const plan = planRegion({ scale: 'demo', seed: 3, startDate: '2026-11-30' }, ref);

  it('writes every table with COPY in foreign-key order', async () => {
    const db = recordingDb();
    const result = await seedRegion(db, plan);
    const order = [...new Set(db.calls.map((c) => c.table))];
    expect(order).toEqual([...SEED_TABLES]);
    for (const c of db.calls) expect(c.columns).toEqual(SEED_COLUMNS[c.table as keyof typeof SEED_COLUMNS]);
    expect(result.rows).toEqual({
      org_unit: plan.orgUnits.length,
      branch: plan.branches.length,
      service: plan.services.length,
      service_code: plan.serviceCodes.length,
      agenda: plan.agendas.length,
      agenda_service: plan.agendaServices.length,
      agenda_template: plan.agendaTemplates.length,
      agenda_closure: plan.agendaClosures.length,
      slot: estimateSlots(plan),
    });
  });

  it('writes org units parents first and rows shaped like the columns', async () => {
    const db = recordingDb();
    await seedRegion(db, plan);
    const units = rowsOf(db.calls, 'org_unit');
    const seen = new Set<unknown>();
    for (const u of units) {
      if (u[2] !== null) expect(seen.has(u[2])).toBe(true);
      seen.add(u[0]);
    }
    for (const c of db.calls) for (const r of c.rows) expect(r).toHaveLength(c.columns.length);
    const slot = rowsOf(db.calls, 'slot')[0]!;
    expect(slot[1]).toBeInstanceOf(Date);
    expect(slot[3]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('generates no slot on holidays, nor on the patron day of the clinic municipality', async () => {
    const db = recordingDb();
    await seedRegion(db, plan);
    const municipalityOfAgenda = new Map(
      plan.agendas.map((a) => [a.id, plan.orgUnits.find((u) => u.id === a.clinicId)?.municipality]),
    );
    const dates = (municipality: string) =>
      new Set(rowsOf(db.calls, 'slot').filter((r) => municipalityOfAgenda.get(r[0] as string) === municipality).map((r) => r[3]));
    const milano = dates('F205');
    const pavia = dates('G388');
    for (const d of ['2026-12-08', '2026-12-25']) {
      expect(milano.has(d)).toBe(false);
      expect(pavia.has(d)).toBe(false);
    }
    expect(milano.has('2026-12-07')).toBe(false);
    expect(pavia.has('2026-12-07')).toBe(true);
    expect(pavia.has('2026-12-09')).toBe(false);
    expect(milano.has('2026-12-09')).toBe(true);
  });

  it('reserves a share of first-access slots to priority classes and none of follow-up slots', async () => {
    const db = recordingDb();
    await seedRegion(db, plan);
    const accessOf = new Map(plan.agendas.map((a) => [a.id, a.accessType]));
    const slots = rowsOf(db.calls, 'slot');
    expect(slots.filter((r) => accessOf.get(r[0] as string) === 'follow_up' && r[5] !== null)).toHaveLength(0);
    const first = slots.filter((r) => accessOf.get(r[0] as string) === 'first');
    const reserved = first.filter((r) => r[5] !== null).length / first.length;
    expect(reserved).toBeGreaterThan(0.4);
    expect(reserved).toBeLessThan(0.75);
  });

  it('streams slots to COPY in chunks no larger than the chunk size and reports progress', async () => {
    const db = recordingDb();
    const progress: [number, number, string][] = [];
    await seedRegion(db, plan, { chunkSize: 1000, onProgress: (d, t, p) => progress.push([d, t, p]) });
    const slotCalls = db.calls.filter((c) => c.table === 'slot');
    const total = estimateSlots(plan);
    expect(slotCalls.length).toBe(Math.ceil(total / 1000));
    for (const c of slotCalls) expect(c.rows.length).toBeLessThanOrEqual(1000);
    const slotProgress = progress.filter(([, , p]) => p === 'slot');
    expect(slotProgress[0]).toEqual([0, total, 'slot']);
    expect(slotProgress.at(-1)).toEqual([total, total, 'slot']);
    expect(new Set(progress.map(([, , p]) => p))).toEqual(new Set(SEED_TABLES));
  });

  it('uses the given slot generator, limited to the plan range', async () => {
    const seenRanges = new Set<string>();
    const generate: GenerateSlotsFn = function* (agenda, _templates, _closures, holidaysOf, range) {
      seenRanges.add(`${range.from}..${range.to}`);
      expect(holidaysOf.size).toBeGreaterThan(0);
      yield { localDate: range.from, startAt: new Date('2026-11-30T08:00:00Z'), endAt: new Date('2026-11-30T08:20:00Z'), capacity: 1, reservedClass: null };
      void agenda;
    };
    const db = recordingDb();
    const result = await seedRegion(db, plan, { generateSlots: generate });
    expect(result.rows.slot).toBe(plan.agendas.length);
    expect([...seenRanges]).toEqual(['2026-11-30..2026-12-27']);
  });

  it('generates as many slots as estimated across a summer-time change', () => {
    const spring = planRegion({ scale: 'demo', seed: 8, startDate: '2026-03-23', weeks: 2 }, ref);
    let n = 0;
    for (const _ of slotRows(spring)) n++;
    expect(n).toBe(estimateSlots(spring));
  });
});

describe('copying in chunks', () => {
  it('splits rows lazily into COPY calls of at most the chunk size, without an empty call', async () => {
    const db = recordingDb();
    let pulled = 0;
    function* rows() {
      for (let i = 0; i < 10; i++) {
        pulled++;
        yield [i];
      }
    }
    const written: number[] = [];
    expect(await copyInChunks(db, 't', ['x'], rows(), 5, (w) => written.push(w))).toBe(10);
    expect(db.calls.map((c) => c.rows.length)).toEqual([5, 5]);
    expect(written).toEqual([5, 10]);
    expect(pulled).toBe(10);
    expect(await copyInChunks(db, 't', ['x'], [], 5)).toBe(0);
    expect(db.calls).toHaveLength(2);
  });

  it('rejects a chunk size below 1', async () => {
    await expect(copyInChunks(recordingDb(), 't', ['x'], [[1]], 0)).rejects.toThrow(RangeError);
  });
});
