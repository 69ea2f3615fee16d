import { uuidv7 } from '../ids.ts';
import { isOpenToClass } from '../domain/offer/quotas.ts';
import { generateSlots } from '../domain/offer/slot-generation.ts';
import { validateTemplates } from '../domain/offer/templates.ts';
import type { DateRange, GeneratedSlot } from '../domain/offer/types.ts';
import { addDays, utcToLocal } from '../domain/time/rome-time.ts';
import { inScope, type Principal } from '../http/auth.ts';
import { fail } from '../http/problem.ts';
import type { Agenda, Closure, CreateAgenda, Relocation, Slot, UpdateAgenda } from '../http/schemas/agenda.ts';
import {
  appointmentsForServices, appointmentsOnSlots, closeSlots, futureSlots, getAgenda, getSlot, insertAgenda, insertClosure,
  lastSlotDate, moveAppointment, relocationCandidates, replaceServices, replaceTemplates, updateAgendaRow, upsertSlots,
  type ActiveAppointment,
} from '../store/agenda-store.ts';
import { getServices } from '../store/catalogue-store.ts';
import type { Queryable } from '../store/db.ts';
import { getOrgUnit } from '../store/org-store.ts';
import { appendEvents } from '../store/outbox-store.ts';
import { mergeAttrs } from './attrs.ts';
import { inTransaction, type Ctx } from './context.ts';
import { effectiveAttributes } from './effective-attributes.ts';
import { holidaysIn } from './calendar.ts';

type OnBooked = 'refuse' | 'relocate';

const scopeOfAgenda = (a: Agenda) => ({ ats: a.atsId, provider: a.providerId, clinic: a.clinicId });

export function requireAgendaRead(p: Principal, a: Agenda) {
  if (!inScope(p, scopeOfAgenda(a))) fail('SCOPE_FORBIDDEN', `${p.role} scope does not cover agenda ${a.id}`);
}
function requireAgendaWrite(p: Principal, a: { providerId: string }) {
  if (p.role === 'region-admin' || p.role === 'service') return;
  if (p.role === 'provider-admin' && p.provider === a.providerId) return;
  fail('SCOPE_FORBIDDEN', `${p.role} scope does not cover provider ${a.providerId}`);
}

const todayOf = (now: Date) => utcToLocal(now).date;

function checkTemplates(a: Pick<Agenda, 'templates' | 'validFrom' | 'validTo'>) {
  const r = validateTemplates(a.templates, { from: a.validFrom, to: a.validTo });
  if (!r.ok) {
    const path = r.error.path ?? '/templates';
    fail(r.error.code, r.error.message, path.startsWith('/templates') || path.startsWith('/valid') ? path : `/templates${path}`, r.error.details);
  }
}

function checkClosures(closures: readonly Closure[], base = '/closures') {
  closures.forEach((c, i) => {
    if (c.to < c.from) fail('CLOSURE_INVALID', 'a closure must end on or after its start', `${base}/${i}/to`);
  });
}

async function checkServices(q: Queryable, ids: readonly string[]) {
  const found = await getServices(q, ids);
  ids.forEach((id, i) => {
    const s = found.find((f) => f.id === id);
    if (!s) return fail('SERVICE_NOT_FOUND', `unknown service ${id}`, `/services/${i}`);
    if (!s.active) fail('SERVICE_INACTIVE', `service ${id} is withdrawn`, `/services/${i}`);
  });
}

function checkQuotas(a: Agenda) {
  if (a.accessType === 'follow_up' && a.attrs.classQuotas && Object.keys(a.attrs.classQuotas).length)
    fail('AGENDA_QUOTA_ON_FOLLOW_UP', 'follow-up agendas are not split by priority class', '/attrs/classQuotas');
}

async function holidaysForClinic(ctx: Ctx, q: Queryable, clinicId: string, range: DateRange) {
  const clinic = await getOrgUnit(q, clinicId);
  return holidaysIn(ctx.ref, range, clinic?.municipality);
}

/** The slots the agenda's current definition yields on the given dates. */
async function desiredSlots(ctx: Ctx, q: Queryable, a: Agenda, range: DateRange): Promise<GeneratedSlot[]> {
  if (range.to < range.from || a.status !== 'active') return [];
  const eff = await effectiveAttributes(q, a);
  return generateSlots({
    validity: { from: a.validFrom, to: a.validTo },
    templates: a.templates,
    closures: a.closures,
    holidays: await holidaysForClinic(ctx, q, a.clinicId, range),
    range,
    classQuotas: a.accessType === 'first' ? eff.effective.classQuotas : {},
  });
}

