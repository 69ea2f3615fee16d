import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { CtxOf } from '../ctx.ts';
import type { Role } from '../auth.ts';
import { IdParams, IdS, problems, StringEnum } from '../schemas/common.ts';
import { PRIORITY_CLASSES } from '../../domain/offer/types.ts';
import {
  AppointmentS, BookRequestS, CancelRequestS, MoveRequestS, NotDeliveredS, SearchRequestS, SearchResultS, WorklistQueryS,
} from '../schemas/booking.ts';
import {
  bookUC, cancelUC, checkInUC, confirmUC, deliverUC, holdUC, joinWaitlist, moveUC, notDeliveredUC, patientAppointments, readAppointment,
  searchAvailabilityUC, worklist,
} from '../../usecases/booking.ts';

const BOOKERS: Role[] = ['region-admin', 'cup-operator', 'clinic-operator', 'citizen', 'service'];
const CLINIC: Role[] = ['region-admin', 'cup-operator', 'clinic-operator', 'service'];
const READERS: Role[] = ['region-admin', 'ats-planner', 'provider-admin', 'cup-operator', 'clinic-operator', 'citizen', 'service'];
const tags = ['booking'];
const write = problems(400, 401, 403, 404, 409, 410, 422);

export const bookingRoutes = (ctx: CtxOf): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/availability/search', {
    config: { roles: BOOKERS, idempotent: 200 },
    schema: { tags, summary: 'Earliest bookable slots for a prescription line or service, with the guarantee verdict; records the first date offered',
      body: SearchRequestS, response: { 200: SearchResultS, ...write } },
  }, async (req) => searchAvailabilityUC(ctx(req), req.body));

  app.post('/appointments/hold', {
    config: { roles: BOOKERS, idempotent: 201 },
    schema: { tags, summary: 'Hold a slot for a patient until it expires (invisible to others meanwhile)', body: BookRequestS, response: { 201: AppointmentS, ...write } },
  }, async (req, reply) => reply.code(201).send(await holdUC(ctx(req), req.body)));

  app.post('/appointments', {
    config: { roles: BOOKERS, idempotent: 201 },
    schema: { tags, summary: 'Book a slot directly', body: BookRequestS, response: { 201: AppointmentS, ...write } },
  }, async (req, reply) => reply.code(201).send(await bookUC(ctx(req), req.body)));

  app.post('/appointments/:id/confirm', {
    config: { roles: BOOKERS, idempotent: 200 },
    schema: { tags, summary: 'Confirm a hold before it expires', params: IdParams, response: { 200: AppointmentS, ...write } },
  }, async (req) => confirmUC(ctx(req), req.params.id));

  app.post('/appointments/:id/move', {
    config: { roles: BOOKERS, idempotent: 200 },
    schema: { tags, summary: 'Move to another slot atomically (the new slot is secured before the old is released)', params: IdParams, body: MoveRequestS,
      response: { 200: AppointmentS, ...write } },
  }, async (req) => moveUC(ctx(req), req.params.id, req.body));

  app.post('/appointments/:id/cancel', {
    config: { roles: BOOKERS, idempotent: 200 },
    schema: { tags, summary: 'Cancel with a reason (late after the cut-off of N working days); the freed slot goes to the waitlist', params: IdParams,
      body: CancelRequestS, response: { 200: AppointmentS, ...write } },
  }, async (req) => cancelUC(ctx(req), req.params.id, req.body));

  app.post('/appointments/:id/check-in', {
    config: { roles: CLINIC, idempotent: 200 },
    schema: { tags: ['delivery'], summary: 'Accept the patient (check-in) and give a queue number', params: IdParams, response: { 200: AppointmentS, ...write } },
  }, async (req) => checkInUC(ctx(req), req.params.id));

  app.post('/appointments/:id/deliver', {
    config: { roles: CLINIC, idempotent: 200 },
    schema: { tags: ['delivery'], summary: 'Record the service as delivered', params: IdParams, response: { 200: AppointmentS, ...write } },
  }, async (req) => deliverUC(ctx(req), req.params.id));

  app.post('/appointments/:id/not-delivered', {
    config: { roles: CLINIC, idempotent: 200 },
    schema: { tags: ['delivery'], summary: 'Record the service as not delivered (a no-show without timely cancellation owes the penalty)', params: IdParams,
      body: NotDeliveredS, response: { 200: AppointmentS, ...write } },
  }, async (req) => notDeliveredUC(ctx(req), req.params.id, req.body.reason));

  app.get('/appointments/:id', {
    config: { roles: READERS },
    schema: { tags, summary: 'Read an appointment', params: IdParams, response: { 200: AppointmentS, ...problems(401, 403, 404) } },
  }, async (req) => readAppointment(ctx(req), req.params.id));

  app.get('/patients/:id/appointments', {
    config: { roles: ['region-admin', 'cup-operator', 'citizen', 'service'] },
    schema: { tags, summary: "A patient's appointments (a citizen sees only their own)", params: IdParams,
      response: { 200: Type.Object({ items: Type.Array(AppointmentS) }), ...problems(401, 403, 404) } },
  }, async (req) => patientAppointments(ctx(req), req.params.id));

  app.get('/worklists', {
    config: { roles: ['region-admin', 'provider-admin', 'cup-operator', 'clinic-operator', 'service'] },
    schema: { tags: ['delivery'], summary: "A clinic's appointments of one day", querystring: WorklistQueryS,
      response: { 200: Type.Object({ clinicId: Type.String(), date: Type.String(), items: Type.Array(Type.Intersect([AppointmentS, Type.Object({ patient: Type.Object({
        codiceFiscale: Type.String(), firstName: Type.Union([Type.String(), Type.Null()]), lastName: Type.Union([Type.String(), Type.Null()]), alerts: Type.Array(Type.String()),
      }) })])) }), ...problems(400, 401, 403, 404) } },
  }, async (req) => worklist(ctx(req), req.query.clinicId, req.query.date));

  app.post('/waitlist', {
    config: { roles: BOOKERS, idempotent: 201 },
    schema: { tags, summary: 'Put a patient on the waitlist for a service in their ATS (freed slots are offered in order)',
      body: Type.Object({ patientId: IdS, serviceId: IdS, priority: Type.Optional(StringEnum(PRIORITY_CLASSES)) }, { additionalProperties: false }),
      response: { 201: Type.Object({ id: Type.String(), patientId: Type.String(), serviceId: Type.String(), atsId: Type.Union([Type.String(), Type.Null()]), status: Type.String() }), ...write } },
  }, async (req, reply) => reply.code(201).send(await joinWaitlist(ctx(req), req.body)));
};
