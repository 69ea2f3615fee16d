/**
 * No slot is ever booked over capacity, with several engine processes on one PostgreSQL database and many
 * clients racing for the same few places through the HTTP API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, utcToLocal } from '../../engine/src/domain/time/rome-time.ts';
import { mintToken } from '../../engine/src/http/auth.ts';
import { freePorts, openTestDb, TEST_SECRET } from './harness.ts';
import { buildTree, post, registerPatient, seedRegionRoot } from './fixtures.ts';
import { buildApp } from '../../engine/src/http/app.ts';
import { loadEngineReference } from '../../engine/src/reference.ts';

const ENGINES = 3;
const CLIENTS = 60;

async function waitHealthy(url: string, ms = 90_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`engine at ${url} did not start`);
}

describe('concurrent booking through several engine processes on one PostgreSQL database', () => {
  let db: Awaited<ReturnType<typeof openTestDb>>;
  const engines: ChildProcess[] = [];
  const urls: string[] = [];
  let slotIds: string[] = [];
  let patients: string[] = [];
  let token: string;

  beforeAll(async () => {
    db = await openTestDb('pg', { poolMax: 4 });
    const app = await buildApp({ db, ref: await loadEngineReference(), jwtSecret: TEST_SECRET });
    token = await mintToken(TEST_SECRET, { sub: 'race-admin', role: 'region-admin' });
    const admin = { authorization: `Bearer ${token}` };
    await seedRegionRoot(db);
    const ids = await buildTree(app, admin);
    const day = addDays(utcToLocal(new Date()).date, 7);
    const r = await post(app, '/agendas', admin, {
      id: 'ag-race', clinicId: ids.clinic, name: 'race', accessType: 'first', validFrom: day, validTo: addDays(day, 7),
      services: [ids.cardio], templates: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '09:30', slotMinutes: 30, capacity: 2 })),
      attrs: { regimes: ['private'] },
    });
    expect(r.statusCode, r.body).toBe(201);
    const g = await post(app, '/agendas/ag-race/slots/generate', admin, { from: day, to: day });
    expect(g.json().slotsCreated).toBe(3);
    slotIds = (await db.query<{ id: string }>(`select id::text from slot where agenda_id = 'ag-race' order by start_at`)).map((s) => s.id);
    for (let i = 0; i < CLIENTS; i++) patients.push(await registerPatient(app, admin, 500 + i, ids.ats));
    await app.close();
    const dataDir = mkdtempSync(join(tmpdir(), 'cupola-race-'));
    for (const port of await freePorts(ENGINES)) {
      const child = spawn(process.execPath, ['bin/cupola.js', 'serve', '--port', String(port)], {
        env: { ...process.env, DATABASE_URL: db.url, CUPOLA_JWT_SECRET: TEST_SECRET, CUPOLA_DATA_DIR: dataDir },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      engines.push(child);
      urls.push(`http://127.0.0.1:${port}`);
    }
    await Promise.all(urls.map((u) => waitHealthy(u)));
  });

  afterAll(async () => {
    for (const e of engines) e.kill('SIGTERM');
    await db?.close();
  });

  it(`gives exactly the 6 places to 6 of ${CLIENTS} racing clients and refuses the rest with SLOT_TAKEN`, async () => {
    const results = await Promise.all(
      patients.map(async (patientId, i) => {
        const res = await fetch(`${urls[i % ENGINES]}/appointments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ patientId, slotId: slotIds[i % slotIds.length], serviceId: 'svc-card', accessType: 'first', channel: 'desk', regime: 'private' }),
        });
        return { status: res.status, body: (await res.json()) as { code?: string } };
      }),
    );
    const won = results.filter((r) => r.status === 201);
    const lost = results.filter((r) => r.status !== 201);
    expect(won).toHaveLength(6);
    expect(new Set(lost.map((r) => r.body.code))).toEqual(new Set(['SLOT_TAKEN']));
    const slots = await db.query<{ booked: number; capacity: number; appts: number }>(
      `select s.booked, s.capacity, (select count(*)::int from appointment a where a.slot_id = s.id and a.status = 'booked') as appts
       from slot s where s.agenda_id = 'ag-race'`);
    expect(slots.map((s) => [s.booked, s.capacity, s.appts])).toEqual([[2, 2, 2], [2, 2, 2], [2, 2, 2]]);
    const events = await db.query<{ n: number }>(`select count(*)::int as n from outbox where type = 'appointment.booked'`);
    expect(events[0]!.n).toBe(6);
  });
});
