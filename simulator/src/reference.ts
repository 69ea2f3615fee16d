/**
 * Typed access to the reference data in /reference (branches, catalogue, holidays, Lombardy organisations).
 * `loadReference` reads the files (the only I/O here); `parseReference` checks already-parsed JSON and returns
 * the typed data that the pure generators take. Problems in the files are programming/data errors: they throw
 * with the file and the JSON path of the offending field.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateHolidayCalendarData, type HolidayCalendarData } from '../../engine/src/domain/calendar/holidays.ts';
import type { LocalDate } from '../../engine/src/domain/offer/types.ts';

export type { HolidayCalendarData } from '../../engine/src/domain/calendar/holidays.ts';

export interface BranchRef {
  code: string;
  name: string;
}

export type ServiceKind = 'visit' | 'instrumental' | 'lab';
export type CodeSystem = 'DM1996' | 'LEA2024' | 'regional';

export interface ServiceCodeRef {
  system: CodeSystem;
  /** null: the code in that system is not known (no row is loaded for it). */
  code: string | null;
  valid_from: LocalDate;
  valid_to: LocalDate | null;
}

export interface ServiceRef {
  /** 1..69 for PNGLA-monitored services, null otherwise. */
  pngla_number: number | null;
  name: string;
  national_code: string;
  discipline?: string;
  regional_code: string;
  branch_code: string;
  kind: ServiceKind;
  tariff_cents: number;
  duration_min: number;
  sex: 'F' | 'M' | null;
  min_age: number | null;
  max_age: number | null;
  codes: ServiceCodeRef[];
}

export interface RegionRef {
  code: string;
  name: string;
  attrs: Record<string, unknown>;
}

export interface AtsRef {
  code: string;
  name: string;
  shortName: string;
  provinces: string[];
  /** Belfiore code of the seat municipality */
  seat: string;
  population: number;
}

export interface PublicProviderRef {
  code: string;
  name: string;
  /** ATS code */
  ats: string;
  /** Belfiore codes where the provider has sites; the first is the seat. */
  municipalities: string[];
  /** IRCCS only: the branches it focuses on (null = general hospital). */
  focus?: string[] | null;
}

export interface MunicipalityRef {
  code: string;
  name: string;
  province: string;
  ats: string;
}

export interface LombardyRef {
  region: RegionRef;
  ats: AtsRef[];
  asst: PublicProviderRef[];
  irccs: PublicProviderRef[];
  municipalities: MunicipalityRef[];
  publicProviderCount: number;
  privateAccreditedCount: number;
}

export interface ReferenceData {
  branches: BranchRef[];
  services: ServiceRef[];
  holidays: HolidayCalendarData;
  lombardy: LombardyRef;
}

/** The parsed contents of the four files, as read from disk. */
export interface RawReference {
  branches: unknown;
  services: unknown;
  holidays: unknown;
  lombardy: unknown;
}

export const REFERENCE_FILES = {
  branches: 'branches.json',
  services: 'pngla-services.json',
  holidays: 'holidays.json',
  lombardy: 'lombardy.json',
} as const;

/** /reference at the repository root. */
export const defaultReferenceDir = (): string => fileURLToPath(new URL('../../reference/', import.meta.url));

/** Reads and checks the reference files of a folder (default: the repository's /reference). */
export function loadReference(dir: string = defaultReferenceDir()): ReferenceData {
  const read = (file: string): unknown => JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown;
  return parseReference({
    branches: read(REFERENCE_FILES.branches),
    services: read(REFERENCE_FILES.services),
    holidays: read(REFERENCE_FILES.holidays),
    lombardy: read(REFERENCE_FILES.lombardy),
  });
}

// ---------------------------------------------------------------------------------------------
// Checks (pure)
// ---------------------------------------------------------------------------------------------

