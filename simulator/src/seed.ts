/**
 * Writes a region plan into the offer schema with COPY (Db.copyRows), table by table in foreign-key order:
 * org_unit, branch, service, service_code, agenda, agenda_service, agenda_template, agenda_closure, slot.
 *
 * Slots are streamed: they are generated agenda by agenda from the templates (engine slot generation, with the
 * national holidays and the patron day of the clinic's municipality) and fed to copyRows in chunks, so millions
 * of slots never sit in memory at once.
 *
 * Not transactional by itself: to load all-or-nothing, call it inside `db.transaction((tx) => seedRegion(tx, ...))`.
 */
import { holidaysFor } from '../../engine/src/domain/calendar/holidays.ts';
import { iterateSlots } from '../../engine/src/domain/offer/slot-generation.ts';
import type { ClassQuotas, DateRange, GeneratedSlot, LocalDate, TemplateRule } from '../../engine/src/domain/offer/types.ts';
import type { Queryable } from '../../engine/src/store/db.ts';
import { clinicMunicipalities, estimateSlots, groupBy, yearsOf, type AgendaRow, type RegionPlan } from './region-plan.ts';

export const SEED_TABLES = [
  'org_unit',
  'branch',
  'service',
  'service_code',
  'agenda',
  'agenda_service',
  'agenda_template',
  'agenda_closure',
  'slot',
] as const;
export type SeedTable = (typeof SEED_TABLES)[number];

/**
 * Produces one agenda's slots. `range` is the plan's slot range (the agenda's validity is usually longer:
 * generate only inside the range).
 */
export type GenerateSlotsFn = (
  agenda: AgendaRow,
  templates: readonly TemplateRule[],
  closures: readonly DateRange[],
  holidays: ReadonlyMap<LocalDate, string>,
  range: DateRange,
) => Iterable<GeneratedSlot>;

export interface SeedOptions {
  /** Called after every chunk written: rows done and expected in the phase (a table name). */
  onProgress?: (done: number, total: number, phase: string) => void;
  /** Slot generator; default: the engine's iterateSlots with the agenda's classQuotas. */
  generateSlots?: GenerateSlotsFn;
  /** Rows per COPY statement (default 50,000). */
  chunkSize?: number;
}

export interface SeedResult {
  /** rows written per table */
  rows: Record<SeedTable, number>;
}

export const DEFAULT_CHUNK_SIZE = 50_000;

/** The engine's slot generation, limited to the plan's range, with the agenda's own class quotas. */
export const defaultGenerateSlots: GenerateSlotsFn = (agenda, templates, closures, holidays, range) =>
  iterateSlots({
    validity: { from: agenda.validFrom, to: agenda.validTo },
    templates,
    closures,
    holidays,
    range,
    classQuotas: agenda.attrs['classQuotas'] as ClassQuotas | undefined,
  });

/** Column lists of each table, in the order the row tuples below use. */
export const SEED_COLUMNS: Readonly<Record<SeedTable, readonly string[]>> = {
  org_unit: ['id', 'level', 'parent_id', 'code', 'name', 'provider_kind', 'ats_id', 'provider_id', 'municipality', 'population', 'attrs'],
  branch: ['code', 'name'],
  service: [
    'id', 'regional_code', 'national_code', 'name', 'branch_code', 'kind', 'pngla_monitored', 'pngla_number',
    'tariff_cents', 'duration_min', 'sex', 'min_age', 'max_age',
  ],
  service_code: ['service_id', 'system', 'code', 'valid_from', 'valid_to'],
  agenda: ['id', 'clinic_id', 'resource_id', 'ats_id', 'provider_id', 'name', 'access_type', 'valid_from', 'valid_to', 'status', 'attrs'],
  agenda_service: ['agenda_id', 'service_id'],
  agenda_template: ['agenda_id', 'weekday', 'start_time', 'end_time', 'slot_minutes', 'capacity', 'valid_from', 'valid_to'],
  agenda_closure: ['agenda_id', 'from_date', 'to_date', 'reason'],
  slot: ['agenda_id', 'start_at', 'end_at', 'local_date', 'capacity', 'reserved_class'],
};

function* mapRows<T>(items: readonly T[], toRow: (item: T) => readonly unknown[]): Generator<readonly unknown[]> {
  for (const item of items) yield toRow(item);
}


