import { uuidv7 } from '../ids.ts';
import { placeUnder, scopeOf } from '../domain/org/tree.ts';
import { fail } from '../http/problem.ts';
import { type Principal } from '../http/auth.ts';
import type { CreateOrgUnit, OrgUnit, UpdateOrgUnit } from '../http/schemas/org.ts';
import { activeChildren, codeTaken, getOrgUnit, insertOrgUnit, updateOrgUnit } from '../store/org-store.ts';
import { appendEvents } from '../store/outbox-store.ts';
import { inTransaction, type Ctx } from './context.ts';
import { mergeAttrs } from './attrs.ts';

const nodeOf = (u: OrgUnit) => ({ id: u.id, level: u.level, parentId: u.parentId, atsId: u.atsId, providerId: u.providerId, active: u.active });

/** Who may write under a node: region-wide admins anywhere, a provider admin inside its provider. */
function requireWriteScope(p: Principal, target: OrgUnit) {
  if (p.role === 'region-admin' || p.role === 'service') return;
  if (p.role === 'provider-admin' && target.level !== 'provider' && target.providerId === p.provider) return;
  if (p.role === 'provider-admin' && target.level === 'provider' && target.id === p.provider) return;
  fail('SCOPE_FORBIDDEN', `${p.role} scope does not cover ${target.level} ${target.id}`);
}

const event = (type: string, u: OrgUnit, extra: Record<string, unknown> = {}) => ({
  type,
  aggregateType: 'org_unit',
  aggregateId: u.id,
  ats: scopeOf(u).ats,
  provider: scopeOf(u).provider,
  payload: { id: u.id, level: u.level, parent_id: u.parentId, code: u.code, name: u.name, provider_kind: u.providerKind,
    municipality: u.municipality, population: u.population, attrs: u.attrs, active: u.active, ...extra },
});

export async function createOrgUnit(ctx: Ctx, input: CreateOrgUnit): Promise<OrgUnit> {
  return inTransaction(ctx, async (tx) => {
    const parent = await getOrgUnit(tx, input.parentId, { forUpdate: true });
    const placed = placeUnder(input.level, parent ? nodeOf(parent) : null);
    if (!placed.ok) return fail(placed.error.code, placed.error.message, placed.error.path);
    requireWriteScope(ctx.principal, parent!);
    if (input.level === 'provider' && !input.providerKind) fail('VALIDATION_FAILED', 'a provider needs providerKind (asst, irccs or private)', '/providerKind');
    if (input.level !== 'provider' && input.providerKind) fail('VALIDATION_FAILED', 'providerKind applies to providers only', '/providerKind');
    if (await codeTaken(tx, input.level, input.code)) fail('DUPLICATE_CODE', `a ${input.level} with code ${input.code} already exists`, '/code');
    const id = input.id ?? `${input.level}-${uuidv7()}`;
    if (await getOrgUnit(tx, id)) fail('DUPLICATE_CODE', `organisation unit ${id} already exists`, '/id');
    const unit: OrgUnit = {
      id, level: input.level, parentId: input.parentId, code: input.code, name: input.name,
      providerKind: input.providerKind ?? null, atsId: placed.value.atsId, providerId: placed.value.providerId,
      municipality: input.municipality ?? (['unit', 'clinic', 'resource'].includes(input.level) ? parent!.municipality : null),
      population: input.population ?? null, attrs: mergeAttrs({}, input.attrs), active: true,
    };
    await insertOrgUnit(tx, unit);
    await appendEvents(tx, [event('org_unit.created', unit)], ctx.now);
    return unit;
  });
}

export async function readOrgUnit(ctx: Ctx, id: string): Promise<OrgUnit> {
  return (await getOrgUnit(ctx.db, id)) ?? fail('NOT_FOUND', `organisation unit ${id} not found`, '/id');
}

export async function changeOrgUnit(ctx: Ctx, id: string, patch: UpdateOrgUnit): Promise<OrgUnit> {
  return inTransaction(ctx, async (tx) => {
    const cur = (await getOrgUnit(tx, id, { forUpdate: true })) ?? fail('NOT_FOUND', `organisation unit ${id} not found`, '/id');
    requireWriteScope(ctx.principal, cur);
    const next: OrgUnit = {
      ...cur,
      name: patch.name ?? cur.name,
      municipality: patch.municipality ?? cur.municipality,
      population: patch.population ?? cur.population,
      attrs: patch.attrs ? mergeAttrs(cur.attrs, patch.attrs) : cur.attrs,
    };
    await updateOrgUnit(tx, next);
    await appendEvents(tx, [event('org_unit.updated', next, { changed: Object.keys(patch) })], ctx.now);
    return next;
  });
}

export async function deactivateOrgUnit(ctx: Ctx, id: string): Promise<OrgUnit> {
  return inTransaction(ctx, async (tx) => {
    const cur = (await getOrgUnit(tx, id, { forUpdate: true })) ?? fail('NOT_FOUND', `organisation unit ${id} not found`, '/id');
    requireWriteScope(ctx.principal, cur);
    if (cur.level === 'region') fail('ORG_LEVEL_INVALID', 'the region cannot be deactivated', '/id');
    if (!cur.active) return cur;
    const kids = await activeChildren(tx, id);
    if (kids.length) fail('ORG_HAS_ACTIVE_CHILDREN', `deactivate the ${kids.length} active children first`, '/id', { children: kids });
    if (cur.level === 'clinic' || cur.level === 'resource') {
      const col = cur.level === 'clinic' ? 'clinic_id' : 'resource_id';
      const agendas = await tx.query<{ id: string }>(`select id from agenda where ${col} = $1 and status = 'active'`, [id]);
      if (agendas.length) fail('ORG_HAS_ACTIVE_CHILDREN', `suspend the ${agendas.length} active agendas first`, '/id', { agendas: agendas.map((a) => a.id) });
    }
    const next = { ...cur, active: false };
    await updateOrgUnit(tx, next);
    await appendEvents(tx, [event('org_unit.deactivated', next)], ctx.now);
    return next;
  });
}

