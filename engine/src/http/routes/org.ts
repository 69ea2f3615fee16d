import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { CtxOf } from '../ctx.ts';
import { IdParams, Page, problems } from '../schemas/common.ts';
import { CreateOrgUnitS, OrgUnitS, SearchOrgUnitsS, UpdateOrgUnitS } from '../schemas/org.ts';
import { changeOrgUnit, createOrgUnit, deactivateOrgUnit, readOrgUnit } from '../../usecases/org-units.ts';
import { searchOrgUnits } from '../../store/org-store.ts';
import type { Role } from '../auth.ts';

const READERS: Role[] = ['region-admin', 'ats-planner', 'provider-admin', 'cup-operator', 'clinic-operator', 'citizen', 'service'];
const WRITERS: Role[] = ['region-admin', 'provider-admin', 'service'];
const tags = ['organisation'];

export const orgRoutes = (ctx: CtxOf): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/org-units', {
    config: { roles: WRITERS },
    schema: { tags, summary: 'Create an organisation unit (ATS, provider, site, unit, clinic, resource)', body: CreateOrgUnitS,
      response: { 201: OrgUnitS, ...problems(400, 401, 403, 404, 409, 422) } },
  }, async (req, reply) => reply.code(201).send(await createOrgUnit(ctx(req), req.body)));

  app.get('/org-units', {
    config: { roles: READERS },
    schema: { tags, summary: 'Search the organisation tree', querystring: SearchOrgUnitsS, response: { 200: Page(OrgUnitS), ...problems(400, 401, 403) } },
  }, async (req) => searchOrgUnits(ctx(req).db, req.query));

  app.get('/org-units/:id', {
    config: { roles: READERS },
    schema: { tags, summary: 'Read an organisation unit', params: IdParams, response: { 200: OrgUnitS, ...problems(401, 403, 404) } },
  }, async (req) => readOrgUnit(ctx(req), req.params.id));

  app.get('/org-units/:id/children', {
    config: { roles: READERS },
    schema: { tags, summary: 'Direct children of a unit', params: IdParams,
      querystring: Type.Object({ active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 200: Page(OrgUnitS), ...problems(401, 403, 404) } },
  }, async (req) => {
    await readOrgUnit(ctx(req), req.params.id);
    return searchOrgUnits(ctx(req).db, { parentId: req.params.id, limit: 500, ...(req.query.active !== undefined ? { active: req.query.active } : {}) });
  });

  app.patch('/org-units/:id', {
    config: { roles: WRITERS },
    schema: { tags, summary: 'Update name, municipality, population or inheritable attributes', params: IdParams, body: UpdateOrgUnitS,
      response: { 200: OrgUnitS, ...problems(400, 401, 403, 404, 422) } },
  }, async (req) => changeOrgUnit(ctx(req), req.params.id, req.body));

  app.post('/org-units/:id/deactivate', {
    config: { roles: WRITERS },
    schema: { tags, summary: 'Deactivate a unit (refused while it has active children or agendas)', params: IdParams,
      response: { 200: OrgUnitS, ...problems(401, 403, 404, 409) } },
  }, async (req) => deactivateOrgUnit(ctx(req), req.params.id));
};
