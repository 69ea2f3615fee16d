/**
 * Priority-class maximum waits as data: the shape of reference/priority-classes.json, its validation, and the
 * Lombardy rules loaded from that file (the default of every guarantee function). Pure: a static JSON import.
 */
import priorityClassesJson from '../../../../reference/priority-classes.json' with { type: 'json' };
import { PRIORITY_CLASSES, type PriorityClass } from '../offer/types.ts';
import { SERVICE_KINDS, type ServiceKind } from '../prescription/catalogue-entry.ts';
import { err, ok, type Result } from '../shared/result.ts';

export type GuaranteeAreaRule = 'ats' | 'region';

export interface ClassRule {
  /** set for U: the wait is counted in hours from the booking instant */
  maxWaitHours: number | null;
  maxWaitDays: Readonly<Record<ServiceKind, number>>;
}

export interface GuaranteeRules {
  classes: Readonly<Record<PriorityClass, ClassRule>>;
  /** class given to a first access prescribed with a blank class (Lombardy: P); null = no default */
  blankClassDefault: PriorityClass | null;
  guaranteeArea: GuaranteeAreaRule;
  guaranteeShareTarget: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
const bad = (message: string, path: string): Result<never> => err('PRIORITY_CLASS_DATA_INVALID', message, path);

const checkClass = (c: unknown, path: string): Result<ClassRule> => {
  if (!isRecord(c)) return bad('class rule must be an object', path);
  const hours = c['maxWaitHours'] ?? null;
  if (hours !== null && !isPositiveInt(hours)) return bad('maxWaitHours must be a positive integer or null', `${path}/maxWaitHours`);
  const days = c['maxWaitDays'];
  if (!isRecord(days)) return bad('maxWaitDays must be an object per service kind', `${path}/maxWaitDays`);
  const out = {} as Record<ServiceKind, number>;
  for (const kind of SERVICE_KINDS) {
    const d = days[kind];
    if (!isPositiveInt(d)) return bad(`maxWaitDays.${kind} must be a positive integer`, `${path}/maxWaitDays/${kind}`);
    out[kind] = d;
  }
  return ok({ maxWaitHours: hours, maxWaitDays: out });
};

const isClass = (v: unknown): v is PriorityClass => (PRIORITY_CLASSES as readonly unknown[]).includes(v);

/** Checks data read from reference/priority-classes.json. Error code PRIORITY_CLASS_DATA_INVALID with the field path. */
export const validateGuaranteeRules = (input: unknown): Result<GuaranteeRules> => {
  if (!isRecord(input) || !isRecord(input['classes'])) return bad('classes must be an object keyed by U/B/D/P', '/classes');
  const classes = {} as Record<PriorityClass, ClassRule>;
  for (const cls of PRIORITY_CLASSES) {
    const r = checkClass(input['classes'][cls], `/classes/${cls}`);
    if (!r.ok) return r;
    classes[cls] = r.value;
  }
  const blank = isRecord(input['blankClass']) ? (input['blankClass']['default'] ?? null) : null;
  if (blank !== null && !isClass(blank)) return bad('blankClass.default must be U, B, D, P or null', '/blankClass/default');
  const area = isRecord(input['guaranteeArea']) ? input['guaranteeArea']['rule'] : 'ats';
  if (area !== 'ats' && area !== 'region') return bad('guaranteeArea.rule must be "ats" or "region"', '/guaranteeArea/rule');
  const share = isRecord(input['guaranteeShareTarget']) ? input['guaranteeShareTarget']['share'] : 0.9;
  if (typeof share !== 'number' || !(share > 0 && share <= 1)) return bad('guaranteeShareTarget.share must be in (0, 1]', '/guaranteeShareTarget/share');
  return ok({ classes, blankClassDefault: blank, guaranteeArea: area, guaranteeShareTarget: share });
};

const loadDefault = (): GuaranteeRules => {
  const r = validateGuaranteeRules(priorityClassesJson);
  if (!r.ok) throw new Error(`reference/priority-classes.json: ${r.error.message} at ${r.error.path ?? '/'}`);
  return r.value;
};

/** The Lombardy rules of reference/priority-classes.json. */
export const LOMBARDY_GUARANTEE_RULES: GuaranteeRules = loadDefault();
