import { Type, type Static } from '@sinclair/typebox';
import { ACCESS_TYPES, CHANNELS, PRIORITY_CLASSES, REGIMES } from '../../domain/offer/types.ts';
import { IdS, LocalDateS, StringEnum, Nullable } from './common.ts';

const Cls = StringEnum(PRIORITY_CLASSES);

/** Who and what a search or booking is for: the prescription line gives service, class and access, else they are given. */
const subjectFields = {
    patientId: IdS,
    prescriptionLineId: Type.Optional(IdS),
    serviceId: Type.Optional(IdS),
    priority: Type.Optional(Cls),
    accessType: Type.Optional(StringEnum(ACCESS_TYPES)),
    channel: StringEnum(CHANNELS),
    regime: Type.Optional(StringEnum(REGIMES, { default: 'SSN' })),
};

export const SearchRequestS = Type.Object(
  {
    ...subjectFields,
    earliest: Type.Optional(LocalDateS),
    preferences: Type.Optional(Type.Object({
      providerId: Type.Optional(IdS),
      siteId: Type.Optional(IdS),
      timeOfDay: Type.Optional(StringEnum(['morning', 'afternoon'] as const)),
    }, { additionalProperties: false })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
  },
  { additionalProperties: false },
);
export type SearchRequest = Static<typeof SearchRequestS>;

const OptionS = Type.Object({
  slotId: Type.String(), startAt: Type.String(), endAt: Type.String(), localDate: LocalDateS, agendaId: Type.String(), clinicId: Type.String(),
  siteId: Type.String(), providerId: Type.String(), atsId: Type.String(), inGuaranteeArea: Type.Boolean(), withinMaxWait: Type.Boolean(),
  reservedClass: Nullable(Cls),
});

const FirstS = Nullable(Type.Object({ slotId: Type.String(), startAt: Type.String(), date: LocalDateS }));

export const SearchResultS = Type.Object({
  searchId: Type.String(),
  serviceId: Type.String(),
  priority: Nullable(Cls),
  accessType: StringEnum(ACCESS_TYPES),
  patientAts: Type.String(),
  guaranteed: Type.Boolean({ description: 'the class maximum wait is honoured inside the guarantee area' }),
  deadline: Nullable(Type.String({ description: 'latest start that honours the class maximum wait' })),
  pathway: StringEnum(['none', 'percorso_di_tutela'] as const),
  firstAvailable: FirstS,
  firstAvailableInArea: FirstS,
  options: Type.Array(OptionS),
});
export type SearchResult = Static<typeof SearchResultS>;

export const BookRequestS = Type.Object(
  {
    ...subjectFields,
    slotId: Type.String({ pattern: '^[0-9]{1,18}$' }),
    searchId: Type.Optional(IdS),
  },
  { additionalProperties: false },
);
export type BookRequest = Static<typeof BookRequestS>;

export const MoveRequestS = Type.Object(
  { slotId: Type.String({ pattern: '^[0-9]{1,18}$' }), channel: Type.Optional(StringEnum(CHANNELS)), searchId: Type.Optional(IdS) },
  { additionalProperties: false },
);
export const CancelRequestS = Type.Object(
  { reason: StringEnum(['patient', 'provider', 'duplicate', 'system'] as const), channel: Type.Optional(StringEnum(CHANNELS)) },
  { additionalProperties: false },
);
export const NotDeliveredS = Type.Object(
  { reason: StringEnum(['no_show', 'provider_cancelled', 'patient_refused'] as const) },
  { additionalProperties: false },
);

export const AppointmentS = Type.Object({
  id: Type.String(),
  status: StringEnum(['held', 'booked', 'cancelled', 'checked_in', 'delivered', 'not_delivered'] as const),
  patientId: Type.String(),
  serviceId: Type.String(),
  prescriptionLineId: Nullable(Type.String()),
  slotId: Type.String(),
  slotStart: Type.String(),
  slotEnd: Type.String(),
  agendaId: Type.String(),
  clinicId: Type.String(),
  providerId: Type.String(),
  atsId: Type.String(),
  priority: Nullable(Cls),
  accessType: StringEnum(ACCESS_TYPES),
  channel: Type.String(),
  regime: Type.String(),
  holdExpiresAt: Nullable(Type.String()),
  bookedAt: Nullable(Type.String()),
  firstOfferedAt: Nullable(Type.String()),
  refusedFirstAvailability: Nullable(Type.Boolean()),
  inGaranzia: Nullable(Type.Boolean()),
  guaranteeDeadline: Nullable(Type.String()),
  cancelReason: Nullable(Type.String()),
  lateCancellation: Nullable(Type.Boolean()),
  outcomeReason: Nullable(Type.String()),
  penalty: Type.Boolean(),
  queueNumber: Nullable(Type.Integer()),
  cancellationCutoff: Type.String(),
});
export type AppointmentView = Static<typeof AppointmentS>;

export const WorklistQueryS = Type.Object({ clinicId: IdS, date: LocalDateS }, { additionalProperties: false });
