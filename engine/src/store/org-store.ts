import type { Queryable } from './db.ts';
import type { OrgUnit, SearchOrgUnits } from '../http/schemas/org.ts';
import type { OrgLevel } from '../domain/offer/types.ts';

const COLS = `id, level, parent_id, code, name, provider_kind, ats_id, provider_id, municipality, population, attrs, active`;

type Row = {
  id: string; level: OrgLevel; parent_id: string | null; code: string; name: string; provider_kind: OrgUnit['providerKind'];
  ats_id: string | null; provider_id: string | null; municipality: string | null; population: number | null;
  attrs: Record<string, unknown>; active: boolean;
};

const toOrgUnit = (r: Row): OrgUnit => ({
  id: r.id, level: r.level, parentId: r.parent_id, code: r.code, name: r.name, providerKind: r.provider_kind,
  atsId: r.ats_id, providerId: r.provider_id, municipality: r.municipality, population: r.population,
  attrs: r.attrs ?? {}, active: r.active,
});

export async function getOrgUnit(q: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<OrgUnit | null> {
  const rows = await q.query<Row>(`select ${COLS} from org_unit where id = $1 ${opts.forUpdate ? 'for update' : ''}`, [id]);
  return rows[0] ? toOrgUnit(rows[0]) : null;
}

/** The node and all its ancestors, most specific first (for attribute inheritance). */
export async function getAncestry(q: Queryable, id: string): Promise<OrgUnit[]> {
  const rows = await q.query<Row & { depth: number }>(
    `with recursive up as (
       select ${COLS}, 0 as depth from org_unit where id = $1
       union all
       select ${COLS.split(', ').map((c) => 'o.' + c).join(', ')}, up.depth + 1 from org_unit o join up on o.id = up.parent_id
     ) select * from up order by depth`,
    [id],
  );
  return rows.map(toOrgUnit);
}

export async function insertOrgUnit(q: Queryable, u: OrgUnit): Promise<void> {
  await q.query(
    `insert into org_unit (${COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
    [u.id, u.level, u.parentId, u.code, u.name, u.providerKind, u.atsId, u.providerId, u.municipality, u.population, JSON.stringify(u.attrs), u.active],
  );
}

export async function codeTaken(q: Queryable, level: string, code: string): Promise<boolean> {
  return (await q.query(`select 1 from org_unit where level = $1 and code = $2`, [level, code])).length > 0;
}

export async function updateOrgUnit(q: Queryable, u: OrgUnit): Promise<void> {
  await q.query(
    `update org_unit set name = $2, municipality = $3, population = $4, attrs = $5, active = $6, updated_at = now() where id = $1`,
    [u.id, u.name, u.municipality, u.population, JSON.stringify(u.attrs), u.active],
  );
}

export async function activeChildren(q: Queryable, id: string): Promise<{ id: string; level: string; name: string }[]> {
  return q.query(`select id, level, name from org_unit where parent_id = $1 and active order by id limit 100`, [id]);
}

export async function searchOrgUnits(q: Queryable, s: SearchOrgUnits): Promise<{ items: OrgUnit[]; total: number }> {
  const where: string[] = [];
  const p: unknown[] = [];
  const arg = (v: unknown) => (p.push(v), `$${p.length}`);
  if (s.level) where.push(`level = ${arg(s.level)}`);
  if (s.parentId) where.push(`parent_id = ${arg(s.parentId)}`);
  if (s.atsId) where.push(`(ats_id = ${arg(s.atsId)} or id = $${p.length})`);
  if (s.providerId) where.push(`(provider_id = ${arg(s.providerId)} or id = $${p.length})`);
  if (s.q) where.push(`(name ilike ${arg(`%${s.q}%`)} or code ilike $${p.length})`);
  if (s.active !== undefined) where.push(`active = ${arg(s.active)}`);
  const w = where.length ? `where ${where.join(' and ')}` : '';
  const total = await q.query<{ n: number }>(`select count(*)::int as n from org_unit ${w}`, p);
  const rows = await q.query<Row>(
    `select ${COLS} from org_unit ${w} order by level, name, id limit ${s.limit ?? 50} offset ${s.offset ?? 0}`,
    p,
  );
  return { items: rows.map(toOrgUnit), total: total[0]?.n ?? 0 };
}
