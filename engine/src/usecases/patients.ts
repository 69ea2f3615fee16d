import { uuidv7 } from '../ids.ts';
import { validateCodiceFiscale } from '../domain/patient/codice-fiscale.ts';
import { validatePrescription } from '../domain/prescription/prescription.ts';
import { LOMBARDY_PRESCRIPTION_RULES, validityMonthsFor } from '../domain/prescription/prescription-rules.ts';
import { LOMBARDY_GUARANTEE_RULES } from '../domain/booking/guarantee-rules.ts';
import { utcToLocal } from '../domain/time/rome-time.ts';
import type { Principal } from '../http/auth.ts';
import { fail } from '../http/problem.ts';
import type { CreatePatient, CreatePrescription, Patient, Prescription, UpdatePatient } from '../http/schemas/patient.ts';
import { getServices } from '../store/catalogue-store.ts';
import type { Queryable } from '../store/db.ts';
import { getOrgUnit } from '../store/org-store.ts';
import { getPatient, getPatientByCf, getPrescription, insertPrescription, upsertPatient } from '../store/patient-store.ts';
import { appendEvents } from '../store/outbox-store.ts';
import { inTransaction, type Ctx } from './context.ts';

/** A citizen sees only their own record; operators see everyone. */
export function requirePatientAccess(p: Principal, patient: Patient) {
  if (p.role === 'citizen' && p.cf !== patient.codiceFiscale) fail('SCOPE_FORBIDDEN', 'a citizen may only see their own data');
}

async function checkAts(q: Queryable, atsId: string | undefined) {
  if (atsId === undefined) return;
  const u = await getOrgUnit(q, atsId);
  if (!u || u.level !== 'ats') fail('ATS_NOT_FOUND', `no ATS ${atsId}`, '/residenceAts');
}

/** Looks a patient up by codice fiscale, creating the record when it is new (201) — 200 with the existing one otherwise. */
export async function lookupOrCreatePatient(ctx: Ctx, input: CreatePatient): Promise<{ created: boolean; patient: Patient }> {
  const today = utcToLocal(ctx.now).date;
  const cf = validateCodiceFiscale(input.codiceFiscale, '/codiceFiscale', { today });
  if (!cf.ok) return fail(cf.error.code, cf.error.message, cf.error.path);
  if (ctx.principal.role === 'citizen' && ctx.principal.cf !== cf.value.cf) fail('SCOPE_FORBIDDEN', 'a citizen may only register themselves');
  if (input.birthDate && cf.value.birthDate && input.birthDate !== cf.value.birthDate)
    fail('PATIENT_CF_MISMATCH', `birth date ${input.birthDate} does not match the codice fiscale (${cf.value.birthDate})`, '/birthDate');
  if (input.sex && cf.value.sex && input.sex !== cf.value.sex) fail('PATIENT_CF_MISMATCH', 'sex does not match the codice fiscale', '/sex');
  return inTransaction(ctx, async (tx) => {
    const existing = await getPatientByCf(tx, cf.value.cf);
    if (existing) {
      requirePatientAccess(ctx.principal, existing);
      return { created: false, patient: existing };
    }
    await checkAts(tx, input.residenceAts);
    const patient: Patient = {
      id: `pat-${uuidv7()}`, codiceFiscale: cf.value.cf, cfKind: cf.value.kind, firstName: input.firstName ?? null, lastName: input.lastName ?? null,
      birthDate: input.birthDate ?? cf.value.birthDate ?? null, sex: input.sex ?? cf.value.sex ?? null,
      residenceMunicipality: input.residenceMunicipality ?? null, residenceAts: input.residenceAts ?? null, residenceDistrict: input.residenceDistrict ?? null,
      phone: input.phone ?? null, email: input.email ?? null, consent: input.consent ?? {},
    };
    await upsertPatient(tx, patient, true);
    await appendEvents(tx, [patientEvent('patient.registered', patient)], ctx.now);
    return { created: true, patient };
  });
}

/** Patient events carry no direct identifiers beyond what the sink pseudonymises. */
const patientEvent = (type: string, p: Patient) => ({
  type, aggregateType: 'patient', aggregateId: p.id, ats: p.residenceAts,
  payload: { patient_id: p.id, patient: patientSnapshot(p) },
});

export const patientSnapshot = (p: Patient) => ({
  cf: p.codiceFiscale, birth_date: p.birthDate, sex: p.sex, residence_ats: p.residenceAts, residence_district: p.residenceDistrict,
});

export async function readPatient(ctx: Ctx, id: string): Promise<Patient> {
  const p = (await getPatient(ctx.db, id)) ?? fail('PATIENT_NOT_FOUND', `patient ${id} not found`, '/id');
  requirePatientAccess(ctx.principal, p);
  return p;
}

export async function findPatientByCf(ctx: Ctx, raw: string): Promise<Patient> {
  const cf = validateCodiceFiscale(raw, '/cf');
  if (!cf.ok) return fail(cf.error.code, cf.error.message, '/querystring/cf');
  const p = (await getPatientByCf(ctx.db, cf.value.cf)) ?? fail('PATIENT_NOT_FOUND', 'no patient with this codice fiscale', '/querystring/cf');
  requirePatientAccess(ctx.principal, p);
  return p;
}

