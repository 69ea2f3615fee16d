import type { Queryable, Stmt } from './db.ts';
import { topicOf, type EventEnvelope } from '../events/envelope.ts';
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

/** Timestamp columns of an appointment row (JSON gives them as strings). */
const APPOINTMENT_DATES = ['hold_expires_at', 'booked_at', 'first_offered_at', 'guarantee_deadline', 'cancelled_at', 'checked_in_at', 'delivered_at', 'created_at', 'slot_start', 'slot_end'];

const asDate = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));

/** What a booking or a search reads: the patient, and optionally a prescription, slot, search and active appointments. */
export interface BookingContextRequest {
  patientId: string; prescriptionId?: string | null; slotId?: string | null; searchId?: string | null;
  /** with the patient's appointments still to happen (duplicate detection) */
  active?: boolean;
  /** lock the patient row (in a transaction) */
  lock?: boolean;
}

/**
 * Reads the patient, the prescription (with its lines), the slot, the referenced search and (with `active`) the
 * patient's appointments still to happen, for one or many requests in ONE statement. With `lock` (on any request)
 * the patients' rows are locked: bookings of one patient run one at a time, so the duplicate check sees every
 * appointment committed before it.
 */
export async function loadBookingContexts(q: Queryable, items: readonly BookingContextRequest[]): Promise<BookingContext[]> {
  if (!items.length) return [];
  const lock = items.some((o) => o.lock);
  const r = await q.query<{ k: number; patient: PatientRow | null; rx: PrescriptionRow | null; lines: PrescriptionLineRow[] | null; slot: Record<string, unknown> | null;
    search: Record<string, unknown> | null; active: Record<string, unknown>[] | null }>(
    `select i.k, (select row_to_json(p) from patient p where p.id = i.patient ${lock ? 'for update' : ''}) as patient,
       (select row_to_json(r) from prescription r where r.id = i.rx) as rx,
       (select json_agg(l order by l.line_no) from (select id, line_no, service_id, quantity, booked_quantity, access_type
          from prescription_line where prescription_id = i.rx) l) as lines,
       (select row_to_json(x) from (select ${SLOT_FOR_BOOKING}, array(select service_id from agenda_service sv where sv.agenda_id = a.id) as services
          from slot s join agenda a on a.id = s.agenda_id where s.id = i.slot) x) as slot,
       (select row_to_json(x) from (select id, first_in_area_at, deadline, patient_id, service_id from availability_search where id = i.search) x) as search,
       case when i.active then (select json_agg(x) from (select ${APPOINTMENT_COLS} from appointment ap join slot s on s.id = ap.slot_id join agenda a on a.id = ap.agenda_id
          where ap.patient_id = i.patient and ap.status in ('held','booked','checked_in') order by s.start_at) x) end as active
     from unnest($1::int[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::boolean[]) as i(k, patient, rx, slot, search, active) order by i.k`,
    [items.map((_, k) => k), items.map((o) => o.patientId), items.map((o) => o.prescriptionId ?? null),
      items.map((o) => (o.slotId && /^\d{1,18}$/.test(o.slotId) ? o.slotId : null)), items.map((o) => o.searchId ?? null), items.map((o) => !!o.active)],
  );
  return r.map((row) => {
    const slot = row.slot
      ? { ...(row.slot as unknown as Omit<SlotForBooking, 'offers_service'> & { services: string[] }), start_at: asDate(row.slot.start_at)!, end_at: asDate(row.slot.end_at)! }
      : null;
    const search = row.search
      ? { ...(row.search as unknown as SearchRef), first_in_area_at: asDate(row.search.first_in_area_at), deadline: asDate(row.search.deadline) }
      : null;
    const active = (row.active ?? []).map((a) => ({ ...a, ...Object.fromEntries(APPOINTMENT_DATES.map((k) => [k, asDate(a[k])])) }) as unknown as AppointmentRow);
    return {
      patient: row.patient ? toPatient(row.patient) : null,
      prescription: row.rx ? toPrescription(row.rx, row.lines ?? []) : null,
      slot, search, active,
    };
  });
}

/** One context (see `loadBookingContexts`). */
export const loadBookingContext = async (q: Queryable, o: BookingContextRequest): Promise<BookingContext> => (await loadBookingContexts(q, [o]))[0]!;

/** The refusal codes a booking write can end with. */
export type TakeRefusal = 'SLOT_TAKEN' | 'PRESCRIPTION_USED';

/** One booking to write: the place and line to take, and what to write when both are taken. */
export interface BookingWrite {
  appointment: NewAppointment;
  /** reminder instants */
  reminders: readonly Date[];
  /** outbox events, in order */
  events: readonly EventEnvelope[];
}

const APPT_COLS: [keyof NewAppointment, string][] = [
  ['id', 'text'], ['slot_id', 'bigint'], ['agenda_id', 'text'], ['service_id', 'text'], ['patient_id', 'text'], ['prescription_line_id', 'text'],
  ['status', 'text'], ['priority', 'text'], ['access_type', 'text'], ['channel', 'text'], ['regime', 'text'], ['search_id', 'text'],
  ['hold_expires_at', 'timestamptz'], ['booked_at', 'timestamptz'], ['first_offered_at', 'timestamptz'], ['first_offered_in_area', 'boolean'],
  ['refused_first', 'boolean'], ['in_garanzia', 'boolean'], ['guarantee_deadline', 'timestamptz'],
];
const OUTBOX_COLS: [keyof EventEnvelope | 'topic', string][] = [
  ['event_id', 'uuid'], ['topic', 'text'], ['type', 'text'], ['schema_version', 'int'], ['occurred_at', 'timestamptz'], ['aggregate_type', 'text'],
  ['aggregate_id', 'text'], ['ats', 'text'], ['provider', 'text'], ['payload', 'jsonb'],
];
const arrays = (from: number, types: readonly string[]) => types.map((t, i) => `$${from + i}::${t}[]`).join(', ');

