import { err, ok, type Result } from '../shared/result.ts';
import type { OrgLevel } from '../offer/types.ts';

/** The level a child of each level must have. */
export const CHILD_LEVEL: Record<OrgLevel, OrgLevel | null> = {
  region: 'ats',
  ats: 'provider',
  provider: 'site',
  site: 'unit',
  unit: 'clinic',
  clinic: 'resource',
  resource: null,
};

export interface OrgNode {
  id: string;
  level: OrgLevel;
  parentId: string | null;
  atsId: string | null;
  providerId: string | null;
  active: boolean;
}

/** Checks that a new node of `level` can hang under `parent`, and derives its ATS and provider. */
export function placeUnder(
  level: OrgLevel,
  parent: OrgNode | null,
): Result<{ atsId: string | null; providerId: string | null }> {
  if (level === 'region') return err('ORG_LEVEL_INVALID', 'the region is created by seeding, not through the API', '/level');
  if (!parent) return err('PARENT_NOT_FOUND', 'parent organisation unit not found', '/parentId');
  if (!parent.active) return err('PARENT_INACTIVE', `parent ${parent.id} is deactivated`, '/parentId');
  if (CHILD_LEVEL[parent.level] !== level)
    return err('ORG_LEVEL_INVALID', `a ${level} cannot be placed under a ${parent.level} (expected ${CHILD_LEVEL[parent.level] ?? 'nothing'})`, '/level');
  return ok({
    atsId: level === 'ats' ? null : parent.level === 'ats' ? parent.id : parent.atsId,
    providerId: level === 'provider' ? null : parent.level === 'provider' ? parent.id : parent.providerId,
  });
}

/** Scope target of a node: an ATS is its own ATS, a provider its own provider, a clinic its own clinic. */
export function scopeOf(n: { id: string; level: OrgLevel; atsId: string | null; providerId: string | null; clinicId?: string | null }) {
  return {
    ats: n.level === 'ats' ? n.id : n.atsId,
    provider: n.level === 'provider' ? n.id : n.providerId,
    clinic: n.level === 'clinic' ? n.id : (n.clinicId ?? null),
  };
}
