import { describe, expect, it } from 'vitest';
import { LakeColumnsBuilder, lakeColumns, LAKE_SCHEMA } from '../../pipelines/src/transforms/to-arrow.ts';
import type { LakeEvent } from '../../pipelines/src/transforms/pseudonymise.ts';

const event = (i: number, payload: Record<string, unknown>): LakeEvent => ({
  event_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, type: 'appointment.booked', schema_version: 1, occurred_at: '2026-05-20T10:00:00.000Z',
  aggregate_type: 'appointment', aggregate_id: `ap-${i}`, ats: i % 2 ? null : 'ats-milano', provider: null, payload, topic: 'booking',
  patient: i % 3 ? { pseudonym: `p${i}`, birth_year: 1950 + i, sex: 'F', residence_ats: 'ats-milano', residence_district: null } : null,
});

describe('lake rows as Arrow columns', () => {
  // many rows, some large and non-ASCII, so the payload buffer grows several times
  const events = Array.from({ length: 3_000 }, (_, i) => event(i, { n: i, note: i % 7 ? 'x'.repeat(i % 300) : `città ☃ 𝄞 ${i}`, nested: { a: [i, null, 'è'] } }));

  it('keeps each payload as its JSON text, in row order, with or without dropped rows', () => {
    const b = new LakeColumnsBuilder();
    for (const e of events) b.push(e);
    const all = b.toRecordBatch(1);
    expect(all.numRows).toBe(events.length);
    expect(all.getChild('payload')!.toArray()).toEqual(events.map((e) => JSON.stringify(e.payload)));
    const keep = (i: number) => i % 5 !== 0;
    const some = b.toRecordBatch(2, keep);
    const kept = events.filter((_, i) => keep(i));
    expect(some.numRows).toBe(kept.length);
    expect(some.getChild('payload')!.toArray()).toEqual(kept.map((e) => JSON.stringify(e.payload)));
    expect(some.getChild('event_id')!.toArray()).toEqual(kept.map((e) => e.event_id));
    expect(some.getChild('patient_birth_year')!.toArray()[0]).toBe(kept[0]!.patient?.birth_year ?? 0);
    expect(some.schema.fields.map((f) => f.name)).toEqual(LAKE_SCHEMA.fields.map((f) => f.name));
  });

  it('lakeColumns gives every column of LAKE_SCHEMA as plain values', () => {
    const cols = lakeColumns(events.slice(0, 10), 5);
    expect(Object.keys(cols).sort()).toEqual(LAKE_SCHEMA.fields.map((f) => f.name).sort());
    expect(cols.payload).toEqual(events.slice(0, 10).map((e) => JSON.stringify(e.payload)));
    expect(cols.ingested_at).toEqual(new Array(10).fill(5));
  });
});
