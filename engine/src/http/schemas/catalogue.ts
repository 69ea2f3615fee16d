import { Type, type Static } from '@sinclair/typebox';
import { IdS, LocalDateS, Paging, Nullable } from './common.ts';

const Kind = Type.Union([Type.Literal('visit'), Type.Literal('instrumental'), Type.Literal('lab')]);
const CodeSystem = Type.Union([Type.Literal('DM1996'), Type.Literal('LEA2024'), Type.Literal('regional')]);

export const ServiceCodeS = Type.Object({
  system: CodeSystem,
  code: Type.String({ minLength: 1, maxLength: 20 }),
  validFrom: LocalDateS,
  validTo: Type.Optional(Nullable(LocalDateS)),
});
export type ServiceCode = Static<typeof ServiceCodeS>;

export const ServiceS = Type.Object({
  id: Type.String(),
  regionalCode: Type.String(),
  nationalCode: Type.String(),
  name: Type.String(),
  branchCode: Type.String(),
  kind: Kind,
  pnglaMonitored: Type.Boolean(),
  pnglaNumber: Nullable(Type.Integer()),
  tariffCents: Type.Integer(),
  durationMin: Type.Integer(),
  sex: Nullable(Type.Union([Type.Literal('F'), Type.Literal('M')])),
  minAge: Nullable(Type.Integer()),
  maxAge: Nullable(Type.Integer()),
  active: Type.Boolean(),
  codes: Type.Array(ServiceCodeS),
});
export type Service = Static<typeof ServiceS>;

export const CreateServiceS = Type.Object(
  {
    id: Type.Optional(IdS),
    regionalCode: Type.String({ minLength: 1, maxLength: 20 }),
    nationalCode: Type.String({ minLength: 1, maxLength: 20 }),
    name: Type.String({ minLength: 1, maxLength: 300 }),
    branchCode: Type.String({ minLength: 1, maxLength: 10 }),
    kind: Kind,
    pnglaMonitored: Type.Optional(Type.Boolean()),
    pnglaNumber: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    tariffCents: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
    durationMin: Type.Integer({ minimum: 5, maximum: 480 }),
    sex: Type.Optional(Type.Union([Type.Literal('F'), Type.Literal('M')])),
    minAge: Type.Optional(Type.Integer({ minimum: 0, maximum: 130 })),
    maxAge: Type.Optional(Type.Integer({ minimum: 0, maximum: 130 })),
    codes: Type.Optional(Type.Array(ServiceCodeS, { maxItems: 20 })),
  },
  { additionalProperties: false },
);
export type CreateService = Static<typeof CreateServiceS>;

export const UpdateServiceS = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    tariffCents: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
    durationMin: Type.Optional(Type.Integer({ minimum: 5, maximum: 480 })),
    pnglaMonitored: Type.Optional(Type.Boolean()),
    sex: Type.Optional(Nullable(Type.Union([Type.Literal('F'), Type.Literal('M')]))),
    minAge: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 130 }))),
    maxAge: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 130 }))),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateService = Static<typeof UpdateServiceS>;

export const NewCodeVersionS = Type.Object(
  { system: CodeSystem, code: Type.String({ minLength: 1, maxLength: 20 }), validFrom: LocalDateS },
  { additionalProperties: false },
);
export type NewCodeVersion = Static<typeof NewCodeVersionS>;

export const SearchServicesS = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 20, description: 'any code version (DM1996, LEA2024, regional)' })),
    at: Type.Optional(LocalDateS),
    branch: Type.Optional(Type.String()),
    kind: Type.Optional(Kind),
    monitored: Type.Optional(Type.Boolean()),
    active: Type.Optional(Type.Boolean()),
    ...Paging,
  },
  { additionalProperties: false },
);
export type SearchServices = Static<typeof SearchServicesS>;

export const BranchS = Type.Object({ code: Type.String(), name: Type.String() });
