import { together, type Queryable, type Stmt } from './db.ts';
import { toPatient, toPrescription, type PatientRow, type PrescriptionLineRow, type PrescriptionRow } from './patient-store.ts';
import type { Patient, Prescription } from '../http/schemas/patient.ts';
import type { PriorityClass } from '../domain/offer/types.ts';

export interface CandidateAgenda {
  id: string; attrs: Record<string, unknown>; clinic_id: string; resource_id: string | null; ats_id: string; provider_id: string; access_type: string;
}

/** Active agendas offering a service for an access type (optionally limited to providers). */
export async function candidateAgendas(q: Queryable, o: { serviceId: string; accessType: string; providerId?: string | undefined }): Promise<CandidateAgenda[]> {
  return q.query<CandidateAgenda>(
    `select a.id, a.attrs, a.clinic_id, a.resource_id, a.ats_id, a.provider_id, a.access_type
     from agenda_service x join agenda a on a.id = x.agenda_id
     where x.service_id = $1 and a.status = 'active' and a.access_type = $2 ${o.providerId ? 'and a.provider_id = $3' : ''}`,
    o.providerId ? [o.serviceId, o.accessType, o.providerId] : [o.serviceId, o.accessType],
  );
}

export interface FreeSlot {
  id: string; agenda_id: string; start_at: Date; end_at: Date; capacity: number; booked: number; reserved_class: PriorityClass | null; attrs: Record<string, unknown> | null;
}

/** Per agenda: the instant up to which slots reserved to each class are already released to everyone. */
export interface AgendaRelease {
  id: string;
  releasedUntil: Record<'U' | 'B' | 'D' | 'P', Date>;
}

/**
 * The first `perAgenda` free slots of each agenda in [from, to) that are open to `cls` — unreserved, reserved to it, or
 * reserved to another class but already released — walking the free-slot index agenda by agenda; with `total`, only
 * the earliest `total` of them.
 */
export async function freeSlots(q: Queryable, agendas: readonly AgendaRelease[], cls: PriorityClass | null, from: Date, to: Date, perAgenda: number, total?: number): Promise<FreeSlot[]> {
  if (!agendas.length) return [];
  const col = (k: 'U' | 'B' | 'D' | 'P') => agendas.map((a) => a.releasedUntil[k].toISOString());
  return q.query<FreeSlot>(
    `select s.* from unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[]) as ag(id, ru, rb, rd, rp)
     cross join lateral (
       select id::text as id, agenda_id, start_at, end_at, capacity, booked, reserved_class, attrs from slot
       where agenda_id = ag.id and status = 'open' and booked < capacity and start_at >= $6 and start_at < $7
         and (reserved_class is null or reserved_class = $8 or start_at <= case reserved_class when 'U' then ag.ru when 'B' then ag.rb when 'D' then ag.rd else ag.rp end)
       order by start_at limit ${Math.max(1, Math.min(200, perAgenda | 0))}
     ) s order by s.start_at${total ? ` limit ${Math.max(1, total | 0)}` : ''}`,
    [agendas.map((a) => a.id), col('U'), col('B'), col('D'), col('P'), from.toISOString(), to.toISOString(), cls],
  );
}

export interface SlotForBooking {
  id: string; agenda_id: string; start_at: Date; end_at: Date; capacity: number; booked: number; reserved_class: PriorityClass | null; status: string;
  slot_attrs: Record<string, unknown> | null; agenda_attrs: Record<string, unknown>; agenda_status: string; access_type: string; clinic_id: string;
  resource_id: string | null; ats_id: string; provider_id: string; valid_to: string; offers_service: boolean;
}

const SLOT_FOR_BOOKING = `s.id::text as id, s.agenda_id, s.start_at, s.end_at, s.capacity, s.booked, s.reserved_class, s.status, s.attrs as slot_attrs,
  a.attrs as agenda_attrs, a.status as agenda_status, a.access_type, a.clinic_id, a.resource_id, a.ats_id, a.provider_id, a.valid_to`;

export async function slotForBooking(q: Queryable, slotId: string, serviceId: string): Promise<SlotForBooking | null> {
  if (!/^\d{1,18}$/.test(slotId)) return null;
  const r = await q.query<SlotForBooking>(
    `select ${SLOT_FOR_BOOKING}, exists (select 1 from agenda_service x where x.agenda_id = a.id and x.service_id = $2) as offers_service
     from slot s join agenda a on a.id = s.agenda_id where s.id = $1`,
    [slotId, serviceId],
  );
  return r[0] ?? null;
}

