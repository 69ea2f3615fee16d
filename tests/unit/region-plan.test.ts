import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import branches from '../../reference/branches.json' with { type: 'json' };
import holidays from '../../reference/holidays.json' with { type: 'json' };
import lombardy from '../../reference/lombardy.json' with { type: 'json' };
import services from '../../reference/pngla-services.json' with { type: 'json' };
import { validateAttributes } from '../../engine/src/domain/offer/attributes.ts';
import { validateTemplates } from '../../engine/src/domain/offer/templates.ts';
import { placeUnder, type OrgNode } from '../../engine/src/domain/org/tree.ts';
import { CLINIC_PROFILES } from '../../simulator/src/clinic-profiles.ts';
import { parseReference } from '../../simulator/src/reference.ts';
import {
  apportion,
  estimateSlots,
  estimateSlotsByAgenda,
  firstAccessSupply,
  planRegion,
  summarizePlan,
  type OrgUnitRow,
  type RegionPlan,
} from '../../simulator/src/region-plan.ts';

const ref = parseReference({ branches, services, holidays, lombardy });
const START = '2026-03-02';

let region: RegionPlan;
let slotsByAgenda: Map<string, number>;
let demo: RegionPlan;

beforeAll(() => {
  region = planRegion({ scale: 'region', seed: 42, startDate: START }, ref);
  slotsByAgenda = estimateSlotsByAgenda(region);
  demo = planRegion({ scale: 'demo', seed: 42, startDate: START }, ref);
});

afterEach(() => {
  vi.restoreAllMocks();
});

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const list = out.get(key(item));
    if (list === undefined) out.set(key(item), [item]);
    else list.push(item);
  }
  return out;
}

const byLevel = (plan: RegionPlan, level: OrgUnitRow['level']) => plan.orgUnits.filter((u) => u.level === level);

/** Checks the tree the way the engine places a node: parent level, derived ATS and provider. */
function expectWellFormedTree(plan: RegionPlan): void {
  const byId = new Map(plan.orgUnits.map((u) => [u.id, u]));
  expect(byId.size).toBe(plan.orgUnits.length);
  const codes = new Set(plan.orgUnits.map((u) => `${u.level}:${u.code}`));
  expect(codes.size).toBe(plan.orgUnits.length);
  expect(byLevel(plan, 'region')).toHaveLength(1);
  const asNode = (u: OrgUnitRow): OrgNode => ({ id: u.id, level: u.level, parentId: u.parentId, atsId: u.atsId, providerId: u.providerId, active: true });
  const seen = new Set<string>();
  for (const u of plan.orgUnits) {
    if (u.level === 'region') {
      expect(u.parentId).toBeNull();
    } else {
      const parent = byId.get(u.parentId ?? '');
      expect(parent, `parent of ${u.id}`).toBeDefined();
      expect(seen.has(parent!.id), `${u.id} comes after its parent`).toBe(true);
      const placed = placeUnder(u.level, asNode(parent!));
      expect(placed.ok, `${u.id} under ${parent!.id}`).toBe(true);
      if (placed.ok) expect({ atsId: u.atsId, providerId: u.providerId }).toEqual(placed.value);
    }
    expect(u.level === 'provider').toBe(u.providerKind !== null);
    seen.add(u.id);
  }
}

