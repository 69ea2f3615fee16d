import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { inScope, makeVerifier, mintToken, principalFromClaims } from '../../engine/src/http/auth.ts';

const SECRET = 'unit-secret-0123456789-abcdefghijklmn';

describe('bearer tokens and scopes', () => {
  it('verifies a minted token and returns its principal', async () => {
    const t = await mintToken(SECRET, { sub: 'anna', role: 'ats-planner', ats: 'ats-030321' });
    expect(await makeVerifier({ secret: SECRET }).verify(t)).toEqual({ sub: 'anna', role: 'ats-planner', ats: 'ats-030321' });
  });

  it('rejects a token signed with another key, an expired one and one without the claim its role needs', async () => {
    const v = makeVerifier({ secret: SECRET });
    const other = await mintToken('another-secret-0123456789-abcdefghij', { sub: 'x', role: 'region-admin' });
    await expect(v.verify(other)).rejects.toMatchObject({ problem: { code: 'TOKEN_INVALID' } });
    const expired = await new SignJWT({ role: 'region-admin' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('cupola').setAudience('cupola-engine')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(SECRET));
    await expect(v.verify(expired)).rejects.toMatchObject({ problem: { code: 'TOKEN_INVALID' } });
    expect(() => principalFromClaims({ sub: 'p', role: 'provider-admin' })).toThrow(/provider/);
    expect(() => principalFromClaims({ sub: 'p', role: 'superuser' })).toThrow(/role/);
  });

  it('answers a token it has verified from memory until the token expires, then rejects it', async () => {
    let clock = new Date();
    const v = makeVerifier({ secret: SECRET, now: () => clock });
    const t = await mintToken(SECRET, { sub: 'op', role: 'cup-operator' }, 60);
    expect(await v.verify(t)).toEqual({ sub: 'op', role: 'cup-operator' });
    expect(await v.verify(t)).toEqual({ sub: 'op', role: 'cup-operator' });
    // a tampered copy of a remembered token is another key: it is verified, and refused
    await expect(v.verify(t.slice(0, -4) + (t.endsWith('AAAA') ? 'BBBB' : 'AAAA'))).rejects.toMatchObject({ problem: { code: 'TOKEN_INVALID' } });
    clock = new Date(clock.getTime() + 61_000);
    await expect(v.verify(t)).rejects.toMatchObject({ problem: { code: 'TOKEN_INVALID' } });
  });

  it('lets region-wide roles see everything and scoped roles only their own ATS, provider or clinic', () => {
    const t = { ats: 'ats-1', provider: 'p-1', clinic: 'c-1' };
    expect(inScope({ sub: 'a', role: 'region-admin' }, t)).toBe(true);
    expect(inScope({ sub: 'a', role: 'cup-operator' }, t)).toBe(true);
    expect(inScope({ sub: 'a', role: 'ats-planner', ats: 'ats-1' }, t)).toBe(true);
    expect(inScope({ sub: 'a', role: 'ats-planner', ats: 'ats-2' }, t)).toBe(false);
    expect(inScope({ sub: 'a', role: 'provider-admin', provider: 'p-2' }, t)).toBe(false);
    expect(inScope({ sub: 'a', role: 'clinic-operator', clinic: 'c-1' }, t)).toBe(true);
    expect(inScope({ sub: 'a', role: 'citizen', cf: 'X' }, t)).toBe(false);
  });
});