/** Row tuples of the plan's tables (everything except slots), lazily. */
export function planRows(plan: RegionPlan): Record<Exclude<SeedTable, 'slot'>, { count: number; rows: Iterable<readonly unknown[]> }> {
  return {
    org_unit: {
      count: plan.orgUnits.length,
      rows: mapRows(plan.orgUnits, (u) => [u.id, u.level, u.parentId, u.code, u.name, u.providerKind, u.atsId, u.providerId, u.municipality, u.population, u.attrs]),
    },
    branch: { count: plan.branches.length, rows: mapRows(plan.branches, (b) => [b.code, b.name]) },
    service: {
      count: plan.services.length,
      rows: mapRows(plan.services, (s) => [
        s.id, s.regionalCode, s.nationalCode, s.name, s.branchCode, s.kind, s.pnglaMonitored, s.pnglaNumber,
        s.tariffCents, s.durationMin, s.sex, s.minAge, s.maxAge,
      ]),
    },
    service_code: { count: plan.serviceCodes.length, rows: mapRows(plan.serviceCodes, (c) => [c.serviceId, c.system, c.code, c.validFrom, c.validTo]) },
    agenda: {
      count: plan.agendas.length,
      rows: mapRows(plan.agendas, (a) => [a.id, a.clinicId, a.resourceId, a.atsId, a.providerId, a.name, a.accessType, a.validFrom, a.validTo, a.status, a.attrs]),
    },
    agenda_service: { count: plan.agendaServices.length, rows: mapRows(plan.agendaServices, (x) => [x.agendaId, x.serviceId]) },
    agenda_template: {
      count: plan.agendaTemplates.length,
      rows: mapRows(plan.agendaTemplates, (t) => [t.agendaId, t.weekday, t.start, t.end, t.slotMinutes, t.capacity, t.validFrom ?? null, t.validTo ?? null]),
    },
    agenda_closure: { count: plan.agendaClosures.length, rows: mapRows(plan.agendaClosures, (c) => [c.agendaId, c.from, c.to, c.reason]) },
  };
}

/**
 * Slot row tuples of the whole plan, generated agenda by agenda (never all in memory). Holidays are the national
 * ones plus the patron day of each clinic's municipality.
 */
export function* slotRows(plan: RegionPlan, generate: GenerateSlotsFn = defaultGenerateSlots): Generator<readonly unknown[]> {
  const templatesByAgenda = groupBy(plan.agendaTemplates, (t) => t.agendaId);
  const closuresByAgenda = groupBy(plan.agendaClosures, (c) => c.agendaId);
  const municipalityOf = clinicMunicipalities(plan);
  const years = yearsOf(plan.range);
  const holidayCache = new Map<string, Map<LocalDate, string>>();
  for (const agenda of plan.agendas) {
    const municipality = municipalityOf.get(agenda.clinicId) ?? null;
    const key = municipality ?? '';
    let holidays = holidayCache.get(key);
    if (holidays === undefined) {
      holidays = holidaysFor(plan.holidays, years, municipality ?? undefined);
      holidayCache.set(key, holidays);
    }
    const templates: TemplateRule[] = (templatesByAgenda.get(agenda.id) ?? []).map((t) => ({
      weekday: t.weekday,
      start: t.start,
      end: t.end,
      slotMinutes: t.slotMinutes,
      capacity: t.capacity,
      validFrom: t.validFrom,
      validTo: t.validTo,
    }));
    const closures = (closuresByAgenda.get(agenda.id) ?? []).map((c) => ({ from: c.from, to: c.to }));
    for (const s of generate(agenda, templates, closures, holidays, plan.range)) {
      yield [agenda.id, s.startAt, s.endAt, s.localDate, s.capacity, s.reservedClass];
    }
  }
}

/**
 * Feeds rows to copyRows in chunks of at most chunkSize rows, pulling them lazily from the iterable.
 * Returns the rows written; onChunk gets the running total after each COPY.
 */
export async function copyInChunks(
  db: Queryable,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly unknown[]>,
  chunkSize: number,
  onChunk?: (written: number) => void,
): Promise<number> {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  const it = rows[Symbol.iterator]();
  let written = 0;
  let head = it.next();
  while (head.done !== true) {
    const first = head.value;
    let exhausted = false;
    const chunk = function* (): Generator<readonly unknown[]> {
      yield first;
      for (let i = 1; i < chunkSize; i++) {
        const r = it.next();
        if (r.done === true) {
          exhausted = true;
          return;
        }
        yield r.value;
      }
    };
    written += await db.copyRows(table, columns, chunk());
    onChunk?.(written);
    if (exhausted) break;
    head = it.next();
  }
  return written;
}

/**
 * Writes the plan (and its slots) with COPY, table by table in foreign-key order. The tables must exist
 * (migrations run) and must not already hold rows with the plan's ids.
 */
export async function seedRegion(db: Queryable, plan: RegionPlan, opts: SeedOptions = {}): Promise<SeedResult> {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const progress = opts.onProgress;
  const rows = {} as Record<SeedTable, number>;
  const tables = planRows(plan);
  for (const table of SEED_TABLES) {
    if (table === 'slot') continue;
    const { count, rows: tuples } = tables[table];
    progress?.(0, count, table);
    rows[table] = count === 0 ? 0 : await copyInChunks(db, table, SEED_COLUMNS[table], tuples, chunkSize, (done) => progress?.(done, count, table));
  }
  const expected = estimateSlots(plan);
  progress?.(0, expected, 'slot');
  rows.slot = await copyInChunks(db, 'slot', SEED_COLUMNS.slot, slotRows(plan, opts.generateSlots), chunkSize, (done) =>
    progress?.(done, Math.max(expected, done), 'slot'),
  );
  if (rows.slot !== expected) progress?.(rows.slot, rows.slot, 'slot');
  return { rows };
}
