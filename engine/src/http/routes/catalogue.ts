import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { CtxOf } from '../ctx.ts';
import type { Role } from '../auth.ts';
import { IdParams, Page, problems } from '../schemas/common.ts';
import { BranchS, CreateServiceS, NewCodeVersionS, SearchServicesS, ServiceS, UpdateServiceS } from '../schemas/catalogue.ts';
import { addCodeVersion, changeService, createService, deactivateService, readService } from '../../usecases/catalogue.ts';
import { listBranches, searchServices } from '../../store/catalogue-store.ts';

const READERS: Role[] = ['region-admin', 'ats-planner', 'provider-admin', 'cup-operator', 'clinic-operator', 'citizen', 'service'];
const WRITERS: Role[] = ['region-admin', 'service'];
const tags = ['catalogue'];

export const catalogueRoutes = (ctx: CtxOf): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/branches', {
    config: { roles: READERS },
    schema: { tags, summary: 'Specialist branches (branche)', response: { 200: Type.Object({ items: Type.Array(BranchS) }) } },
  }, async (req) => ({ items: await listBranches(ctx(req).db) }));

  app.get('/services', {
    config: { roles: READERS },
    schema: { tags, summary: 'Search the catalogue (by text, any code version at a date, branch, kind, PNGLA flag)',
      querystring: SearchServicesS, response: { 200: Page(ServiceS), ...problems(400, 401) } },
  }, async (req) => searchServices(ctx(req).db, req.query));

  app.get('/services/:id', {
    config: { roles: READERS },
    schema: { tags, summary: 'Read a service with its code versions', params: IdParams, response: { 200: ServiceS, ...problems(401, 404) } },
  }, async (req) => readService(ctx(req), req.params.id));

  app.post('/services', {
    config: { roles: WRITERS },
    schema: { tags, summary: 'Add a service to the catalogue', body: CreateServiceS, response: { 201: ServiceS, ...problems(400, 401, 403, 409, 422) } },
  }, async (req, reply) => reply.code(201).send(await createService(ctx(req), req.body)));

  app.patch('/services/:id', {
    config: { roles: WRITERS },
    schema: { tags, summary: 'Update tariff, duration, limits', params: IdParams, body: UpdateServiceS, response: { 200: ServiceS, ...problems(400, 401, 403, 404) } },
  }, async (req) => changeService(ctx(req), req.params.id, req.body));

  app.post('/services/:id/deactivate', {
    config: { roles: WRITERS },
    schema: { tags, summary: 'Withdraw a service', params: IdParams, response: { 200: ServiceS, ...problems(401, 403, 404) } },
  }, async (req) => deactivateService(ctx(req), req.params.id));

  app.post('/services/:id/codes', {
    config: { roles: WRITERS },
    schema: { tags, summary: 'Add a code version (closes the open version of the same system the day before)', params: IdParams,
      body: NewCodeVersionS, response: { 201: ServiceS, ...problems(400, 401, 403, 404, 422) } },
  }, async (req, reply) => reply.code(201).send(await addCodeVersion(ctx(req), req.params.id, req.body)));
};