const agendaEvent = (type: string, a: Agenda, extra: Record<string, unknown> = {}) => ({
  type, aggregateType: 'agenda', aggregateId: a.id, ats: a.atsId, provider: a.providerId,
  payload: { id: a.id, clinic_id: a.clinicId, resource_id: a.resourceId, name: a.name, access_type: a.accessType,
    valid_from: a.validFrom, valid_to: a.validTo, status: a.status, services: a.services, version: a.version, attrs: a.attrs, ...extra },
});

function supplyByDay(slots: readonly GeneratedSlot[]) {
  const days = new Map<string, { date: string; slots: number; capacity: number; reserved: Record<string, number> }>();
  for (const s of slots) {
    const d = days.get(s.localDate) ?? { date: s.localDate, slots: 0, capacity: 0, reserved: {} };
    d.slots++;
    d.capacity += s.capacity;
    if (s.reservedClass) d.reserved[s.reservedClass] = (d.reserved[s.reservedClass] ?? 0) + s.capacity;
    days.set(s.localDate, d);
  }
  return [...days.values()];
}

export async function createAgenda(ctx: Ctx, input: CreateAgenda): Promise<Agenda> {
  return inTransaction(ctx, async (tx) => {
    const clinic = await getOrgUnit(tx, input.clinicId);
    if (!clinic || clinic.level !== 'clinic') return fail('CLINIC_NOT_FOUND', `no clinic ${input.clinicId}`, '/clinicId');
    if (!clinic.active) fail('CLINIC_INACTIVE', `clinic ${clinic.id} is deactivated`, '/clinicId');
    const a: Agenda = {
      id: input.id ?? `ag-${uuidv7()}`, clinicId: clinic.id, resourceId: input.resourceId ?? null, atsId: clinic.atsId!, providerId: clinic.providerId!,
      name: input.name, accessType: input.accessType, validFrom: input.validFrom, validTo: input.validTo, status: 'active',
      attrs: mergeAttrs({}, input.attrs), version: 1, services: input.services, templates: input.templates, closures: input.closures ?? [],
    };
    requireAgendaWrite(ctx.principal, a);
    if (input.resourceId) {
      const r = await getOrgUnit(tx, input.resourceId);
      if (!r || r.level !== 'resource' || r.parentId !== clinic.id) fail('RESOURCE_NOT_FOUND', `no resource ${input.resourceId} in clinic ${clinic.id}`, '/resourceId');
    }
    if (a.validTo < a.validFrom) fail('AGENDA_INVALID_VALIDITY', 'validTo is before validFrom', '/validTo');
    checkTemplates(a);
    checkClosures(a.closures);
    checkQuotas(a);
    await checkServices(tx, a.services);
    if (await getAgenda(tx, a.id)) fail('DUPLICATE_CODE', `agenda ${a.id} already exists`, '/id');
    await insertAgenda(tx, a);
    await appendEvents(tx, [agendaEvent('agenda.created', a, { templates: a.templates, closures: a.closures })], ctx.now);
    return a;
  });
}

export async function readAgenda(ctx: Ctx, q: Queryable, id: string, forUpdate = false): Promise<Agenda> {
  const a = (await getAgenda(q, id, forUpdate)) ?? fail('NOT_FOUND', `agenda ${id} not found`, '/id');
  requireAgendaRead(ctx.principal, a);
  return a;
}

/** Generates the agenda's slots for a date range (within the booking horizon); existing slots are kept. */
export async function generateAgendaSlots(ctx: Ctx, id: string, range: DateRange) {
  return inTransaction(ctx, async (tx) => {
    const a = await readAgenda(ctx, tx, id, true);
    requireAgendaWrite(ctx.principal, a);
    if (range.to < range.from) fail('RANGE_INVALID', 'to is before from', '/to');
    const today = todayOf(ctx.now);
    if (range.from < today) fail('RANGE_IN_PAST', `slots cannot be generated before today (${today})`, '/from');
    const eff = await effectiveAttributes(tx, a);
    const horizon = addDays(today, eff.effective.bookingHorizonDays);
    if (range.to > horizon)
      fail('HORIZON_EXCEEDED', `the booking horizon (${eff.effective.bookingHorizonDays} days, set at ${eff.explain.bookingHorizonDays.source.level}) ends ${horizon}`, '/to');
    if (a.status !== 'active') fail('AGENDA_SUSPENDED', `agenda ${a.id} is suspended`, '/id');
    const slots = (await desiredSlots(ctx, tx, a, range)).filter((s) => s.startAt > ctx.now);
    const created = await upsertSlots(tx, a.id, slots);
    await appendEvents(tx, [agendaEvent('agenda.slots_generated', a, { from: range.from, to: range.to, slots_created: created, supply: supplyByDay(slots) })], ctx.now);
    return { agendaId: a.id, from: range.from, to: range.to, slotsCreated: created, slotsInRange: slots.length };
  });
}

