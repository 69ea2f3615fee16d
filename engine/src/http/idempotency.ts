import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../store/db.ts';
import type { IdempotencyClaim } from '../usecases/context.ts';
import { ProblemError, problemOf } from './problem.ts';

const KEY_RE = /^[A-Za-z0-9._:-]{8,128}$/;

/** The claim of a mutating request that carries an Idempotency-Key (undefined without the header). */
export function claimOf(req: FastifyRequest, successStatus: number): IdempotencyClaim | undefined {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const key = Array.isArray(raw) ? raw[0]! : raw;
  if (!KEY_RE.test(key))
    throw new ProblemError({ code: 'VALIDATION_FAILED', message: 'Idempotency-Key must be 8-128 characters of A-Z a-z 0-9 . _ : -', path: '/headers/idempotency-key' });
  const requestSha = createHash('sha256').update(JSON.stringify(req.body ?? null)).digest('hex');
  return { principal: req.principal?.sub ?? 'anonymous', key, method: req.method, path: req.url, requestSha, successStatus };
}

/** Replays the stored response of an earlier request with the same key, or refuses a key reused for another request. */
export async function replay(db: Db, claim: IdempotencyClaim, reply: FastifyReply): Promise<boolean> {
  const rows = await db.query<{ method: string; path: string; request_sha: string; status_code: number; response: unknown }>(
    `select method, path, request_sha, status_code, response from idempotency_key where principal = $1 and key = $2`,
    [claim.principal, claim.key],
  );
  const r = rows[0];
  if (!r) return false;
  if (r.method !== claim.method || r.path !== claim.path || r.request_sha !== claim.requestSha) {
    const p = problemOf({ code: 'IDEMPOTENCY_KEY_REUSED', message: 'this Idempotency-Key was used for a different request', path: '/headers/idempotency-key' });
    await reply.code(p.status).type('application/problem+json').header('idempotent-replay', 'false').send(p);
    return true;
  }
  await reply.code(r.status_code).header('idempotent-replay', 'true').send(r.response);
  return true;
}