export async function changePatient(ctx: Ctx, id: string, patch: UpdatePatient): Promise<Patient> {
  return inTransaction(ctx, async (tx) => {
    const cur = (await getPatient(tx, id)) ?? fail('PATIENT_NOT_FOUND', `patient ${id} not found`, '/id');
    requirePatientAccess(ctx.principal, cur);
    const cf = validateCodiceFiscale(cur.codiceFiscale, '/codiceFiscale', { today: utcToLocal(ctx.now).date });
    if (cf.ok && patch.birthDate && cf.value.birthDate && patch.birthDate !== cf.value.birthDate)
      fail('PATIENT_CF_MISMATCH', 'birth date does not match the codice fiscale', '/birthDate');
    await checkAts(tx, patch.residenceAts);
    const next: Patient = { ...cur, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as Patient;
    await upsertPatient(tx, next, false);
    await appendEvents(tx, [patientEvent('patient.updated', next)], ctx.now);
    return next;
  });
}

/** Registry data a booking needs; missing items are returned as alerts for the operator. */
export function patientAlerts(p: Patient) {
  const alerts: { code: string; field: string; message: string }[] = [];
  if (!p.residenceAts) alerts.push({ code: 'RESIDENCE_MISSING', field: 'residenceAts', message: 'residence ATS unknown: the guarantee area cannot be determined' });
  if (!p.birthDate) alerts.push({ code: 'BIRTH_DATE_MISSING', field: 'birthDate', message: 'birth date unknown: age limits of services cannot be checked' });
  if (!p.sex) alerts.push({ code: 'SEX_MISSING', field: 'sex', message: 'sex unknown: sex-specific services cannot be checked' });
  if (!p.phone && !p.email) alerts.push({ code: 'CONTACT_MISSING', field: 'phone', message: 'no phone or e-mail: reminders cannot be sent' });
  if (!p.consent.reminders) alerts.push({ code: 'REMINDER_CONSENT_MISSING', field: 'consent.reminders', message: 'no consent to reminders recorded' });
  if (!p.firstName || !p.lastName) alerts.push({ code: 'NAME_MISSING', field: 'lastName', message: 'name incomplete' });
  return alerts;
}

export async function registerPrescription(ctx: Ctx, input: CreatePrescription): Promise<Prescription> {
  return inTransaction(ctx, async (tx) => {
    const patient = (await getPatient(tx, input.patientId)) ?? fail('PATIENT_NOT_FOUND', `patient ${input.patientId} not found`, '/patientId');
    const services = await getServices(tx, input.lines.map((l) => l.serviceId));
    const today = utcToLocal(ctx.now).date;
    const r = validatePrescription(
      { nre: input.nre, type: input.type ?? 'P', prescriptionDate: input.prescriptionDate, priorityClass: input.priorityClass, diagnosis: input.diagnosis, exemption: input.exemption, lines: input.lines },
      (id) => services.find((s) => s.id === id),
      {
        today,
        validityMonths: (d) => validityMonthsFor(d, LOMBARDY_PRESCRIPTION_RULES),
        blankClassDefault: LOMBARDY_GUARANTEE_RULES.blankClassDefault === 'P' ? 'P' : null,
        ...(patient.sex && patient.birthDate ? { patient: { sex: patient.sex, birthDate: patient.birthDate } } : {}),
      },
    );
    if (!r.ok) return fail(r.error.code, r.error.message, r.error.path, r.error.details);
    if (await getPrescription(tx, { nre: r.value.nre })) fail('DUPLICATE_NRE', `prescription ${r.value.nre} is already registered`, '/nre');
    const id = `rx-${uuidv7()}`;
    const p: Prescription = {
      id, nre: r.value.nre, patientId: patient.id, prescribedOn: r.value.prescriptionDate, expiresOn: r.value.expiresOn,
      priority: r.value.priorityClass, prioritySource: r.value.priorityClassSource, exemptionCode: r.value.exemption?.code ?? null,
      diagnosisCode: r.value.diagnosis.icd9cm, diagnosticQuestion: r.value.diagnosis.text, status: 'active',
      lines: r.value.lines.map((l, i) => ({ id: `${id}-${i + 1}`, lineNo: i + 1, serviceId: l.serviceId, quantity: l.quantity, bookedQuantity: 0, accessType: l.accessType })),
    };
    await insertPrescription(tx, p, input.prescriberCf ?? null);
    await appendEvents(tx, [{
      type: 'prescription.registered', aggregateType: 'prescription', aggregateId: p.id, ats: patient.residenceAts,
      payload: { prescription_id: p.id, prescription_nre: p.nre, prescribed_on: p.prescribedOn, expires_on: p.expiresOn, priority: p.priority,
        priority_source: p.prioritySource, exemption_family: r.value.exemption?.family ?? null, branch_code: r.value.branchCode,
        lines: p.lines.map((l) => ({ line_id: l.id, service_id: l.serviceId, quantity: l.quantity, access_type: l.accessType })),
        patient: patientSnapshot(patient) },
    }], ctx.now);
    return p;
  });
}

export async function readPrescription(ctx: Ctx, nre: string): Promise<Prescription> {
  const p = (await getPrescription(ctx.db, { nre: nre.toUpperCase() })) ?? fail('PRESCRIPTION_NOT_FOUND', `no prescription ${nre}`, '/nre');
  const patient = (await getPatient(ctx.db, p.patientId))!;
  requirePatientAccess(ctx.principal, patient);
  return p;
}
