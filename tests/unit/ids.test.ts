import { describe, expect, it } from 'vitest';
import { validate, version } from 'uuid';
import { uuidv7 } from '../../engine/src/ids.ts';

const timeOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('uuid v7 ids from the random pool', () => {
  it('are valid version-7 UUIDs, all different across several refills of the pool', () => {
    const ids = Array.from({ length: 2000 }, () => uuidv7());
    for (const id of ids.slice(0, 50)) expect(validate(id) && version(id)).toBe(7);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('made one after another, sort in the order they were made', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    expect([...ids].sort()).toEqual(ids);
  });

  it('carry the time asked for, and differ within it', () => {
    const t = Date.parse('2026-11-27T10:00:00.123Z');
    const a = uuidv7(t);
    const b = uuidv7(t);
    expect([timeOf(a), timeOf(b)]).toEqual([t, t]);
    expect(a).not.toBe(b);
    expect(version(a)).toBe(7);
  });
});
