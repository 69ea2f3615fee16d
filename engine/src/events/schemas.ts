/**
 * Event schemas (DESIGN.md → Events): the engine owns them; the stream sink validates every event against them.
 * Payloads allow additional properties (a producer may add fields in a minor change), but the fields named here
 * must be present with these types. Personal fields (patient.cf, name, phone, email, prescription NRE) are declared
 * so the sink knows exactly what to drop or hash; they must never reach analytics.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const IsoDateTime = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}' });
const Priority = Nullable(Type.Union([Type.Literal('U'), Type.Literal('B'), Type.Literal('D'), Type.Literal('P')]));
const AccessType = Type.Union([Type.Literal('first'), Type.Literal('follow_up')]);
const open = { additionalProperties: true } as const;

export const EventEnvelopeSchema = Type.Object(
  {
    event_id: Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }),
    type: Type.String({ minLength: 3 }),
    schema_version: Type.Integer({ minimum: 1 }),
    occurred_at: IsoDateTime,
    aggregate_type: Type.String({ minLength: 1 }),
    aggregate_id: Type.String({ minLength: 1 }),
    ats: Nullable(Type.String()),
    provider: Nullable(Type.String()),
    payload: Type.Object({}, open),
  },
  { additionalProperties: false },
);
export type EventEnvelopeShape = Static<typeof EventEnvelopeSchema>;

/** The patient as the engine writes it into events: direct identifiers (cf, name, contacts) stay out of the lake. */
export const PatientSnapshotSchema = Type.Object(
  {
    cf: Type.String({ minLength: 1 }),
    birth_date: Nullable(IsoDate),
    sex: Nullable(Type.Union([Type.Literal('F'), Type.Literal('M')])),
    residence_ats: Nullable(Type.String()),
    residence_district: Nullable(Type.String()),
    name: Type.Optional(Nullable(Type.String())),
    first_name: Type.Optional(Nullable(Type.String())),
    last_name: Type.Optional(Nullable(Type.String())),
    phone: Type.Optional(Nullable(Type.String())),
    email: Type.Optional(Nullable(Type.String())),
  },
  open,
);

/** Keys that carry direct identifiers wherever they appear in a payload; the sink removes them. */
export const PERSONAL_KEYS = ['cf', 'codice_fiscale', 'name', 'first_name', 'last_name', 'phone', 'email', 'prescription_nre', 'nre', 'prescriber_cf'] as const;

const OrgUnitPayload = Type.Object({ id: Type.String(), level: Type.String(), name: Type.String() }, open);
const ServicePayload = Type.Object({ id: Type.String(), regional_code: Type.String(), name: Type.String(), branch_code: Type.String(), kind: Type.String() }, open);
const SupplyDay = Type.Object(
  {
    date: IsoDate,
    slots: Type.Integer({ minimum: 0 }),
    capacity: Type.Integer({ minimum: 0 }),
    reserved: Type.Object({ U: Type.Optional(Type.Integer()), B: Type.Optional(Type.Integer()), D: Type.Optional(Type.Integer()), P: Type.Optional(Type.Integer()) }, open),
  },
  open,
);
const AgendaPayload = Type.Object({ id: Type.String(), clinic_id: Type.String(), access_type: Type.String(), status: Type.String(), services: Type.Array(Type.String()) }, open);
const SlotsGeneratedPayload = Type.Intersect([AgendaPayload, Type.Object({ from: IsoDate, to: IsoDate, supply: Type.Array(SupplyDay) }, open)]);
const RelocatedPayload = Type.Object(
  { appointment_id: Type.String(), service_id: Type.String(), from_slot_id: Type.String(), from_start_at: IsoDateTime, to_slot_id: Type.String(), to_start_at: IsoDateTime },
  open,
);

