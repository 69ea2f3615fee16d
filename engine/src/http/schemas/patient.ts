import { Type, type Static } from '@sinclair/typebox';
import { ACCESS_TYPES, PRIORITY_CLASSES } from '../../domain/offer/types.ts';
import { IdS, LocalDateS, StringEnum, Nullable } from './common.ts';

const Sex = StringEnum(['F', 'M'] as const);

export const PatientS = Type.Object({
  id: Type.String(),
  codiceFiscale: Type.String(),
  cfKind: StringEnum(['cf', 'stp', 'eni'] as const),
  firstName: Nullable(Type.String()),
  lastName: Nullable(Type.String()),
  birthDate: Nullable(LocalDateS),
  sex: Nullable(Sex),
  residenceMunicipality: Nullable(Type.String()),
  residenceAts: Nullable(Type.String()),
  residenceDistrict: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  email: Nullable(Type.String()),
  consent: Type.Record(Type.String(), Type.Boolean()),
});
export type Patient = Static<typeof PatientS>;

const patientFields = {
  firstName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  lastName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  birthDate: Type.Optional(LocalDateS),
  sex: Type.Optional(Sex),
  residenceMunicipality: Type.Optional(Type.String({ pattern: '^[A-Z][0-9]{3}$', description: 'Belfiore code' })),
  residenceAts: Type.Optional(IdS),
  residenceDistrict: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
  phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 ]{6,20}$' })),
  email: Type.Optional(Type.String({ format: 'email', maxLength: 200 })),
  consent: Type.Optional(Type.Record(Type.String({ pattern: '^(reminders|sms|email|fse)$' }), Type.Boolean())),
};

export const CreatePatientS = Type.Object(
  { codiceFiscale: Type.String({ minLength: 1, maxLength: 32, description: 'codice fiscale, STP or ENI code' }), ...patientFields },
  { additionalProperties: false },
);
export type CreatePatient = Static<typeof CreatePatientS>;
export const UpdatePatientS = Type.Object(patientFields, { additionalProperties: false, minProperties: 1 });
export type UpdatePatient = Static<typeof UpdatePatientS>;

export const PatientAlertS = Type.Object({ code: Type.String(), field: Type.String(), message: Type.String() });

export const PrescriptionLineS = Type.Object({
  id: Type.String(),
  lineNo: Type.Integer(),
  serviceId: Type.String(),
  quantity: Type.Integer(),
  bookedQuantity: Type.Integer(),
  accessType: StringEnum(ACCESS_TYPES),
});
export const PrescriptionS = Type.Object({
  id: Type.String(),
  nre: Type.String(),
  patientId: Type.String(),
  prescribedOn: LocalDateS,
  expiresOn: LocalDateS,
  priority: Nullable(StringEnum(PRIORITY_CLASSES)),
  prioritySource: Type.String(),
  exemptionCode: Nullable(Type.String()),
  diagnosisCode: Nullable(Type.String()),
  diagnosticQuestion: Nullable(Type.String()),
  status: Type.String(),
  lines: Type.Array(PrescriptionLineS),
});
export type Prescription = Static<typeof PrescriptionS>;

export const CreatePrescriptionS = Type.Object(
  {
    nre: Type.String({ minLength: 1, maxLength: 20 }),
    type: Type.Optional(Type.String({ description: "tipoPrescrizione: 'P' specialist (default)", maxLength: 1 })),
    patientId: IdS,
    prescriberCf: Type.Optional(Type.String({ maxLength: 16 })),
    prescriptionDate: Type.String({ description: 'YYYY-MM-DD (or the DEM YYYY-MM-DD HH:MM:SS)', maxLength: 19 }),
    priorityClass: Type.Optional(Nullable(Type.String({ maxLength: 1 }))),
    diagnosis: Type.Optional(Type.Object({ icd9cm: Type.Optional(Type.String({ maxLength: 10 })), text: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false })),
    exemption: Type.Optional(Nullable(Type.String({ maxLength: 8 }))),
    lines: Type.Array(
      Type.Object(
        { serviceId: IdS, quantity: Type.Optional(Type.Integer()), accessType: StringEnum(ACCESS_TYPES) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
  },
  { additionalProperties: false },
);
export type CreatePrescription = Static<typeof CreatePrescriptionS>;
