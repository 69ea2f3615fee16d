/**
 * End to end on the embedded defaults: a booking made through the engine API reaches the live state and the lake
 * with no further step, every event the engine emitted on the way validates, and nothing personal lands in the lake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, testApp } from './harness.ts';
import { buildTree, makeCf, nre, post, prescribe, registerPatient, seedRegionRoot } from './fixtures.ts';
import { readLake, tempDataDir, waitFor } from './stream-harness.ts';
import { startEmbeddedStream } from '../../pipelines/src/stream.ts';

const day = (d: Date, plus: number) => new Date(d.getTime() + plus * 86_400_000).toISOString().slice(0, 10);
const weekdays = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '08:00', end: '12:00', slotMinutes: 30, capacity: 1 }));

describe.each(STORES)('a booking through the API on %s', (store) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let tmp: Awaited<ReturnType<typeof tempDataDir>>;
  let stream: Awaited<ReturnType<typeof startEmbeddedStream>>;
  let appointmentId: string;
  const now = new Date();

  beforeAll(async () => {
    t = await testApp(store, { now: () => now });
    tmp = await tempDataDir();
    stream = await startEmbeddedStream(t.db, tmp.cfg, { idleMs: 10 });
    await seedRegionRoot(t.db);
    const admin = await t.auth('region-admin');
    const op = await t.auth('cup-operator');
    const ids = await buildTree(t.app, admin);
    await t.app.inject({ method: 'PATCH', url: `/org-units/${ids.site}`, headers: admin, payload: { attrs: { channels: ['desk', 'web'] } } });
    const a = await post(t.app, '/agendas', admin, { id: 'ag-live', clinicId: ids.clinic, name: 'live', accessType: 'first', validFrom: day(now, -1), validTo: day(now, 90), services: [ids.cardio], templates: weekdays, attrs: {} });
    expect(a.statusCode, a.body).toBe(201);
    const g = await post(t.app, '/agendas/ag-live/slots/generate', admin, { from: day(now, 1), to: day(now, 40) });
    expect(g.statusCode, g.body).toBe(200);
    const patient = await registerPatient(t.app, op, 7, ids.ats, { email: 'mario.paziente7@example.it' });
    const line = await prescribe(t.app, op, patient, 4242, ids.cardio, 'D', day(now, 0));
    const s = await post(t.app, '/availability/search', op, { patientId: patient, prescriptionLineId: line, channel: 'desk' });
    expect(s.statusCode, s.body).toBe(200);
    const b = await post(t.app, '/appointments', op, { patientId: patient, prescriptionLineId: line, slotId: s.json().options[0].slotId, channel: 'desk', searchId: s.json().searchId });
    expect(b.statusCode, b.body).toBe(201);
    appointmentId = b.json().id;
    await waitFor(async () => (await readLake(tmp.cfg.lakeDir)).some((r) => r.aggregate_id === appointmentId), 'the booking in the lake');
  });
  afterAll(async () => {
    await stream?.stop();
    await t?.close();
    await tmp?.cleanup();
  });

  it('shows up in the lake and the live state, and every event the engine emitted passes its schema', async () => {
    const rows = await readLake(tmp.cfg.lakeDir);
    const outbox = await t.db.query<{ n: number }>(`select count(*)::int as n from outbox`);
    expect(stream.sink.deadLetters.count).toBe(0);
    expect(rows).toHaveLength(outbox[0]!.n);
    expect(rows.filter((r) => r.aggregate_id === appointmentId).map((r) => r.type)).toContain('appointment.booked');
    expect(rows.map((r) => r.type)).toEqual(expect.arrayContaining(['org_unit.created', 'agenda.slots_generated', 'availability.searched', 'patient.registered', 'prescription.registered']));
    const snap = stream.live.snapshot(Date.now());
    expect(snap.last_hour.bookings).toBe(1);
    expect(snap.next_available).toHaveLength(1);
  });

  it("keeps the patient's codice fiscale, name, contacts and the NRE out of the lake", async () => {
    const text = JSON.stringify(await readLake(tmp.cfg.lakeDir));
    for (const s of [makeCf(7), 'Paziente7', '+39 333 1234567', 'mario.paziente7@example.it', nre(4242)]) expect(text).not.toContain(s);
    expect(text).toContain('"patient_birth_year":1980');
  });
});
