import type { FastifyRequest } from 'fastify';
import type { Ctx } from '../usecases/context.ts';

/** Builds the use-case context of a request (store, principal, clock, reference data). */
export type CtxOf = (req: FastifyRequest) => Ctx;
