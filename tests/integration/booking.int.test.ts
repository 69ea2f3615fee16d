import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowCounts, STORES, testApp } from './harness.ts';
import { buildTree, makeCf, post, prescribe, registerPatient, seedRegionRoot } from './fixtures.ts';
import { writeBookings, type NewAppointment } from '../../engine/src/store/booking-store.ts';
import { BookingReader, BookingWriter } from '../../engine/src/store/booking-writer.ts';
import type { Queryable } from '../../engine/src/store/db.ts';
import { makeEvent } from '../../engine/src/events/envelope.ts';

const T0 = new Date('2026-03-20T09:00:00Z'); // Friday
const weekdays = (start: string, end: string) => [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start, end, slotMinutes: 30, capacity: 1 }));

describe.each(STORES)('booking engine on %s', (store) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let now = T0;
  let admin: Record<string, string>;
  let op: Record<string, string>;
  let ids: Awaited<ReturnType<typeof buildTree>>;
  let mario: string;
  let rxSeq = 100;
  const counts = () => rowCounts(t.db);
  const apptCount = async () => (await t.db.query<{ n: number }>(`select count(*)::int as n from appointment`))[0]!.n;

  const search = (body: Record<string, unknown>, headers = op) => post(t.app, '/availability/search', headers, body);
  const newLine = async (patient: string, cls: string | null = 'B', svc = ids.cardio, date = '2026-03-18') => prescribe(t.app, op, patient, rxSeq++, svc, cls, date);

  beforeAll(async () => {
    t = await testApp(store, { now: () => now });
    await seedRegionRoot(t.db);
    admin = await t.auth('region-admin');
    op = await t.auth('cup-operator');
    ids = await buildTree(t.app, admin);
    const mk = async (id: string, clinicId: string, attrs: Record<string, unknown>) => {
      const r = await post(t.app, '/agendas', admin, { id, clinicId, name: id, accessType: 'first', validFrom: '2026-03-01', validTo: '2026-12-31', services: [ids.cardio], templates: weekdays('08:00', '12:00'), attrs });
      expect(r.statusCode, r.body).toBe(201);
      const g = await post(t.app, `/agendas/${id}/slots/generate`, admin, { from: '2026-03-23', to: '2026-05-15' });
      expect(g.statusCode, g.body).toBe(200);
    };
    await mk('ag-mi', ids.clinic, { classQuotas: { U: 0.125, B: 0.25 }, regimes: ['SSN', 'private'] });
    await mk('ag-bg', ids.clinic2, {});
    await t.app.inject({ method: 'PATCH', url: `/org-units/${ids.site}`, headers: admin, payload: { attrs: { channels: ['desk', 'call_centre', 'web'] } } });
    mario = await registerPatient(t.app, op, 1, ids.ats);
  });
  afterAll(() => t?.close());

  describe('patients and prescriptions', () => {
    it('registers a patient from a valid codice fiscale, deriving birth date and sex, and finds the same record again', async () => {
      const r = await post(t.app, '/patients', op, { codiceFiscale: makeCf(2, { female: true }), residenceAts: ids.ats });
      expect(r.statusCode).toBe(201);
      expect(r.json()).toMatchObject({ birthDate: '1980-01-01', sex: 'F', cfKind: 'cf' });
      const again = await post(t.app, '/patients', op, { codiceFiscale: makeCf(2, { female: true }).toLowerCase() });
      expect(again.statusCode).toBe(200);
      expect(again.json().id).toBe(r.json().id);
    });

    it.each([
      ['a wrong check character', 'RSSMRA80A01F205Y', 'CF_INVALID', '/codiceFiscale'],
      ['a wrong length', 'RSSMRA80A01F20', 'CF_INVALID', '/codiceFiscale'],
    ])('refuses a codice fiscale with %s and writes nothing', async (_n, cf, code, path) => {
      const before = await counts();
      const r = await post(t.app, '/patients', op, { codiceFiscale: cf });
      expect(r.statusCode).toBe(422);
      expect(r.json()).toMatchObject({ code, path });
      expect(await counts()).toEqual(before);
    });

    it('lists the registry data missing for booking', async () => {
      const r = await post(t.app, '/patients', op, { codiceFiscale: makeCf(3) });
      const alerts = await t.app.inject({ url: `/patients/${r.json().id}/alerts`, headers: op });
      expect(alerts.json().alerts.map((a: { code: string }) => a.code)).toEqual(
        expect.arrayContaining(['RESIDENCE_MISSING', 'CONTACT_MISSING', 'REMINDER_CONSENT_MISSING']));
    });

    it.each([
      ['a malformed NRE', { nre: '12345' }, 'NRE_INVALID', '/nre'],
      ['no diagnostic question', { diagnosis: undefined }, 'DIAGNOSTIC_QUESTION_REQUIRED', '/diagnosis'],
      ['a prescription date in the future', { prescriptionDate: '2026-04-01' }, 'PRESCRIPTION_DATE_IN_FUTURE', '/prescriptionDate'],
      ['an expired prescription', { prescriptionDate: '2025-06-01' }, 'PRESCRIPTION_EXPIRED', '/prescriptionDate'],
      ['lines of two branches', { lines: [{ serviceId: 'svc-card', accessType: 'first' }, { serviceId: 'svc-eco', accessType: 'first' }] }, 'PRESCRIPTION_MIXED_BRANCHES', '/lines/1/serviceId'],
    ])('refuses a prescription with %s and writes nothing', async (_n, change, code, path) => {
      const before = await counts();
      const body = { nre: '0300A0000099999', patientId: mario, prescriptionDate: '2026-03-10', priorityClass: 'B', diagnosis: { text: 'x' }, lines: [{ serviceId: 'svc-card', accessType: 'first' }], ...change };
      const r = await post(t.app, '/prescriptions', op, body);
      expect(r.json(), r.body).toMatchObject({ code });
      expect(r.json().path).toContain(path);
      expect(await counts()).toEqual(before);
      expect((await t.db.query(`select 1 from prescription where nre = '0300A0000099999'`)).length).toBe(0);
    });

    it('treats a blank class on a monitored first visit as P (Lombardy rule)', async () => {
      const r = await post(t.app, '/prescriptions', op, { nre: '0300A0000000001', patientId: mario, prescriptionDate: '2026-03-10', diagnosis: { icd9cm: '786.5' }, lines: [{ serviceId: 'svc-card', accessType: 'first' }] });
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json()).toMatchObject({ priority: 'P', prioritySource: 'blank_default', expiresOn: '2026-09-10' });
      const dup = await post(t.app, '/prescriptions', op, { nre: '0300A0000000001', patientId: mario, prescriptionDate: '2026-03-10', diagnosis: { text: 'x' }, lines: [{ serviceId: 'svc-card', accessType: 'first' }] });
      expect(dup.statusCode).toBe(409);
    });
  });

  describe('availability search', () => {
    it('finds the earliest slots in the guarantee area and says the class B maximum is guaranteed', async () => {
      const line = await newLine(mario, 'B');
      const r = await search({ patientId: mario, prescriptionLineId: line, channel: 'desk' });
      expect(r.statusCode, r.body).toBe(200);
      const s = r.json();
      expect(s).toMatchObject({ guaranteed: true, pathway: 'none', priority: 'B', patientAts: ids.ats });
      expect(s.firstAvailableInArea.date).toBe('2026-03-23');
      expect(s.deadline).toBe('2026-03-30T21:59:59.999Z'); // end of the local day 20 Mar + 10 days
      expect(s.options[0].inGuaranteeArea).toBe(true);
      const starts = s.options.map((o: { startAt: string }) => o.startAt);
      expect([...starts].sort()).toEqual(starts);
      const ev = await t.db.query(`select 1 from outbox where type = 'availability.searched' and aggregate_id = $1`, [s.searchId]);
      expect(ev).toHaveLength(1);
    });

    it('skips slots reserved to another class until their release', async () => {
      const line = await newLine(mario, 'P');
      const r = (await search({ patientId: mario, prescriptionLineId: line, channel: 'desk', limit: 50 })).json();
      expect(r.options.every((o: { reservedClass: string | null }) => o.reservedClass === null || o.reservedClass === 'P')).toBe(true);
    });

    it('flags the protection pathway when the area has nothing on the channel in time, and still offers other options', async () => {
      const line = await newLine(mario, 'U');
      const r = (await search({ patientId: mario, prescriptionLineId: line, channel: 'pharmacy' })).json();
      expect(r.guaranteed).toBe(false);
      expect(r.pathway).toBe('percorso_di_tutela');
      expect(r.firstAvailableInArea).toBeNull();
      expect(r.options.length).toBeGreaterThan(0);
      expect(r.options.every((o: { atsId: string; inGuaranteeArea: boolean }) => o.atsId === ids.ats2 && !o.inGuaranteeArea)).toBe(true);
    });

    it('refuses an SSN search without a prescription and writes nothing', async () => {
      const before = await counts();
      const r = await search({ patientId: mario, serviceId: ids.cardio, channel: 'desk' });
      expect(r.json()).toMatchObject({ code: 'PRESCRIPTION_REQUIRED', path: '/prescriptionLineId' });
      expect(await counts()).toEqual(before);
    });
  });

  describe('hold, confirm, book, move, cancel', () => {
    it('holds a slot, hides it from other searches, and confirms it into a booking with reminders', async () => {
      const p = await registerPatient(t.app, op, 10, ids.ats);
      const line = await newLine(p, 'P');
      const s = (await search({ patientId: p, prescriptionLineId: line, channel: 'desk', earliest: '2026-04-13' })).json();
      const slotId = s.options[0].slotId;
      const h = await post(t.app, '/appointments/hold', op, { patientId: p, prescriptionLineId: line, slotId, channel: 'desk', searchId: s.searchId });
      expect(h.statusCode, h.body).toBe(201);
      expect(h.json()).toMatchObject({ status: 'held', refusedFirstAvailability: true, inGaranzia: true });
      const other = await registerPatient(t.app, op, 20, ids.ats);
      const otherLine = await newLine(other, 'P');
      const s2 = (await search({ patientId: other, prescriptionLineId: otherLine, channel: 'desk', limit: 50, earliest: '2026-04-13' })).json();
      expect(s2.options.map((o: { slotId: string }) => o.slotId)).not.toContain(slotId);
      const c = await post(t.app, `/appointments/${h.json().id}/confirm`, op, {});
      expect(c.statusCode, c.body).toBe(200);
      expect(c.json().status).toBe('booked');
      const reminders = await t.db.query(`select 1 from reminder where appointment_id = $1 and status = 'scheduled'`, [h.json().id]);
      expect(reminders.length).toBeGreaterThan(0);
    });

    it('refuses to confirm an expired hold (410) and writes nothing; the sweeper then frees the slot', async () => {
      const p = await registerPatient(t.app, op, 11, ids.ats);
      const line = await newLine(p, 'D');
      const s = (await search({ patientId: p, prescriptionLineId: line, channel: 'desk' })).json();
      const h = (await post(t.app, '/appointments/hold', op, { patientId: p, prescriptionLineId: line, slotId: s.options[0].slotId, channel: 'desk', searchId: s.searchId })).json();
      now = new Date(T0.getTime() + 11 * 60_000); // default hold is 10 minutes
      try {
        const before = await counts();
        const c = await post(t.app, `/appointments/${h.id}/confirm`, op, {});
        expect(c.statusCode).toBe(410);
        expect(c.json().code).toBe('HOLD_EXPIRED');
        expect(await counts()).toEqual(before);
        const { expireHolds } = await import('../../engine/src/usecases/booking.ts');
        const { OfferCache } = await import('../../engine/src/store/offer-cache.ts');
        expect(await expireHolds({ db: t.db, ref: t.ref, offer: new OfferCache(), now })).toBeGreaterThanOrEqual(1);
        const slot = await t.db.query<{ booked: number }>(`select booked from slot where id = $1`, [h.slotId]);
        expect(slot[0]!.booked).toBe(0);
        expect((await t.app.inject({ url: `/appointments/${h.id}`, headers: op })).json()).toMatchObject({ status: 'cancelled', cancelReason: 'hold_expired' });
      } finally {
        now = T0;
      }
    });

    it('has exactly one effect when a booking is retried with the same Idempotency-Key', async () => {
      const p = await registerPatient(t.app, op, 12, ids.ats);
      const line = await newLine(p, 'P');
      const s = (await search({ patientId: p, prescriptionLineId: line, channel: 'desk' })).json();
      const body = { patientId: p, prescriptionLineId: line, slotId: s.options[1].slotId, channel: 'desk', searchId: s.searchId };
      const headers = { ...op, 'idempotency-key': `book-${line}` };
      const before = await apptCount();
      const [a, b] = await Promise.all([post(t.app, '/appointments', headers, body), post(t.app, '/appointments', headers, body)]);
      const c = await post(t.app, '/appointments', headers, body);
      expect([a.statusCode, b.statusCode, c.statusCode]).toEqual([201, 201, 201]);
      expect(new Set([a.json().id, b.json().id, c.json().id]).size).toBe(1);
      expect(c.headers['idempotent-replay']).toBe('true');
      expect(await apptCount()).toBe(before + 1);
      const reused = await post(t.app, '/appointments', headers, { ...body, channel: 'web' });
      expect(reused.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('records that the patient refused the first availability but kept the guarantee by choosing within the maximum', async () => {
      const p = await registerPatient(t.app, op, 30, ids.ats);
      const line = await newLine(p, 'D');
      const s = (await search({ patientId: p, prescriptionLineId: line, channel: 'desk', limit: 50 })).json();
      const later = s.options.find((o: { localDate: string; inGuaranteeArea: boolean }) => o.localDate > s.firstAvailableInArea.date && o.inGuaranteeArea);
      const r = await post(t.app, '/appointments', op, { patientId: p, prescriptionLineId: line, slotId: later.slotId, channel: 'desk', searchId: s.searchId });
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json()).toMatchObject({ refusedFirstAvailability: true, inGaranzia: true });
      const ev = await t.db.query<{ payload: Record<string, unknown> }>(`select payload from outbox where type = 'appointment.booked' and aggregate_id = $1`, [r.json().id]);
      expect(ev[0]!.payload).toMatchObject({ refused_first_availability: true, first_offered_date: s.firstAvailableInArea.date, chosen_date: later.localDate, priority: 'D', access_type: 'first', ats_id: ids.ats });
    });

    it('refuses a second booking of the same service within the prescription validity (keep the earlier) and writes nothing', async () => {
      const p = await registerPatient(t.app, op, 40, ids.ats);
      const l1 = await newLine(p, 'P');
      const l2 = await newLine(p, 'P');
      const s = (await search({ patientId: p, prescriptionLineId: l1, channel: 'desk', limit: 5 })).json();
      expect((await post(t.app, '/appointments', op, { patientId: p, prescriptionLineId: l1, slotId: s.options[0].slotId, channel: 'desk', searchId: s.searchId })).statusCode).toBe(201);
      const before = await counts();
      const s2 = (await search({ patientId: p, prescriptionLineId: l2, channel: 'desk', limit: 5 })).json();
      const afterSearch = await counts();
      const r = await post(t.app, '/appointments', op, { patientId: p, prescriptionLineId: l2, slotId: s2.options[0].slotId, channel: 'desk', searchId: s2.searchId });
      expect(r.statusCode).toBe(409);
      expect(r.json()).toMatchObject({ code: 'DUPLICATE_BOOKING', details: { policy: 'keep_earlier' } });
      expect(await counts()).toEqual(afterSearch);
      expect(afterSearch.appointment).toBe(before.appointment);
    });

    it('gives one prescription line to only one of two bookings racing for different slots, and the loser holds no place', async () => {
      const p = await registerPatient(t.app, op, 41, ids.ats);
      const line = await newLine(p, 'P');
      const s = (await search({ patientId: p, prescriptionLineId: line, channel: 'desk', limit: 5 })).json();
      const [a, b] = [s.options[0].slotId, s.options[1].slotId];
      const before = await counts();
      const rs = await Promise.all([a, b].map((slotId) => post(t.app, '/appointments', op, { patientId: p, prescriptionLineId: line, slotId, channel: 'desk', searchId: s.searchId })));
      expect(rs.filter((r) => r.statusCode === 201)).toHaveLength(1);
      expect(['PRESCRIPTION_USED', 'DUPLICATE_BOOKING']).toContain(rs.find((r) => r.statusCode !== 201)!.json().code);
      const booked = await t.db.query<{ id: string; booked: number }>(`select id::text as id, booked from slot where id in ($1, $2)`, [a, b]);
      expect(booked.reduce((n, r) => n + r.booked, 0)).toBe(1);
      const won = rs.find((r) => r.statusCode === 201)!.json();
      expect(booked.find((r) => r.booked === 1)!.id).toBe(won.slotId);
      expect((await counts()).appointment).toBe(before.appointment! + 1);
    });

    /** A booked first-access appointment row, as the booking use case builds it, for the store-level tests. */
    const testAppointment = (id: string, slot: { slotId: string; agendaId: string }, patient: string, line: string, searchId: string): NewAppointment => ({
      id, slot_id: slot.slotId, agenda_id: slot.agendaId, service_id: ids.cardio, patient_id: patient, prescription_line_id: line, status: 'booked',
      priority: 'P', access_type: 'first', channel: 'desk', regime: 'SSN', search_id: searchId, hold_expires_at: null, booked_at: now, first_offered_at: null,
      first_offered_in_area: false, refused_first: false, in_garanzia: null, guarantee_deadline: null, cancel_reason: null, cancelled_at: null,
      late_cancel: null, outcome_reason: null, penalty: false, checked_in_at: null, delivered_at: null, queue_number: null,
    });

    it('writes several bookings in one statement, each all-or-nothing: a used-up line or a full slot leaves its booking unwritten', async () => {
      const people = [];
      for (const n of [42, 43, 44]) {
        const p = await registerPatient(t.app, op, n, ids.ats);
        const line = await newLine(p, 'P');
        const s = (await search({ patientId: p, prescriptionLineId: line, channel: 'desk', limit: 3 })).json();
        people.push({ p, line, s, slot: s.options[n - 42] });
      }
      const [a, b, c] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0]];
      await t.db.query(`update prescription_line set booked_quantity = quantity where id = $1`, [b.line]);
      await t.db.query(`update slot set booked = capacity where id = $1`, [c.slot.slotId]);
      const before = await counts();
      const write = (x: typeof a, n: number) => ({
        appointment: testAppointment(`appt-batch-${n}`, x.slot, x.p, x.line, x.s.searchId),
        reminders: [new Date(now.getTime() + 86_400_000)],
        events: [makeEvent({ type: 'appointment.booked', aggregateType: 'appointment', aggregateId: `appt-batch-${n}`, payload: { n } }, now)],
      });
      expect(await writeBookings(t.db, [write(a, 1), write(b, 2), write(c, 3)])).toEqual([null, 'PRESCRIPTION_USED', 'SLOT_TAKEN']);
      const after = await counts();
      expect([after.appointment! - before.appointment!, after.outbox! - before.outbox!]).toEqual([1, 1]);
      expect((await t.db.query<{ id: string }>(`select appointment_id as id from reminder where appointment_id like 'appt-batch-%'`)).map((r) => r.id)).toEqual(['appt-batch-1']);
      expect((await t.db.query<{ id: string }>(`select id from appointment where id like 'appt-batch-%'`)).map((r) => r.id)).toEqual(['appt-batch-1']);
      const slots = await t.db.query<{ id: string; booked: number }>(`select id::text as id, booked from slot where id in ($1, $2)`, [a.slot.slotId, b.slot.slotId]);
      expect(Object.fromEntries(slots.map((r) => [r.id, r.booked]))).toEqual({ [a.slot.slotId]: 1, [b.slot.slotId]: 0 });
      const lines = await t.db.query<{ id: string; booked_quantity: number }>(`select id, booked_quantity from prescription_line where id in ($1, $2)`, [a.line, c.line]);
      expect(Object.fromEntries(lines.map((r) => [r.id, r.booked_quantity]))).toEqual({ [a.line]: 1, [c.line]: 0 });
      // put things back for the tests that follow
      await t.db.exec(`delete from reminder where appointment_id like 'appt-batch-%'; delete from outbox where aggregate_id like 'appt-batch-%';
        delete from appointment where id like 'appt-batch-%'`);
      await t.db.query(`update slot set booked = 0 where id in ($1, $2)`, [a.slot.slotId, c.slot.slotId]);
    });

    it('groups bookings that arrive while a write is under way into one statement, never two for one slot together', async () => {
      const xs: { p: string; line: string; s: { searchId: string; options: { slotId: string; agendaId: string }[] } }[] = [];
      for (const n of [45, 46, 47, 48]) {
        const p = await registerPatient(t.app, op, n, ids.ats);
        const line = await newLine(p, 'P');
        const s = (await search({ patientId: p, prescriptionLineId: line, channel: 'desk', limit: 4 })).json();
        xs.push({ p, line, s });
      }
      // the fourth patient wants the second one's slot (capacity 1)
      const slotOf = [0, 1, 2, 1].map((i) => xs[i]!.s.options[i]!);
      let statements = 0;
      const counting: Queryable = { ...t.db, query: (sql: string, params?: readonly unknown[]) => (statements++, t.db.query(sql, params)) } as Queryable;
      const writer = new BookingWriter(counting, { maxBatch: 64, maxInFlight: 1 });
      const out = await Promise.all(xs.map((x, n) => writer.write({
        appointment: testAppointment(`appt-group-${n}`, slotOf[n]!, x.p, x.line, x.s.searchId),
        reminders: [],
        events: [],
      })));
      expect(out).toEqual([null, null, null, 'SLOT_TAKEN']);
      // the first alone, the second and third together, the fourth (same slot as the second) after them
      expect(statements).toBe(3);
      const taken = await t.db.query<{ id: string }>(`select id from appointment where id like 'appt-group-%' order by id`);
      expect(taken.map((r) => r.id)).toEqual(['appt-group-0', 'appt-group-1', 'appt-group-2']);
      await t.db.exec(`delete from appointment where id like 'appt-group-%'`);
      for (const o of slotOf.slice(0, 3)) await t.db.query(`update slot set booked = 0 where id = $1`, [o.slotId]);
      for (const x of xs) await t.db.query(`update prescription_line set booked_quantity = 0 where id = $1`, [x.line]);
    });

    it('reads the contexts of bookings arriving together in one statement, each with its own patient, line, slot and search', async () => {
      const xs: { p: string; line: string; s: { searchId: string; options: { slotId: string }[] } }[] = [];
      for (const n of [49, 50, 51]) {
        const p = await registerPatient(t.app, op, n, ids.ats);
        const line = await newLine(p, 'P');
        xs.push({ p, line, s: (await search({ patientId: p, prescriptionLineId: line, channel: 'desk', limit: 3 })).json() });
      }
      let statements = 0;
      const counting: Queryable = { ...t.db, query: (sql: string, params?: readonly unknown[]) => (statements++, t.db.query(sql, params)) } as Queryable;
      const reader = new BookingReader(counting, { maxBatch: 64, maxInFlight: 1 });
      const got = await Promise.all(xs.map((x, n) => reader.read({
        patientId: x.p, prescriptionId: x.line.replace(/-\d+$/, ''), slotId: x.s.options[n]!.slotId, searchId: x.s.searchId, active: true,
      })));
      // the first alone, the two arriving while it was read together
      expect(statements).toBe(2);
      got.forEach((c, n) => {
        expect(c.patient?.id).toBe(xs[n]!.p);
        expect(c.prescription?.lines.map((l) => l.id)).toContain(xs[n]!.line);
        expect(c.slot?.id).toBe(xs[n]!.s.options[n]!.slotId);
        expect(c.search?.id).toBe(xs[n]!.s.searchId);
        expect(c.active).toEqual([]);
      });
    });

    it('refuses a slot on a channel the site does not allow, with the field path, and writes nothing', async () => {
      const p = await registerPatient(t.app, op, 13, ids.ats);
      const line = await newLine(p, 'P');
      const s = (await search({ patientId: p, prescriptionLineId: line, channel: 'desk' })).json();
      const before = await counts();
      const milan = s.options.find((o: { atsId: string }) => o.atsId === ids.ats);
      const r = await post(t.app, '/appointments', op, { patientId: p, prescriptionLineId: line, slotId: milan.slotId, channel: 'kiosk', searchId: s.searchId });
      expect(r.json()).toMatchObject({ code: 'CHANNEL_NOT_ALLOWED', path: '/channel' });
      expect(await counts()).toEqual(before);
    });

    it('refuses a second booking on a fully booked prescription line and a slot reserved to another class, writing nothing', async () => {
      const p = await registerPatient(t.app, op, 90, ids.ats);
      const line = await newLine(p, 'P');
      const s = (await search({ patientId: p, prescriptionLineId: line, channel: 'desk', limit: 10 })).json();
      expect((await post(t.app, '/appointments', op, { patientId: p, prescriptionLineId: line, slotId: s.options[0].slotId, channel: 'desk', searchId: s.searchId })).statusCode).toBe(201);
      const before = await counts();
      const again = await post(t.app, '/appointments', op, { patientId: p, prescriptionLineId: line, slotId: s.options[1].slotId, channel: 'desk', searchId: s.searchId });
      expect(again.json()).toMatchObject({ code: 'PRESCRIPTION_USED', path: '/prescriptionLineId' });
      expect(await counts()).toEqual(before);
      const q = await registerPatient(t.app, op, 91, ids.ats);
      const ql = await newLine(q, 'P');
      const reservedU = await t.db.query<{ id: string }>(
        `select id::text from slot where agenda_id = 'ag-mi' and reserved_class = 'U' and local_date = '2026-04-20' and booked = 0 limit 1`);
      const r = await post(t.app, '/appointments', op, { patientId: q, prescriptionLineId: ql, slotId: reservedU[0]!.id, channel: 'desk' });
      expect(r.json()).toMatchObject({ code: 'SLOT_RESERVED_FOR_CLASS', path: '/priority' });
      expect((await counts()).appointment).toBe(before.appointment);
    });

    it('moves a booking atomically and refuses a move onto a full slot without changing anything', async () => {
      const p = await registerPatient(t.app, op, 50, ids.ats);
      const line = await newLine(p, 'P');
      const s = (await search({ patientId: p, prescriptionLineId: line, channel: 'desk', limit: 10 })).json();
      const [first, second] = [s.options[0], s.options[1]];
      const b = (await post(t.app, '/appointments', op, { patientId: p, prescriptionLineId: line, slotId: first.slotId, channel: 'desk', searchId: s.searchId })).json();
      const m = await post(t.app, `/appointments/${b.id}/move`, op, { slotId: second.slotId });
      expect(m.statusCode, m.body).toBe(200);
      const booked = async (id: string) => (await t.db.query<{ booked: number }>(`select booked from slot where id = $1`, [id]))[0]!.booked;
      expect([await booked(first.slotId), await booked(second.slotId)]).toEqual([0, 1]);
      // the move's event names the place it left (analytics recomputes that clinic-day too)
      const [left] = await t.db.query<{ clinic_id: string; start_at: Date }>(
        `select a.clinic_id, s.start_at from slot s join agenda a on a.id = s.agenda_id where s.id = $1`, [first.slotId]);
      const [ev] = await t.db.query<{ payload: Record<string, unknown> }>(`select payload from outbox where type = 'appointment.moved' and aggregate_id = $1`, [b.id]);
      expect(ev!.payload).toMatchObject({ previous_slot_id: String(first.slotId), previous_clinic_id: left!.clinic_id, previous_slot_start: new Date(left!.start_at).toISOString() });
      // fill the first slot with someone else, then try to move onto it
      const q = await registerPatient(t.app, op, 51, ids.ats);
      const ql = await newLine(q, 'P');
      expect((await post(t.app, '/appointments', op, { patientId: q, prescriptionLineId: ql, slotId: first.slotId, channel: 'desk' })).statusCode).toBe(201);
      const before = await counts();
      const full = await post(t.app, `/appointments/${b.id}/move`, op, { slotId: first.slotId });
      expect(full.json()).toMatchObject({ code: 'SLOT_TAKEN', path: '/slotId' });
      expect(await counts()).toEqual(before);
      expect((await t.app.inject({ url: `/appointments/${b.id}`, headers: op })).json().slotId).toBe(second.slotId);
    });

    it('marks a cancellation after the cut-off of 2 working days as late, and offers the freed slot to the waitlist', async () => {
      const p = await registerPatient(t.app, op, 60, ids.ats);
      const waiting = await registerPatient(t.app, op, 61, ids.ats);
      expect((await post(t.app, '/waitlist', op, { patientId: waiting, serviceId: ids.cardio })).statusCode).toBe(201);
      const line = await newLine(p, 'P');
      const s = (await search({ patientId: p, prescriptionLineId: line, channel: 'desk', limit: 50 })).json();
      const tue = s.options.find((o: { localDate: string; atsId: string }) => o.localDate === '2026-03-24' && o.atsId === ids.ats); // cut-off: end of Fri 20 Mar
      const b = (await post(t.app, '/appointments', op, { patientId: p, prescriptionLineId: line, slotId: tue.slotId, channel: 'desk', searchId: s.searchId })).json();
      expect(b.cancellationCutoff).toBe('2026-03-20T22:59:59.999Z');
      now = new Date('2026-03-21T08:00:00Z');
      try {
        const c = await post(t.app, `/appointments/${b.id}/cancel`, op, { reason: 'patient' });
        expect(c.statusCode, c.body).toBe(200);
        expect(c.json()).toMatchObject({ status: 'cancelled', lateCancellation: true });
        const offered = await t.db.query<{ offered_slot_id: string }>(`select offered_slot_id::text from waitlist_entry where patient_id = $1 and status = 'offered'`, [waiting]);
        expect(offered[0]!.offered_slot_id).toBe(tue.slotId);
      } finally {
        now = T0;
      }
    });

    it('checks the patient in with a queue number, and a no-show without cancellation owes the penalty', async () => {
      const p = await registerPatient(t.app, op, 70, ids.ats);
      const l1 = await newLine(p, 'P');
      const s = (await search({ patientId: p, prescriptionLineId: l1, channel: 'desk', limit: 50 })).json();
      const b = (await post(t.app, '/appointments', op, { patientId: p, prescriptionLineId: l1, slotId: s.options[0].slotId, channel: 'desk' })).json();
      const clinicOp = await t.auth('clinic-operator', { clinic: b.clinicId });
      now = new Date(new Date(b.slotStart).getTime() + 60 * 60_000);
      try {
        const ns = await post(t.app, `/appointments/${b.id}/not-delivered`, clinicOp, { reason: 'no_show' });
        expect(ns.statusCode, ns.body).toBe(200);
        expect(ns.json()).toMatchObject({ status: 'not_delivered', outcomeReason: 'no_show', penalty: true });
        const pay = await t.db.query(`select 1 from outbox where type = 'payment.no_show_penalty_due' and aggregate_id = $1`, [b.id]);
        expect(pay).toHaveLength(1);
        const again = await post(t.app, `/appointments/${b.id}/check-in`, clinicOp, {});
        expect(again.json().code).toBe('APPOINTMENT_STATE_INVALID');
      } finally {
        now = T0;
      }
      const p2 = await registerPatient(t.app, op, 71, ids.ats);
      const l2 = await newLine(p2, 'P');
      const s2 = (await search({ patientId: p2, prescriptionLineId: l2, channel: 'desk', limit: 50 })).json();
      const b2 = (await post(t.app, '/appointments', op, { patientId: p2, prescriptionLineId: l2, slotId: s2.options[0].slotId, channel: 'desk' })).json();
      const ci = await post(t.app, `/appointments/${b2.id}/check-in`, op, {});
      expect(ci.json()).toMatchObject({ status: 'checked_in', queueNumber: expect.any(Number) });
      const d = await post(t.app, `/appointments/${b2.id}/deliver`, op, {});
      expect(d.json().status).toBe('delivered');
      const wl = await t.app.inject({ url: `/worklists?clinicId=${b2.clinicId}&date=${b2.slotStart.slice(0, 10)}`, headers: await t.auth('clinic-operator', { clinic: b2.clinicId }) });
      expect(wl.json().items.map((i: { id: string }) => i.id)).toContain(b2.id);
    });

    it("lets a citizen see only their own appointments", async () => {
      const me = await t.auth('citizen', { cf: makeCf(1) });
      const mine = await t.app.inject({ url: `/patients/${mario}/appointments`, headers: me });
      expect(mine.statusCode).toBe(200);
      const other = await registerPatient(t.app, op, 80, ids.ats);
      const theirs = await t.app.inject({ url: `/patients/${other}/appointments`, headers: me });
      expect(theirs.statusCode).toBe(403);
    });
  });

  it('never leaves a slot above capacity', async () => {
    const over = await t.db.query(`select id from slot where booked > capacity`);
    expect(over).toHaveLength(0);
    const mismatch = await t.db.query(
      `select s.id from slot s left join appointment a on a.slot_id = s.id and a.status in ('held','booked','checked_in','delivered','not_delivered')
       group by s.id, s.booked having s.booked <> count(a.id)`);
    expect(mismatch).toHaveLength(0);
  });
});