describe('region plan at region scale', () => {
  it('has the 8 ATS with their real names and populations', () => {
    const ats = byLevel(region, 'ats');
    expect(ats.map((a) => a.name)).toEqual([
      'ATS della Città Metropolitana di Milano',
      "ATS dell'Insubria",
      'ATS della Montagna',
      'ATS della Brianza',
      'ATS di Bergamo',
      'ATS di Brescia',
      'ATS della Val Padana',
      'ATS di Pavia',
    ]);
    expect(ats.map((a) => a.population)).toEqual(ref.lombardy.ats.map((a) => a.population));
  });

  it('has 32 public providers (26 ASST + 6 IRCCS) and 93 private accredited ones', () => {
    const s = summarizePlan(region, slotsByAgenda);
    expect(s.providers).toEqual({ asst: 26, irccs: 6, private: 93, public: 32, total: 125 });
    expect(byLevel(region, 'provider').find((p) => p.code === '030701')?.name).toBe('ASST Grande Ospedale Metropolitano Niguarda');
  });

  it('has about 5,000 clinics', () => {
    expect(byLevel(region, 'clinic').length).toBeGreaterThanOrEqual(4500);
    expect(byLevel(region, 'clinic').length).toBeLessThanOrEqual(5500);
  });

  it('gives each ATS clinics in proportion to its population', () => {
    const clinics = byLevel(region, 'clinic');
    const totalPop = ref.lombardy.ats.reduce((s, a) => s + a.population, 0);
    for (const a of ref.lombardy.ats) {
      const share = clinics.filter((c) => c.atsId === `ats-${a.code}`).length / clinics.length;
      expect(Math.abs(share / (a.population / totalPop) - 1), a.name).toBeLessThan(0.02);
    }
  });

  it('estimates about 5 million slots over 13 weeks, about 1,000 per clinic', () => {
    expect(region.weeks).toBe(13);
    const total = estimateSlots(region);
    expect(total).toBeGreaterThan(4_250_000);
    expect(total).toBeLessThan(5_750_000);
    expect(total / byLevel(region, 'clinic').length).toBeGreaterThan(850);
    expect(total / byLevel(region, 'clinic').length).toBeLessThan(1150);
  });

  it('nests every org unit under an existing parent of the level above, with its ATS and provider', () => {
    expectWellFormedTree(region);
  });

  it('places clinics in listed municipalities of their own ATS', () => {
    const munAts = new Map(ref.lombardy.municipalities.map((m) => [m.code, `ats-${m.ats}`]));
    for (const c of byLevel(region, 'clinic')) expect(munAts.get(c.municipality ?? ''), c.id).toBe(c.atsId);
  });

  it('is under-supplied for some services in some ATS, relative to population', () => {
    expect(region.shortages.length).toBeGreaterThanOrEqual(5);
    const supply = firstAccessSupply(region, slotsByAgenda);
    const population = new Map(byLevel(region, 'ats').map((a) => [a.id, a.population ?? 0]));
    const totalPop = [...population.values()].reduce((s, p) => s + p, 0);
    const ratio = (atsId: string, serviceId: string): number => {
      let all = 0;
      for (const m of supply.values()) all += m.get(serviceId) ?? 0;
      return ((supply.get(atsId)?.get(serviceId) ?? 0) / (population.get(atsId) ?? 1)) / (all / totalPop);
    };
    for (const s of region.shortages) {
      for (const serviceId of s.serviceIds) expect(ratio(s.atsId, serviceId), `${s.group} in ${s.atsId}`).toBeLessThan(0.8);
    }
    // A service nobody made scarce is supplied evenly.
    for (const atsId of population.keys()) {
      expect(ratio(atsId, 'svc-89.7.08')).toBeGreaterThan(0.8);
      expect(ratio(atsId, 'svc-89.7.08')).toBeLessThan(1.25);
    }
  });

  it('gives every clinic separate first-access and follow-up agendas with services, templates and class quotas', () => {
    const agendasByClinic = groupBy(region.agendas, (a) => a.clinicId);
    const serviceCount = new Map<string, number>();
    for (const x of region.agendaServices) serviceCount.set(x.agendaId, (serviceCount.get(x.agendaId) ?? 0) + 1);
    const templateCount = new Map<string, number>();
    for (const t of region.agendaTemplates) templateCount.set(t.agendaId, (templateCount.get(t.agendaId) ?? 0) + 1);
    for (const c of byLevel(region, 'clinic')) {
      const agendas = agendasByClinic.get(c.id) ?? [];
      const ssnFirst = agendas.filter((a) => a.accessType === 'first' && a.attrs['regimes'] === undefined);
      expect(ssnFirst, c.id).toHaveLength(1);
      expect(agendas.filter((a) => a.accessType === 'follow_up').length).toBeLessThanOrEqual(1);
    }
    for (const a of region.agendas) {
      expect(serviceCount.get(a.id), a.id).toBeGreaterThan(0);
      expect(templateCount.get(a.id), a.id).toBeGreaterThan(0);
      if (a.accessType === 'follow_up') expect(a.attrs['classQuotas']).toBeUndefined();
    }
    const firstWithQuotas = region.agendas.filter((a) => a.accessType === 'first' && a.attrs['classQuotas'] !== undefined);
    expect(firstWithQuotas.length).toBeGreaterThan(4000);
    expect(firstWithQuotas[0]?.attrs['classQuotas']).toMatchObject({ U: 0.05, B: 0.15 });
  });

  it('links agendas to their clinic, ATS, provider and resource', () => {
    const byId = new Map(region.orgUnits.map((u) => [u.id, u]));
    for (const a of region.agendas) {
      const clinic = byId.get(a.clinicId);
      expect(clinic?.level).toBe('clinic');
      expect([a.atsId, a.providerId]).toEqual([clinic?.atsId, clinic?.providerId]);
      if (a.resourceId !== null) expect(byId.get(a.resourceId)?.parentId).toBe(a.clinicId);
    }
    const serviceIds = new Set(region.services.map((s) => s.id));
    for (const x of region.agendaServices) expect(serviceIds.has(x.serviceId)).toBe(true);
  });

  it('writes templates the engine accepts: valid times, slot lengths that fit, no overlap', () => {
    const byAgenda = groupBy(region.agendaTemplates, (t) => t.agendaId);
    for (const a of region.agendas) {
      const r = validateTemplates(byAgenda.get(a.id) ?? [], { from: a.validFrom, to: a.validTo });
      expect(r.ok ? 'ok' : r.error, a.id).toBe('ok');
    }
  });

  it('sets only attributes the engine knows, with valid values, at every level', () => {
    for (const u of region.orgUnits) {
      const r = validateAttributes(u.attrs);
      expect(r.ok ? 'ok' : r.error, u.id).toBe('ok');
    }
    for (const a of region.agendas) {
      const r = validateAttributes(a.attrs);
      expect(r.ok ? 'ok' : r.error, a.id).toBe('ok');
    }
  });

  it('exercises inheritance: overrides at ATS, provider, site, unit, clinic and agenda level', () => {
    const withAttr = (level: OrgUnitRow['level'], key: string) => byLevel(region, level).filter((u) => u.attrs[key] !== undefined);
    expect(byLevel(region, 'region')[0]?.attrs).toMatchObject({ bookingHorizonDays: 91, regimes: ['SSN'] });
    expect(withAttr('ats', 'reminderDaysBefore')).toHaveLength(1);
    const dual = withAttr('provider', 'regimes');
    expect(dual.length).toBeGreaterThan(10);
    for (const p of dual) expect([p.providerKind, p.attrs['regimes']]).toEqual(['private', ['SSN', 'private']]);
    expect(withAttr('site', 'channels').length).toBeGreaterThan(0);
    expect(withAttr('unit', 'reminderDaysBefore').length).toBeGreaterThan(0);
    const noWeb = withAttr('clinic', 'channels');
    expect(noWeb.length).toBeGreaterThan(0);
    for (const c of noWeb) expect(c.attrs['channels']).not.toContain('web');
    const alpi = region.agendas.filter((a) => (a.attrs['regimes'] as string[] | undefined)?.includes('ALPI'));
    expect(alpi.length).toBeGreaterThan(0);
    const kindOf = new Map(byLevel(region, 'provider').map((p) => [p.id, p.providerKind]));
    for (const a of alpi) expect(kindOf.get(a.providerId)).not.toBe('private');
  });

  it('closes a few agendas for a few days inside their validity', () => {
    expect(region.agendaClosures.length).toBeGreaterThan(0);
    for (const c of region.agendaClosures) {
      expect(c.to >= c.from).toBe(true);
      expect(c.from >= region.range.from && c.to <= region.validity.to).toBe(true);
    }
  });

  it('loads the whole catalogue with its code versions', () => {
    expect(region.services).toHaveLength(ref.services.length);
    expect(region.services.filter((s) => s.pnglaMonitored)).toHaveLength(69);
    expect(region.serviceCodes.filter((c) => c.system === 'LEA2024')).toEqual([
      { serviceId: 'svc-89.7.08', system: 'LEA2024', code: '89.7A.3', validFrom: '2024-12-30', validTo: null },
    ]);
  });
});

