import { describe, expect, it } from 'vitest';
import { placeUnder, scopeOf } from '../../engine/src/domain/org/tree.ts';
import { codeAt, validateCodeVersions } from '../../engine/src/domain/offer/code-versions.ts';

const node = (id: string, level: 'region' | 'ats' | 'provider' | 'site' | 'unit' | 'clinic', atsId: string | null = null, providerId: string | null = null, active = true) =>
  ({ id, level, parentId: null, atsId, providerId, active });

describe('placing an organisation unit in the tree', () => {
  it('derives the ATS of a provider and the ATS and provider of a site', () => {
    expect(placeUnder('provider', node('ats-1', 'ats'))).toEqual({ ok: true, value: { atsId: 'ats-1', providerId: null } });
    expect(placeUnder('site', node('p-1', 'provider', 'ats-1'))).toEqual({ ok: true, value: { atsId: 'ats-1', providerId: 'p-1' } });
    expect(placeUnder('clinic', node('u-1', 'unit', 'ats-1', 'p-1'))).toEqual({ ok: true, value: { atsId: 'ats-1', providerId: 'p-1' } });
  });

  it('refuses a level that skips one, an inactive parent, a missing parent and a second region', () => {
    expect(placeUnder('clinic', node('ats-1', 'ats'))).toMatchObject({ ok: false, error: { code: 'ORG_LEVEL_INVALID', path: '/level' } });
    expect(placeUnder('site', node('p-1', 'provider', 'ats-1', null, false))).toMatchObject({ ok: false, error: { code: 'PARENT_INACTIVE' } });
    expect(placeUnder('site', null)).toMatchObject({ ok: false, error: { code: 'PARENT_NOT_FOUND', path: '/parentId' } });
    expect(placeUnder('region', null)).toMatchObject({ ok: false, error: { code: 'ORG_LEVEL_INVALID' } });
  });

  it('scopes an ATS to itself and a clinic to its ATS, provider and itself', () => {
    expect(scopeOf({ id: 'ats-1', level: 'ats', atsId: null, providerId: null })).toEqual({ ats: 'ats-1', provider: null, clinic: null });
    expect(scopeOf({ id: 'c-1', level: 'clinic', atsId: 'ats-1', providerId: 'p-1' })).toEqual({ ats: 'ats-1', provider: 'p-1', clinic: 'c-1' });
  });
});

describe('service code versions', () => {
  const versions = [
    { system: 'DM1996', code: '89.7', validFrom: '1996-01-01', validTo: '2024-12-29' },
    { system: 'LEA2024', code: '89.7A.3', validFrom: '2024-12-30', validTo: null },
  ];

  it('finds the code of a system valid on a date', () => {
    expect(codeAt(versions, 'DM1996', '2024-12-29')?.code).toBe('89.7');
    expect(codeAt(versions, 'DM1996', '2024-12-30')).toBeUndefined();
    expect(codeAt(versions, 'LEA2024', '2030-01-01')?.code).toBe('89.7A.3');
  });

  it('accepts versions of different systems that overlap, and refuses two of one system that do', () => {
    expect(validateCodeVersions(versions).ok).toBe(true);
    expect(validateCodeVersions([...versions, { system: 'LEA2024', code: 'x', validFrom: '2025-06-01' }])).toMatchObject({
      ok: false, error: { code: 'CODE_VERSION_OVERLAP', path: '/codes/2/validFrom' },
    });
  });

  it('refuses a version that ends before it starts', () => {
    expect(validateCodeVersions([{ system: 'DM1996', code: 'a', validFrom: '2020-01-02', validTo: '2020-01-01' }])).toMatchObject({
      ok: false, error: { code: 'CODE_VERSION_INVALID', path: '/codes/0/validTo' },
    });
  });
});
