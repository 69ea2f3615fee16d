import { describe, expect, it } from 'vitest';
import { together } from '../../engine/src/store/db.ts';

describe('several writes as one statement', () => {
  it('leaves a single statement as it is', () => {
    const s = { sql: 'insert into t (a) values ($1)', params: [1] };
    expect(together([s])).toBe(s);
  });

  it('wraps each write in its own CTE and renumbers the placeholders after the ones before it', () => {
    const s = together([
      { sql: 'insert into a (x, y) values ($1, $2)', params: ['x', 'y'] },
      { sql: 'update b set z = $1 where id = $2 and w = $1', params: ['z', 7] },
    ]);
    expect(s.sql).toBe('with w0 as (insert into a (x, y) values ($1, $2)),\nw1 as (update b set z = $3 where id = $4 and w = $3)\nselect 1');
    expect(s.params).toEqual(['x', 'y', 'z', 7]);
  });

  it('ends a write that may skip the WAL flush by turning synchronous_commit off for its own transaction, even a single one', () => {
    const s = together([{ sql: 'insert into t (a) values ($1)', params: [1] }], { flush: false });
    expect(s.sql).toBe("with w0 as (insert into t (a) values ($1))\nselect set_config('synchronous_commit', 'off', true)");
    expect(s.params).toEqual([1]);
  });
});