/**
 * Writes several bookings in ONE statement, each all-or-nothing on its own: for each, its prescription line is
 * locked and checked, one place is taken on its slot only if the line has a unit left, then the line's unit is
 * taken and the appointment, its reminders and its events are written — for the bookings whose place was taken,
 * and for no other. No two bookings of one call may share a slot or a line. Atomic with or without a transaction.
 * Returns, per booking, null when written, else why not. `onTaken` hears of every place taken: the slot, its places
 * now taken and the writing transaction (the free-slot index applies this engine's own bookings with it).
 */
export async function writeBookings(q: Queryable, items: readonly BookingWrite[], onTaken?: (t: { slotId: string; booked: number; xid: string }) => void): Promise<(TakeRefusal | null)[]> {
  if (!items.length) return [];
  const k = items.map((_, i) => i);
  const appt = APPT_COLS.map(([c]) => items.map((it) => {
    const v = it.appointment[c];
    return v instanceof Date ? v.toISOString() : v;
  }));
  const rem = items.flatMap((it, i) => it.reminders.map((d) => [i, it.appointment.id, d.toISOString()] as const));
  const ev = items.flatMap((it, i) => it.events.map((e) => [i, e] as const));
  const outbox = OUTBOX_COLS.map(([c]) => ev.map(([, e]) => (c === 'topic' ? topicOf(e.aggregate_type) : c === 'payload' ? JSON.stringify(e.payload) : e[c])));
  const params: unknown[] = [k, items.map((it) => it.appointment.slot_id), items.map((it) => it.appointment.prescription_line_id)];
  const at = (...more: unknown[]) => {
    const from = params.length + 1;
    params.push(...more);
    return from;
  };
  const pa = at(...appt);
  const pr = at(rem.map((x) => x[0]), rem.map((x) => x[1]), rem.map((x) => x[2]));
  const pe = at(ev.map(([i]) => i), ...outbox);
  const cols = (xs: [string, string][]) => xs.map(([c]) => c).join(', ');
  const r = await q.query<{ k: number; taken: boolean; line_ok: boolean; booked: number | null; xid: string }>(
    `with items as (select * from unnest($1::int[], $2::bigint[], $3::text[]) as i(k, slot, line)),
     lines_ok as (select l.id from prescription_line l where l.id in (select line from items) and l.booked_quantity < l.quantity for update),
     taken as (update slot s set booked = s.booked + 1 from items i
               where s.id = i.slot and s.status = 'open' and s.booked < s.capacity and (i.line is null or i.line in (select id from lines_ok))
               returning i.k, i.line, s.booked),
     taken_line as (update prescription_line l set booked_quantity = l.booked_quantity + 1 from taken t where l.id = t.line returning l.id),
     appts as (insert into appointment (${cols(APPT_COLS)}, patient_ref)
               select ${APPT_COLS.map(([c]) => `a.${c}`).join(', ')}, a.patient_id
               from unnest($1::int[], ${arrays(pa, APPT_COLS.map(([, t]) => t))}) as a(k, ${cols(APPT_COLS)})
               where a.k in (select k from taken)),
     reminders as (insert into reminder (appointment_id, due_at, kind)
               select r.appointment_id, r.due, 'sms' from unnest($${pr}::int[], $${pr + 1}::text[], $${pr + 2}::timestamptz[]) as r(k, appointment_id, due)
               where r.k in (select k from taken) on conflict do nothing),
     events as (insert into outbox (${cols(OUTBOX_COLS)})
               select ${OUTBOX_COLS.map(([c]) => `e.${c}`).join(', ')}
               from unnest($${pe}::int[], ${arrays(pe + 1, OUTBOX_COLS.map(([, t]) => t))}) as e(k, ${cols(OUTBOX_COLS)})
               where e.k in (select k from taken))
     select i.k, exists (select 1 from taken t where t.k = i.k) as taken, (i.line is null or i.line in (select id from lines_ok)) as line_ok,
       (select t.booked from taken t where t.k = i.k) as booked, txid_current()::text as xid
     from items i order by i.k`,
    params,
  );
  if (onTaken) for (const x of r) if (x.taken && x.booked !== null) onTaken({ slotId: String(items[x.k]!.appointment.slot_id), booked: x.booked, xid: x.xid });
  return r.map((x) => (x.taken ? null : x.line_ok ? 'SLOT_TAKEN' : 'PRESCRIPTION_USED'));
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

export type NewAppointment = Omit<AppointmentRow, 'slot_start' | 'slot_end' | 'clinic_id' | 'ats_id' | 'provider_id' | 'created_at'>;

/** Scheduled SMS reminders of an appointment, one statement (null when there are none). */
export function remindersInsert(appointmentId: string, due: readonly Date[]): Stmt | null {
  if (!due.length) return null;
  return {
    sql: `insert into reminder (appointment_id, due_at, kind) select $1, d, 'sms' from unnest($2::timestamptz[]) as d on conflict do nothing`,
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
