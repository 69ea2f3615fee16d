import type { Queryable } from './db.ts';
import type { Agenda, Closure, SearchAgendas, Slot, Template } from '../http/schemas/agenda.ts';
import type { GeneratedSlot, PriorityClass } from '../domain/offer/types.ts';

type AgendaRow = {
  id: string; clinic_id: string; resource_id: string | null; ats_id: string; provider_id: string; name: string;
  access_type: Agenda['accessType']; valid_from: string; valid_to: string; status: Agenda['status'];
  attrs: Record<string, unknown>; version: number;
};

const hhmm = (t: string) => t.slice(0, 5);

export async function getAgenda(q: Queryable, id: string, forUpdate = false): Promise<Agenda | null> {
  const rows = await q.query<AgendaRow>(`select * from agenda where id = $1 ${forUpdate ? 'for update' : ''}`, [id]);
  const r = rows[0];
  if (!r) return null;
  // sequential on purpose: inside a transaction the queries share one connection
  const services = await q.query<{ service_id: string }>(`select service_id from agenda_service where agenda_id = $1 order by service_id`, [id]);
  const templates = await q.query<{ weekday: number; start_time: string; end_time: string; slot_minutes: number; capacity: number; valid_from: string | null; valid_to: string | null }>(
      `select weekday, start_time::text, end_time::text, slot_minutes, capacity, valid_from, valid_to from agenda_template where agenda_id = $1 order by weekday, start_time, id`, [id]);
  const closures = await q.query<{ from_date: string; to_date: string; reason: string }>(
    `select from_date, to_date, reason from agenda_closure where agenda_id = $1 order by from_date, id`, [id]);
  return {
    id: r.id, clinicId: r.clinic_id, resourceId: r.resource_id, atsId: r.ats_id, providerId: r.provider_id, name: r.name,
    accessType: r.access_type, validFrom: r.valid_from, validTo: r.valid_to, status: r.status, attrs: r.attrs ?? {}, version: r.version,
    services: services.map((s) => s.service_id),
    templates: templates.map((t) => ({
      weekday: t.weekday, start: hhmm(t.start_time), end: hhmm(t.end_time), slotMinutes: t.slot_minutes, capacity: t.capacity,
      ...(t.valid_from ? { validFrom: t.valid_from } : {}), ...(t.valid_to ? { validTo: t.valid_to } : {}),
    })),
    closures: closures.map((c) => ({ from: c.from_date, to: c.to_date, reason: c.reason })),
  };
}

export async function insertAgenda(q: Queryable, a: Agenda): Promise<void> {
  await q.query(
    `insert into agenda (id, clinic_id, resource_id, ats_id, provider_id, name, access_type, valid_from, valid_to, status, attrs, version)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
    [a.id, a.clinicId, a.resourceId, a.atsId, a.providerId, a.name, a.accessType, a.validFrom, a.validTo, a.status, JSON.stringify(a.attrs), a.version],
  );
  await replaceServices(q, a.id, a.services);
  await replaceTemplates(q, a.id, a.templates);
  for (const c of a.closures) await insertClosure(q, a.id, c);
}

export async function updateAgendaRow(q: Queryable, a: Agenda): Promise<void> {
  await q.query(
    `update agenda set name=$2, valid_from=$3, valid_to=$4, status=$5, attrs=$6, version=$7, updated_at=now() where id=$1`,
    [a.id, a.name, a.validFrom, a.validTo, a.status, JSON.stringify(a.attrs), a.version],
  );
}

export async function replaceServices(q: Queryable, agendaId: string, services: readonly string[]): Promise<void> {
  await q.query(`delete from agenda_service where agenda_id = $1`, [agendaId]);
  await q.query(`insert into agenda_service (agenda_id, service_id) select $1, unnest($2::text[])`, [agendaId, services]);
}

export async function replaceTemplates(q: Queryable, agendaId: string, templates: readonly Template[]): Promise<void> {
  await q.query(`delete from agenda_template where agenda_id = $1`, [agendaId]);
  for (const t of templates)
    await q.query(
      `insert into agenda_template (agenda_id, weekday, start_time, end_time, slot_minutes, capacity, valid_from, valid_to) values ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [agendaId, t.weekday, t.start, t.end, t.slotMinutes, t.capacity, t.validFrom ?? null, t.validTo ?? null],
    );
}

