import { Type, type Static } from '@sinclair/typebox';
import { AttrsS, IdS, LocalDateS, LocalTimeS, Paging, StringEnum } from './common.ts';
import { PRIORITY_CLASSES } from '../../domain/offer/types.ts';

const Access = Type.Union([Type.Literal('first'), Type.Literal('follow_up')]);
const Cls = StringEnum(PRIORITY_CLASSES);
const OnBooked = Type.Union([Type.Literal('refuse'), Type.Literal('relocate')], {
  default: 'refuse',
  description: 'what to do with booked appointments on slots the change removes: refuse the change (409 with the list) or relocate them',
});

export const TemplateS = Type.Object(
  {
    weekday: Type.Integer({ minimum: 1, maximum: 7, description: 'ISO weekday, 1 = Monday' }),
    start: LocalTimeS,
    end: LocalTimeS,
    slotMinutes: Type.Integer({ minimum: 5, maximum: 480 }),
    capacity: Type.Integer({ minimum: 1, maximum: 100, default: 1 }),
    validFrom: Type.Optional(LocalDateS),
    validTo: Type.Optional(LocalDateS),
  },
  { additionalProperties: false },
);
export type Template = Static<typeof TemplateS>;

export const ClosureS = Type.Object(
  { from: LocalDateS, to: LocalDateS, reason: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type Closure = Static<typeof ClosureS>;

export const AgendaS = Type.Object({
  id: Type.String(),
  clinicId: Type.String(),
  resourceId: Type.Union([Type.String(), Type.Null()]),
  atsId: Type.String(),
  providerId: Type.String(),
  name: Type.String(),
  accessType: Access,
  validFrom: LocalDateS,
  validTo: LocalDateS,
  status: Type.Union([Type.Literal('active'), Type.Literal('suspended')]),
  attrs: AttrsS,
  version: Type.Integer(),
  services: Type.Array(Type.String()),
  templates: Type.Array(TemplateS),
  closures: Type.Array(ClosureS),
});
export type Agenda = Static<typeof AgendaS>;

export const CreateAgendaS = Type.Object(
  {
    id: Type.Optional(IdS),
    clinicId: IdS,
    resourceId: Type.Optional(IdS),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    accessType: Access,
    validFrom: LocalDateS,
    validTo: LocalDateS,
    services: Type.Array(IdS, { minItems: 1, maxItems: 200, uniqueItems: true }),
    templates: Type.Array(TemplateS, { minItems: 1, maxItems: 200 }),
    closures: Type.Optional(Type.Array(ClosureS, { maxItems: 200 })),
    attrs: Type.Optional(AttrsS),
  },
  { additionalProperties: false },
);
export type CreateAgenda = Static<typeof CreateAgendaS>;

export const UpdateAgendaS = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    validFrom: Type.Optional(LocalDateS),
    validTo: Type.Optional(LocalDateS),
    services: Type.Optional(Type.Array(IdS, { minItems: 1, maxItems: 200, uniqueItems: true })),
    templates: Type.Optional(Type.Array(TemplateS, { minItems: 1, maxItems: 200 })),
    attrs: Type.Optional(AttrsS),
    onBooked: Type.Optional(OnBooked),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateAgenda = Static<typeof UpdateAgendaS>;

export const AddClosureS = Type.Object(
  { from: LocalDateS, to: LocalDateS, reason: Type.String({ minLength: 1, maxLength: 200 }), onBooked: Type.Optional(OnBooked) },
  { additionalProperties: false },
);
export const SuspendS = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 200 }), onBooked: Type.Optional(OnBooked) },
  { additionalProperties: false },
);
export const GenerateSlotsS = Type.Object({ from: LocalDateS, to: LocalDateS }, { additionalProperties: false });

export const SlotS = Type.Object({
  id: Type.String(),
  agendaId: Type.String(),
  startAt: Type.String({ format: 'date-time' }),
  endAt: Type.String({ format: 'date-time' }),
  localDate: LocalDateS,
  capacity: Type.Integer(),
  booked: Type.Integer(),
  reservedClass: Type.Union([Cls, Type.Null()]),
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  attrs: Type.Union([AttrsS, Type.Null()]),
});
export type Slot = Static<typeof SlotS>;

export const RelocationS = Type.Object({
  appointmentId: Type.String(),
  serviceId: Type.String(),
  fromSlotId: Type.String(),
  fromStartAt: Type.String(),
  toSlotId: Type.String(),
  toStartAt: Type.String(),
  toAgendaId: Type.String(),
});
export type Relocation = Static<typeof RelocationS>;

export const OfferChangeS = Type.Object({
  agenda: AgendaS,
  slotsClosed: Type.Integer(),
  slotsOpened: Type.Integer(),
  relocations: Type.Array(RelocationS),
});

export const SearchAgendasS = Type.Object(
  {
    clinicId: Type.Optional(IdS),
    providerId: Type.Optional(IdS),
    atsId: Type.Optional(IdS),
    serviceId: Type.Optional(IdS),
    accessType: Type.Optional(Access),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended')])),
    ...Paging,
  },
  { additionalProperties: false },
);
export type SearchAgendas = Static<typeof SearchAgendasS>;

export const SlotQueryS = Type.Object(
  { from: LocalDateS, to: LocalDateS, status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])) },
  { additionalProperties: false },
);
