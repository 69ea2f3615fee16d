import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowCounts, STORES, testApp } from './harness.ts';
import { bookDirect, buildTree, post, seedRegionRoot } from './fixtures.ts';

const NOW = new Date('2026-03-20T09:00:00Z'); // Friday; DST starts Sunday 29 March 2026; Easter Monday is 6 April 2026
const weekdays = (start: string, end: string, slotMinutes = 30) =>
  [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start, end, slotMinutes, capacity: 1 }));

describe.each(STORES)('agendas and slots on %s', (store) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let admin: Record<string, string>;
  let ids: Awaited<ReturnType<typeof buildTree>>;
  const agenda = 'ag-cardio-first';

  const slotsOn = async (agendaId: string, day: string, status = 'open') =>
    (await t.app.inject({ url: `/agendas/${agendaId}/slots?from=${day}&to=${day}&status=${status}`, headers: admin })).json().items as {
      id: string; startAt: string; reservedClass: string | null; booked: number; status: string;
    }[];

  beforeAll(async () => {
    t = await testApp(store, { now: () => NOW });
    await seedRegionRoot(t.db);
    admin = await t.auth('region-admin');
    ids = await buildTree(t.app, admin);
    await t.app.inject({ method: 'PATCH', url: `/org-units/${ids.site}`, headers: admin, payload: { attrs: { channels: ['desk', 'web'] } } });
    const r = await post(t.app, '/agendas', admin, {
      id: agenda, clinicId: ids.clinic, name: 'Prime visite cardiologiche', accessType: 'first', validFrom: '2026-03-01', validTo: '2026-12-31',
      services: [ids.cardio], templates: weekdays('08:00', '12:00'), attrs: { classQuotas: { U: 0.125, B: 0.25 }, bookingHorizonDays: 60 },
    });
    expect(r.statusCode, r.body).toBe(201);
    const g = await post(t.app, `/agendas/${agenda}/slots/generate`, admin, { from: '2026-03-23', to: '2026-04-10' });
    expect(g.statusCode, g.body).toBe(200);
  });
  afterAll(() => t?.close());

  it('generates 8 slots per working day and none on Easter Monday or weekends', async () => {
    const counts = await t.db.query<{ local_date: string; n: number }>(
      `select local_date, count(*)::int as n from slot where agenda_id = $1 group by local_date order by local_date`, [agenda]);
    expect(counts.every((c) => c.n === 8)).toBe(true);
    expect(counts.map((c) => c.local_date)).not.toContain('2026-04-06');
    expect(counts.map((c) => c.local_date)).not.toContain('2026-03-28');
    expect(counts).toHaveLength(14); // 15 weekdays from 23 Mar to 10 Apr, less Easter Monday
  });

  it('keeps 08:00 local time across the daylight-saving change', async () => {
    expect((await slotsOn(agenda, '2026-03-27'))[0]!.startAt).toBe('2026-03-27T07:00:00.000Z');
    expect((await slotsOn(agenda, '2026-03-30'))[0]!.startAt).toBe('2026-03-30T06:00:00.000Z');
  });

  it('reserves one U and two B slots a day as the quotas say', async () => {
    const day = await slotsOn(agenda, '2026-03-25');
    expect(day.filter((s) => s.reservedClass === 'U')).toHaveLength(1);
    expect(day.filter((s) => s.reservedClass === 'B')).toHaveLength(2);
    expect(day.filter((s) => s.reservedClass === null)).toHaveLength(5);
  });

  it('does not duplicate slots when the same range is generated twice', async () => {
    const g = await post(t.app, `/agendas/${agenda}/slots/generate`, admin, { from: '2026-03-23', to: '2026-03-27' });
    expect(g.json()).toMatchObject({ slotsCreated: 0, slotsInRange: 40 });
  });

  it('explains each effective attribute and the level it came from', async () => {
    const r = await t.app.inject({ url: `/agendas/${agenda}/effective`, headers: admin });
    const a = r.json().attributes;
    expect(a.channels).toMatchObject({ value: ['desk', 'web'], source: { level: 'site', id: ids.site } });
    expect(a.bookingHorizonDays).toMatchObject({ value: 60, source: { level: 'agenda', id: agenda }, shadowed: [{ level: 'region', value: 91 }] });
    expect(a.regimes).toMatchObject({ value: ['SSN'], source: { level: 'region', id: 'region-030' } });
    expect(a.holdMinutes.source).toEqual({ level: 'default', id: null });
    const slot = (await slotsOn(agenda, '2026-03-25'))[0]!;
    const s = await t.app.inject({ url: `/slots/${slot.id}/effective`, headers: admin });
    expect(s.json().attributes.classQuotas.source.level).toBe('agenda');
  });

  describe('refuses bad agendas with the field path and writes nothing', () => {
    const base = () => ({ clinicId: 'clin-cardio-1', name: 'x', accessType: 'first', validFrom: '2026-04-01', validTo: '2026-06-30', services: ['svc-card'], templates: weekdays('08:00', '10:00') });
    it.each([
      ['overlapping templates', { templates: [{ weekday: 1, start: '08:00', end: '10:00', slotMinutes: 20, capacity: 1 }, { weekday: 1, start: '09:00', end: '11:00', slotMinutes: 20, capacity: 1 }] }, 'TEMPLATE_OVERLAP', '/templates/1'],
      ['a window that slots do not divide', { templates: [{ weekday: 2, start: '08:00', end: '09:00', slotMinutes: 25, capacity: 1 }] }, 'TEMPLATE_SLOT_MISFIT', '/templates/0/slotMinutes'],
      ['an impossible date', { validTo: '2026-02-30' }, 'VALIDATION_FAILED', '/body/validTo'],
      ['validity ending before it starts', { validTo: '2026-03-01' }, 'AGENDA_INVALID_VALIDITY', '/validTo'],
      ['an unknown service', { services: ['svc-nope'] }, 'SERVICE_NOT_FOUND', '/services/0'],
      ['an unknown clinic', { clinicId: 'clin-nope' }, 'CLINIC_NOT_FOUND', '/clinicId'],
      ['quotas on a follow-up agenda', { accessType: 'follow_up', attrs: { classQuotas: { U: 0.2 } } }, 'AGENDA_QUOTA_ON_FOLLOW_UP', '/attrs/classQuotas'],
      ['quotas adding up to more than everything', { attrs: { classQuotas: { U: 0.6, B: 0.6 } } }, 'ATTRIBUTE_INVALID', '/attrs/classQuotas'],
      ['a time that is not a time', { templates: [{ weekday: 1, start: '25:00', end: '26:00', slotMinutes: 30, capacity: 1 }] }, 'VALIDATION_FAILED', '/body/templates/0/start'],
    ])('%s', async (_n, change, code, path) => {
      const before = await rowCounts(t.db);
      const r = await post(t.app, '/agendas', admin, { ...base(), ...change });
      expect(r.json(), r.body).toMatchObject({ code });
      expect(r.json().path).toContain(path);
      expect(await rowCounts(t.db)).toEqual(before);
    });
  });

  it('refuses to generate slots beyond the booking horizon or in the past', async () => {
    const before = await rowCounts(t.db);
    const far = await post(t.app, `/agendas/${agenda}/slots/generate`, admin, { from: '2026-05-01', to: '2026-06-30' });
    expect(far.json()).toMatchObject({ code: 'HORIZON_EXCEEDED', path: '/to' });
    expect(far.json().detail).toContain('agenda');
    const past = await post(t.app, `/agendas/${agenda}/slots/generate`, admin, { from: '2026-03-01', to: '2026-03-10' });
    expect(past.json()).toMatchObject({ code: 'RANGE_IN_PAST', path: '/from' });
    expect(await rowCounts(t.db)).toEqual(before);
  });

  it('keeps agendas inside the caller scope', async () => {
    const other = await t.auth('ats-planner', { ats: ids.ats2 });
    expect((await t.app.inject({ url: `/agendas/${agenda}`, headers: other })).statusCode).toBe(403);
    const own = await t.auth('ats-planner', { ats: ids.ats });
    expect((await t.app.inject({ url: `/agendas/${agenda}`, headers: own })).statusCode).toBe(200);
    expect((await t.app.inject({ url: `/agendas`, headers: other })).json().total).toBe(0);
    const foreignAdmin = await t.auth('provider-admin', { provider: ids.provider2 });
    const before = await rowCounts(t.db);
    const r = await t.app.inject({ method: 'PATCH', url: `/agendas/${agenda}`, headers: foreignAdmin, payload: { name: 'mine now' } });
    expect(r.statusCode).toBe(403);
    expect(await rowCounts(t.db)).toEqual(before);
  });

  describe('a closure over a booked appointment', () => {
    let booked: { id: string; startAt: string };
    beforeAll(async () => {
      const s = (await slotsOn(agenda, '2026-03-24')).find((x) => x.reservedClass === null)!;
      booked = s;
      await bookDirect(t.db, s.id, ids.cardio, 'appt-1', 'P');
    });

    it('is refused with the list of affected appointments, and nothing is written', async () => {
      const before = await rowCounts(t.db);
      const r = await post(t.app, `/agendas/${agenda}/closures`, admin, { from: '2026-03-24', to: '2026-03-24', reason: 'guasto ecografo' });
      expect(r.statusCode).toBe(409);
      expect(r.json()).toMatchObject({ code: 'AGENDA_HAS_BOOKINGS', details: { appointments: [{ appointmentId: 'appt-1', slotId: booked.id }] } });
      expect(await rowCounts(t.db)).toEqual(before);
    });

    it('relocates the appointment to the nearest later free slot open to its class when asked', async () => {
      const r = await post(t.app, `/agendas/${agenda}/closures`, admin, { from: '2026-03-24', to: '2026-03-24', reason: 'guasto', onBooked: 'relocate' });
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json();
      expect(body.slotsClosed).toBe(8);
      expect(body.relocations).toHaveLength(1);
      const moved = body.relocations[0];
      expect(moved).toMatchObject({ appointmentId: 'appt-1', fromSlotId: booked.id, toAgendaId: agenda });
      const firstOpenNextDay = (await slotsOn(agenda, '2026-03-25')).find((s) => s.reservedClass === null)!;
      expect(moved.toSlotId).toBe(firstOpenNextDay.id);
      const appt = await t.db.query<{ slot_id: string }>(`select slot_id::text from appointment where id = 'appt-1'`);
      expect(appt[0]!.slot_id).toBe(firstOpenNextDay.id);
      const old = await t.db.query<{ booked: number; status: string }>(`select booked, status from slot where id = $1`, [booked.id]);
      expect(old[0]).toEqual({ booked: 0, status: 'closed' });
      const ev = await t.db.query<{ payload: { to_slot_id: string } }>(`select payload from outbox where type = 'appointment.relocated'`);
      expect(ev.map((e) => e.payload.to_slot_id)).toEqual([firstOpenNextDay.id]);
      expect(await slotsOn(agenda, '2026-03-24')).toHaveLength(0);
    });

    it('moves the appointment when a template change removes its slot', async () => {
      const r = await t.app.inject({ method: 'PATCH', url: `/agendas/${agenda}`, headers: admin, payload: { templates: weekdays('09:00', '12:00'), onBooked: 'relocate' } });
      expect(r.statusCode, r.body).toBe(200);
      const reloc = r.json().relocations;
      expect(reloc).toHaveLength(1);
      expect(new Date(reloc[0].toStartAt).getTime()).toBeGreaterThanOrEqual(new Date('2026-03-25T08:00:00Z').getTime()); // 09:00 local
      const day = await slotsOn(agenda, '2026-03-26');
      expect(day).toHaveLength(6);
      expect(day[0]!.startAt).toBe('2026-03-26T08:00:00.000Z');
      expect(r.json().agenda.version).toBe(3);
    });
  });

  describe('suspending an agenda that has a booking with nowhere to go', () => {
    const lone = 'ag-eco-lone';
    beforeAll(async () => {
      const r = await post(t.app, '/agendas', admin, {
        id: lone, clinicId: ids.clinic2, name: 'Ecografie', accessType: 'first', validFrom: '2026-03-23', validTo: '2026-03-23',
        services: [ids.echo], templates: [{ weekday: 1, start: '14:00', end: '15:00', slotMinutes: 20, capacity: 1 }],
      });
      expect(r.statusCode, r.body).toBe(201);
      await post(t.app, `/agendas/${lone}/slots/generate`, admin, { from: '2026-03-23', to: '2026-03-23' });
      await bookDirect(t.db, (await slotsOn(lone, '2026-03-23'))[0]!.id, ids.echo, 'appt-eco');
    });

    it('is refused when relocation is impossible, and nothing changes', async () => {
      const before = await rowCounts(t.db);
      const r = await post(t.app, `/agendas/${lone}/suspend`, admin, { reason: 'manutenzione', onBooked: 'relocate' });
      expect(r.statusCode).toBe(409);
      expect(r.json()).toMatchObject({ code: 'RELOCATION_IMPOSSIBLE', details: { appointments: [{ appointmentId: 'appt-eco' }] } });
      expect(await rowCounts(t.db)).toEqual(before);
      expect((await t.app.inject({ url: `/agendas/${lone}`, headers: admin })).json().status).toBe('active');
    });

    it('suspends and resumes an agenda without bookings, closing and reopening its slots', async () => {
      await t.db.query(`update appointment set status = 'cancelled' where id = 'appt-eco'`);
      await t.db.query(`update slot set booked = 0 where agenda_id = $1`, [lone]);
      const s = await post(t.app, `/agendas/${lone}/suspend`, admin, { reason: 'manutenzione' });
      expect(s.statusCode, s.body).toBe(200);
      expect(s.json()).toMatchObject({ slotsClosed: 3, agenda: { status: 'suspended' } });
      const gen = await post(t.app, `/agendas/${lone}/slots/generate`, admin, { from: '2026-03-23', to: '2026-03-23' });
      expect(gen.json().code).toBe('AGENDA_SUSPENDED');
      const back = await post(t.app, `/agendas/${lone}/resume`, admin, {});
      expect(back.json()).toMatchObject({ slotsOpened: 3, agenda: { status: 'active' } });
      expect(await slotsOn(lone, '2026-03-23')).toHaveLength(3);
    });
  });
});