export const AppointmentPayloadSchema = Type.Object(
  {
    appointment_id: Type.String(),
    status: Type.String(),
    service_id: Type.String(),
    service_kind: Nullable(Type.String()),
    branch_code: Nullable(Type.String()),
    priority: Priority,
    access_type: AccessType,
    regime: Type.String(),
    channel: Type.String(),
    slot_id: Type.String(),
    slot_start: IsoDateTime,
    agenda_id: Type.String(),
    clinic_id: Type.String(),
    site_id: Nullable(Type.String()),
    provider_id: Nullable(Type.String()),
    ats_id: Nullable(Type.String()),
    booked_at: IsoDateTime,
    first_offered_date: Nullable(IsoDate),
    first_offered_in_area: Nullable(Type.Boolean()),
    chosen_date: IsoDate,
    refused_first_availability: Type.Boolean(),
    in_garanzia: Nullable(Type.Boolean()),
    guarantee_deadline: Nullable(IsoDate),
    prescription_nre: Nullable(Type.String()),
    patient: PatientSnapshotSchema,
    reason: Type.Optional(Nullable(Type.String())),
    late: Type.Optional(Nullable(Type.Boolean())),
    penalty: Type.Optional(Nullable(Type.Boolean())),
    previous_slot_id: Type.Optional(Nullable(Type.String())),
    previous_slot_start: Type.Optional(Nullable(IsoDateTime)),
    previous_clinic_id: Type.Optional(Nullable(Type.String())),
  },
  open,
);
export type AppointmentPayload = Static<typeof AppointmentPayloadSchema>;

export const AvailabilitySearchedPayloadSchema = Type.Object(
  {
    search_id: Type.String(),
    service_id: Type.String(),
    priority: Priority,
    access_type: AccessType,
    channel: Type.String(),
    patient_ats: Nullable(Type.String()),
    first_available_date: Nullable(IsoDate),
    first_available_in_area_date: Nullable(IsoDate),
    guaranteed: Type.Boolean(),
    pathway: Type.Union([Type.Literal('none'), Type.Literal('percorso_di_tutela')]),
    deadline: Nullable(IsoDate),
    results: Type.Integer({ minimum: 0 }),
  },
  open,
);
export type AvailabilitySearchedPayload = Static<typeof AvailabilitySearchedPayloadSchema>;

const PatientPayload = Type.Object({ patient_id: Type.String(), patient: PatientSnapshotSchema }, open);
const PrescriptionPayload = Type.Object(
  { prescription_id: Type.String(), prescription_nre: Type.String(), priority: Priority, lines: Type.Array(Type.Object({ service_id: Type.String() }, open)), patient: PatientSnapshotSchema },
  open,
);

export const APPOINTMENT_STATUSES = ['held', 'booked', 'confirmed', 'moved', 'cancelled', 'hold_expired', 'checked_in', 'delivered', 'not_delivered'] as const;

/** Payload schema per event type (schema_version 1). A type not listed here is unknown to analytics. */
export const PAYLOAD_SCHEMAS: Record<string, TSchema> = {
  'org_unit.created': OrgUnitPayload,
  'org_unit.updated': OrgUnitPayload,
  'org_unit.deactivated': OrgUnitPayload,
  'service.created': ServicePayload,
  'service.updated': ServicePayload,
  'service.deactivated': ServicePayload,
  'service.code_versioned': ServicePayload,
  'agenda.created': AgendaPayload,
  'agenda.updated': AgendaPayload,
  'agenda.closure_added': AgendaPayload,
  'agenda.suspended': AgendaPayload,
  'agenda.resumed': AgendaPayload,
  'agenda.slots_generated': SlotsGeneratedPayload,
  'appointment.relocated': RelocatedPayload,
  ...Object.fromEntries(APPOINTMENT_STATUSES.map((s) => [`appointment.${s}`, AppointmentPayloadSchema])),
  'availability.searched': AvailabilitySearchedPayloadSchema,
  'appointment.reminders_scheduled': Type.Object({ appointment_id: Type.String(), slot_start: IsoDateTime, due: Type.Array(IsoDateTime) }, open),
  'appointment.reminder_due': Type.Object({ appointment_id: Type.String(), kind: Type.String(), due_at: IsoDateTime, slot_start: IsoDateTime }, open),
  'appointment.duplicate_detected': Type.Object({ appointment_id: Type.String(), duplicate_of: Type.String(), rule: Type.String(), policy: Type.String() }, open),
  'waitlist.joined': Type.Object({ waitlist_id: Type.String(), service_id: Type.String(), priority: Priority, patient: PatientSnapshotSchema }, open),
  'waitlist.slot_offered': Type.Object({ waitlist_id: Type.String(), service_id: Type.String(), slot_id: Type.String(), slot_start: IsoDateTime, offered_until: IsoDateTime }, open),
  'payment.no_show_penalty_due': Type.Object({ appointment_id: Type.String(), service_id: Type.String(), slot_start: IsoDateTime, reason: Type.String() }, open),
  'patient.registered': PatientPayload,
  'patient.updated': PatientPayload,
  'prescription.registered': PrescriptionPayload,
};