export async function insertClosure(q: Queryable, agendaId: string, c: Closure): Promise<void> {
  await q.query(`insert into agenda_closure (agenda_id, from_date, to_date, reason) values ($1,$2,$3,$4)`, [agendaId, c.from, c.to, c.reason]);
}

export async function searchAgendas(q: Queryable, s: SearchAgendas, scope: { ats?: string; provider?: string; clinic?: string }) {
  const where: string[] = [];
  const p: unknown[] = [];
  const arg = (v: unknown) => (p.push(v), `$${p.length}`);
  if (s.clinicId) where.push(`a.clinic_id = ${arg(s.clinicId)}`);
  if (s.providerId) where.push(`a.provider_id = ${arg(s.providerId)}`);
  if (s.atsId) where.push(`a.ats_id = ${arg(s.atsId)}`);
  if (s.accessType) where.push(`a.access_type = ${arg(s.accessType)}`);
  if (s.status) where.push(`a.status = ${arg(s.status)}`);
  if (s.serviceId) where.push(`exists (select 1 from agenda_service x where x.agenda_id = a.id and x.service_id = ${arg(s.serviceId)})`);
  if (scope.ats) where.push(`a.ats_id = ${arg(scope.ats)}`);
  if (scope.provider) where.push(`a.provider_id = ${arg(scope.provider)}`);
  if (scope.clinic) where.push(`a.clinic_id = ${arg(scope.clinic)}`);
  const w = where.length ? `where ${where.join(' and ')}` : '';
  const total = await q.query<{ n: number }>(`select count(*)::int as n from agenda a ${w}`, p);
  const ids = await q.query<{ id: string }>(`select a.id from agenda a ${w} order by a.id limit ${s.limit ?? 50} offset ${s.offset ?? 0}`, p);
  const items: Agenda[] = [];
  for (const { id } of ids) items.push((await getAgenda(q, id))!);
  return { items, total: total[0]?.n ?? 0 };
}

type SlotRow = {
  id: string; agenda_id: string; start_at: Date; end_at: Date; local_date: string; capacity: number; booked: number;
  reserved_class: PriorityClass | null; status: Slot['status']; attrs: Record<string, unknown> | null;
};
const SLOT_COLS = `id::text as id, agenda_id, start_at, end_at, local_date, capacity, booked, reserved_class, status, attrs`;
export const toSlot = (r: SlotRow): Slot => ({
  id: r.id, agendaId: r.agenda_id, startAt: new Date(r.start_at).toISOString(), endAt: new Date(r.end_at).toISOString(),
  localDate: r.local_date, capacity: r.capacity, booked: r.booked, reservedClass: r.reserved_class, status: r.status, attrs: r.attrs,
});

export async function getSlot(q: Queryable, id: string): Promise<Slot | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const rows = await q.query<SlotRow>(`select ${SLOT_COLS} from slot where id = $1`, [id]);
  return rows[0] ? toSlot(rows[0]) : null;
}

export async function listSlots(q: Queryable, agendaId: string, from: string, to: string, status?: string): Promise<Slot[]> {
  const rows = await q.query<SlotRow>(
    `select ${SLOT_COLS} from slot where agenda_id = $1 and local_date between $2 and $3 ${status ? 'and status = $4' : ''} order by start_at limit 5000`,
    status ? [agendaId, from, to, status] : [agendaId, from, to],
  );
  return rows.map(toSlot);
}

/** Future slots of an agenda (start after `now`), open ones by default. */
export async function futureSlots(q: Queryable, agendaId: string, now: Date, opts: { from?: string; to?: string } = {}): Promise<Slot[]> {
  const p: unknown[] = [agendaId, now.toISOString()];
  let w = '';
  if (opts.from) (p.push(opts.from), (w += ` and local_date >= $${p.length}`));
  if (opts.to) (p.push(opts.to), (w += ` and local_date <= $${p.length}`));
  const rows = await q.query<SlotRow>(`select ${SLOT_COLS} from slot where agenda_id = $1 and start_at > $2 and status = 'open' ${w} order by start_at for update`, p);
  return rows.map(toSlot);
}

/** The last local date for which the agenda has slots (or null). */
export async function lastSlotDate(q: Queryable, agendaId: string): Promise<string | null> {
  const r = await q.query<{ d: string | null }>(`select max(local_date) as d from slot where agenda_id = $1`, [agendaId]);
  return r[0]?.d ?? null;
}

