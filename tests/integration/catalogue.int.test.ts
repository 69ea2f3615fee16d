import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowCounts, STORES, testApp } from './harness.ts';
import { buildTree, post, seedRegionRoot } from './fixtures.ts';

describe.each(STORES)('service catalogue on %s', (store) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await testApp(store);
    await seedRegionRoot(t.db);
    admin = await t.auth('region-admin');
    await buildTree(t.app, admin);
  });
  afterAll(() => t?.close());

  it('finds a service by its old code before the switch and by its new code after it', async () => {
    const old = await t.app.inject({ url: '/services?code=89.7&at=2024-06-01', headers: admin });
    expect(old.json().items.map((s: { id: string }) => s.id)).toEqual(['svc-card']);
    const stale = await t.app.inject({ url: '/services?code=89.7&at=2025-06-01', headers: admin });
    expect(stale.json().total).toBe(0);
    const fresh = await t.app.inject({ url: '/services?code=89.7A.3&at=2025-06-01', headers: admin });
    expect(fresh.json().items.map((s: { id: string }) => s.id)).toEqual(['svc-card']);
  });

  it('adds a code version and closes the open one the day before', async () => {
    const r = await post(t.app, '/services/svc-eco/codes', admin, { system: 'LEA2024', code: '88.76.1A', validFrom: '2025-01-01' });
    expect(r.statusCode, r.body).toBe(201);
    const r2 = await post(t.app, '/services/svc-eco/codes', admin, { system: 'LEA2024', code: '88.76.1B', validFrom: '2026-01-01' });
    expect(r2.json().codes).toEqual([
      { system: 'LEA2024', code: '88.76.1A', validFrom: '2025-01-01', validTo: '2025-12-31' },
      { system: 'LEA2024', code: '88.76.1B', validFrom: '2026-01-01', validTo: null },
    ]);
  });

  it('refuses a code version that starts before the open one (nothing written)', async () => {
    const before = await rowCounts(t.db);
    const r = await post(t.app, '/services/svc-eco/codes', admin, { system: 'LEA2024', code: 'X', validFrom: '2025-06-01' });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ code: 'CODE_VERSION_OVERLAP', path: '/validFrom' });
    expect(await rowCounts(t.db)).toEqual(before);
  });

  it.each([
    ['an unknown branch', { branchCode: '99' }, 'BRANCH_NOT_FOUND', '/branchCode'],
    ['a taken regional code', { regionalCode: '89.7.08' }, 'DUPLICATE_CODE', '/regionalCode'],
    ['an unknown kind', { kind: 'surgery' }, 'VALIDATION_FAILED', '/body/kind'],
    ['a negative tariff', { tariffCents: -1 }, 'VALIDATION_FAILED', '/body/tariffCents'],
    ['age limits the wrong way round', { minAge: 60, maxAge: 18 }, 'VALIDATION_FAILED', '/minAge'],
    ['overlapping code versions', { codes: [{ system: 'DM1996', code: 'a', validFrom: '2000-01-01' }, { system: 'DM1996', code: 'b', validFrom: '2010-01-01' }] }, 'CODE_VERSION_OVERLAP', '/codes/1/validFrom'],
  ])('rejects %s and writes nothing', async (_n, change, code, path) => {
    const before = await rowCounts(t.db);
    const body = { regionalCode: 'NEW.1', nationalCode: '1', name: 'Nuova', branchCode: '08', kind: 'visit', tariffCents: 100, durationMin: 20, ...change };
    const r = await post(t.app, '/services', admin, body);
    expect(r.json()).toMatchObject({ code });
    expect(r.json().path).toBe(path);
    expect(await rowCounts(t.db)).toEqual(before);
  });

  it('lets only region administrators change the catalogue', async () => {
    const op = await t.auth('cup-operator');
    const r = await t.app.inject({ method: 'PATCH', url: '/services/svc-card', headers: op, payload: { tariffCents: 1 } });
    expect(r.statusCode).toBe(403);
    const read = await t.app.inject({ url: '/services/svc-card', headers: op });
    expect(read.json().tariffCents).toBe(2250);
  });

  it('lists branches', async () => {
    const r = await t.app.inject({ url: '/branches', headers: admin });
    expect(r.json().items.map((b: { code: string }) => b.code)).toEqual(['08', '37', '69']);
  });
});
