/**
 * Inheritable offer attributes. Any attribute can be set at any level of the organisation tree (and on an
 * agenda or a single slot); the effective value is the most specific one set, else the built-in default,
 * and resolution explains where each value came from and what it shadowed. Pure.
 */
import { err, ok, type Result } from '../shared/result.ts';
import { validateQuotas } from './quotas.ts';
import {
  CHANNELS,
  PRIORITY_CLASSES,
  REGIMES,
  type Channel,
  type ClassQuotas,
  type PriorityClass,
  type QuotaReleaseDays,
  type Regime,
} from './types.ts';

/** Levels an attribute can be set at, most specific first. */
export const ATTRIBUTE_LEVELS = ['slot', 'agenda', 'resource', 'clinic', 'unit', 'site', 'provider', 'ats', 'region'] as const;
export type AttributeLevel = (typeof ATTRIBUTE_LEVELS)[number];

export interface EffectiveAttributes {
  channels: readonly Channel[];
  regimes: readonly Regime[];
  bookingHorizonDays: number;
  classQuotas: Readonly<ClassQuotas>;
  quotaReleaseDays: Readonly<QuotaReleaseDays>;
  holdMinutes: number;
  cancellationCutoffWorkingDays: number;
  reminderDaysBefore: readonly number[];
}
export type AttributeKey = keyof EffectiveAttributes;
/** Attributes set at one level: any subset. */
export type Attributes = { [K in AttributeKey]?: EffectiveAttributes[K] | undefined };

export interface AttributeSpec<T> {
  readonly description: string;
  readonly default: T;
  /** checks a value; the error path is `path` or deeper */
  readonly validate: (value: unknown, path: string) => Result<T>;
}

// ---------------------------------------------------------------------------------------------
// Value validators
// ---------------------------------------------------------------------------------------------

const invalid = (message: string, path: string): Result<never> => err('ATTRIBUTE_INVALID', message, path);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const intIn =
  (min: number, max: number) =>
  (value: unknown, path: string): Result<number> =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
      ? ok(value)
      : invalid(`must be an integer from ${min} to ${max}`, path);

const nonEmptySubsetOf =
  <T extends string>(allowed: readonly T[], what: string) =>
  (value: unknown, path: string): Result<readonly T[]> => {
    if (!Array.isArray(value) || value.length === 0) return invalid(`must be a non-empty list of ${what}`, path);
    for (const [i, v] of value.entries()) {
      if (!allowed.includes(v as T)) return invalid(`must be one of ${allowed.join(', ')}`, `${path}/${i}`);
      if (value.indexOf(v) !== i) return invalid(`${String(v)} is listed twice`, `${path}/${i}`);
    }
    return ok([...(value as T[])]);
  };

const distinctIntsIn =
  (min: number, max: number) =>
  (value: unknown, path: string): Result<readonly number[]> => {
    if (!Array.isArray(value)) return invalid('must be a list of integers', path);
    const check = intIn(min, max);
    for (const [i, v] of value.entries()) {
      const r = check(v, `${path}/${i}`);
      if (!r.ok) return r;
      if (value.indexOf(v) !== i) return invalid(`${String(v)} is listed twice`, `${path}/${i}`);
    }
    return ok([...(value as number[])]);
  };

const classQuotasValue = (value: unknown, path: string): Result<ClassQuotas> => {
  const r = validateQuotas(value, path);
  return r.ok ? r : invalid(r.error.message, r.error.path ?? path);
};

const releaseDaysValue = (value: unknown, path: string): Result<QuotaReleaseDays> => {
  if (!isRecord(value)) return invalid('must be an object such as {"B": 2}', path);
  const out: QuotaReleaseDays = {};
  const days = intIn(0, 365);
  for (const [k, v] of Object.entries(value)) {
    if (!(PRIORITY_CLASSES as readonly string[]).includes(k)) return invalid(`unknown priority class ${k}`, `${path}/${k}`);
    const r = days(v, `${path}/${k}`);
    if (!r.ok) return r;
    out[k as PriorityClass] = r.value;
  }
  return ok(out);
};

const deepFreeze = <T>(v: T): T => {
  if (typeof v === 'object' && v !== null) {
    for (const inner of Object.values(v)) deepFreeze(inner);
    Object.freeze(v);
  }
  return v;
};

// ---------------------------------------------------------------------------------------------
// The registry: every inheritable attribute, its built-in default and its validator
// ---------------------------------------------------------------------------------------------