describe('region plan determinism', () => {
  it('gives an identical plan for the same seed', () => {
    expect(planRegion({ scale: 'region', seed: 42, startDate: START }, ref)).toEqual(region);
  });

  it('gives a different region for another seed', () => {
    const other = planRegion({ scale: 'region', seed: 43, startDate: START }, ref);
    expect(other.agendaTemplates).not.toEqual(region.agendaTemplates);
    expect(other.shortages).not.toEqual(region.shortages);
  });

  it('never calls Math.random', () => {
    const spy = vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random called');
    });
    planRegion({ scale: 'demo', seed: 1, startDate: START }, ref);
    expect(spy).not.toHaveBeenCalled();
  });
});

describe('region plan at demo scale', () => {
  it('is small: 3 ATS, 6 providers, 30 clinics, 4 weeks, about ten thousand slots', () => {
    const s = summarizePlan(demo);
    expect([s.ats, s.providers.total, s.clinics]).toEqual([3, 6, 30]);
    expect(demo.range).toEqual({ from: START, to: '2026-03-29' });
    expect(s.estimatedSlots).toBeGreaterThan(5_000);
    expect(s.estimatedSlots).toBeLessThan(15_000);
  });

  it('offers every service of the catalogue and every kind of clinic', () => {
    const offered = new Set(demo.agendaServices.map((x) => x.serviceId));
    expect(offered.size).toBe(demo.services.length);
    const labels = new Set(byLevel(demo, 'clinic').map((c) => c.name.split(' - ')[0]!.replace(/ \d+$/, '').replace(/^Ambulatorio /, '')));
    expect(labels.size).toBe(CLINIC_PROFILES.length);
  });

  it('is a well-formed tree with overrides, ALPI, closures and a clinic without web booking', () => {
    expectWellFormedTree(demo);
    expect(byLevel(demo, 'provider').some((p) => p.attrs['regimes'] !== undefined)).toBe(true);
    expect(byLevel(demo, 'clinic').some((c) => c.attrs['channels'] !== undefined)).toBe(true);
    expect(demo.agendas.some((a) => a.attrs['regimes'] !== undefined)).toBe(true);
    expect(demo.agendaClosures.length).toBeGreaterThan(0);
  });

  it('honours a custom number of weeks', () => {
    const p = planRegion({ scale: 'demo', seed: 42, startDate: START, weeks: 1 }, ref);
    expect(p.range).toEqual({ from: START, to: '2026-03-08' });
    expect(p.validity).toEqual({ from: START, to: '2027-03-01' });
  });

  it('rejects a bad start date or number of weeks', () => {
    expect(() => planRegion({ scale: 'demo', seed: 1, startDate: '2026-02-30' }, ref)).toThrow(RangeError);
    expect(() => planRegion({ scale: 'demo', seed: 1, startDate: START, weeks: 0 }, ref)).toThrow(RangeError);
  });
});

describe('apportion', () => {
  it('splits a total in proportion to weights, summing exactly', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(7, [3, 1])).toEqual([5, 2]);
    expect(apportion(0, [1, 2])).toEqual([0, 0]);
  });

  it('gives every part at least the minimum when the total allows it', () => {
    expect(apportion(5, [100, 1, 1], 1)).toEqual([3, 1, 1]);
  });
});
