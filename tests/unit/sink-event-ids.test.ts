import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventIdSet, packIds, packUuid, unpackUuid } from '../../pipelines/src/sinks/event-id-set.ts';

describe("the sink's packed event ids", () => {
  it('packs a lower-case UUID into four words exactly (unpacking gives the same string back)', () => {
    fc.assert(
      fc.property(fc.uuid(), (id) => {
        const w = new Uint32Array(4);
        expect(packUuid(id, w, 0)).toBe(true);
        expect(unpackUuid(w, 0)).toBe(id);
      }),
    );
  });

  it('keeps anything else (upper case, not a UUID) as a string, distinct from its lower-case twin', () => {
    const lower = randomUUID();
    const ids = packIds([lower, lower.toUpperCase(), 'not-a-uuid', `${lower.slice(0, 35)}g`]);
    expect([...(ids.odd?.keys() ?? [])]).toEqual([1, 2, 3]);
    const set = new EventIdSet();
    for (let i = 0; i < 4; i++) expect(set.add(ids, i)).toBe(true);
    expect(set.size).toBe(4);
    expect(set.hasId(lower)).toBe(true);
    expect(set.hasId(lower.toUpperCase())).toBe(true);
    expect(set.hasId(randomUUID())).toBe(false);
  });

  it('is a set: adds each id once, across growth, and finds every id added and none other', () => {
    const ids = Array.from({ length: 20_000 }, () => randomUUID());
    const packed = packIds([...ids, ...ids.slice(0, 500)]);
    const set = new EventIdSet(4);
    let added = 0;
    for (let i = 0; i < ids.length + 500; i++) if (set.add(packed, i)) added++;
    expect(added).toBe(ids.length);
    expect(set.size).toBe(ids.length);
    for (const id of ids) expect(set.hasId(id)).toBe(true);
    for (let i = 0; i < 1_000; i++) expect(set.hasId(randomUUID())).toBe(false);
  });
});