/** The search a booking refers to (its first availability in the guarantee area and deadline). */
export interface SearchRef { id: string; first_in_area_at: Date | null; deadline: Date | null; patient_id: string; service_id: string }

/** Everything a booking or a search reads, in one round trip. */
export interface BookingContext {
  patient: Patient | null;
  prescription: Prescription | null;
  /** the slot with its agenda and the services the agenda offers */
  slot: (Omit<SlotForBooking, 'offers_service'> & { services: string[] }) | null;
  search: SearchRef | null;
  /** the patient's appointments still to happen (for duplicate detection) */
  active: AppointmentRow[];
}

const asDate = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));

/**
 * Reads the patient, the prescription (with its lines), the slot, the referenced search and (with `active`) the
 * patient's appointments still to happen, in ONE statement. With `lock` the patient row is locked: bookings of one
 * patient run one at a time, so the duplicate check sees every appointment committed before it.
 */
export async function loadBookingContext(
  q: Queryable, o: { patientId: string; prescriptionId?: string | null; slotId?: string | null; searchId?: string | null; active?: boolean; lock?: boolean },
): Promise<BookingContext> {
  const slotId = o.slotId && /^\d{1,18}$/.test(o.slotId) ? o.slotId : null;
  const r = await q.query<{ patient: PatientRow | null; rx: PrescriptionRow | null; lines: PrescriptionLineRow[] | null; slot: Record<string, unknown> | null;
    search: Record<string, unknown> | null; active: Record<string, unknown>[] | null }>(
    `select (select row_to_json(p) from patient p where p.id = $1 ${o.lock ? 'for update' : ''}) as patient,
       (select row_to_json(r) from prescription r where r.id = $2) as rx,
       (select json_agg(l order by l.line_no) from (select id, line_no, service_id, quantity, booked_quantity, access_type
          from prescription_line where prescription_id = $2) l) as lines,
       (select row_to_json(x) from (select ${SLOT_FOR_BOOKING}, array(select service_id from agenda_service sv where sv.agenda_id = a.id) as services
          from slot s join agenda a on a.id = s.agenda_id where s.id = $3::bigint) x) as slot,
       (select row_to_json(x) from (select id, first_in_area_at, deadline, patient_id, service_id from availability_search where id = $4) x) as search,
       ${o.active ? `(select json_agg(x) from (select ${APPOINTMENT_COLS} from appointment ap join slot s on s.id = ap.slot_id join agenda a on a.id = ap.agenda_id
          where ap.patient_id = $1 and ap.status in ('held','booked','checked_in') order by s.start_at) x)` : 'null::json'} as active`,
    [o.patientId, o.prescriptionId ?? null, slotId, o.searchId ?? null],
  );
  const row = r[0]!;
  const slot = row.slot
    ? { ...(row.slot as unknown as Omit<SlotForBooking, 'offers_service'> & { services: string[] }), start_at: asDate(row.slot.start_at)!, end_at: asDate(row.slot.end_at)! }
    : null;
  const search = row.search
    ? { ...(row.search as unknown as SearchRef), first_in_area_at: asDate(row.search.first_in_area_at), deadline: asDate(row.search.deadline) }
    : null;
  const dates = ['hold_expires_at', 'booked_at', 'first_offered_at', 'guarantee_deadline', 'cancelled_at', 'checked_in_at', 'delivered_at', 'created_at', 'slot_start', 'slot_end'];
  const active = (row.active ?? []).map((a) => ({ ...a, ...Object.fromEntries(dates.map((k) => [k, asDate(a[k])])) }) as unknown as AppointmentRow);
  return {
    patient: row.patient ? toPatient(row.patient) : null,
    prescription: row.rx ? toPrescription(row.rx, row.lines ?? []) : null,
    slot, search, active,
  };
}

/** The refusal codes `takePlaceAndWrite` can end with. */
export type TakeRefusal = 'SLOT_TAKEN' | 'PRESCRIPTION_USED';

/**
 * Takes one place on a slot and, for a prescribed booking, one unit of the prescription line, and writes what
 * `writes` builds (given the SQL condition that gates them) — ONE statement, atomic with or without a transaction
 * around it: when the slot is full or closed, or the line used up, the statement aborts (`cupola_refuse`) and none
 * of its parts is written. Returns null when everything was written, else the refusal.
 */
