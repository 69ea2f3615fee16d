import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import { copyLine, type Db, type Queryable } from './db.ts';

const parsers = { [types.DATE]: (v: string) => v, [types.INT8]: (v: string) => v };

async function copyInto(q: PGlite | Transaction, table: string, columns: readonly string[], rows: Iterable<readonly unknown[]>) {
  // PGlite reads COPY input from a Blob; send it in chunks so millions of rows never sit in one string.
  let parts: string[] = [];
  let size = 0;
  let total = 0;
  const flush = async () => {
    if (!parts.length) return;
    await q.query(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'`, [], { blob: new Blob(parts) });
    parts = [];
    size = 0;
  };
  for (const row of rows) {
    const line = copyLine(row);
    parts.push(line);
    size += line.length;
    total++;
    if (size > 8_000_000) await flush();
  }
  await flush();
  return total;
}

function wrap(q: PGlite | Transaction): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const r = await q.query<R>(sql, params as unknown[], { parsers });
      return r.rows;
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
    copyRows: (table, columns, rows) => copyInto(q, table, columns, rows),
  };
}

/** Embedded PostgreSQL (WASM). dataDir undefined → in memory (tests). */
export async function openPglite(dataDir?: string): Promise<Db> {
  const pg = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  const base = wrap(pg);
  return {
    kind: 'pglite',
    ...base,
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => pg.transaction((tx) => fn(wrap(tx))),
    close: () => pg.close(),
  };
}
