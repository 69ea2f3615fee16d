import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from './db.ts';
import { openPg } from './db.pg.ts';
import { openPglite } from './db.pglite.ts';

/** DATABASE_URL set → PostgreSQL; otherwise embedded PGlite under $CUPOLA_DATA_DIR/pg. */
export async function openDb(env: { databaseUrl?: string | undefined; dataDir: string }): Promise<Db> {
  if (env.databaseUrl) return openPg(env.databaseUrl);
  const dir = join(env.dataDir, 'pg');
  await mkdir(dir, { recursive: true });
  return openPglite(dir);
}
