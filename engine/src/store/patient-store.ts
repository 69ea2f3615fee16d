import type { Queryable } from './db.ts';
import type { Patient, Prescription } from '../http/schemas/patient.ts';

export type PatientRow = {
  id: string; cf: string; cf_kind: Patient['cfKind']; first_name: string | null; last_name: string | null; birth_date: string | null;
  sex: Patient['sex']; residence_municipality: string | null; residence_ats: string | null; residence_district: string | null;
  phone: string | null; email: string | null; consent: Record<string, boolean>;
};
export const toPatient = (r: PatientRow): Patient => ({
  id: r.id, codiceFiscale: r.cf, cfKind: r.cf_kind, firstName: r.first_name, lastName: r.last_name, birthDate: r.birth_date, sex: r.sex,
  residenceMunicipality: r.residence_municipality, residenceAts: r.residence_ats, residenceDistrict: r.residence_district,
  phone: r.phone, email: r.email, consent: r.consent ?? {},
});

export async function getPatient(q: Queryable, id: string): Promise<Patient | null> {
  const r = await q.query<PatientRow>(`select * from patient where id = $1`, [id]);
  return r[0] ? toPatient(r[0]) : null;
}
export async function getPatientByCf(q: Queryable, cf: string): Promise<Patient | null> {
  const r = await q.query<PatientRow>(`select * from patient where cf = $1`, [cf]);
  return r[0] ? toPatient(r[0]) : null;
}
export async function upsertPatient(q: Queryable, p: Patient, insert: boolean): Promise<void> {
  const v = [p.id, p.codiceFiscale, p.cfKind, p.firstName, p.lastName, p.birthDate, p.sex, p.residenceMunicipality, p.residenceAts,
    p.residenceDistrict, p.phone, p.email, JSON.stringify(p.consent)];
  if (insert)
    await q.query(`insert into patient (id, cf, cf_kind, first_name, last_name, birth_date, sex, residence_municipality, residence_ats,
      residence_district, phone, email, consent) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`, v);
  else
    await q.query(`update patient set cf=$2, cf_kind=$3, first_name=$4, last_name=$5, birth_date=$6, sex=$7, residence_municipality=$8,
      residence_ats=$9, residence_district=$10, phone=$11, email=$12, consent=$13, updated_at=now() where id=$1`, v);
}

export type PrescriptionRow = {
  id: string; nre: string; patient_id: string; prescribed_on: string; expires_on: string; priority: Prescription['priority'];
  exemption_code: string | null; diagnosis_code: string | null; diagnostic_question: string | null; status: string; priority_source: string;
};

export async function getPrescription(q: Queryable, by: { id?: string; nre?: string }): Promise<Prescription | null> {
  const r = await q.query<PrescriptionRow>(`select * from prescription where ${by.id ? 'id' : 'nre'} = $1`, [by.id ?? by.nre]);
  const p = r[0];
  if (!p) return null;
  const lines = await q.query<PrescriptionLineRow>(
    `select id, line_no, service_id, quantity, booked_quantity, access_type from prescription_line where prescription_id = $1 order by line_no`, [p.id]);
  return toPrescription(p, lines);
}

export type PrescriptionLineRow = { id: string; line_no: number; service_id: string; quantity: number; booked_quantity: number; access_type: 'first' | 'follow_up' };

export const toPrescription = (p: PrescriptionRow, lines: readonly PrescriptionLineRow[]): Prescription => ({
  id: p.id, nre: p.nre, patientId: p.patient_id, prescribedOn: p.prescribed_on, expiresOn: p.expires_on, priority: p.priority,
  prioritySource: p.priority_source, exemptionCode: p.exemption_code, diagnosisCode: p.diagnosis_code, diagnosticQuestion: p.diagnostic_question,
  status: p.status,
  lines: lines.map((l) => ({ id: l.id, lineNo: l.line_no, serviceId: l.service_id, quantity: l.quantity, bookedQuantity: l.booked_quantity, accessType: l.access_type })),
});

export async function insertPrescription(q: Queryable, p: Prescription, prescriberCf: string | null): Promise<void> {
  await q.query(
    `insert into prescription (id, nre, patient_id, prescriber_cf, prescribed_on, expires_on, priority, priority_source, exemption_code, diagnosis_code, diagnostic_question)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
    [p.id, p.nre, p.patientId, prescriberCf, p.prescribedOn, p.expiresOn, p.priority, p.prioritySource, p.exemptionCode, p.diagnosisCode, p.diagnosticQuestion],
  );
  for (const l of p.lines)
    await q.query(`insert into prescription_line (id, prescription_id, line_no, service_id, quantity, access_type) values ($1,$2,$3,$4,$5,$6)`,
      [l.id, p.id, l.lineNo, l.serviceId, l.quantity, l.accessType]);
}
