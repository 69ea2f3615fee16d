/**
 * Two engine instances on one PostgreSQL database, each with its own pool and its own in-memory free-slot index:
 * a booking through one makes the slot disappear from the other's searches within milliseconds (the database's change
 * notification), and from its own searches at once; a cancellation makes it reappear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testApp, TEST_SECRET } from './harness.ts';
import { buildTree, post, prescribe, registerPatient, seedRegionRoot } from './fixtures.ts';
import { buildApp } from '../../engine/src/http/app.ts';
import { openPg } from '../../engine/src/store/db.pg.ts';
import type { Db } from '../../engine/src/store/db.ts';
import type { LiveFreeSlots } from '../../engine/src/store/free-slot-cache.ts';

const T0 = new Date('2026-03-20T09:00:00Z');
const weekdays = (start: string, end: string) => [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start, end, slotMinutes: 30, capacity: 1 }));
const indexOf = (app: FastifyInstance) => (app as unknown as { slotIndex: LiveFreeSlots | null }).slotIndex;

describe('free-slot index across two engine instances on pg', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let dbB: Db;
  let appB: FastifyInstance;
  let op: Record<string, string>;
  let ids: Awaited<ReturnType<typeof buildTree>>;
  let rx = 500;

  beforeAll(async () => {
    t = await testApp('pg', { now: () => T0 });
    await seedRegionRoot(t.db);
    const admin = await t.auth('region-admin');
    op = await t.auth('cup-operator');
    ids = await buildTree(t.app, admin);
    for (const [id, clinicId] of [['ag-mi', ids.clinic], ['ag-bg', ids.clinic2]] as const) {
      const r = await post(t.app, '/agendas', admin, { id, clinicId, name: id, accessType: 'first', validFrom: '2026-03-01', validTo: '2026-12-31', services: [ids.cardio], templates: weekdays('08:00', '10:00'), attrs: {} });
      expect(r.statusCode, r.body).toBe(201);
      expect((await post(t.app, `/agendas/${id}/slots/generate`, admin, { from: '2026-03-23', to: '2026-04-30' })).statusCode).toBe(200);
    }
    dbB = openPg(t.db.url!, { max: 4 });
    appB = await buildApp({ db: dbB, ref: t.ref, jwtSecret: TEST_SECRET, now: () => T0 });
    await appB.ready();
  });
  afterAll(async () => {
    await appB?.close();
    await dbB?.close();
    await t?.close();
  });

  const search = async (app: FastifyInstance, patientId: string, lineId: string) => {
    const r = await post(app, '/availability/search', op, { patientId, prescriptionLineId: lineId, channel: 'desk', limit: 5 });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { searchId: string; firstAvailable: { slotId: string } | null; options: { slotId: string }[] };
  };
  /** Searches on `app` until `ok` holds (at most 2 s); returns how long it took. */
  const until = async (app: FastifyInstance, patientId: string, lineId: string, ok: (slots: string[]) => boolean) => {
    const t0 = Date.now();
    for (;;) {
      const s = await search(app, patientId, lineId);
      if (ok(s.options.map((o) => o.slotId))) return Date.now() - t0;
      if (Date.now() - t0 > 2000) throw new Error(`not seen within 2 s: ${JSON.stringify(s.options.map((o) => o.slotId))}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  it('both engines serve searches from their index', async () => {
    expect(indexOf(t.app)?.live).toBe(true);
    expect(indexOf(appB)?.live).toBe(true);
  });

  it('a booking through one engine hides the slot from the other within milliseconds, and a cancellation brings it back', async () => {
    const anna = await registerPatient(t.app, op, 11, ids.ats);
    const bruno = await registerPatient(appB, op, 12, ids.ats);
    const annaLine = await prescribe(t.app, op, anna, rx++, ids.cardio, 'P', '2026-03-18');
    const brunoLine = await prescribe(appB, op, bruno, rx++, ids.cardio, 'P', '2026-03-18');
    // engine B has the slot in its index
    const before = await search(appB, bruno, brunoLine);
    const first = before.firstAvailable!.slotId;
    expect(before.options.map((o) => o.slotId)).toContain(first);
    const hitsB = indexOf(appB)!.stats.hits;
    // Anna books it through engine A
    const offer = await search(t.app, anna, annaLine);
    expect(offer.firstAvailable!.slotId).toBe(first);
    const booked = await post(t.app, '/appointments', op, { patientId: anna, prescriptionLineId: annaLine, slotId: first, channel: 'desk', searchId: offer.searchId });
    expect(booked.statusCode, booked.body).toBe(201);
    // engine A's own next search never shows it, without waiting for anything
    const other = await registerPatient(t.app, op, 13, ids.ats);
    const otherLine = await prescribe(t.app, op, other, rx++, ids.cardio, 'P', '2026-03-18');
    expect((await search(t.app, other, otherLine)).options.map((o) => o.slotId)).not.toContain(first);
    // engine B catches up from the notification
    const hideMs = await until(appB, bruno, brunoLine, (xs) => !xs.includes(first));
    expect(hideMs).toBeLessThan(2000);
    // cancelled through engine A: back in engine B's searches
    const cancel = await post(t.app, `/appointments/${booked.json().id}/cancel`, op, { reason: 'patient' });
    expect(cancel.statusCode, cancel.body).toBe(200);
    await until(appB, bruno, brunoLine, (xs) => xs[0] === first);
    await until(t.app, other, otherLine, (xs) => xs[0] === first);
    // and B answered from memory all along
    expect(indexOf(appB)!.stats.hits).toBeGreaterThan(hitsB);
    expect(indexOf(appB)!.stats.fallbacks).toBe(0);
  });

  it('a stale offer can only end in SLOT_TAKEN: the database still decides', async () => {
    const carla = await registerPatient(t.app, op, 14, ids.ats);
    const dario = await registerPatient(appB, op, 15, ids.ats);
    const cLine = await prescribe(t.app, op, carla, rx++, ids.cardio, 'P', '2026-03-18');
    const dLine = await prescribe(appB, op, dario, rx++, ids.cardio, 'P', '2026-03-18');
    const sc = await search(t.app, carla, cLine);
    const sd = await search(appB, dario, dLine);
    const slot = sc.firstAvailable!.slotId;
    expect(sd.firstAvailable!.slotId).toBe(slot);
    expect((await post(t.app, '/appointments', op, { patientId: carla, prescriptionLineId: cLine, slotId: slot, channel: 'desk', searchId: sc.searchId })).statusCode).toBe(201);
    const late = await post(appB, '/appointments', op, { patientId: dario, prescriptionLineId: dLine, slotId: slot, channel: 'desk', searchId: sd.searchId });
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('SLOT_TAKEN');
    expect((await t.db.query<{ booked: number }>(`select booked from slot where id = $1`, [slot]))[0]!.booked).toBe(1);
  });
});
