import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { CtxOf } from '../ctx.ts';
import type { Role } from '../auth.ts';
import { IdParams, Page, problems } from '../schemas/common.ts';
import {
  AddClosureS, AgendaS, CreateAgendaS, GenerateSlotsS, OfferChangeS, SearchAgendasS, SlotQueryS, SlotS, SuspendS, UpdateAgendaS,
} from '../schemas/agenda.ts';
import {
  addClosure, changeAgenda, createAgenda, explainAgenda, explainSlot, generateAgendaSlots, readAgenda, resumeAgenda, suspendAgenda,
} from '../../usecases/agendas.ts';
import { listSlots, searchAgendas } from '../../store/agenda-store.ts';

const READERS: Role[] = ['region-admin', 'ats-planner', 'provider-admin', 'cup-operator', 'clinic-operator', 'service'];
const WRITERS: Role[] = ['region-admin', 'provider-admin', 'service'];
const tags = ['agendas'];

const Explanation = Type.Record(Type.String(), Type.Object({
  value: Type.Unknown(),
  source: Type.Object({ level: Type.String(), id: Type.Union([Type.String(), Type.Null()]), name: Type.Optional(Type.String()) }),
  shadowed: Type.Array(Type.Object({ level: Type.String(), id: Type.String(), value: Type.Unknown() })),
}));

export const agendaRoutes = (ctx: CtxOf): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/agendas', {
    config: { roles: WRITERS },
    schema: { tags, summary: 'Create an agenda (weekly templates, validity, closures, services, attributes)', body: CreateAgendaS,
      response: { 201: AgendaS, ...problems(400, 401, 403, 404, 409, 422) } },
  }, async (req, reply) => reply.code(201).send(await createAgenda(ctx(req), req.body)));

  app.get('/agendas', {
    config: { roles: READERS },
    schema: { tags, summary: 'Search agendas (limited to the caller scope)', querystring: SearchAgendasS, response: { 200: Page(AgendaS), ...problems(400, 401) } },
  }, async (req) => {
    const p = req.principal!;
    const scope = p.role === 'ats-planner' ? { ats: p.ats! } : p.role === 'provider-admin' ? { provider: p.provider! } : p.role === 'clinic-operator' ? { clinic: p.clinic! } : {};
    return searchAgendas(ctx(req).db, req.query, scope);
  });

  app.get('/agendas/:id', {
    config: { roles: READERS },
    schema: { tags, summary: 'Read an agenda', params: IdParams, response: { 200: AgendaS, ...problems(401, 403, 404) } },
  }, async (req) => readAgenda(ctx(req), ctx(req).db, req.params.id));

  app.patch('/agendas/:id', {
    config: { roles: WRITERS },
    schema: { tags, summary: 'Change an agenda; booked appointments on removed slots are refused (409) or relocated', params: IdParams,
      body: UpdateAgendaS, response: { 200: OfferChangeS, ...problems(400, 401, 403, 404, 409, 422) } },
  }, async (req) => changeAgenda(ctx(req), req.params.id, req.body));

  app.post('/agendas/:id/closures', {
    config: { roles: WRITERS },
    schema: { tags, summary: 'Close the agenda for a period; booked appointments are refused (409) or relocated', params: IdParams,
      body: AddClosureS, response: { 200: OfferChangeS, ...problems(400, 401, 403, 404, 409, 422) } },
  }, async (req) => addClosure(ctx(req), req.params.id, req.body));

  app.post('/agendas/:id/suspend', {
    config: { roles: WRITERS },
    schema: { tags, summary: 'Suspend the agenda (technical suspension); booked appointments are refused (409) or relocated', params: IdParams,
      body: SuspendS, response: { 200: OfferChangeS, ...problems(400, 401, 403, 404, 409, 422) } },
  }, async (req) => suspendAgenda(ctx(req), req.params.id, req.body));

  app.post('/agendas/:id/resume', {
    config: { roles: WRITERS },
    schema: { tags, summary: 'Resume a suspended agenda', params: IdParams, response: { 200: OfferChangeS, ...problems(401, 403, 404, 422) } },
  }, async (req) => resumeAgenda(ctx(req), req.params.id));

  app.post('/agendas/:id/slots/generate', {
    config: { roles: WRITERS },
    schema: { tags, summary: 'Generate slots from the templates for a date range inside the booking horizon', params: IdParams, body: GenerateSlotsS,
      response: { 200: Type.Object({ agendaId: Type.String(), from: Type.String(), to: Type.String(), slotsCreated: Type.Integer(), slotsInRange: Type.Integer() }),
        ...problems(400, 401, 403, 404, 422) } },
  }, async (req) => generateAgendaSlots(ctx(req), req.params.id, req.body));

  app.get('/agendas/:id/slots', {
    config: { roles: READERS },
    schema: { tags, summary: 'Slots of an agenda between two local dates (at most 5000)', params: IdParams, querystring: SlotQueryS,
      response: { 200: Type.Object({ items: Type.Array(SlotS) }), ...problems(400, 401, 403, 404) } },
  }, async (req) => {
    const a = await readAgenda(ctx(req), ctx(req).db, req.params.id);
    return { items: await listSlots(ctx(req).db, a.id, req.query.from, req.query.to, req.query.status) };
  });

  app.get('/agendas/:id/effective', {
    config: { roles: READERS },
    schema: { tags, summary: 'Effective attributes of the agenda and the level each comes from', params: IdParams,
      response: { 200: Type.Object({ agendaId: Type.String(), attributes: Explanation }), ...problems(401, 403, 404) } },
  }, async (req) => explainAgenda(ctx(req), req.params.id));

  app.get('/slots/:id/effective', {
    config: { roles: READERS },
    schema: { tags, summary: 'Effective attributes of a slot and the level each comes from', params: IdParams,
      response: { 200: Type.Object({ slotId: Type.String(), agendaId: Type.String(), attributes: Explanation }), ...problems(401, 403, 404) } },
  }, async (req) => explainSlot(ctx(req), req.params.id));
};
