/**
 * The storage port. One set of SQL (numbered migrations + queries) runs on both adapters:
 * PostgreSQL through `pg` (db.pg.ts) and embedded PGlite (db.pglite.ts).
 */
export interface Queryable {
  /** Runs one parameterised statement ($1, $2, ...) and returns its rows. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk-loads rows with COPY ... FROM STDIN (text format). Values: null, string, number, boolean, Date,
   * or a plain object/array (written as JSON). Returns the number of rows written.
   */
  copyRows(table: string, columns: readonly string[], rows: Iterable<readonly unknown[]>): Promise<number>;
}

export interface Db extends Queryable {
  readonly kind: 'pg' | 'pglite';
  /** Runs fn in one transaction: everything it wrote commits together or not at all. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * Listens on a NOTIFY channel over a dedicated connection (PostgreSQL server only). `onLost` is called once if the
   * connection fails or ends; notifications may have been missed from then on. Resolves once LISTEN is in effect, with
   * `query` on that same connection (reads that must never wait for the request pool).
   */
  listen?(channel: string, onMessage: (payload: string) => void, onLost: (e: Error) => void): Promise<{ close(): Promise<void>; query: Queryable['query'] }>;
}

/** Encodes one value for COPY text format. */
export function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  let s: string;
  if (v instanceof Date) s = v.toISOString();
  else if (typeof v === 'object') s = JSON.stringify(v);
  else s = String(v);
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

export function copyLine(row: readonly unknown[]): string {
  return row.map(copyValue).join('\t') + '\n';
}

/** One parameterised statement, built but not yet run. */
export interface Stmt {
  sql: string;
  params: unknown[];
}

/**
 * Several independent writes as ONE statement (data-modifying CTEs, placeholders renumbered): one round trip, and
 * atomic on its own. The parts must not touch the same rows (they see one snapshot and run in no given order).
 *
 * `flush: false` is for a statement run on its own (its own implicit transaction, never inside `transaction()`) whose
 * loss in a database crash is acceptable: its commit does not wait for the WAL to reach disk
 * (`synchronous_commit = off` for that one transaction, PostgreSQL's documented per-transaction choice; the server's
 * settings are untouched). It is visible at once, and durable as soon as any later ordinary commit is, since WAL is
 * flushed in order: whatever reads it and then commits makes it durable too.
 */
export function together(stmts: readonly Stmt[], opts: { flush?: boolean } = {}): Stmt {
  const flush = opts.flush ?? true;
  if (stmts.length === 1 && flush) return stmts[0]!;
  const params: unknown[] = [];
  for (const s of stmts) params.push(...s.params);
  return { sql: togetherSql(stmts, flush), params };
}

/** The combined text of some statements (the same few combinations recur: built once each, renumbering is costly). */
const combined = new Map<string, string>();
function togetherSql(stmts: readonly Stmt[], flush: boolean): string {
  const key = `${flush}\u0000${stmts.map((s) => `${s.params.length}:${s.sql}`).join('\u0000')}`;
  let sql = combined.get(key);
  if (sql === undefined) {
    let offset = 0;
    const parts = stmts.map((s, i) => {
      const at = offset;
      offset += s.params.length;
      return `w${i} as (${s.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + at}`)})`;
    });
    // set_config(..., true) lasts until this statement's transaction ends, after its commit record is written
    sql = `with ${parts.join(',\n')}\nselect ${flush ? '1' : "set_config('synchronous_commit', 'off', true)"}`;
    if (combined.size < 1000) combined.set(key, sql);
  }
  return sql;
}

/** Runs the statements as one (nothing when the list is empty). */
export async function runTogether(q: Queryable, stmts: readonly Stmt[], opts: { flush?: boolean } = {}): Promise<void> {
  if (!stmts.length) return;
  const s = together(stmts, opts);
  await q.query(s.sql, s.params);
}
