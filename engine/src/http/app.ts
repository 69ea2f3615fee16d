import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db } from '../store/db.ts';
import { makeVerifier, requireRole, type Principal, type Role } from './auth.ts';
import { ProblemError, problemOf } from './problem.ts';
import { ProblemS } from './schemas/common.ts';
import { orgRoutes } from './routes/org.ts';
import { catalogueRoutes } from './routes/catalogue.ts';
import { agendaRoutes } from './routes/agendas.ts';
import { patientRoutes } from './routes/patients.ts';
import { bookingRoutes } from './routes/booking.ts';
import { IdempotentReplay, type Ctx, type EngineReference, type IdempotencyClaim } from '../usecases/context.ts';
import { OfferCache } from '../store/offer-cache.ts';
import { BookingReader, BookingWriter } from '../store/booking-writer.ts';
import { LiveFreeSlots } from '../store/free-slot-cache.ts';
import { claimOf, replay } from './idempotency.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    idempotency?: IdempotencyClaim;
  }
  interface FastifyContextConfig {
    /** roles allowed on the route; `public` routes need no token */
    roles?: readonly Role[] | 'public';
    /** honours the Idempotency-Key header; the value is the status of a successful response */
    idempotent?: number;
  }
}

export interface AppDeps {
  db: Db;
  ref: EngineReference;
  jwtSecret: string;
  jwksUrl?: string | undefined;
  now?: () => Date;
  logger?: boolean;
  offer?: OfferCache;
  /**
   * Serve availability searches from an in-memory free-slot index kept fresh by LISTEN/NOTIFY (PostgreSQL server
   * only; PGlite always asks SQL). Default: on, unless CUPOLA_SLOT_INDEX=off.
   */
  slotIndex?: boolean;
}

export type App = FastifyInstance & { withTypeProvider: () => unknown };

export async function buildApp(deps: AppDeps) {
  const app = Fastify({
    logger: deps.logger ?? false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
    bodyLimit: 1_048_576,
  }).withTypeProvider<TypeBoxTypeProvider>();
  const verifier = makeVerifier({ secret: deps.jwtSecret, jwksUrl: deps.jwksUrl });
  const now = deps.now ?? (() => new Date());
  const offer = (deps.offer ?? new OfferCache()).refreshFrom(deps.db);

  app.addSchema(ProblemS);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Cupola booking engine', version: '0.1.0', description: 'Regional booking centre (CUP) engine API' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Every route must declare its roles; a route without a declaration is refused at start-up.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) return;
    if (!route.config || !('roles' in route.config) || !route.config.roles)
      throw new Error(`route ${route.method} ${route.url} declares no roles`);
  });

  app.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/docs')) return;
    const roles = req.routeOptions.config.roles;
    if (roles === 'public' || roles === undefined) return;
    const h = req.headers.authorization;
    if (!h || !h.toLowerCase().startsWith('bearer ')) throw new ProblemError({ code: 'AUTH_REQUIRED', message: 'a bearer token is required' });
    req.principal = requireRole(await verifier.verify(h.slice(7).trim()), roles);
  });

  // Idempotency-Key: a request already answered is replayed without running again.
  app.addHook('preHandler', async (req, reply) => {
    const status = req.routeOptions.config.idempotent;
    if (!status) return;
    const claim = claimOf(req, status);
    if (!claim) return;
    if (await replay(deps.db, claim, reply)) return reply;
    req.idempotency = claim;
  });

  // Offer writes change inherited attributes: drop this instance's cached tree at once.
  app.addHook('onResponse', async (req) => {
    if (req.method !== 'GET' && /^\/(org-units|agendas|services)/.test(req.url)) offer.invalidate();
  });

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).type('application/problem+json').send(problemOf({ code: 'ROUTE_NOT_FOUND', message: `no route ${req.method} ${req.url}` }));
  });

  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (error instanceof IdempotentReplay) return replay(deps.db, error.claim, reply).then(() => reply);
    if (error instanceof ProblemError) {
      const p = problemOf(error.problem);
      return reply.code(p.status).type('application/problem+json').send(p);
    }
    if (error.validation) {
      const where = error.validationContext ?? 'body';
      const errors = error.validation.map((v) => {
        const missing = v.keyword === 'required' ? `/${(v.params as { missingProperty: string }).missingProperty}` : '';
        const extra = v.keyword === 'additionalProperties' ? `/${(v.params as { additionalProperty: string }).additionalProperty}` : '';
        return { path: `/${where}${v.instancePath}${missing}${extra}`, message: v.message ?? 'invalid' };
      });
      const p = problemOf({ code: 'VALIDATION_FAILED', message: errors.map((e) => `${e.path} ${e.message}`).join('; '), path: errors[0]?.path ?? `/${where}` }, { errors });
      return reply.code(400).type('application/problem+json').send(p);
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      const code = error.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : error.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'VALIDATION_FAILED';
      const p = problemOf({ code, message: error.message, path: '/body' });
      return reply.code(error.statusCode).type('application/problem+json').send(p);
    }
    req.log.error(error);
    if (process.env.CUPOLA_DEBUG) console.error(error);
    return reply.code(500).type('application/problem+json').send(problemOf({ code: 'INTERNAL', message: 'internal error' }));
  });

  const useIndex = (deps.slotIndex ?? process.env.CUPOLA_SLOT_INDEX !== 'off') && !!deps.db.listen;
  const slots = useIndex ? await new LiveFreeSlots(deps.db).start() : undefined;
  if (slots) app.addHook('onClose', async () => slots.stop());
  app.decorate('slotIndex', slots ?? null);
  const bookings = new BookingWriter(deps.db, { maxBatch: 64, maxInFlight: 1, ...(slots ? { onTaken: slots.ownTake } : {}) });
  const reads = new BookingReader(deps.db);
  const ctx = (req: FastifyRequest): Ctx => ({ db: deps.db, principal: req.principal!, now: now(), ref: deps.ref, offer, bookings, reads, idempotency: req.idempotency, slots });

  app.get('/health', { config: { roles: 'public' }, schema: { hide: true } }, async () => {
    await deps.db.query('select 1');
    return { status: 'ok', store: deps.db.kind };
  });

  await app.register(orgRoutes(ctx));
  await app.register(catalogueRoutes(ctx));
  await app.register(agendaRoutes(ctx));
  await app.register(patientRoutes(ctx));
  await app.register(bookingRoutes(ctx));
  return app;
}

