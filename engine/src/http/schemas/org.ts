import { Type, type Static } from '@sinclair/typebox';
import { ORG_LEVELS } from '../../domain/offer/types.ts';
import { AttrsS, IdS, Paging, StringEnum } from './common.ts';

const Level = StringEnum(ORG_LEVELS);
const ProviderKind = Type.Union([Type.Literal('asst'), Type.Literal('irccs'), Type.Literal('private')]);

export const OrgUnitS = Type.Object({
  id: Type.String(),
  level: Level,
  parentId: Type.Union([Type.String(), Type.Null()]),
  code: Type.String(),
  name: Type.String(),
  providerKind: Type.Union([ProviderKind, Type.Null()]),
  atsId: Type.Union([Type.String(), Type.Null()]),
  providerId: Type.Union([Type.String(), Type.Null()]),
  municipality: Type.Union([Type.String(), Type.Null()]),
  population: Type.Union([Type.Integer(), Type.Null()]),
  attrs: AttrsS,
  active: Type.Boolean(),
});
export type OrgUnit = Static<typeof OrgUnitS>;

export const CreateOrgUnitS = Type.Object(
  {
    id: Type.Optional(IdS),
    level: Level,
    parentId: IdS,
    code: Type.String({ minLength: 1, maxLength: 40 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    providerKind: Type.Optional(ProviderKind),
    municipality: Type.Optional(Type.String({ pattern: '^[A-Z][0-9]{3}$', description: 'Belfiore code (site location; patron day)' })),
    population: Type.Optional(Type.Integer({ minimum: 0 })),
    attrs: Type.Optional(AttrsS),
  },
  { additionalProperties: false },
);
export type CreateOrgUnit = Static<typeof CreateOrgUnitS>;

export const UpdateOrgUnitS = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    municipality: Type.Optional(Type.String({ pattern: '^[A-Z][0-9]{3}$' })),
    population: Type.Optional(Type.Integer({ minimum: 0 })),
    attrs: Type.Optional(AttrsS),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateOrgUnit = Static<typeof UpdateOrgUnitS>;

export const SearchOrgUnitsS = Type.Object(
  {
    level: Type.Optional(Level),
    parentId: Type.Optional(IdS),
    atsId: Type.Optional(IdS),
    providerId: Type.Optional(IdS),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'matches name or code' })),
    active: Type.Optional(Type.Boolean()),
    ...Paging,
  },
  { additionalProperties: false },
);
export type SearchOrgUnits = Static<typeof SearchOrgUnitsS>;
