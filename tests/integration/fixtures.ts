import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { Db } from '../../engine/src/store/db.ts';
import { cfCheckCharacter } from '../../engine/src/domain/patient/codice-fiscale.ts';

export const REGION_DEFAULTS = {
  channels: ['desk', 'call_centre', 'web', 'pharmacy', 'kiosk', 'internal'],
  regimes: ['SSN'],
  bookingHorizonDays: 91,
  quotaReleaseDays: { U: 1, B: 2, D: 5, P: 10 },
};

/** The region row (created by seeding, never through the API) and two branches. */
export async function seedRegionRoot(db: Db) {
  await db.query(`insert into org_unit (id, level, code, name, attrs) values ('region-030', 'region', '030', 'Regione Lombardia', $1)`, [
    JSON.stringify(REGION_DEFAULTS),
  ]);
  await db.query(`insert into branch (code, name) values ('08', 'Cardiologia'), ('69', 'Radiologia diagnostica'), ('37', 'Ostetricia e ginecologia')`);
}

type Headers = Record<string, string>;

export async function post(app: FastifyInstance, url: string, headers: Headers, payload: unknown) {
  return app.inject({ method: 'POST', url, headers, payload: payload as object });
}

/** Builds ATS → provider → site → unit → clinic through the API and two catalogue services; returns their ids. */
export async function buildTree(app: FastifyInstance, admin: Headers) {
  const mk = async (body: Record<string, unknown>) => {
    const r = await post(app, '/org-units', admin, body);
    expect(r.statusCode, r.body).toBe(201);
    return r.json().id as string;
  };
  const ats = await mk({ id: 'ats-milano', level: 'ats', parentId: 'region-030', code: '030321', name: 'ATS della Città Metropolitana di Milano', population: 3450000 });
  const ats2 = await mk({ id: 'ats-bergamo', level: 'ats', parentId: 'region-030', code: '030324', name: 'ATS di Bergamo', population: 1110000 });
  const provider = await mk({ id: 'prov-niguarda', level: 'provider', parentId: ats, code: '030701', name: 'ASST GOM Niguarda', providerKind: 'asst' });
  const provider2 = await mk({ id: 'prov-pg23', level: 'provider', parentId: ats2, code: '030718', name: 'ASST Papa Giovanni XXIII', providerKind: 'asst' });
  const site = await mk({ id: 'site-niguarda', level: 'site', parentId: provider, code: 'S-NIG-1', name: 'Presidio Niguarda', municipality: 'F205' });
  const unit = await mk({ id: 'unit-cardio', level: 'unit', parentId: site, code: 'U-NIG-CARD', name: 'UO Cardiologia' });
  const clinic = await mk({ id: 'clin-cardio-1', level: 'clinic', parentId: unit, code: 'A-NIG-CARD-1', name: 'Ambulatorio Cardiologia 1' });
  const site2 = await mk({ id: 'site-pg23', level: 'site', parentId: provider2, code: 'S-PG23-1', name: 'Ospedale Papa Giovanni', municipality: 'A794' });
  const unit2 = await mk({ id: 'unit-rad', level: 'unit', parentId: site2, code: 'U-PG23-RAD', name: 'UO Radiologia' });
  const clinic2 = await mk({ id: 'clin-eco-1', level: 'clinic', parentId: unit2, code: 'A-PG23-ECO-1', name: 'Ambulatorio Ecografia 1' });
  const svc = async (body: Record<string, unknown>) => {
    const r = await post(app, '/services', admin, body);
    expect(r.statusCode, r.body).toBe(201);
    return r.json().id as string;
  };
  const cardio = await svc({
    id: 'svc-card', regionalCode: '89.7.08', nationalCode: '89.7', name: 'Prima visita cardiologica', branchCode: '08', kind: 'visit',
    pnglaMonitored: true, pnglaNumber: 1, tariffCents: 2250, durationMin: 30,
    codes: [{ system: 'DM1996', code: '89.7', validFrom: '1996-01-01', validTo: '2024-12-29' }, { system: 'LEA2024', code: '89.7A.3', validFrom: '2024-12-30' }],
  });
  const echo = await svc({
    id: 'svc-eco', regionalCode: '88.76.1', nationalCode: '88.76.1', name: 'Ecografia addome completo', branchCode: '69', kind: 'instrumental',
    pnglaMonitored: true, pnglaNumber: 45, tariffCents: 7000, durationMin: 20,
  });
  return { ats, ats2, provider, provider2, site, site2, unit, unit2, clinic, clinic2, cardio, echo };
}

/** Books a slot directly in the store (the booking API lives in the booking engine issue); returns the appointment id. */
export async function bookDirect(db: Db, slotId: string, serviceId: string, id: string, priority: string | null = 'P') {
  const s = await db.query<{ agenda_id: string }>(`update slot set booked = booked + 1 where id = $1 and booked < capacity returning agenda_id`, [slotId]);
  if (!s[0]) throw new Error(`slot ${slotId} is full`);
  await db.query(`insert into appointment (id, slot_id, agenda_id, service_id, patient_ref, status, priority) values ($1,$2,$3,$4,'p-1','booked',$5)`, [
    id, slotId, s[0].agenda_id, serviceId, priority,
  ]);
  return id;
}

/** A valid codice fiscale for the i-th synthetic patient (male, born 1 Jan 1980 in Milan unless told otherwise). */
export function makeCf(i: number, opts: { female?: boolean; year?: number } = {}): string {
  const letters = 'BCDFGHLMNPRSTVZ';
  const pick = (n: number) => letters[n % letters.length]!;
  const surname = pick(i) + pick(Math.floor(i / 15)) + pick(Math.floor(i / 225));
  const yy = String((opts.year ?? 1980) % 100).padStart(2, '0');
  const day = String(opts.female ? 41 : 1).padStart(2, '0');
  const first15 = `${surname}MRA${yy}A${day}F205`;
  return first15 + cfCheckCharacter(first15);
}

export const nre = (n: number) => `0300A${String(n).padStart(10, '0')}`;

/** Registers a patient resident in the given ATS; returns the id. */
export async function registerPatient(app: FastifyInstance, headers: Headers, i: number, ats: string, extra: Record<string, unknown> = {}) {
  const r = await post(app, '/patients', headers, {
    codiceFiscale: makeCf(i), firstName: 'Mario', lastName: `Paziente${i}`, residenceAts: ats, phone: '+39 333 1234567', consent: { reminders: true }, ...extra,
  });
  expect([200, 201], r.body).toContain(r.statusCode);
  return r.json().id as string;
}

/** Registers a one-line prescription and returns the line id. */
export async function prescribe(app: FastifyInstance, headers: Headers, patientId: string, n: number, serviceId: string, priorityClass: string | null, prescriptionDate: string) {
  const r = await post(app, '/prescriptions', headers, {
    nre: nre(n), patientId, prescriptionDate, priorityClass, diagnosis: { text: 'dolore toracico da sforzo' },
    lines: [{ serviceId, accessType: 'first' }],
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().lines[0].id as string;
}
