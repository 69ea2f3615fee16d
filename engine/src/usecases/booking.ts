import { uuidv7 } from '../ids.ts';
import { exclusionReasons, searchAvailability, type CandidateSlot, type ExclusionReason } from '../domain/booking/availability.ts';
import { transition, type Appointment, type AppointmentCommand } from '../domain/booking/appointment.ts';
import { resolveDuplicates, type BookedItem, type DuplicatePolicy } from '../domain/booking/duplicates.ts';
import { assessOffer, keepsGuarantee } from '../domain/booking/guarantee.ts';
import { LOMBARDY_GUARANTEE_RULES } from '../domain/booking/guarantee-rules.ts';
import { cancellationCutoff, reminderInstants } from '../domain/booking/working-days.ts';
import type { EffectiveAttributes } from '../domain/offer/attributes.ts';
import type { OfferedAgenda } from '../store/offer-cache.ts';
import type { AccessType, Channel, PriorityClass, Regime } from '../domain/offer/types.ts';
import { addDays, localDateOf } from '../domain/time/rome-time.ts';
import { fail } from '../http/problem.ts';
import type { Patient } from '../http/schemas/patient.ts';
import type { AppointmentView, BookRequest, SearchRequest, SearchResult } from '../http/schemas/booking.ts';
import type { Service } from '../http/schemas/catalogue.ts';
import {
  expiredHolds, freeSlots, getAppointment, listAppointments, loadBookingContext, type BookingContextRequest, nextQueueNumber, releasePlace, remindersInsert,
  saveAppointment, slotForBooking, takePlace, writeBookings, type AppointmentRow, type BookingContext, type CandidateAgenda, type FreeSlot,
} from '../store/booking-store.ts';
import { getService } from '../store/catalogue-store.ts';
import { runTogether, type Queryable } from '../store/db.ts';
import { appendEvents, outboxInsert } from '../store/outbox-store.ts';
import { getPatient, getPrescription } from '../store/patient-store.ts';
import { makeEvent, type NewEvent } from '../events/envelope.ts';
import type { Prescription } from '../http/schemas/patient.ts';
import { holidaysIn } from './calendar.ts';
import { inTransaction, type Ctx } from './context.ts';
import { patientAlerts, patientSnapshot, requirePatientAccess } from './patients.ts';

const REGION = 'region-030';
const SEARCH_WINDOW_PER_AGENDA = 4;
const CLASSES = ['U', 'B', 'D', 'P'] as const;

/** What a booking is for: the service, class and access, from the prescription line when there is one. */
interface BookingSubject {
  service: Service;
  priority: PriorityClass | null;
  accessType: AccessType;
  prescriptionLine: { id: string; quantity: number; bookedQuantity: number; expiresOn: string; prescribedOn: string; nre: string } | null;
}

async function loadPatient(ctx: Ctx, q: Queryable, id: string, preloaded?: Patient | null): Promise<Patient> {
  const p = (preloaded === undefined ? await getPatient(q, id) : preloaded) ?? fail('PATIENT_NOT_FOUND', `patient ${id} not found`, '/patientId');
  requirePatientAccess(ctx.principal, p);
  return p;
}

/** Booking needs the guarantee area, sex and birth date; missing data is listed as alerts. */
function bookablePatient(p: Patient) {
  const needed = patientAlerts(p).filter((a) => ['RESIDENCE_MISSING', 'BIRTH_DATE_MISSING', 'SEX_MISSING'].includes(a.code));
  if (needed.length) fail('PATIENT_DATA_MISSING', needed.map((a) => a.message).join('; '), '/patientId', { alerts: needed });
  return { sex: p.sex!, birthDate: p.birthDate!, ats: p.residenceAts!, region: REGION };
}

async function resolveSubject(
  ctx: Ctx, q: Queryable, patient: Patient,
  input: { prescriptionLineId?: string | undefined; serviceId?: string | undefined; priority?: PriorityClass | undefined; accessType?: AccessType | undefined; regime: Regime },
  preloaded?: Prescription | null,
): Promise<BookingSubject> {
  if (input.prescriptionLineId) {
    const rx = preloaded === undefined ? await getPrescription(q, { id: prescriptionIdOf(input.prescriptionLineId) }) : preloaded;
    const line = rx?.lines.find((l) => l.id === input.prescriptionLineId);
    if (!rx || !line) return fail('PRESCRIPTION_NOT_FOUND', `no prescription line ${input.prescriptionLineId}`, '/prescriptionLineId');
    if (rx.patientId !== patient.id) fail('PRESCRIPTION_NOT_FOR_PATIENT', 'the prescription belongs to another patient', '/prescriptionLineId');
    if (rx.status !== 'active') fail('PRESCRIPTION_CANCELLED', 'the prescription was cancelled', '/prescriptionLineId');
    const today = localDateOf(ctx.now);
    if (today > rx.expiresOn) fail('PRESCRIPTION_EXPIRED', `the prescription could be booked until ${rx.expiresOn}`, '/prescriptionLineId');
    if (line.bookedQuantity >= line.quantity) fail('PRESCRIPTION_USED', 'every service of this prescription line is already booked', '/prescriptionLineId');
    if (input.serviceId && input.serviceId !== line.serviceId) fail('SERVICE_MISMATCH', 'the service differs from the prescribed one', '/serviceId');
    const service = (await ctx.offer.service(q, line.serviceId))!;
    return {
      service, priority: line.accessType === 'first' ? rx.priority : null, accessType: line.accessType,
      prescriptionLine: { id: line.id, quantity: line.quantity, bookedQuantity: line.bookedQuantity, expiresOn: rx.expiresOn, prescribedOn: rx.prescribedOn, nre: rx.nre },
    };
  }
  if (input.regime === 'SSN') fail('PRESCRIPTION_REQUIRED', 'an SSN booking needs a prescription line (NRE)', '/prescriptionLineId');
  if (!input.serviceId) return fail('VALIDATION_FAILED', 'serviceId is required without a prescription line', '/serviceId');
  const service = (await getService(q, input.serviceId)) ?? fail('SERVICE_NOT_FOUND', `unknown service ${input.serviceId}`, '/serviceId');
  const accessType = input.accessType ?? 'first';
  return { service, priority: accessType === 'first' ? (input.priority ?? null) : null, accessType, prescriptionLine: null };
}

/** Prescription line ids are `<prescription id>-<line number>`. */
const prescriptionIdOf = (lineId: string) => lineId.replace(/-\d+$/, '');

