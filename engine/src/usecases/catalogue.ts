import { uuidv7 } from '../ids.ts';
import { validateCodeVersions } from '../domain/offer/code-versions.ts';
import { addDays } from '../domain/time/rome-time.ts';
import { fail } from '../http/problem.ts';
import type { CreateService, NewCodeVersion, Service, UpdateService } from '../http/schemas/catalogue.ts';
import {
  branchExists, closeOpenCode, getService, insertCode, insertService, regionalCodeTaken, updateService,
} from '../store/catalogue-store.ts';
import { appendEvents } from '../store/outbox-store.ts';
import { inTransaction, type Ctx } from './context.ts';

const event = (type: string, s: Service) => ({
  type, aggregateType: 'service', aggregateId: s.id,
  payload: { id: s.id, regional_code: s.regionalCode, national_code: s.nationalCode, name: s.name, branch_code: s.branchCode,
    kind: s.kind, pngla_monitored: s.pnglaMonitored, pngla_number: s.pnglaNumber, tariff_cents: s.tariffCents,
    duration_min: s.durationMin, sex: s.sex, min_age: s.minAge, max_age: s.maxAge, active: s.active,
    codes: s.codes.map((c) => ({ system: c.system, code: c.code, valid_from: c.validFrom, valid_to: c.validTo ?? null })) },
});

function checkAges(min: number | null, max: number | null) {
  if (min !== null && max !== null && min > max) fail('VALIDATION_FAILED', 'minAge must not exceed maxAge', '/minAge');
}

export async function createService(ctx: Ctx, input: CreateService): Promise<Service> {
  return inTransaction(ctx, async (tx) => {
    if (!(await branchExists(tx, input.branchCode))) fail('BRANCH_NOT_FOUND', `unknown branch ${input.branchCode}`, '/branchCode');
    if (await regionalCodeTaken(tx, input.regionalCode)) fail('DUPLICATE_CODE', `regional code ${input.regionalCode} is taken`, '/regionalCode');
    checkAges(input.minAge ?? null, input.maxAge ?? null);
    const codes = validateCodeVersions(input.codes ?? []);
    if (!codes.ok) fail(codes.error.code, codes.error.message, codes.error.path);
    const s: Service = {
      id: input.id ?? `svc-${uuidv7()}`, regionalCode: input.regionalCode, nationalCode: input.nationalCode, name: input.name,
      branchCode: input.branchCode, kind: input.kind, pnglaMonitored: input.pnglaMonitored ?? false, pnglaNumber: input.pnglaNumber ?? null,
      tariffCents: input.tariffCents, durationMin: input.durationMin, sex: input.sex ?? null, minAge: input.minAge ?? null,
      maxAge: input.maxAge ?? null, active: true, codes: (input.codes ?? []).map((c) => ({ ...c, validTo: c.validTo ?? null })),
    };
    if (await getService(tx, s.id)) fail('DUPLICATE_CODE', `service ${s.id} already exists`, '/id');
    await insertService(tx, s);
    await appendEvents(tx, [event('service.created', s)], ctx.now);
    return s;
  });
}

export async function readService(ctx: Ctx, id: string): Promise<Service> {
  return (await getService(ctx.db, id)) ?? fail('NOT_FOUND', `service ${id} not found`, '/id');
}

export async function changeService(ctx: Ctx, id: string, patch: UpdateService): Promise<Service> {
  return inTransaction(ctx, async (tx) => {
    const cur = (await getService(tx, id, true)) ?? fail('NOT_FOUND', `service ${id} not found`, '/id');
    const next: Service = { ...cur };
    for (const [k, v] of Object.entries(patch)) (next as Record<string, unknown>)[k] = v;
    checkAges(next.minAge, next.maxAge);
    await updateService(tx, next);
    await appendEvents(tx, [event('service.updated', next)], ctx.now);
    return next;
  });
}

export async function deactivateService(ctx: Ctx, id: string): Promise<Service> {
  return inTransaction(ctx, async (tx) => {
    const cur = (await getService(tx, id, true)) ?? fail('NOT_FOUND', `service ${id} not found`, '/id');
    if (!cur.active) return cur;
    const next = { ...cur, active: false };
    await updateService(tx, next);
    await appendEvents(tx, [event('service.deactivated', next)], ctx.now);
    return next;
  });
}

/** A new code version closes the open version of the same system the day before it starts. */
export async function addCodeVersion(ctx: Ctx, id: string, v: NewCodeVersion): Promise<Service> {
  return inTransaction(ctx, async (tx) => {
    const cur = (await getService(tx, id, true)) ?? fail('NOT_FOUND', `service ${id} not found`, '/id');
    const open = cur.codes.find((c) => c.system === v.system && !c.validTo);
    if (open && open.validFrom >= v.validFrom)
      fail('CODE_VERSION_OVERLAP', `the open ${v.system} version starts ${open.validFrom}; a new one must start later`, '/validFrom');
    const closed = cur.codes.map((c) => (c === open ? { ...c, validTo: addDays(v.validFrom, -1) } : c));
    const all = [...closed, { ...v, validTo: null }];
    const check = validateCodeVersions(all);
    if (!check.ok) fail(check.error.code, check.error.message, '/validFrom');
    if (open) await closeOpenCode(tx, id, v.system, addDays(v.validFrom, -1));
    await insertCode(tx, id, { ...v, validTo: null });
    const next = (await getService(tx, id))!;
    await appendEvents(tx, [event('service.code_versioned', next)], ctx.now);
    return next;
  });
}