export async function takePlaceAndWrite(q: Queryable, slotId: string, lineId: string | null, writes: (gate: string) => Stmt[]): Promise<TakeRefusal | null> {
  const s = together(writes('exists (select 1 from taken_all)'), {
    head: {
      sql: `taken as (update slot set booked = booked + 1 where id = $1 and status = 'open' and booked < capacity returning id),
      taken_line as (update prescription_line set booked_quantity = booked_quantity + 1
        where id = $2 and booked_quantity < quantity and exists (select 1 from taken) returning id),
      taken_all as (select 1 where exists (select 1 from taken) and ($2::text is null or exists (select 1 from taken_line)))`,
      params: [slotId, lineId],
    },
    result: `case when not exists (select 1 from taken) then cupola_refuse('SLOT_TAKEN')
      when not exists (select 1 from taken_all) then cupola_refuse('PRESCRIPTION_USED') else true end as ok`,
  });
  try {
    await q.query(s.sql, s.params);
    return null;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === 'P0C01' && (err.message === 'SLOT_TAKEN' || err.message === 'PRESCRIPTION_USED')) return err.message;
    throw e;
  }
}

/** Takes one place on a slot; false when it is full or closed. The check constraint backs this up. */
export async function takePlace(q: Queryable, slotId: string): Promise<boolean> {
  const r = await q.query(`update slot set booked = booked + 1 where id = $1 and status = 'open' and booked < capacity returning id`, [slotId]);
  return r.length === 1;
}

export async function releasePlace(q: Queryable, slotId: string): Promise<void> {
  await q.query(`update slot set booked = booked - 1 where id = $1 and booked > 0`, [slotId]);
}

export const APPOINTMENT_COLS = `ap.id, ap.slot_id::text as slot_id, ap.agenda_id, ap.service_id, ap.patient_id, ap.prescription_line_id, ap.status, ap.priority,
  ap.access_type, ap.channel, ap.regime, ap.search_id, ap.hold_expires_at, ap.booked_at, ap.first_offered_at, ap.first_offered_in_area,
  ap.refused_first, ap.in_garanzia, ap.guarantee_deadline, ap.cancel_reason, ap.cancelled_at, ap.late_cancel, ap.outcome_reason, ap.penalty,
  ap.checked_in_at, ap.delivered_at, ap.queue_number, ap.created_at, s.start_at as slot_start, s.end_at as slot_end, a.clinic_id, a.ats_id, a.provider_id`;

export interface AppointmentRow {
  id: string; slot_id: string; agenda_id: string; service_id: string; patient_id: string; prescription_line_id: string | null;
  status: 'held' | 'booked' | 'cancelled' | 'checked_in' | 'delivered' | 'not_delivered'; priority: PriorityClass | null;
  access_type: 'first' | 'follow_up'; channel: string; regime: string; search_id: string | null; hold_expires_at: Date | null;
  booked_at: Date | null; first_offered_at: Date | null; first_offered_in_area: boolean | null; refused_first: boolean | null;
  in_garanzia: boolean | null; guarantee_deadline: Date | null; cancel_reason: string | null; cancelled_at: Date | null;
  late_cancel: boolean | null; outcome_reason: string | null; penalty: boolean; checked_in_at: Date | null; delivered_at: Date | null;
  queue_number: number | null; created_at: Date; slot_start: Date; slot_end: Date; clinic_id: string; ats_id: string; provider_id: string;
}

export async function getAppointment(q: Queryable, id: string, forUpdate = false): Promise<AppointmentRow | null> {
  const r = await q.query<AppointmentRow>(
    `select ${APPOINTMENT_COLS} from appointment ap join slot s on s.id = ap.slot_id join agenda a on a.id = ap.agenda_id where ap.id = $1 ${forUpdate ? 'for update of ap' : ''}`,
    [id],
  );
  return r[0] ?? null;
}

type NewAppointment = Omit<AppointmentRow, 'slot_start' | 'slot_end' | 'clinic_id' | 'ats_id' | 'provider_id' | 'created_at'>;

export async function insertAppointment(q: Queryable, a: NewAppointment) {
  const s = appointmentInsert(a);
  await q.query(s.sql, s.params);
}