function candidateOf(s: { id: string; start_at: Date; capacity: number; booked: number; reserved_class: PriorityClass | null },
  eff: EffectiveAttributes, ag: { access_type: string; provider_id: string; ats_id: string }, siteId: string, serviceId: string): CandidateSlot {
  return {
    slotId: s.id, startAt: s.start_at instanceof Date ? s.start_at : new Date(s.start_at), capacity: s.capacity, booked: s.booked, serviceIds: [serviceId],
    accessType: ag.access_type as AccessType, reservedClass: s.reserved_class, channels: eff.channels, regimes: eff.regimes,
    quotaReleaseDays: eff.quotaReleaseDays, bookingHorizonDays: eff.bookingHorizonDays, providerId: ag.provider_id, siteId, ats: ag.ats_id, region: REGION,
  };
}

const siteOf = (ctx: Ctx, q: Queryable, clinicId: string): Promise<string> => ctx.offer.siteOf(q, clinicId);

const iso = (d: Date | null) => (d ? (d instanceof Date ? d : new Date(d)).toISOString() : null);

/** A search's or booking's read: grouped with concurrent ones outside a transaction, on its own (and locking) in one. */
const readContext = (ctx: Ctx, q: Queryable, o: BookingContextRequest) =>
  q === ctx.db && !o.lock && ctx.reads ? ctx.reads.read(o) : loadBookingContext(q, o);

/** Some candidate agendas with what a search asks of them as a whole, worked out once per cached offer. */
interface AgendaSubset {
  agendas: CandidateAgenda[];
  /** the longest booking horizon among them (at least 1) */
  maxHorizon: number;
  /** their distinct class-release rules, and each agenda's rule (an index into `rules`) */
  rules: Readonly<EffectiveAttributes['quotaReleaseDays']>[];
  ruleOf: number[];
}

/** The offer of a service for one channel and regime: its agendas and their attributes, sites and area split. */
interface OfferView {
  effective: Map<string, EffectiveAttributes>;
  sites: Map<string, string>;
  byId: Map<string, CandidateAgenda>;
  usable: CandidateAgenda[];
  /** per guarantee area (an ATS; '' for the whole region): the agendas inside it and outside it, in offer order */
  areas: Map<string, { inside: AgendaSubset; outside: AgendaSubset }>;
}

/**
 * Views of the offer cache's rows (which are replaced, never changed, when the cache reloads): the maps and subsets
 * every search of a service used to rebuild from all its agendas, built once per rows, channel and regime.
 */
const offerViews = new WeakMap<readonly OfferedAgenda[], Map<string, OfferView>>();

function offerView(rows: readonly OfferedAgenda[], channel: string, regime: Regime): OfferView {
  let byKey = offerViews.get(rows);
  if (!byKey) offerViews.set(rows, (byKey = new Map()));
  const key = `${channel}|${regime}`;
  let v = byKey.get(key);
  if (!v) {
    const offered = rows.filter((o) => o.eff.channels.includes(channel as Channel) && o.eff.regimes.includes(regime));
    const usable = offered.map((o) => o.agenda);
    v = {
      effective: new Map(offered.map((o) => [o.agenda.id, o.eff])),
      sites: new Map(offered.map((o) => [o.agenda.clinic_id, o.siteId])),
      byId: new Map(usable.map((a) => [a.id, a])),
      usable,
      areas: new Map(),
    };
    byKey.set(key, v);
  }
  return v;
}

/** The agendas inside and outside a guarantee area (`ats`; null: the whole region is the area). */
function areaOf(v: OfferView, ats: string | null) {
  const key = ats ?? '';
  let a = v.areas.get(key);
  if (!a) {
    const inArea = (x: CandidateAgenda) => ats === null || x.ats_id === ats;
    a = { inside: subsetOf(v, v.usable.filter(inArea)), outside: subsetOf(v, v.usable.filter((x) => !inArea(x))) };
    v.areas.set(key, a);
  }
  return a;
}

function subsetOf(v: OfferView, agendas: CandidateAgenda[]): AgendaSubset {
  const rules: AgendaSubset['rules'] = [];
  const ruleIndex = new Map<string, number>();
  const ruleOf = agendas.map((a) => {
    const days = v.effective.get(a.id)!.quotaReleaseDays;
    const key = `${days.U},${days.B},${days.D},${days.P}`;
    let i = ruleIndex.get(key);
    if (i === undefined) {
      i = rules.push(days) - 1;
      ruleIndex.set(key, i);
    }
    return i;
  });
  return { agendas, maxHorizon: Math.max(1, ...agendas.map((a) => v.effective.get(a.id)!.bookingHorizonDays)), rules, ruleOf };
}

/**
 * Availability search: earliest bookable slots honouring every effective attribute, with the guarantee verdict.
 * Every search is recorded with its event; `commit.flush`: whether that commit waits for the WAL flush (see
 * `together`): only a search recorded on its own, outside any transaction, may skip it.
 */