/**
 * Applies an offer change to future slots: slots that the new definition no longer yields are closed; appointments on
 * them are either refused (409 with the list) or relocated to the nearest free compatible slot of the same clinic.
 */
async function reconcile(ctx: Ctx, tx: Queryable, before: Agenda, after: Agenda, onBooked: OnBooked, closeOnly?: DateRange) {
  const today = todayOf(ctx.now);
  const existing = await futureSlots(tx, after.id, ctx.now, closeOnly ?? {});
  const last = (await lastSlotDate(tx, after.id)) ?? today;
  const desired = closeOnly ? [] : (await desiredSlots(ctx, tx, after, { from: today, to: last })).filter((s) => s.startAt > ctx.now);
  const want = new Map(desired.map((s) => [s.startAt.getTime(), s]));
  const obsolete = existing.filter((s) => {
    const w = want.get(new Date(s.startAt).getTime());
    return !w || w.capacity < s.booked;
  });
  const obsoleteIds = obsolete.map((s) => s.id);
  const affected: ActiveAppointment[] = await appointmentsOnSlots(tx, obsoleteIds);
  const dropped = before.services.filter((s) => !after.services.includes(s));
  if (dropped.length)
    for (const ap of await appointmentsForServices(tx, after.id, after.services, ctx.now))
      if (!affected.some((x) => x.id === ap.id)) affected.push(ap);

  const listing = affected.map((ap) => ({ appointmentId: ap.id, slotId: ap.slot_id, serviceId: ap.service_id, startAt: new Date(ap.start_at).toISOString() }));
  if (affected.length && onBooked === 'refuse')
    fail('AGENDA_HAS_BOOKINGS', `${affected.length} booked appointments would lose their slot; relocate them or change the request`, '/onBooked', { appointments: listing });

  const opened = closeOnly ? 0 : await upsertSlots(tx, after.id, desired);
  await closeSlots(tx, obsoleteIds);
  const relocations: Relocation[] = [];
  const eff = await effectiveAttributes(tx, after);
  const unplaced: typeof listing = [];
  for (const ap of affected) {
    const candidates = await relocationCandidates(tx, {
      clinicId: after.clinicId, accessType: after.accessType, serviceId: ap.service_id, after: ctx.now, excluded: obsoleteIds, around: new Date(ap.start_at),
    });
    let placed: Slot | undefined;
    for (const c of candidates) {
      if (!isOpenToClass({ reservedClass: c.reservedClass, startAt: new Date(c.startAt) }, ap.priority, ctx.now, eff.effective.quotaReleaseDays)) continue;
      if (await moveAppointment(tx, ap.id, ap.slot_id, c)) {
        placed = c;
        break;
      }
    }
    if (!placed) {
      unplaced.push(listing.find((l) => l.appointmentId === ap.id)!);
      continue;
    }
    relocations.push({ appointmentId: ap.id, serviceId: ap.service_id, fromSlotId: ap.slot_id, fromStartAt: new Date(ap.start_at).toISOString(),
      toSlotId: placed.id, toStartAt: placed.startAt, toAgendaId: placed.agendaId });
  }
  if (unplaced.length)
    fail('RELOCATION_IMPOSSIBLE', `${unplaced.length} appointments have no free compatible slot to move to; nothing was changed`, '/onBooked', { appointments: unplaced });
  const events = relocations.map((r) => ({
    type: 'appointment.relocated', aggregateType: 'appointment', aggregateId: r.appointmentId, ats: after.atsId, provider: after.providerId,
    payload: { appointment_id: r.appointmentId, service_id: r.serviceId, from_slot_id: r.fromSlotId, from_start_at: r.fromStartAt,
      to_slot_id: r.toSlotId, to_start_at: r.toStartAt, to_agenda_id: r.toAgendaId, reason: 'agenda_changed', agenda_id: after.id },
  }));
  await appendEvents(tx, events, ctx.now);
  return { slotsClosed: obsoleteIds.length, slotsOpened: opened, relocations };
}