/** The insert of a new appointment; with `gate` (a SQL condition) only when it holds. */
export function appointmentInsert(a: NewAppointment, gate?: string): Stmt {
  return {
    sql: `insert into appointment (id, slot_id, agenda_id, service_id, patient_ref, patient_id, prescription_line_id, status, priority, access_type, channel, regime,
       search_id, hold_expires_at, booked_at, first_offered_at, first_offered_in_area, refused_first, in_garanzia, guarantee_deadline)
     select $1,$2,$3,$4,$5,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19${gate ? ` where ${gate}` : ''}`,
    params: [a.id, a.slot_id, a.agenda_id, a.service_id, a.patient_id, a.prescription_line_id, a.status, a.priority, a.access_type, a.channel, a.regime,
      a.search_id, a.hold_expires_at, a.booked_at, a.first_offered_at, a.first_offered_in_area, a.refused_first, a.in_garanzia, a.guarantee_deadline],
  };
}

/** Scheduled SMS reminders of an appointment, one statement (null when there are none); `gate` as for appointments. */
export function remindersInsert(appointmentId: string, due: readonly Date[], gate?: string): Stmt | null {
  if (!due.length) return null;
  return {
    sql: `insert into reminder (appointment_id, due_at, kind) select $1, d, 'sms' from unnest($2::timestamptz[]) as d${gate ? ` where ${gate}` : ''}
      on conflict do nothing`,
    params: [appointmentId, due.map((d) => d.toISOString())],
  };
}

/** Writes the mutable lifecycle columns of an appointment. */
export async function saveAppointment(q: Queryable, a: AppointmentRow) {
  await q.query(
    `update appointment set slot_id=$2, agenda_id=$3, status=$4, hold_expires_at=$5, booked_at=$6, in_garanzia=$7, cancel_reason=$8, cancelled_at=$9,
       late_cancel=$10, outcome_reason=$11, penalty=$12, checked_in_at=$13, delivered_at=$14, queue_number=$15, refused_first=$16, updated_at=now() where id=$1`,
    [a.id, a.slot_id, a.agenda_id, a.status, a.hold_expires_at, a.booked_at, a.in_garanzia, a.cancel_reason, a.cancelled_at, a.late_cancel,
      a.outcome_reason, a.penalty, a.checked_in_at, a.delivered_at, a.queue_number, a.refused_first],
  );
}

/** The patient's appointments still to happen (for duplicate detection), locked. */
export async function activeAppointmentsOfPatient(q: Queryable, patientId: string): Promise<AppointmentRow[]> {
  return q.query<AppointmentRow>(
    `select ${APPOINTMENT_COLS} from appointment ap join slot s on s.id = ap.slot_id join agenda a on a.id = ap.agenda_id
     where ap.patient_id = $1 and ap.status in ('held','booked','checked_in') order by s.start_at for update of ap`,
    [patientId],
  );
}

export async function listAppointments(q: Queryable, where: { patientId?: string; clinicId?: string; date?: string; status?: string }, limit = 500) {
  const w: string[] = [];
  const p: unknown[] = [];
  const arg = (v: unknown) => (p.push(v), `$${p.length}`);
  if (where.patientId) w.push(`ap.patient_id = ${arg(where.patientId)}`);
  if (where.clinicId) w.push(`a.clinic_id = ${arg(where.clinicId)}`);
  if (where.date) w.push(`s.local_date = ${arg(where.date)}`);
  if (where.status) w.push(`ap.status = ${arg(where.status)}`);
  return q.query<AppointmentRow>(
    `select ${APPOINTMENT_COLS} from appointment ap join slot s on s.id = ap.slot_id join agenda a on a.id = ap.agenda_id
     ${w.length ? 'where ' + w.join(' and ') : ''} order by s.start_at, ap.id limit ${limit}`,
    p,
  );
}

/** Holds whose expiry has passed, locked and skipped by concurrent sweepers. */
export async function expiredHolds(q: Queryable, now: Date, limit = 500): Promise<AppointmentRow[]> {
  return q.query<AppointmentRow>(
    `select ${APPOINTMENT_COLS} from appointment ap join slot s on s.id = ap.slot_id join agenda a on a.id = ap.agenda_id
     where ap.status = 'held' and ap.hold_expires_at < $1 order by ap.hold_expires_at limit ${limit} for update of ap skip locked`,
    [now.toISOString()],
  );
}

export async function nextQueueNumber(q: Queryable, clinicId: string, localDate: string): Promise<number> {
  const r = await q.query<{ n: number }>(
    `select coalesce(max(ap.queue_number), 0)::int + 1 as n from appointment ap join slot s on s.id = ap.slot_id join agenda a on a.id = ap.agenda_id
     where a.clinic_id = $1 and s.local_date = $2`,
    [clinicId, localDate],
  );
  return r[0]!.n;
}