export async function searchAvailabilityFor(ctx: Ctx, q: Queryable, req: SearchRequest, commit: { flush: boolean }) {
  // patient and prescription in one round trip
  const read = await readContext(ctx, q, { patientId: req.patientId, prescriptionId: req.prescriptionLineId ? prescriptionIdOf(req.prescriptionLineId) : null });
  const patient = await loadPatient(ctx, q, req.patientId, read.patient);
  const who = bookablePatient(patient);
  const regime = (req.regime ?? 'SSN') as Regime;
  const subject = await resolveSubject(ctx, q, patient, { ...req, regime }, read.prescription);
  if (!subject.service.active) fail('SERVICE_INACTIVE', `service ${subject.service.id} is withdrawn`, '/serviceId');
  const view = offerView(await ctx.offer.offeredAgendas(q, subject.service.id, subject.accessType), req.channel, regime);
  const { effective, sites, byId } = view;
  // the first availability ignores the patient's earliest date (a preference): fetch from now, and from earliest too
  const earliest = req.earliest && req.earliest > localDateOf(ctx.now) ? req.earliest : null;
  const slots: FreeSlot[] = [];
  const seen = new Set<string>();

  /** Loads the first free slots of some agendas (all of them open to the class) into `slots`. */
  const gather = async (subset: AgendaSubset) => {
    if (!subset.agendas.length) return;
    const to = new Date(ctx.now.getTime() + (subset.maxHorizon + 1) * 86_400_000);
    // agendas mostly share their release rule (inherited): one set of instants per distinct rule
    const untils = subset.rules.map((days) =>
      Object.fromEntries(CLASSES.map((k) => [k, new Date(days[k] === undefined ? 0 : ctx.now.getTime() + days[k]! * 86_400_000)])) as Record<(typeof CLASSES)[number], Date>);
    const releases = subset.agendas.map((a, i) => ({ id: a.id, releasedUntil: untils[subset.ruleOf[i]!]! }));
    // enough per agenda for the options asked (few agendas → deeper), never fewer than the first few
    const perAgenda = Math.min(50, Math.max(SEARCH_WINDOW_PER_AGENDA, Math.ceil((2 * (req.limit ?? 10)) / releases.length)));
    const starts = [ctx.now, ...(earliest ? [new Date(Date.parse(`${earliest}T00:00:00Z`) - 2 * 3600_000)] : [])];
    // without preferences the options are simply the earliest (from now for the first availability, from the
    // patient's earliest date for the options): fetch only a few times what is asked
    const total = req.preferences ? undefined : Math.max(40, 4 * (req.limit ?? 10));
    for (const from of starts)
      for (const s of (await ctx.slots?.freeSlots(releases, subject.priority, from, to, perAgenda, total)) ?? (await freeSlots(q, releases, subject.priority, from, to, perAgenda, total)))
        if (!seen.has(s.id)) (seen.add(s.id), slots.push(s));
  };
  const rank = async () => {
    const candidates: CandidateSlot[] = [];
    for (const s of slots) {
      const ag = byId.get(s.agenda_id)!;
      candidates.push(candidateOf(s, effective.get(ag.id)!, ag, sites.get(ag.clinic_id)!, subject.service.id));
    }
    const result = searchAvailability(candidates, {
      serviceId: subject.service.id, service: subject.service, cls: subject.priority, accessType: subject.accessType, patient: who,
      channel: req.channel as Channel, regime, earliest: earliest ?? undefined, now: ctx.now, preferences: req.preferences,
      areaRule: LOMBARDY_GUARANTEE_RULES.guaranteeArea, limit: req.limit ?? 10,
    });
    const verdict = assessOffer({
      cls: subject.priority, kind: subject.service.kind, accessType: subject.accessType, now: ctx.now,
      firstAvailableInArea: result.firstAvailableInArea?.startAt ?? null,
    });
    return { result, verdict };
  };

  // The guarantee area first; the rest of the region only when the area cannot honour the maximum wait (then the
  // best options outside the area are due) or the patient asked for a provider or site outside it.
  const areaWide = LOMBARDY_GUARANTEE_RULES.guaranteeArea === 'region';
  const area = areaOf(view, areaWide ? null : who.ats);
  await gather(area.inside);
  let { result, verdict } = await rank();
  const prefersElsewhere = !!(req.preferences?.providerId || req.preferences?.siteId);
  if (!areaWide && (!verdict.guaranteed || prefersElsewhere || result.eligible.length < (req.limit ?? 10))) {
    await gather(area.outside);
    ({ result, verdict } = await rank());
  }
  const searchId = `srch-${uuidv7()}`;
  const slotById = new Map(slots.map((s) => [s.id, s]));
  const out: SearchResult = {
    searchId, serviceId: subject.service.id, priority: subject.priority, accessType: subject.accessType, patientAts: who.ats,
    guaranteed: verdict.guaranteed, deadline: iso(verdict.deadline), pathway: verdict.pathway,
    firstAvailable: result.firstAvailable ? { slotId: result.firstAvailable.slotId, startAt: iso(result.firstAvailable.startAt)!, date: result.firstAvailable.date } : null,
    firstAvailableInArea: result.firstAvailableInArea
      ? { slotId: result.firstAvailableInArea.slotId, startAt: iso(result.firstAvailableInArea.startAt)!, date: result.firstAvailableInArea.date } : null,
    options: result.eligible.map((r) => {
      const s = slotById.get(r.slot.slotId)!;
      const ag = byId.get(s.agenda_id)!;
      return {
        slotId: s.id, startAt: iso(s.start_at)!, endAt: iso(s.end_at)!, localDate: r.localDate, agendaId: ag.id, clinicId: ag.clinic_id,
        siteId: r.slot.siteId, providerId: ag.provider_id, atsId: ag.ats_id, inGuaranteeArea: r.inGuaranteeArea,
        withinMaxWait: verdict.deadline ? r.slot.startAt <= verdict.deadline : true, reservedClass: s.reserved_class,
      };
    }),
  };
  // the search row and its event in one statement (atomic on its own)
  const event = outboxInsert([{
    type: 'availability.searched', aggregateType: 'search', aggregateId: searchId, ats: who.ats,
    payload: { search_id: searchId, service_id: subject.service.id, priority: subject.priority, access_type: subject.accessType, channel: req.channel,
      regime, patient_ats: who.ats, first_available_date: out.firstAvailable?.date ?? null, first_available_in_area_date: out.firstAvailableInArea?.date ?? null,
      guaranteed: verdict.guaranteed, pathway: verdict.pathway, deadline: out.deadline ? localDateOf(new Date(out.deadline)) : null, results: out.options.length },
  }], ctx.now).stmt!;
  await runTogether(q, [{
    sql: `insert into availability_search (id, patient_id, service_id, priority, access_type, channel, regime, patient_ats, first_available_at,
       first_available_slot, first_in_area_at, first_in_area_slot, guaranteed, deadline, pathway) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
    params: [searchId, patient.id, subject.service.id, subject.priority, subject.accessType, req.channel, regime, who.ats, out.firstAvailable?.startAt ?? null,
      out.firstAvailable?.slotId ?? null, out.firstAvailableInArea?.startAt ?? null, out.firstAvailableInArea?.slotId ?? null, verdict.guaranteed,
      out.deadline, verdict.pathway],
  }, event], commit);
  return out;
}

/**
 * A search reads, then writes its record and event in one statement: it needs no transaction of its own — unless an
 * Idempotency-Key must be claimed with it.
 *
 * On its own, that commit does not wait for the WAL flush (about 3 ms of a 1.5 ms search's tail under load). A
 * database crash can lose the last fraction of a second of search records that nothing has used yet; a booking that
 * names a search reads it, and its own (flushed) commit makes the search durable with it, so the first date offered
 * behind every booking survives. The booking's own search, below, commits with the booking.
 */
export const searchAvailabilityUC = (ctx: Ctx, req: SearchRequest) =>
  ctx.idempotency
    ? inTransaction(ctx, (tx) => searchAvailabilityFor(ctx, tx, req, { flush: true }))
    : searchAvailabilityFor(ctx, ctx.db, req, { flush: false });

const REASON_CODE: Record<ExclusionReason, [string, string]> = {
  service_not_offered: ['SERVICE_NOT_OFFERED', '/slotId'],
  past: ['SLOT_IN_PAST', '/slotId'],
  before_earliest: ['SLOT_NOT_BOOKABLE', '/slotId'],
  beyond_horizon: ['BEYOND_HORIZON', '/slotId'],
  full: ['SLOT_TAKEN', '/slotId'],
  channel_not_allowed: ['CHANNEL_NOT_ALLOWED', '/channel'],
  regime_not_allowed: ['REGIME_NOT_ALLOWED', '/regime'],
  access_type_mismatch: ['ACCESS_TYPE_MISMATCH', '/accessType'],
  reserved_to_other_class: ['SLOT_RESERVED_FOR_CLASS', '/priority'],
  patient_sex: ['SERVICE_NOT_FOR_PATIENT', '/patientId'],
  patient_age: ['SERVICE_NOT_FOR_PATIENT', '/patientId'],
  too_far: ['SLOT_NOT_BOOKABLE', '/slotId'],
};

/** Checks every effective attribute of the target slot for this booking; refuses with the first reason. */
async function checkSlot(ctx: Ctx, q: Queryable, slotId: string, subject: BookingSubject, patient: ReturnType<typeof bookablePatient>, channel: Channel, regime: Regime,
  preloaded?: BookingContext['slot']) {
  const found = preloaded === undefined ? await slotForBooking(q, slotId, subject.service.id)
    : preloaded && { ...preloaded, offers_service: preloaded.services.includes(subject.service.id) };
  const s = found ?? fail('SLOT_NOT_FOUND', `slot ${slotId} not found`, '/slotId');
  if (s.status !== 'open' || s.agenda_status !== 'active') fail('SLOT_NOT_BOOKABLE', `slot ${slotId} is closed`, '/slotId');
  const eff = await ctx.offer.effective(q, { id: s.agenda_id, attrs: s.agenda_attrs, clinic_id: s.clinic_id, resource_id: s.resource_id }, s.slot_attrs);
  const cand = candidateOf(s, eff, s, await siteOf(ctx, q, s.clinic_id), s.offers_service ? subject.service.id : '__none__');
  const reasons = exclusionReasons(cand, {
    serviceId: subject.service.id, service: subject.service, cls: subject.priority, accessType: subject.accessType, patient,
    channel, regime, now: ctx.now,
  });
  if (reasons.length) {
    const [code, path] = REASON_CODE[reasons[0]!];
    fail(code, `slot ${slotId} cannot be booked: ${reasons.join(', ')}`, path, { reasons });
  }
  return { slot: s, eff };
}

async function clinicMunicipality(ctx: Ctx, q: Queryable, clinicId: string) {
  return (await ctx.offer.node(q, clinicId))?.municipality ?? null;
}

async function cutoffFor(ctx: Ctx, q: Queryable, slotStart: Date, clinicId: string, eff: EffectiveAttributes) {
  const day = localDateOf(slotStart);
  const hol = holidaysIn(ctx.ref, { from: addDays(day, -30), to: day }, await clinicMunicipality(ctx, q, clinicId));
  return { cutoff: cancellationCutoff(slotStart, eff.cancellationCutoffWorkingDays, hol), holidays: hol };
}

/** The event payload analytics needs (DESIGN.md Events); the sink pseudonymises the patient block. */
async function appointmentPayload(ctx: Ctx, q: Queryable, a: AppointmentRow, extra: Record<string, unknown> = {}, known?: { patient: Patient; nre: string | null }) {
  const patient = known?.patient ?? (await getPatient(q, a.patient_id))!;
  const service = (await ctx.offer.service(q, a.service_id))!;
  const nre = known ? known.nre : a.prescription_line_id
    ? (await q.query<{ nre: string }>(`select p.nre from prescription_line l join prescription p on p.id = l.prescription_id where l.id = $1`, [a.prescription_line_id]))[0]?.nre ?? null : null;
  return {
    appointment_id: a.id, status: a.status, service_id: a.service_id, service_kind: service.kind, branch_code: service.branchCode, priority: a.priority,
    access_type: a.access_type, regime: a.regime, channel: a.channel, slot_id: a.slot_id, slot_start: iso(a.slot_start), agenda_id: a.agenda_id,
    clinic_id: a.clinic_id, site_id: await siteOf(ctx, q, a.clinic_id), provider_id: a.provider_id, ats_id: a.ats_id, booked_at: iso(a.booked_at ?? a.created_at),
    first_offered_date: a.first_offered_at ? localDateOf(new Date(a.first_offered_at)) : null, first_offered_in_area: a.first_offered_in_area,
    chosen_date: localDateOf(new Date(a.slot_start)), refused_first_availability: a.refused_first ?? false, in_garanzia: a.in_garanzia,
    guarantee_deadline: a.guarantee_deadline ? localDateOf(new Date(a.guarantee_deadline)) : null, prescription_nre: nre,
    patient: patientSnapshot(patient), ...extra,
  };
}

/** The event of an appointment change (delivery outcomes go to the delivery family). */
async function appointmentEvent(ctx: Ctx, q: Queryable, type: string, a: AppointmentRow, extra: Record<string, unknown> = {}, known?: { patient: Patient; nre: string | null }): Promise<NewEvent> {
  const family = type.startsWith('appointment.checked_in') || type.startsWith('appointment.delivered') || type.startsWith('appointment.not_delivered') ? 'delivery' : 'appointment';
  return { type, aggregateType: family, aggregateId: a.id, ats: a.ats_id, provider: a.provider_id, payload: await appointmentPayload(ctx, q, a, extra, known) };
}

async function emit(ctx: Ctx, q: Queryable, type: string, a: AppointmentRow, extra: Record<string, unknown> = {}) {
  await appendEvents(q, [await appointmentEvent(ctx, q, type, a, extra)], ctx.now);
}

const compact = <T>(xs: readonly (T | null)[]): T[] => xs.filter((x): x is T => x !== null);

/** The reminders of an appointment (none once past): their times and their event, to be written by the caller. */
function reminderPlan(ctx: Ctx, a: AppointmentRow, eff: EffectiveAttributes, holidays: ReadonlyMap<string, string>): { due: Date[]; events: NewEvent[] } {
  const times = reminderInstants(new Date(a.slot_start), eff.reminderDaysBefore, eff.cancellationCutoffWorkingDays, holidays, ctx.now);
  return {
    due: times,
    events: times.length ? [{ type: 'appointment.reminders_scheduled', aggregateType: 'appointment', aggregateId: a.id, ats: a.ats_id, provider: a.provider_id,
      payload: { appointment_id: a.id, slot_start: iso(a.slot_start), due: times.map((t) => t.toISOString()) } }] : [],
  };
}

/** Re-plans the reminders of an existing appointment (confirmed or moved): the scheduled ones are cancelled first. */
async function scheduleReminders(ctx: Ctx, q: Queryable, a: AppointmentRow, eff: EffectiveAttributes, holidays: ReadonlyMap<string, string>) {
  await q.query(`update reminder set status = 'cancelled' where appointment_id = $1 and status = 'scheduled'`, [a.id]);
  const plan = reminderPlan(ctx, a, eff, holidays);
  await runTogether(q, compact([remindersInsert(a.id, plan.due), outboxInsert(plan.events, ctx.now).stmt]));
}

function duplicatePolicy(): DuplicatePolicy {
  const p = process.env.CUPOLA_DUPLICATE_POLICY ?? 'keep_earlier';
  return (['keep_earlier', 'keep_newer', 'notify_only'].includes(p) ? p : 'keep_earlier') as DuplicatePolicy;
}

const asItem = (a: AppointmentRow, lineQty: number | null): BookedItem => ({
  appointmentId: a.id, serviceId: a.service_id, prescriptionLineId: lineQty === 1 ? a.prescription_line_id : null, slotStart: new Date(a.slot_start),
  providerId: a.provider_id, bookedAt: new Date(a.booked_at ?? a.created_at),
});

/** Thrown by a booking run without a transaction when it finds it needs one (it changes other appointments too). */
class NeedsTransaction extends Error {}

/**
 * Places a new appointment (held or booked) on a slot after every check; shared by hold and direct booking.
 * Two round trips: one read of everything, then one statement that takes the place and the prescription line and
 * writes the appointment, its reminders and its events — or, if either cannot be taken, nothing. In a transaction
 * (`inTx`) the read also locks the patient row, so the duplicate check sees every booking of the patient before it.
 */
async function place(ctx: Ctx, q: Queryable, input: BookRequest, status: 'held' | 'booked', inTx: boolean): Promise<{ row: AppointmentRow; eff: EffectiveAttributes }> {
  const read = await readContext(ctx, q, {
    patientId: input.patientId, prescriptionId: input.prescriptionLineId ? prescriptionIdOf(input.prescriptionLineId) : null,
    slotId: input.slotId, searchId: input.searchId ?? null, active: true, lock: inTx,
  });
  const patient = await loadPatient(ctx, q, input.patientId, read.patient);
  const who = bookablePatient(patient);
  const regime = (input.regime ?? 'SSN') as Regime;
  const subject = await resolveSubject(ctx, q, patient, { ...input, regime }, read.prescription);
  const { slot, eff } = await checkSlot(ctx, q, input.slotId, subject, who, input.channel as Channel, regime, read.slot);

  // first availability: from the search the patient was offered, else searched now
  let search: { first_in_area_at: Date | null; deadline: Date | null; id: string | null };
  if (input.searchId) {
    const row = read.search;
    if (!row || row.patient_id !== patient.id || row.service_id !== subject.service.id) return fail('SEARCH_NOT_FOUND', 'no such search for this patient and service', '/searchId');
    search = row;
  } else {
    const s = await searchAvailabilityFor(ctx, q, { patientId: patient.id, channel: input.channel, regime, limit: 1,
      ...(subject.prescriptionLine ? { prescriptionLineId: subject.prescriptionLine.id } : { serviceId: subject.service.id, accessType: subject.accessType, ...(subject.priority ? { priority: subject.priority } : {}) }) }, { flush: true });
    search = { id: s.searchId, first_in_area_at: s.firstAvailableInArea ? new Date(s.firstAvailableInArea.startAt) : null, deadline: s.deadline ? new Date(s.deadline) : null };
  }
  const slotStart = new Date(slot.start_at);
  const firstInArea = search.first_in_area_at ? new Date(search.first_in_area_at) : null;
  const refusedFirst = firstInArea !== null && localDateOf(slotStart) > localDateOf(firstInArea);
  const deadline = search.deadline ? new Date(search.deadline) : null;
  const guarantee = keepsGuarantee({ refusedFirst, chosenDate: slotStart, deadline, firstAvailable: firstInArea });

  const id = `appt-${uuidv7()}`;
  const row: AppointmentRow = {
    id, slot_id: slot.id, agenda_id: slot.agenda_id, service_id: subject.service.id, patient_id: patient.id,
    prescription_line_id: subject.prescriptionLine?.id ?? null, status, priority: subject.priority, access_type: subject.accessType,
    channel: input.channel, regime, search_id: search.id, hold_expires_at: status === 'held' ? new Date(ctx.now.getTime() + eff.holdMinutes * 60_000) : null,
    booked_at: status === 'booked' ? ctx.now : null, first_offered_at: firstInArea, first_offered_in_area: firstInArea !== null, refused_first: refusedFirst,
    in_garanzia: deadline === null ? null : guarantee.keeps, guarantee_deadline: deadline, cancel_reason: null, cancelled_at: null, late_cancel: null,
    outcome_reason: null, penalty: false, checked_in_at: null, delivered_at: null, queue_number: null, created_at: ctx.now, slot_start: slotStart,
    slot_end: new Date(slot.end_at), clinic_id: slot.clinic_id, ats_id: slot.ats_id, provider_id: slot.provider_id,
  };

  // duplicates anywhere in the region, under the configured policy (the patient row is locked: none can appear meanwhile)
  const window = subject.prescriptionLine ? { from: subject.prescriptionLine.prescribedOn, to: addDays(subject.prescriptionLine.expiresOn, 0) } : null;
  const qty = subject.prescriptionLine?.quantity ?? null;
  const policy = duplicatePolicy();
  const dup = resolveDuplicates(read.active.map((a) => asItem(a, qty)), asItem(row, qty), policy, qty === 1 ? window : null);
  if (dup.cancel.some((c) => c.appointmentId === id))
    fail('DUPLICATE_BOOKING', `the patient already holds ${dup.duplicates.length} appointment(s) for this prescription or service`, '/patientId',
      { duplicates: dup.duplicates, policy });
  if (dup.cancel.length && !inTx) throw new NeedsTransaction();

  const reminders = status === 'booked'
    ? reminderPlan(ctx, row, eff, (await cutoffFor(ctx, q, slotStart, slot.clinic_id, eff)).holidays) : { due: [], events: [] };
  const events: NewEvent[] = [
    ...dup.events.map((e) => ({ type: 'appointment.duplicate_detected', aggregateType: 'appointment', aggregateId: e.appointmentId, ats: row.ats_id, provider: row.provider_id,
      payload: { appointment_id: e.appointmentId, duplicate_of: e.duplicateOf, rule: e.rule, policy: e.policy } })),
    await appointmentEvent(ctx, q, status === 'held' ? 'appointment.held' : 'appointment.booked', row, {}, { patient, nre: subject.prescriptionLine?.nre ?? null }),
    ...reminders.events,
  ];
  // the place, the line, the appointment, its reminders and its events: one statement, written only if both were taken
  // the place, the line, the appointment, its reminders and its events: written together or not at all; outside a
  // transaction with the bookings other requests are making at the same moment (group commit)
  const write = { appointment: row, reminders: reminders.due, events: events.map((e) => makeEvent(e, ctx.now)) };
  const refused = inTx || !ctx.bookings ? (await writeBookings(q, [write], ctx.slots?.ownTake))[0] : await ctx.bookings.write(write);
  if (refused === 'SLOT_TAKEN') fail('SLOT_TAKEN', `slot ${slot.id} was just taken`, '/slotId');
  if (refused === 'PRESCRIPTION_USED') fail('PRESCRIPTION_USED', 'every service of this prescription line is already booked', '/prescriptionLineId');
  // the policy may cancel the patient's other appointment (rare): through the ordinary cancellation
  for (const c of dup.cancel) await cancelRow(ctx, q, (await getAppointment(q, c.appointmentId, true))!, 'duplicate', 'internal');
  return { row, eff };
}

async function view(ctx: Ctx, q: Queryable, a: AppointmentRow, known?: EffectiveAttributes): Promise<AppointmentView> {
  const eff = known ?? (await effOfAppointment(ctx, q, a));
  const { cutoff } = await cutoffFor(ctx, q, new Date(a.slot_start), a.clinic_id, eff);
  return {
    id: a.id, status: a.status, patientId: a.patient_id, serviceId: a.service_id, prescriptionLineId: a.prescription_line_id, slotId: a.slot_id,
    slotStart: iso(a.slot_start)!, slotEnd: iso(a.slot_end)!, agendaId: a.agenda_id, clinicId: a.clinic_id, providerId: a.provider_id, atsId: a.ats_id,
    priority: a.priority, accessType: a.access_type, channel: a.channel, regime: a.regime, holdExpiresAt: iso(a.hold_expires_at), bookedAt: iso(a.booked_at),
    firstOfferedAt: iso(a.first_offered_at), refusedFirstAvailability: a.refused_first, inGaranzia: a.in_garanzia, guaranteeDeadline: iso(a.guarantee_deadline),
    cancelReason: a.cancel_reason, lateCancellation: a.late_cancel, outcomeReason: a.outcome_reason, penalty: a.penalty, queueNumber: a.queue_number,
    cancellationCutoff: cutoff.toISOString(),
  };
}

async function effOfAppointment(ctx: Ctx, q: Queryable, a: AppointmentRow) {
  return ctx.offer.effective(q, (await ctx.offer.agenda(q, a.agenda_id))!);
}

/**
 * A booking (or hold) after a search needs no transaction: its one write is atomic. It runs in one when it must claim
 * an Idempotency-Key, when it has to record a search of its own (a refusal must not leave it behind), or when the
 * duplicate policy cancels the patient's other appointment with it.
 */
async function placeUC(ctx: Ctx, input: BookRequest, status: 'held' | 'booked'): Promise<AppointmentView> {
  const run = async (q: Queryable, inTx: boolean) => {
    const { row, eff } = await place(ctx, q, input, status, inTx);
    return view(ctx, q, row, eff);
  };
  const inTx = () => inTransaction(ctx, (tx) => run(tx, true));
  if (ctx.idempotency || !input.searchId) return inTx();
  try {
    return await run(ctx.db, false);
  } catch (e) {
    if (e instanceof NeedsTransaction) return inTx();
    throw e;
  }
}

export const holdUC = (ctx: Ctx, input: BookRequest) => placeUC(ctx, input, 'held');
export const bookUC = (ctx: Ctx, input: BookRequest) => placeUC(ctx, input, 'booked');

// ---------------------------------------------------------------------------------------------------------------
// lifecycle through the pure state machine

function toDomain(a: AppointmentRow, cutoff: Date): Appointment {
  return {
    id: a.id, slotId: a.slot_id, state: a.status, slotStart: new Date(a.slot_start), holdExpiresAt: a.hold_expires_at ? new Date(a.hold_expires_at) : null,
    cancellationCutoff: cutoff, bookedAt: a.booked_at ? new Date(a.booked_at) : null, checkedInAt: a.checked_in_at ? new Date(a.checked_in_at) : null,
    cancellation: null, outcome: null,
  };
}

async function loadForChange(ctx: Ctx, q: Queryable, id: string, scope: 'patient' | 'clinic') {
  const a = (await getAppointment(q, id, true)) ?? fail('APPOINTMENT_NOT_FOUND', `appointment ${id} not found`, '/id');
  const p = ctx.principal;
  if (p.role === 'citizen') {
    const patient = (await getPatient(q, a.patient_id))!;
    if (scope !== 'patient' || patient.codiceFiscale !== p.cf) fail('SCOPE_FORBIDDEN', 'a citizen may only change their own appointments');
  }
  if (p.role === 'clinic-operator' && p.clinic !== a.clinic_id) fail('SCOPE_FORBIDDEN', `clinic-operator scope does not cover clinic ${a.clinic_id}`);
  if (p.role === 'provider-admin' && p.provider !== a.provider_id) fail('SCOPE_FORBIDDEN', `provider-admin scope does not cover provider ${a.provider_id}`);
  return a;
}

async function apply(ctx: Ctx, q: Queryable, a: AppointmentRow, command: AppointmentCommand) {
  const eff = await effOfAppointment(ctx, q, a);
  const { cutoff, holidays } = await cutoffFor(ctx, q, new Date(a.slot_start), a.clinic_id, eff);
  const r = transition(toDomain(a, cutoff), command, ctx.now);
  if (!r.ok) return fail(r.error.code, r.error.message, r.error.path ?? '/id', r.error.details);
  return { next: r.value, eff, holidays };
}

async function cancelRow(ctx: Ctx, q: Queryable, a: AppointmentRow, reason: 'patient' | 'provider' | 'duplicate' | 'system', by: Channel) {
  const { next } = await apply(ctx, q, a, { type: 'cancel', reason, by });
  const row: AppointmentRow = { ...a, status: 'cancelled', cancel_reason: reason, cancelled_at: ctx.now, late_cancel: next.appointment.cancellation?.late ?? false, hold_expires_at: null };
  await saveAppointment(q, row);
  await releasePlace(q, a.slot_id);
  if (a.prescription_line_id) await q.query(`update prescription_line set booked_quantity = booked_quantity - 1 where id = $1 and booked_quantity > 0`, [a.prescription_line_id]);
  await q.query(`update reminder set status = 'cancelled' where appointment_id = $1 and status = 'scheduled'`, [a.id]);
  await emit(ctx, q, 'appointment.cancelled', row, { reason, late: row.late_cancel, cancelled_by: by });
  await offerToWaitlist(ctx, q, a);
  return row;
}

/** A freed slot is offered to the first patient waiting for the same service in the same ATS. */
async function offerToWaitlist(ctx: Ctx, q: Queryable, freed: AppointmentRow) {
  if (new Date(freed.slot_start) <= ctx.now) return;
  const w = await q.query<{ id: string; patient_id: string }>(
    `select id, patient_id from waitlist_entry where service_id = $1 and (ats_id = $2 or ats_id is null) and status = 'waiting'
     order by created_at limit 1 for update skip locked`, [freed.service_id, freed.ats_id]);
  if (!w[0]) return;
  const until = new Date(Math.min(new Date(freed.slot_start).getTime(), ctx.now.getTime() + 24 * 3600_000));
  await q.query(`update waitlist_entry set status = 'offered', offered_slot_id = $2, offered_until = $3 where id = $1`, [w[0].id, freed.slot_id, until.toISOString()]);
  await appendEvents(q, [{ type: 'waitlist.slot_offered', aggregateType: 'appointment', aggregateId: w[0].id, ats: freed.ats_id, provider: freed.provider_id,
    payload: { waitlist_id: w[0].id, service_id: freed.service_id, slot_id: freed.slot_id, slot_start: iso(freed.slot_start), offered_until: until.toISOString() } }], ctx.now);
}

export const confirmUC = (ctx: Ctx, id: string) =>
  inTransaction(ctx, async (tx) => {
    const a = await loadForChange(ctx, tx, id, 'patient');
    const { eff, holidays } = await apply(ctx, tx, a, { type: 'confirm' });
    const row: AppointmentRow = { ...a, status: 'booked', booked_at: ctx.now, hold_expires_at: null };
    await saveAppointment(tx, row);
    await emit(ctx, tx, 'appointment.confirmed', row);
    await scheduleReminders(ctx, tx, row, eff, holidays);
    return view(ctx, tx, row);
  });

export const cancelUC = (ctx: Ctx, id: string, body: { reason: 'patient' | 'provider' | 'duplicate' | 'system'; channel?: Channel | undefined }) =>
  inTransaction(ctx, async (tx) => {
    const a = await loadForChange(ctx, tx, id, 'patient');
    if (ctx.principal.role === 'citizen' && body.reason !== 'patient') fail('VALIDATION_FAILED', 'a citizen cancels with reason patient', '/reason');
    return view(ctx, tx, await cancelRow(ctx, tx, a, body.reason, body.channel ?? (ctx.principal.role === 'citizen' ? 'web' : 'desk')));
  });

/** Moves a booked appointment: the new slot is secured first, then the old one is released, in one transaction. */
export const moveUC = (ctx: Ctx, id: string, body: { slotId: string; channel?: Channel | undefined; searchId?: string | undefined }) =>
  inTransaction(ctx, async (tx) => {
    const a = await loadForChange(ctx, tx, id, 'patient');
    if (a.status !== 'booked' && a.status !== 'held') fail('APPOINTMENT_STATE_INVALID', `a ${a.status} appointment cannot be moved`, '/id', { state: a.status });
    if (body.slotId === a.slot_id) fail('VALIDATION_FAILED', 'the appointment is already on this slot', '/slotId');
    const patient = (await getPatient(tx, a.patient_id))!;
    const subject: BookingSubject = { service: (await getService(tx, a.service_id))!, priority: a.priority, accessType: a.access_type, prescriptionLine: null };
    const { slot } = await checkSlot(ctx, tx, body.slotId, subject, bookablePatient(patient), (body.channel ?? a.channel) as Channel, a.regime as Regime);
    if (!(await takePlace(tx, slot.id))) fail('SLOT_TAKEN', `slot ${slot.id} was just taken`, '/slotId');
    await releasePlace(tx, a.slot_id);
    const moved: AppointmentRow = { ...a, slot_id: slot.id, agenda_id: slot.agenda_id, slot_start: new Date(slot.start_at), slot_end: new Date(slot.end_at),
      clinic_id: slot.clinic_id, ats_id: slot.ats_id, provider_id: slot.provider_id };
    await saveAppointment(tx, moved);
    await emit(ctx, tx, 'appointment.moved', moved, { previous_slot_id: a.slot_id, previous_slot_start: iso(a.slot_start), previous_clinic_id: a.clinic_id });
    if (moved.status === 'booked') {
      const eff = await effOfAppointment(ctx, tx, moved);
      const { holidays } = await cutoffFor(ctx, tx, new Date(moved.slot_start), moved.clinic_id, eff);
      await scheduleReminders(ctx, tx, moved, eff, holidays);
    }
    await offerToWaitlist(ctx, tx, a);
    return view(ctx, tx, moved);
  });

export const checkInUC = (ctx: Ctx, id: string) =>
  inTransaction(ctx, async (tx) => {
    const a = await loadForChange(ctx, tx, id, 'clinic');
    await apply(ctx, tx, a, { type: 'checkIn' });
    const day = localDateOf(new Date(a.slot_start));
    const row: AppointmentRow = { ...a, status: 'checked_in', checked_in_at: ctx.now, queue_number: await nextQueueNumber(tx, a.clinic_id, day) };
    await saveAppointment(tx, row);
    await emit(ctx, tx, 'appointment.checked_in', row, { queue_number: row.queue_number });
    return view(ctx, tx, row);
  });

export const deliverUC = (ctx: Ctx, id: string) =>
  inTransaction(ctx, async (tx) => {
    const a = await loadForChange(ctx, tx, id, 'clinic');
    await apply(ctx, tx, a, { type: 'deliver' });
    const row: AppointmentRow = { ...a, status: 'delivered', delivered_at: ctx.now };
    await saveAppointment(tx, row);
    await emit(ctx, tx, 'appointment.delivered', row, { delivered_at: ctx.now.toISOString() });
    return view(ctx, tx, row);
  });

export const notDeliveredUC = (ctx: Ctx, id: string, reason: 'no_show' | 'provider_cancelled' | 'patient_refused') =>
  inTransaction(ctx, async (tx) => {
    const a = await loadForChange(ctx, tx, id, 'clinic');
    const { next } = await apply(ctx, tx, a, { type: 'notDeliver', reason });
    const row: AppointmentRow = { ...a, status: 'not_delivered', outcome_reason: reason, penalty: next.appointment.outcome?.penalty ?? false };
    await saveAppointment(tx, row);
    await emit(ctx, tx, 'appointment.not_delivered', row, { reason, penalty: row.penalty });
    if (row.penalty)
      await appendEvents(tx, [{ type: 'payment.no_show_penalty_due', aggregateType: 'payment', aggregateId: a.id, ats: a.ats_id, provider: a.provider_id,
        payload: { appointment_id: a.id, service_id: a.service_id, slot_start: iso(a.slot_start), reason: 'no_show_without_timely_cancellation' } }], ctx.now);
    return view(ctx, tx, row);
  });

export async function readAppointment(ctx: Ctx, id: string) {
  const a = (await getAppointment(ctx.db, id)) ?? fail('APPOINTMENT_NOT_FOUND', `appointment ${id} not found`, '/id');
  const p = ctx.principal;
  const patient = (await getPatient(ctx.db, a.patient_id))!;
  if (p.role === 'citizen' && patient.codiceFiscale !== p.cf) fail('SCOPE_FORBIDDEN', 'a citizen may only see their own appointments');
  if (p.role === 'clinic-operator' && p.clinic !== a.clinic_id) fail('SCOPE_FORBIDDEN', 'outside the operator clinic');
  if (p.role === 'provider-admin' && p.provider !== a.provider_id) fail('SCOPE_FORBIDDEN', 'outside the provider');
  if (p.role === 'ats-planner' && p.ats !== a.ats_id) fail('SCOPE_FORBIDDEN', 'outside the ATS');
  return view(ctx, ctx.db, a);
}

export async function patientAppointments(ctx: Ctx, patientId: string) {
  await loadPatient(ctx, ctx.db, patientId);
  const rows = await listAppointments(ctx.db, { patientId });
  const out: AppointmentView[] = [];
  for (const r of rows) out.push(await view(ctx, ctx.db, r));
  return { items: out };
}

export async function worklist(ctx: Ctx, clinicId: string, date: string) {
  const p = ctx.principal;
  const clinic = await ctx.offer.node(ctx.db, clinicId);
  if (!clinic || clinic.level !== 'clinic') fail('CLINIC_NOT_FOUND', `no clinic ${clinicId}`, '/querystring/clinicId');
  if (p.role === 'clinic-operator' && p.clinic !== clinicId) fail('SCOPE_FORBIDDEN', 'outside the operator clinic');
  if (p.role === 'provider-admin' && p.provider !== clinic!.provider_id) fail('SCOPE_FORBIDDEN', 'outside the provider');
  const rows = (await listAppointments(ctx.db, { clinicId, date })).filter((r) => r.status !== 'cancelled');
  const items = [];
  for (const r of rows) {
    const patient = (await getPatient(ctx.db, r.patient_id))!;
    items.push({ ...(await view(ctx, ctx.db, r)), patient: { codiceFiscale: patient.codiceFiscale, firstName: patient.firstName, lastName: patient.lastName, alerts: patientAlerts(patient).map((a) => a.code) } });
  }
  return { clinicId, date, items };
}

/** Releases holds whose time ran out (run periodically and before bookings); returns how many. */
export async function expireHolds(ctx: Omit<Ctx, 'principal'> & { principal?: Ctx['principal'] }, limit = 500): Promise<number> {
  const c = { ...ctx, principal: ctx.principal ?? { sub: 'system', role: 'service' as const } } as Ctx;
  return c.db.transaction(async (tx) => {
    const rows = await expiredHolds(tx, c.now, limit);
    for (const a of rows) {
      await apply(c, tx, a, { type: 'expireHold' });
      const row: AppointmentRow = { ...a, status: 'cancelled', cancel_reason: 'hold_expired', cancelled_at: c.now, hold_expires_at: null };
      await saveAppointment(tx, row);
      await releasePlace(tx, a.slot_id);
      if (a.prescription_line_id) await tx.query(`update prescription_line set booked_quantity = booked_quantity - 1 where id = $1 and booked_quantity > 0`, [a.prescription_line_id]);
      await emit(c, tx, 'appointment.hold_expired', row, { reason: 'hold_expired' });
    }
    return rows.length;
  });
}

export async function joinWaitlist(ctx: Ctx, body: { patientId: string; serviceId: string; priority?: PriorityClass | undefined }) {
  return inTransaction(ctx, async (tx) => {
    const patient = await loadPatient(ctx, tx, body.patientId);
    const service = (await getService(tx, body.serviceId)) ?? fail('SERVICE_NOT_FOUND', `unknown service ${body.serviceId}`, '/serviceId');
    const id = `wl-${uuidv7()}`;
    await tx.query(`insert into waitlist_entry (id, patient_id, service_id, ats_id, priority) values ($1,$2,$3,$4,$5)`,
      [id, patient.id, service.id, patient.residenceAts, body.priority ?? null]);
    await appendEvents(tx, [{ type: 'waitlist.joined', aggregateType: 'appointment', aggregateId: id, ats: patient.residenceAts,
      payload: { waitlist_id: id, service_id: service.id, priority: body.priority ?? null, patient: patientSnapshot(patient) } }], ctx.now);
    return { id, patientId: patient.id, serviceId: service.id, atsId: patient.residenceAts, status: 'waiting' };
  });
}

