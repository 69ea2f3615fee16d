import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { together, type Db } from '../../engine/src/store/db.ts';
import { openTestDb, STORES } from './harness.ts';

// One connection, so the statement after the relaxed one surely runs on the same session.
describe.each(STORES)('a write that may skip the WAL flush, on %s', (store) => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDb(store, { poolMax: 1 });
    await db.exec('create table flush_probe (id text primary key, n int not null)');
  });
  afterAll(async () => db?.close());

  it('commits all its parts with synchronous_commit off for its own transaction, and the next statement waits for the flush again', async () => {
    const s = together([
      { sql: 'insert into flush_probe (id, n) values ($1, $2)', params: ['a', 1] },
      { sql: 'insert into flush_probe (id, n) values ($1, $2)', params: ['b', 2] },
    ], { flush: false });
    const rows = await db.query<{ set_config: string }>(s.sql, s.params);
    expect(rows).toEqual([{ set_config: 'off' }]);
    expect(await db.query('select id, n from flush_probe order by id')).toEqual([{ id: 'a', n: 1 }, { id: 'b', n: 2 }]);
    expect(await db.query(`select current_setting('synchronous_commit') as v`)).toEqual([{ v: 'on' }]);
  });

  it('writes none of its parts when one fails', async () => {
    const s = together([
      { sql: 'insert into flush_probe (id, n) values ($1, $2)', params: ['c', 3] },
      { sql: 'insert into flush_probe (id, n) values ($1, $2)', params: ['a', 4] }, // duplicate key
    ], { flush: false });
    await expect(db.query(s.sql, s.params)).rejects.toThrow(/duplicate key/);
    expect(await db.query(`select id from flush_probe where id = 'c' or n = 4`)).toEqual([]);
    expect(await db.query(`select current_setting('synchronous_commit') as v`)).toEqual([{ v: 'on' }]);
  });
});