export const ATTRIBUTE_REGISTRY: { readonly [K in AttributeKey]: AttributeSpec<EffectiveAttributes[K]> } = deepFreeze({
  channels: {
    description: 'booking channels that may book the offer',
    default: [...CHANNELS],
    validate: nonEmptySubsetOf(CHANNELS, 'channels'),
  },
  regimes: {
    description: 'regimes the offer is delivered under (SSN, ALPI, private)',
    default: ['SSN'],
    validate: nonEmptySubsetOf(REGIMES, 'regimes'),
  },
  bookingHorizonDays: {
    description: 'how many days ahead a slot can be booked',
    default: 91,
    validate: intIn(1, 730),
  },
  classQuotas: {
    description: 'share of each day’s slots reserved to each priority class',
    default: {},
    validate: classQuotasValue,
  },
  quotaReleaseDays: {
    description: 'days before the slot when a class reservation is released to everyone',
    default: { U: 1, B: 2, D: 5, P: 10 },
    validate: releaseDaysValue,
  },
  holdMinutes: {
    description: 'how long a hold lasts before it expires',
    default: 10,
    validate: intIn(1, 120),
  },
  cancellationCutoffWorkingDays: {
    description: 'working days before the appointment after which cancelling counts as a no-show',
    default: 2,
    validate: intIn(0, 10),
  },
  reminderDaysBefore: {
    description: 'days before the appointment when a reminder is sent',
    default: [3],
    validate: distinctIntsIn(0, 365),
  },
});

export const ATTRIBUTE_KEYS = Object.keys(ATTRIBUTE_REGISTRY) as AttributeKey[];

const isAttributeKey = (k: string): k is AttributeKey => Object.hasOwn(ATTRIBUTE_REGISTRY, k);

/**
 * Checks attributes set at one level. Unknown keys: ATTRIBUTE_UNKNOWN; bad values: ATTRIBUTE_INVALID;
 * path `${basePath}/<key>` or deeper. An undefined value means "not set" and is dropped.
 */
export const validateAttributes = (input: unknown, basePath = '/attrs'): Result<Attributes> => {
  if (!isRecord(input)) return invalid('attributes must be an object', basePath);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (!isAttributeKey(key)) {
      return err('ATTRIBUTE_UNKNOWN', `unknown attribute ${key} (known: ${ATTRIBUTE_KEYS.join(', ')})`, `${basePath}/${key}`);
    }
    if (value === undefined) continue;
    const r = ATTRIBUTE_REGISTRY[key].validate(value, `${basePath}/${key}`);
    if (!r.ok) return r;
    out[key] = r.value;
  }
  return ok(out as Attributes);
};

// ---------------------------------------------------------------------------------------------
// Resolution with explanation
// ---------------------------------------------------------------------------------------------

export interface AttributeLevelInput {
  level: string;
  id: string;
  name?: string | undefined;
  attrs: Attributes | null | undefined;
}

export interface AttributeSource {
  /** the level that set the value, or 'default' when nobody did */
  level: string;
  id: string | null;
  name?: string;
}

export interface AttributeExplanation<T> {
  value: T;
  source: AttributeSource;
  /** less specific levels that also set the attribute, most specific first */
  shadowed: { level: string; id: string; value: T }[];
}

export type AttributesExplanation = { [K in AttributeKey]: AttributeExplanation<EffectiveAttributes[K]> };

export interface ResolvedAttributes {
  effective: EffectiveAttributes;
  explain: AttributesExplanation;
}

const resolveOne = <K extends AttributeKey>(
  key: K,
  chain: readonly AttributeLevelInput[],
): AttributeExplanation<EffectiveAttributes[K]> => {
  const setters = chain.filter((l) => l.attrs?.[key] !== undefined);
  const [winner, ...rest] = setters;
  const shadowed = rest.map((l) => ({ level: l.level, id: l.id, value: l.attrs?.[key] as EffectiveAttributes[K] }));
  if (winner === undefined) {
    return { value: ATTRIBUTE_REGISTRY[key].default, source: { level: 'default', id: null }, shadowed };
  }
  const source: AttributeSource = { level: winner.level, id: winner.id, ...(winner.name !== undefined ? { name: winner.name } : {}) };
  return { value: winner.attrs?.[key] as EffectiveAttributes[K], source, shadowed };
};

/** Effective attributes of a chain of levels ordered most specific first, with where each value came from. */
export const resolveAttributes = (chain: readonly AttributeLevelInput[]): ResolvedAttributes => {
  const explain = {} as Record<AttributeKey, AttributeExplanation<unknown>>;
  const effective = {} as Record<AttributeKey, unknown>;
  for (const key of ATTRIBUTE_KEYS) {
    const e = resolveOne(key, chain);
    explain[key] = e;
    effective[key] = e.value;
  }
  return { effective: effective as unknown as EffectiveAttributes, explain: explain as unknown as AttributesExplanation };
};
