/**
 * Integration harness: every suite runs on both stores — embedded PGlite and a real PostgreSQL server.
 * The PostgreSQL server is started by scripts/test.sh (scripts/pg.sh) which exports CUPOLA_TEST_PG_URL;
 * without it the pg runs fail loudly instead of being skipped.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import pg from 'pg';
import type { Db } from '../../engine/src/store/db.ts';
import { openPg } from '../../engine/src/store/db.pg.ts';
import { openPglite } from '../../engine/src/store/db.pglite.ts';
import { migrate } from '../../engine/src/store/migrate.ts';
import { buildApp } from '../../engine/src/http/app.ts';
import { mintToken, type Principal, type Role } from '../../engine/src/http/auth.ts';
import { loadEngineReference } from '../../engine/src/reference.ts';

/**
 * `n` distinct TCP ports free right now on 127.0.0.1, chosen by the kernel, for servers a test starts in another
 * process. A fixed or random port in the ephemeral range can be held by any outgoing connection (EADDRINUSE).
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export const STORES = ['pglite', 'pg'] as const;
export type StoreKind = (typeof STORES)[number];
export const TEST_SECRET = 'test-secret-0123456789-abcdefghijkl';

export function adminUrl(): string {
  const url = process.env.CUPOLA_TEST_PG_URL;
  if (!url) throw new Error('CUPOLA_TEST_PG_URL is not set: run the suite with `npm test` (scripts/test.sh starts PostgreSQL)');
  return url;
}

/** A fresh, migrated database: in-memory PGlite, or a new database on the PostgreSQL server (dropped on close). */
export async function openTestDb(kind: StoreKind, opts: { poolMax?: number } = {}): Promise<Db & { url?: string }> {
  if (kind === 'pglite') {
    const db = await openPglite();
    await migrate(db);
    return db;
  }
  const admin = adminUrl();
  const name = `cupola_t_${randomBytes(5).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  const url = admin.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
  const db = openPg(url, { max: opts.poolMax ?? 10 });
  await migrate(db);
  return {
    ...db,
    url,
    async close() {
      await db.close();
      const c2 = new pg.Client({ connectionString: admin });
      await c2.connect();
      await c2.query(`drop database if exists ${name} with (force)`);
      await c2.end();
    },
  };
}

export async function testApp(kind: StoreKind, opts: { now?: () => Date } = {}) {
  const db = await openTestDb(kind);
  const ref = await loadEngineReference();
  const app = await buildApp({ db, ref, jwtSecret: TEST_SECRET, ...(opts.now ? { now: opts.now } : {}) });
  await app.ready();
  const token = (role: Role, claims: Partial<Principal> = {}) => mintToken(TEST_SECRET, { sub: `test-${role}`, role, ...claims });
  const auth = async (role: Role, claims: Partial<Principal> = {}) => ({ authorization: `Bearer ${await token(role, claims)}` });
  return {
    app, db, token, auth, ref,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** Counts rows of the tables a rejected request must not touch. */
export async function rowCounts(db: Db) {
  const r = await db.query<Record<string, number>>(
    `select (select count(*)::int from org_unit) as org_unit, (select count(*)::int from service) as service,
            (select count(*)::int from service_code) as service_code, (select count(*)::int from agenda) as agenda,
            (select count(*)::int from agenda_template) as agenda_template, (select count(*)::int from agenda_closure) as agenda_closure,
            (select count(*)::int from slot) as slot, (select count(*)::int from slot where status = 'open') as open_slots,
            (select coalesce(sum(booked),0)::int from slot) as booked, (select count(*)::int from appointment) as appointment,
            (select count(*)::int from outbox) as outbox`,
  );
  return r[0]!;
}
