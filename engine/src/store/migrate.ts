import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Db } from './db.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** Applies the numbered SQL migrations not yet applied, each in its own transaction. Returns the names applied. */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db.exec(`create table if not exists schema_migration (name text primary key, applied_at timestamptz not null default now())`);
  // one migrator at a time across engine processes
  const files = (await readdir(dir)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  for (const name of files) {
    const sql = await readFile(join(dir, name), 'utf8');
    const done = await db.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(4242)`);
      const seen = await tx.query(`select 1 from schema_migration where name = $1`, [name]);
      if (seen.length) return false;
      await tx.exec(sql);
      await tx.query(`insert into schema_migration (name) values ($1)`, [name]);
      return true;
    });
    if (done) applied.push(name);
  }
  return applied;
}