class ReferenceDataError extends Error {
  constructor(file: string, path: string, message: string) {
    super(`${file}${path}: ${message}`);
    this.name = 'ReferenceDataError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function fieldReader(file: string) {
  const fail = (path: string, message: string): never => {
    throw new ReferenceDataError(file, path, message);
  };
  const obj = (v: unknown, path: string): Obj => (isObj(v) ? v : fail(path, 'must be an object'));
  const arr = (v: unknown, path: string): unknown[] => (Array.isArray(v) ? v : fail(path, 'must be an array'));
  const str = (o: Obj, k: string, path: string): string => {
    const v = o[k];
    return typeof v === 'string' && v.length > 0 ? v : fail(`${path}/${k}`, 'must be a non-empty string');
  };
  const int = (o: Obj, k: string, path: string, min = 0): number => {
    const v = o[k];
    return typeof v === 'number' && Number.isInteger(v) && v >= min ? v : fail(`${path}/${k}`, `must be an integer >= ${min}`);
  };
  const intOrNull = (o: Obj, k: string, path: string, min = 0): number | null => (o[k] === null || o[k] === undefined ? null : int(o, k, path, min));
  const strArr = (o: Obj, k: string, path: string): string[] =>
    arr(o[k], `${path}/${k}`).map((v, i) => (typeof v === 'string' && v.length > 0 ? v : fail(`${path}/${k}/${i}`, 'must be a non-empty string')));
  const date = (o: Obj, k: string, path: string): LocalDate => {
    const v = str(o, k, path);
    return DATE_RE.test(v) ? v : fail(`${path}/${k}`, 'must be a date YYYY-MM-DD');
  };
  const dateOrNull = (o: Obj, k: string, path: string): LocalDate | null => (o[k] === null || o[k] === undefined ? null : date(o, k, path));
  return { fail, obj, arr, str, int, intOrNull, strArr, date, dateOrNull };
}

function parseBranches(raw: unknown): BranchRef[] {
  const r = fieldReader(REFERENCE_FILES.branches);
  const list = r.arr(r.obj(raw, '').branches, '/branches');
  const out = list.map((b, i) => {
    const o = r.obj(b, `/branches/${i}`);
    return { code: r.str(o, 'code', `/branches/${i}`), name: r.str(o, 'name', `/branches/${i}`) };
  });
  const codes = new Set<string>();
  out.forEach((b, i) => {
    if (codes.has(b.code)) r.fail(`/branches/${i}/code`, `duplicate branch code ${b.code}`);
    codes.add(b.code);
  });
  return out;
}

const SERVICE_KINDS: readonly ServiceKind[] = ['visit', 'instrumental', 'lab'];
const CODE_SYSTEMS: readonly CodeSystem[] = ['DM1996', 'LEA2024', 'regional'];

function parseServices(raw: unknown, branchCodes: ReadonlySet<string>): ServiceRef[] {
  const r = fieldReader(REFERENCE_FILES.services);
  const list = r.arr(r.obj(raw, '').services, '/services');
  const regional = new Set<string>();
  const pngla = new Set<number>();
  return list.map((s, i) => {
    const p = `/services/${i}`;
    const o = r.obj(s, p);
    const kind = r.str(o, 'kind', p);
    if (!(SERVICE_KINDS as readonly string[]).includes(kind)) r.fail(`${p}/kind`, `must be one of ${SERVICE_KINDS.join(', ')}`);
    const branch = r.str(o, 'branch_code', p);
    if (!branchCodes.has(branch)) r.fail(`${p}/branch_code`, `unknown branch ${branch}`);
    const regionalCode = r.str(o, 'regional_code', p);
    if (regional.has(regionalCode)) r.fail(`${p}/regional_code`, `duplicate regional code ${regionalCode}`);
    regional.add(regionalCode);
    const pnglaNumber = r.intOrNull(o, 'pngla_number', p, 1);
    if (pnglaNumber !== null) {
      if (pngla.has(pnglaNumber)) r.fail(`${p}/pngla_number`, `duplicate PNGLA number ${pnglaNumber}`);
      pngla.add(pnglaNumber);
    }
    const sex = o['sex'] ?? null;
    if (sex !== null && sex !== 'F' && sex !== 'M') r.fail(`${p}/sex`, "must be 'F', 'M' or null");
    const minAge = r.intOrNull(o, 'min_age', p);
    const maxAge = r.intOrNull(o, 'max_age', p);
    if (minAge !== null && maxAge !== null && minAge > maxAge) r.fail(`${p}/max_age`, 'must be >= min_age');
    const codes = r.arr(o['codes'], `${p}/codes`).map((c, j) => {
      const cp = `${p}/codes/${j}`;
      const co = r.obj(c, cp);
      const system = r.str(co, 'system', cp);
      if (!(CODE_SYSTEMS as readonly string[]).includes(system)) r.fail(`${cp}/system`, `must be one of ${CODE_SYSTEMS.join(', ')}`);
      const code = co['code'] === null ? null : r.str(co, 'code', cp);
      return { system: system as CodeSystem, code, valid_from: r.date(co, 'valid_from', cp), valid_to: r.dateOrNull(co, 'valid_to', cp) };
    });
    const out: ServiceRef = {
      pngla_number: pnglaNumber,
      name: r.str(o, 'name', p),
      national_code: r.str(o, 'national_code', p),
      regional_code: regionalCode,
      branch_code: branch,
      kind: kind as ServiceKind,
      tariff_cents: r.int(o, 'tariff_cents', p),
      duration_min: r.int(o, 'duration_min', p, 1),
      sex: sex as 'F' | 'M' | null,
      min_age: minAge,
      max_age: maxAge,
      codes,
    };
    if (typeof o['discipline'] === 'string') out.discipline = o['discipline'];
    return out;
  });
}

function parseLombardy(raw: unknown): LombardyRef {
  const r = fieldReader(REFERENCE_FILES.lombardy);
  const root = r.obj(raw, '');
  const region = r.obj(root['region'], '/region');
  const ats = r.arr(root['ats'], '/ats').map((a, i) => {
    const p = `/ats/${i}`;
    const o = r.obj(a, p);
    return {
      code: r.str(o, 'code', p),
      name: r.str(o, 'name', p),
      shortName: r.str(o, 'shortName', p),
      provinces: r.strArr(o, 'provinces', p),
      seat: r.str(o, 'seat', p),
      population: r.int(o, 'population', p, 1),
    };
  });
  const atsCodes = new Set(ats.map((a) => a.code));
  const municipalities = r.arr(root['municipalities'], '/municipalities').map((m, i) => {
    const p = `/municipalities/${i}`;
    const o = r.obj(m, p);
    const code = r.str(o, 'code', p);
    if (!/^[A-Z]\d{3}$/.test(code)) r.fail(`${p}/code`, 'must be a Belfiore code such as F205');
    const atsCode = r.str(o, 'ats', p);
    if (!atsCodes.has(atsCode)) r.fail(`${p}/ats`, `unknown ATS ${atsCode}`);
    return { code, name: r.str(o, 'name', p), province: r.str(o, 'province', p), ats: atsCode };
  });
  const munCodes = new Set(municipalities.map((m) => m.code));
  ats.forEach((a, i) => {
    if (!munCodes.has(a.seat)) r.fail(`/ats/${i}/seat`, `municipality ${a.seat} is not listed in /municipalities`);
  });
  const providers = (key: 'asst' | 'irccs'): PublicProviderRef[] =>
    r.arr(root[key], `/${key}`).map((x, i) => {
      const p = `/${key}/${i}`;
      const o = r.obj(x, p);
      const atsCode = r.str(o, 'ats', p);
      if (!atsCodes.has(atsCode)) r.fail(`${p}/ats`, `unknown ATS ${atsCode}`);
      const mun = r.strArr(o, 'municipalities', p);
      if (mun.length === 0) r.fail(`${p}/municipalities`, 'needs at least one municipality');
      mun.forEach((c, j) => {
        if (!munCodes.has(c)) r.fail(`${p}/municipalities/${j}`, `municipality ${c} is not listed in /municipalities`);
      });
      const out: PublicProviderRef = { code: r.str(o, 'code', p), name: r.str(o, 'name', p), ats: atsCode, municipalities: mun };
      if (o['focus'] !== undefined) out.focus = o['focus'] === null ? null : r.strArr(o, 'focus', p);
      return out;
    });
  return {
    region: { code: r.str(region, 'code', '/region'), name: r.str(region, 'name', '/region'), attrs: r.obj(region['attrs'], '/region/attrs') },
    ats,
    asst: providers('asst'),
    irccs: providers('irccs'),
    municipalities,
    publicProviderCount: r.int(root, 'publicProviderCount', ''),
    privateAccreditedCount: r.int(root, 'privateAccreditedCount', ''),
  };
}

/** Checks parsed reference JSON and returns it typed. Throws ReferenceDataError (file + JSON path) on bad data. */
export function parseReference(raw: RawReference): ReferenceData {
  const branches = parseBranches(raw.branches);
  const services = parseServices(raw.services, new Set(branches.map((b) => b.code)));
  const holidays = validateHolidayCalendarData(raw.holidays);
  if (!holidays.ok) throw new ReferenceDataError(REFERENCE_FILES.holidays, holidays.error.path ?? '', holidays.error.message);
  return { branches, services, holidays: holidays.value, lombardy: parseLombardy(raw.lombardy) };
}
