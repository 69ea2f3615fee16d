import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowCounts, STORES, testApp } from './harness.ts';
import { buildTree, post, seedRegionRoot } from './fixtures.ts';

describe.each(STORES)('organisation tree on %s', (store) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let admin: Record<string, string>;
  let ids: Awaited<ReturnType<typeof buildTree>>;

  beforeAll(async () => {
    t = await testApp(store);
    await seedRegionRoot(t.db);
    admin = await t.auth('region-admin');
    ids = await buildTree(t.app, admin);
  });
  afterAll(() => t?.close());

  it('creates each level under the right parent and derives its ATS and provider', async () => {
    const r = await t.app.inject({ url: `/org-units/${ids.clinic}`, headers: admin });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ level: 'clinic', parentId: ids.unit, atsId: ids.ats, providerId: ids.provider, municipality: 'F205', active: true });
  });

  it('writes an org_unit.created event in the outbox for every unit created', async () => {
    const ev = await t.db.query<{ n: number }>(`select count(*)::int as n from outbox where type = 'org_unit.created'`);
    const units = await t.db.query<{ n: number }>(`select count(*)::int as n from org_unit where level <> 'region'`);
    expect(ev[0]!.n).toBe(units[0]!.n);
  });

  it('searches by level, ATS and text', async () => {
    const r = await t.app.inject({ url: `/org-units?level=provider&atsId=${ids.ats}`, headers: admin });
    expect(r.json().items.map((u: { id: string }) => u.id)).toEqual([ids.provider]);
    const q = await t.app.inject({ url: `/org-units?q=ecografia`, headers: admin });
    expect(q.json().items.map((u: { id: string }) => u.id)).toEqual([ids.clinic2]);
  });

  it('lists the children of a unit', async () => {
    const r = await t.app.inject({ url: `/org-units/${ids.ats}/children`, headers: admin });
    expect(r.json()).toMatchObject({ total: 1, items: [{ id: ids.provider }] });
  });

  it('updates inheritable attributes and removes one with null', async () => {
    const r = await t.app.inject({ method: 'PATCH', url: `/org-units/${ids.site}`, headers: admin, payload: { attrs: { channels: ['desk', 'web'], holdMinutes: 15 } } });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().attrs).toEqual({ channels: ['desk', 'web'], holdMinutes: 15 });
    const r2 = await t.app.inject({ method: 'PATCH', url: `/org-units/${ids.site}`, headers: admin, payload: { attrs: { holdMinutes: null } } });
    expect(r2.json().attrs).toEqual({ channels: ['desk', 'web'] });
  });

  describe('rejects bad input with problem+json and writes nothing', () => {
    const cases: [string, Record<string, unknown>, number, string, string][] = [
      ['a clinic directly under an ATS', { level: 'clinic', parentId: 'ats-milano', code: 'X1', name: 'x' }, 422, 'ORG_LEVEL_INVALID', '/level'],
      ['an unknown parent', { level: 'site', parentId: 'nope', code: 'X2', name: 'x' }, 404, 'PARENT_NOT_FOUND', '/parentId'],
      ['a duplicate code', { level: 'ats', parentId: 'region-030', code: '030321', name: 'x' }, 409, 'DUPLICATE_CODE', '/code'],
      ['a provider without its kind', { level: 'provider', parentId: 'ats-milano', code: 'X3', name: 'x' }, 400, 'VALIDATION_FAILED', '/providerKind'],
      ['an unknown attribute', { level: 'site', parentId: 'prov-niguarda', code: 'X4', name: 'x', attrs: { colour: 'red' } }, 422, 'ATTRIBUTE_UNKNOWN', '/attrs/colour'],
      ['an invalid channel', { level: 'site', parentId: 'prov-niguarda', code: 'X5', name: 'x', attrs: { channels: ['fax'] } }, 422, 'ATTRIBUTE_INVALID', '/attrs/channels/0'],
      ['a missing name', { level: 'site', parentId: 'prov-niguarda', code: 'X6' }, 400, 'VALIDATION_FAILED', '/body/name'],
      ['an unexpected field', { level: 'site', parentId: 'prov-niguarda', code: 'X7', name: 'x', colour: 1 }, 400, 'VALIDATION_FAILED', '/body/colour'],
      ['a malformed municipality code', { level: 'site', parentId: 'prov-niguarda', code: 'X8', name: 'x', municipality: 'Milano' }, 400, 'VALIDATION_FAILED', '/body/municipality'],
    ];
    it.each(cases)('%s', async (_name, body, status, code, path) => {
      const before = await rowCounts(t.db);
      const r = await post(t.app, '/org-units', admin, body);
      expect(r.statusCode, r.body).toBe(status);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json()).toMatchObject({ code, status });
      expect(r.json().path).toContain(path);
      expect(await rowCounts(t.db)).toEqual(before);
    });
  });

  it('refuses a request without a token (401) or with a forged one', async () => {
    const r = await t.app.inject({ url: '/org-units' });
    expect(r.statusCode).toBe(401);
    expect(r.json().code).toBe('AUTH_REQUIRED');
    const forged = await t.app.inject({ url: '/org-units', headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoicmVnaW9uLWFkbWluIn0.x' } });
    expect(forged.statusCode).toBe(401);
    expect(forged.json().code).toBe('TOKEN_INVALID');
  });

  it('lets a provider admin build inside its own provider but not in another (403, nothing written)', async () => {
    const own = await t.auth('provider-admin', { provider: ids.provider });
    const ok = await post(t.app, '/org-units', own, { level: 'site', parentId: ids.provider, code: 'S-NIG-2', name: 'Poliambulatorio' });
    expect(ok.statusCode, ok.body).toBe(201);
    const before = await rowCounts(t.db);
    const other = await post(t.app, '/org-units', own, { level: 'site', parentId: ids.provider2, code: 'S-X', name: 'Intruso' });
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe('SCOPE_FORBIDDEN');
    expect(await rowCounts(t.db)).toEqual(before);
  });

  it('forbids roles that may only read from writing (403)', async () => {
    const planner = await t.auth('ats-planner', { ats: ids.ats });
    const r = await post(t.app, '/org-units', planner, { level: 'site', parentId: ids.provider, code: 'S-Y', name: 'y' });
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('ROLE_FORBIDDEN');
  });

  it('refuses to deactivate a unit with active children, then deactivates a leaf', async () => {
    const r = await post(t.app, `/org-units/${ids.unit2}/deactivate`, admin, {});
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'ORG_HAS_ACTIVE_CHILDREN', details: { children: [{ id: ids.clinic2 }] } });
    const leaf = await post(t.app, `/org-units/${ids.clinic2}/deactivate`, admin, {});
    expect(leaf.statusCode, leaf.body).toBe(200);
    expect(leaf.json().active).toBe(false);
    const under = await post(t.app, '/org-units', admin, { level: 'resource', parentId: ids.clinic2, code: 'R-1', name: 'Ecografo' });
    expect(under.json().code).toBe('PARENT_INACTIVE');
  });
});
