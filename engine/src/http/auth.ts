import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { fail } from './problem.ts';

export const ROLES = ['region-admin', 'ats-planner', 'provider-admin', 'cup-operator', 'clinic-operator', 'citizen', 'service'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  sub: string;
  role: Role;
  /** ats-planner: the ATS id it is scoped to */
  ats?: string;
  /** provider-admin: the provider id it is scoped to */
  provider?: string;
  /** clinic-operator: the clinic id it is scoped to */
  clinic?: string;
  /** citizen: own codice fiscale */
  cf?: string;
}

/** Where a resource sits in the organisation tree, for scope checks. */
export interface ScopeTarget {
  ats?: string | null;
  provider?: string | null;
  clinic?: string | null;
}

const CLAIM_FOR_ROLE: Partial<Record<Role, keyof Principal>> = {
  'ats-planner': 'ats',
  'provider-admin': 'provider',
  'clinic-operator': 'clinic',
  citizen: 'cf',
};

export interface Verifier {
  verify(token: string): Promise<Principal>;
}

const ISSUER = 'cupola';
const AUDIENCE = 'cupola-engine';

/** Verified tokens kept until they expire (a channel sends the same token with every request). */
const VERIFIED_CACHE_MAX = 10_000;

export function makeVerifier(opts: { secret: string; jwksUrl?: string | undefined; now?: () => Date }): Verifier {
  const secret = new TextEncoder().encode(opts.secret);
  const jwks: JWTVerifyGetKey | undefined = opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : undefined;
  const now = opts.now ?? (() => new Date());
  const verified = new Map<string, { principal: Principal; expMs: number }>();
  return {
    async verify(token) {
      const hit = verified.get(token);
      if (hit && hit.expMs > now().getTime()) return hit.principal;
      if (hit) verified.delete(token);
      let payload: Record<string, unknown>;
      try {
        const r = jwks
          ? await jwtVerify(token, jwks, { audience: AUDIENCE, currentDate: now() })
          : await jwtVerify(token, secret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], currentDate: now() });
        payload = r.payload as Record<string, unknown>;
      } catch (e) {
        return fail('TOKEN_INVALID', `bearer token rejected: ${(e as Error).message}`);
      }
      const principal = principalFromClaims(payload);
      if (typeof payload.exp === 'number') {
        if (verified.size >= VERIFIED_CACHE_MAX) verified.delete(verified.keys().next().value!);
        verified.set(token, { principal, expMs: payload.exp * 1000 });
      }
      return principal;
    },
  };
}

export function principalFromClaims(c: Record<string, unknown>): Principal {
  const role = c.role as Role;
  if (!ROLES.includes(role)) return fail('TOKEN_INVALID', `token role must be one of ${ROLES.join(', ')}`, '/role');
  const p: Principal = { sub: String(c.sub ?? ''), role };
  for (const k of ['ats', 'provider', 'clinic', 'cf'] as const) if (typeof c[k] === 'string') p[k] = c[k] as string;
  const needed = CLAIM_FOR_ROLE[role];
  if (needed && !p[needed]) return fail('TOKEN_INVALID', `a ${role} token must carry the '${needed}' claim`, `/${needed}`);
  return p;
}

/** Mints a development token (HS256) — `cupola token`. */
export async function mintToken(secret: string, p: Principal, ttlSeconds = 8 * 3600): Promise<string> {
  principalFromClaims({ ...p });
  const { sub, ...claims } = p;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(new TextEncoder().encode(secret));
}

export function requireRole(p: Principal | undefined, roles: readonly Role[]): Principal {
  if (!p) return fail('AUTH_REQUIRED', 'a bearer token is required');
  if (!roles.includes(p.role)) return fail('ROLE_FORBIDDEN', `role ${p.role} may not do this; allowed: ${roles.join(', ')}`);
  return p;
}

/** True when the principal's scope covers the target. Region-wide roles see everything. */
export function inScope(p: Principal, t: ScopeTarget): boolean {
  switch (p.role) {
    case 'region-admin':
    case 'cup-operator':
    case 'service':
      return true;
    case 'ats-planner':
      return !!t.ats && t.ats === p.ats;
    case 'provider-admin':
      return !!t.provider && t.provider === p.provider;
    case 'clinic-operator':
      return !!t.clinic && t.clinic === p.clinic;
    case 'citizen':
      return false;
  }
}

export function requireScope(p: Principal, t: ScopeTarget, what = 'this resource'): void {
  if (!inScope(p, t)) fail('SCOPE_FORBIDDEN', `${p.role} scope does not cover ${what}`);
}