/**
 * Inserts generated slots; a slot already there (same agenda and start) is reopened with the new capacity and class
 * when it was closed and its bookings fit. Returns how many slots were inserted or reopened.
 */
export async function upsertSlots(q: Queryable, agendaId: string, slots: readonly GeneratedSlot[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < slots.length; i += 2000) {
    const part = slots.slice(i, i + 2000);
    const r = await q.query<{ id: string }>(
      `insert into slot (agenda_id, start_at, end_at, local_date, capacity, reserved_class)
       select $1, * from unnest($2::timestamptz[], $3::timestamptz[], $4::date[], $5::smallint[], $6::char(1)[])
       on conflict (agenda_id, start_at) do update set status = 'open', end_at = excluded.end_at, capacity = excluded.capacity,
         reserved_class = excluded.reserved_class
         where slot.status = 'closed' and slot.booked <= excluded.capacity
       returning id`,
      [agendaId, part.map((s) => s.startAt.toISOString()), part.map((s) => s.endAt.toISOString()), part.map((s) => s.localDate),
        part.map((s) => s.capacity), part.map((s) => s.reservedClass)],
    );
    n += r.length;
  }
  return n;
}

export async function closeSlots(q: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length) await q.query(`update slot set status = 'closed' where id = any($1::bigint[])`, [ids]);
}

export interface ActiveAppointment {
  id: string; slot_id: string; service_id: string; priority: PriorityClass | null; start_at: Date; agenda_id: string;
}

/** Appointments still to happen on the given slots (held, booked or checked in). */
export async function appointmentsOnSlots(q: Queryable, slotIds: readonly string[]): Promise<ActiveAppointment[]> {
  if (!slotIds.length) return [];
  return q.query<ActiveAppointment>(
    `select a.id, a.slot_id::text as slot_id, a.service_id, a.priority, s.start_at, a.agenda_id from appointment a join slot s on s.id = a.slot_id
     where a.slot_id = any($1::bigint[]) and a.status in ('held','booked','checked_in') order by s.start_at, a.id for update of a`,
    [slotIds],
  );
}

/** Appointments of an agenda, still to happen, whose service the agenda no longer offers. */
export async function appointmentsForServices(q: Queryable, agendaId: string, keep: readonly string[], now: Date): Promise<ActiveAppointment[]> {
  return q.query<ActiveAppointment>(
    `select a.id, a.slot_id::text as slot_id, a.service_id, a.priority, s.start_at, a.agenda_id from appointment a join slot s on s.id = a.slot_id
     where a.agenda_id = $1 and s.start_at > $2 and a.status in ('held','booked','checked_in') and not (a.service_id = any($3::text[]))
     order by s.start_at, a.id for update of a`,
    [agendaId, now.toISOString(), keep],
  );
}

/** Free slots that could take an appointment of `serviceId` at the same clinic and access type. */
export async function relocationCandidates(
  q: Queryable,
  o: { clinicId: string; accessType: string; serviceId: string; after: Date; excluded: readonly string[]; around: Date },
) {
  return q.query<SlotRow>(
    `select ${SLOT_COLS.split(', ').map((c) => (c.startsWith('id::') ? 's.id::text as id' : 's.' + c)).join(', ')}
     from slot s join agenda a on a.id = s.agenda_id join agenda_service x on x.agenda_id = a.id and x.service_id = $3
     where a.clinic_id = $1 and a.access_type = $2 and a.status = 'active' and s.status = 'open' and s.booked < s.capacity
       and s.start_at > $4 and not (s.id = any($5::bigint[]))
     order by (s.start_at < $6), s.start_at limit 200`,
    [o.clinicId, o.accessType, o.serviceId, o.after.toISOString(), o.excluded, o.around.toISOString()],
  ).then((rows) => rows.map(toSlot));
}

/** Moves an appointment to another slot; false when the target filled up meanwhile. */
export async function moveAppointment(q: Queryable, apptId: string, fromSlot: string, to: Slot): Promise<boolean> {
  const taken = await q.query(`update slot set booked = booked + 1 where id = $1 and status = 'open' and booked < capacity returning id`, [to.id]);
  if (!taken.length) return false;
  await q.query(`update slot set booked = booked - 1 where id = $1`, [fromSlot]);
  await q.query(`update appointment set slot_id = $2, agenda_id = $3, updated_at = now() where id = $1`, [apptId, to.id, to.agendaId]);
  return true;
}