export async function changeAgenda(ctx: Ctx, id: string, patch: UpdateAgenda) {
  return inTransaction(ctx, async (tx) => {
    const before = await readAgenda(ctx, tx, id, true);
    requireAgendaWrite(ctx.principal, before);
    const after: Agenda = {
      ...before,
      name: patch.name ?? before.name,
      validFrom: patch.validFrom ?? before.validFrom,
      validTo: patch.validTo ?? before.validTo,
      services: patch.services ?? before.services,
      templates: patch.templates ?? before.templates,
      attrs: patch.attrs ? mergeAttrs(before.attrs, patch.attrs) : before.attrs,
      version: before.version + 1,
    };
    if (after.validTo < after.validFrom) fail('AGENDA_INVALID_VALIDITY', 'validTo is before validFrom', '/validTo');
    checkTemplates(after);
    checkQuotas(after);
    if (patch.services) await checkServices(tx, after.services);
    await updateAgendaRow(tx, after);
    if (patch.services) await replaceServices(tx, id, after.services);
    if (patch.templates) await replaceTemplates(tx, id, after.templates);
    const change = await reconcile(ctx, tx, before, after, patch.onBooked ?? 'refuse');
    await appendEvents(tx, [agendaEvent('agenda.updated', after, { changed: Object.keys(patch).filter((k) => k !== 'onBooked'), ...relocationPayload(change) })], ctx.now);
    return { agenda: after, ...change };
  });
}

const relocationPayload = (c: { slotsClosed: number; slotsOpened: number; relocations: Relocation[] }) => ({
  slots_closed: c.slotsClosed, slots_opened: c.slotsOpened,
  relocations: c.relocations.map((r) => ({ appointment_id: r.appointmentId, from_slot_id: r.fromSlotId, to_slot_id: r.toSlotId })),
});

/** A closure period (holiday, maintenance): its slots close; booked appointments are refused or relocated. */
export async function addClosure(ctx: Ctx, id: string, c: Closure & { onBooked?: OnBooked }) {
  return inTransaction(ctx, async (tx) => {
    const before = await readAgenda(ctx, tx, id, true);
    requireAgendaWrite(ctx.principal, before);
    checkClosures([c], '');
    if (c.to < todayOf(ctx.now)) fail('RANGE_IN_PAST', 'a closure must not end in the past', '/to');
    const closure = { from: c.from, to: c.to, reason: c.reason };
    const after = { ...before, closures: [...before.closures, closure], version: before.version + 1 };
    await insertClosure(tx, id, closure);
    await updateAgendaRow(tx, after);
    const change = await reconcile(ctx, tx, before, after, c.onBooked ?? 'refuse', { from: c.from, to: c.to });
    await appendEvents(tx, [agendaEvent('agenda.closure_added', after, { closure, ...relocationPayload(change) })], ctx.now);
    return { agenda: after, ...change };
  });
}

/** Suspends the whole agenda (a technical suspension, reported): every future slot closes. */
export async function suspendAgenda(ctx: Ctx, id: string, s: { reason: string; onBooked?: OnBooked }) {
  return inTransaction(ctx, async (tx) => {
    const before = await readAgenda(ctx, tx, id, true);
    requireAgendaWrite(ctx.principal, before);
    if (before.status === 'suspended') fail('AGENDA_SUSPENDED', `agenda ${id} is already suspended`, '/id');
    const after: Agenda = { ...before, status: 'suspended', version: before.version + 1 };
    await updateAgendaRow(tx, after);
    const change = await reconcile(ctx, tx, before, after, s.onBooked ?? 'refuse');
    await appendEvents(tx, [agendaEvent('agenda.suspended', after, { reason: s.reason, ...relocationPayload(change) })], ctx.now);
    return { agenda: after, ...change };
  });
}

/** Resumes a suspended agenda: its future slots reopen as the definition yields them. */
export async function resumeAgenda(ctx: Ctx, id: string) {
  return inTransaction(ctx, async (tx) => {
    const before = await readAgenda(ctx, tx, id, true);
    requireAgendaWrite(ctx.principal, before);
    if (before.status === 'active') fail('AGENDA_ACTIVE', `agenda ${id} is not suspended`, '/id');
    const after: Agenda = { ...before, status: 'active', version: before.version + 1 };
    await updateAgendaRow(tx, after);
    const change = await reconcile(ctx, tx, before, after, 'refuse');
    await appendEvents(tx, [agendaEvent('agenda.resumed', after, relocationPayload(change))], ctx.now);
    return { agenda: after, ...change };
  });
}

export async function explainAgenda(ctx: Ctx, id: string) {
  const a = await readAgenda(ctx, ctx.db, id);
  const r = await effectiveAttributes(ctx.db, a);
  return { agendaId: a.id, attributes: r.explain };
}

export async function explainSlot(ctx: Ctx, slotId: string) {
  const s = (await getSlot(ctx.db, slotId)) ?? fail('NOT_FOUND', `slot ${slotId} not found`, '/id');
  const a = await readAgenda(ctx, ctx.db, s.agendaId);
  const r = await effectiveAttributes(ctx.db, a, s);
  return { slotId: s.id, agendaId: a.id, attributes: r.explain };
}
