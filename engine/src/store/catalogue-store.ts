import type { Queryable } from './db.ts';
import type { SearchServices, Service, ServiceCode } from '../http/schemas/catalogue.ts';

type Row = {
  id: string; regional_code: string; national_code: string; name: string; branch_code: string; kind: Service['kind'];
  pngla_monitored: boolean; pngla_number: number | null; tariff_cents: number; duration_min: number; sex: Service['sex'];
  min_age: number | null; max_age: number | null; active: boolean;
  codes: { system: ServiceCode['system']; code: string; valid_from: string; valid_to: string | null }[] | null;
};

const SELECT = `select s.*, (select json_agg(json_build_object('system', c.system, 'code', c.code, 'valid_from', c.valid_from, 'valid_to', c.valid_to) order by c.system, c.valid_from)
  from service_code c where c.service_id = s.id) as codes from service s`;

const toService = (r: Row): Service => ({
  id: r.id, regionalCode: r.regional_code, nationalCode: r.national_code, name: r.name, branchCode: r.branch_code, kind: r.kind,
  pnglaMonitored: r.pngla_monitored, pnglaNumber: r.pngla_number, tariffCents: r.tariff_cents, durationMin: r.duration_min,
  sex: r.sex, minAge: r.min_age, maxAge: r.max_age, active: r.active,
  codes: (r.codes ?? []).map((c) => ({ system: c.system, code: c.code, validFrom: c.valid_from, validTo: c.valid_to })),
});

export async function getService(q: Queryable, id: string, forUpdate = false): Promise<Service | null> {
  const rows = await q.query<Row>(`${SELECT} where s.id = $1 ${forUpdate ? 'for update of s' : ''}`, [id]);
  return rows[0] ? toService(rows[0]) : null;
}

export async function getServices(q: Queryable, ids: readonly string[]): Promise<Service[]> {
  const rows = await q.query<Row>(`${SELECT} where s.id = any($1::text[])`, [ids]);
  return rows.map(toService);
}

export async function searchServices(q: Queryable, s: SearchServices): Promise<{ items: Service[]; total: number }> {
  const where: string[] = [];
  const p: unknown[] = [];
  const arg = (v: unknown) => (p.push(v), `$${p.length}`);
  if (s.q) {
    const a = arg(`%${s.q}%`);
    where.push(`(s.name ilike ${a} or s.regional_code ilike ${a})`);
  }
  if (s.code) {
    const c = arg(s.code);
    const at = s.at ? arg(s.at) : null;
    where.push(`(s.regional_code = ${c} or exists (select 1 from service_code sc where sc.service_id = s.id and sc.code = ${c}
      ${at ? `and sc.valid_from <= ${at}::date and (sc.valid_to is null or sc.valid_to >= ${at}::date)` : ''}))`);
  }
  if (s.branch) where.push(`s.branch_code = ${arg(s.branch)}`);
  if (s.kind) where.push(`s.kind = ${arg(s.kind)}`);
  if (s.monitored !== undefined) where.push(`s.pngla_monitored = ${arg(s.monitored)}`);
  if (s.active !== undefined) where.push(`s.active = ${arg(s.active)}`);
  const w = where.length ? `where ${where.join(' and ')}` : '';
  const total = await q.query<{ n: number }>(`select count(*)::int as n from service s ${w}`, p);
  const rows = await q.query<Row>(`${SELECT} ${w} order by s.pngla_number nulls last, s.name limit ${s.limit ?? 50} offset ${s.offset ?? 0}`, p);
  return { items: rows.map(toService), total: total[0]?.n ?? 0 };
}

export async function insertService(q: Queryable, s: Service): Promise<void> {
  await q.query(
    `insert into service (id, regional_code, national_code, name, branch_code, kind, pngla_monitored, pngla_number, tariff_cents, duration_min, sex, min_age, max_age, active)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
    [s.id, s.regionalCode, s.nationalCode, s.name, s.branchCode, s.kind, s.pnglaMonitored, s.pnglaNumber, s.tariffCents, s.durationMin, s.sex, s.minAge, s.maxAge, s.active],
  );
  for (const c of s.codes) await insertCode(q, s.id, c);
}

export async function insertCode(q: Queryable, serviceId: string, c: ServiceCode): Promise<void> {
  await q.query(`insert into service_code (service_id, system, code, valid_from, valid_to) values ($1,$2,$3,$4,$5)`,
    [serviceId, c.system, c.code, c.validFrom, c.validTo ?? null]);
}

export async function closeOpenCode(q: Queryable, serviceId: string, system: string, validTo: string): Promise<void> {
  await q.query(`update service_code set valid_to = $3 where service_id = $1 and system = $2 and valid_to is null`, [serviceId, system, validTo]);
}

export async function updateService(q: Queryable, s: Service): Promise<void> {
  await q.query(
    `update service set name=$2, tariff_cents=$3, duration_min=$4, pngla_monitored=$5, sex=$6, min_age=$7, max_age=$8, active=$9, updated_at=now() where id=$1`,
    [s.id, s.name, s.tariffCents, s.durationMin, s.pnglaMonitored, s.sex, s.minAge, s.maxAge, s.active],
  );
}

export const branchExists = async (q: Queryable, code: string) => (await q.query(`select 1 from branch where code = $1`, [code])).length > 0;
export const regionalCodeTaken = async (q: Queryable, code: string) =>
  (await q.query(`select 1 from service where regional_code = $1`, [code])).length > 0;
export const listBranches = (q: Queryable) => q.query<{ code: string; name: string }>(`select code, name from branch order by code`);
