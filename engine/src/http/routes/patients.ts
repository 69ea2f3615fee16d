import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { CtxOf } from '../ctx.ts';
import type { Role } from '../auth.ts';
import { IdParams, problems } from '../schemas/common.ts';
import { CreatePatientS, CreatePrescriptionS, PatientAlertS, PatientS, PrescriptionS, UpdatePatientS } from '../schemas/patient.ts';
import {
  changePatient, findPatientByCf, lookupOrCreatePatient, patientAlerts, readPatient, readPrescription, registerPrescription,
} from '../../usecases/patients.ts';

const DESK: Role[] = ['region-admin', 'cup-operator', 'clinic-operator', 'service', 'citizen'];
const PRESCRIBERS: Role[] = ['region-admin', 'cup-operator', 'service'];
const tags = ['patients'];

export const patientRoutes = (ctx: CtxOf): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/patients', {
    config: { roles: DESK },
    schema: { tags, summary: 'Look a patient up by codice fiscale, registering them when new (201) — the existing record otherwise (200)',
      body: CreatePatientS, response: { 200: PatientS, 201: PatientS, ...problems(400, 401, 403, 422) } },
  }, async (req, reply) => {
    const r = await lookupOrCreatePatient(ctx(req), req.body);
    return reply.code(r.created ? 201 : 200).send(r.patient);
  });

  app.get('/patients', {
    config: { roles: DESK },
    schema: { tags, summary: 'Find a patient by codice fiscale', querystring: Type.Object({ cf: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false }),
      response: { 200: PatientS, ...problems(400, 401, 403, 404, 422) } },
  }, async (req) => findPatientByCf(ctx(req), req.query.cf));

  app.get('/patients/:id', {
    config: { roles: DESK },
    schema: { tags, summary: 'Read a patient', params: IdParams, response: { 200: PatientS, ...problems(401, 403, 404) } },
  }, async (req) => readPatient(ctx(req), req.params.id));

  app.patch('/patients/:id', {
    config: { roles: DESK },
    schema: { tags, summary: 'Update registry data', params: IdParams, body: UpdatePatientS, response: { 200: PatientS, ...problems(400, 401, 403, 404, 422) } },
  }, async (req) => changePatient(ctx(req), req.params.id, req.body));

  app.get('/patients/:id/alerts', {
    config: { roles: DESK },
    schema: { tags, summary: 'Registry data missing for booking (guarantee area, age/sex limits, reminders)', params: IdParams,
      response: { 200: Type.Object({ patientId: Type.String(), alerts: Type.Array(PatientAlertS) }), ...problems(401, 403, 404) } },
  }, async (req) => {
    const p = await readPatient(ctx(req), req.params.id);
    return { patientId: p.id, alerts: patientAlerts(p) };
  });

  app.post('/prescriptions', {
    config: { roles: PRESCRIBERS, idempotent: 201 },
    schema: { tags: ['prescriptions'], summary: 'Register a specialist e-prescription (NRE) with its lines', body: CreatePrescriptionS,
      response: { 201: PrescriptionS, ...problems(400, 401, 403, 404, 409, 422) } },
  }, async (req, reply) => reply.code(201).send(await registerPrescription(ctx(req), req.body)));

  app.get('/prescriptions/:nre', {
    config: { roles: DESK },
    schema: { tags: ['prescriptions'], summary: 'Read a prescription by NRE', params: Type.Object({ nre: Type.String({ minLength: 1, maxLength: 20 }) }),
      response: { 200: PrescriptionS, ...problems(401, 403, 404) } },
  }, async (req) => readPrescription(ctx(req), req.params.nre));
};
