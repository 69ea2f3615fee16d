/**
 * Priority-class quotas: a share of each day's slots is reserved to a class (U/B/D/P) and released to
 * everyone a number of days before the slot starts. This file validates quotas, decides how many and which
 * of a day's slots each class gets, and whether a slot is open to a class at a given instant. Pure.
 */
import { err, ok, type Result } from '../shared/result.ts';
import { MS_PER_DAY } from '../time/rome-time.ts';
import { PRIORITY_CLASSES, type ClassQuotas, type PriorityClass, type QuotaReleaseDays } from './types.ts';

/** Tolerance for floating-point sums such as 0.1 + 0.2 + 0.7. */
const EPSILON = 1e-9;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Each share is a number 0..1, keys are priority classes and the shares add up to at most 1. Code QUOTA_INVALID. */
export const validateQuotas = (q: unknown, basePath = '/classQuotas'): Result<ClassQuotas> => {
  if (!isRecord(q)) return err('QUOTA_INVALID', 'class quotas must be an object such as {"U": 0.1}', basePath);
  const out: ClassQuotas = {};
  let sum = 0;
  for (const [key, share] of Object.entries(q)) {
    if (!(PRIORITY_CLASSES as readonly string[]).includes(key)) {
      return err('QUOTA_INVALID', `unknown priority class ${key} (expected one of ${PRIORITY_CLASSES.join(', ')})`, `${basePath}/${key}`);
    }
    if (typeof share !== 'number' || !Number.isFinite(share) || share < 0 || share > 1) {
      return err('QUOTA_INVALID', `share of class ${key} must be a number between 0 and 1`, `${basePath}/${key}`);
    }
    out[key as PriorityClass] = share;
    sum += share;
  }
  if (sum > 1 + EPSILON) return err('QUOTA_INVALID', `class shares add up to ${sum}, more than 1`, basePath, { sum });
  return ok(out);
};

/**
 * How many of a day's n slots each class gets (largest-remainder rounding): each class gets the floor or the
 * ceiling of share * n, the total is round(sum of shares * n) and never exceeds n. Ties go to the class
 * listed first in PRIORITY_CLASSES (U, B, D, P).
 */
export const reservedCounts = (quotas: ClassQuotas, n: number): Map<PriorityClass, number> => {
  const rows = PRIORITY_CLASSES.filter((k) => (quotas[k] ?? 0) > 0).map((k) => {
    const exact = Math.round((quotas[k] as number) * n * 1e9) / 1e9;
    return { k, floor: Math.floor(exact), rest: exact - Math.floor(exact) };
  });
  const exactTotal = rows.reduce((s, r) => s + r.floor + r.rest, 0);
  const target = Math.min(n, Math.round(Math.round(exactTotal * 1e9) / 1e9));
  let extra = target - rows.reduce((s, r) => s + r.floor, 0);
  const byRest = [...rows].sort((a, b) => b.rest - a.rest); // stable: ties keep class order
  const counts = new Map(rows.map((r) => [r.k, r.floor] as [PriorityClass, number]));
  for (const r of byRest) {
    if (extra <= 0) break;
    counts.set(r.k, (counts.get(r.k) as number) + 1);
    extra--;
  }
  return counts;
};

/**
 * Which class each of a day's n slots (in start order) is reserved to: null = open to every class.
 * The reserved slots are spread evenly over the day and each class is spread evenly among them. Deterministic.
 */
export const assignReservedClasses = (quotas: ClassQuotas, n: number): (PriorityClass | null)[] => {
  const out: (PriorityClass | null)[] = new Array<PriorityClass | null>(n).fill(null);
  const counts = reservedCounts(quotas, n);
  const labels: { k: PriorityClass; at: number; order: number }[] = [];
  for (const [k, c] of counts) {
    for (let j = 0; j < c; j++) labels.push({ k, at: (j + 0.5) / c, order: PRIORITY_CLASSES.indexOf(k) });
  }
  labels.sort((a, b) => a.at - b.at || a.order - b.order);
  const total = labels.length;
  labels.forEach((label, i) => {
    out[Math.floor(((i + 0.5) * n) / total)] = label.k;
  });
  return out;
};

export interface QuotaSlot {
  reservedClass: PriorityClass | null;
  startAt: Date;
}

/**
 * The instant a reserved slot opens to every class: releaseDays[class] x 24 h before it starts.
 * null for an unreserved slot (always open) and for a class without a release rule (never released).
 */
export const releaseInstant = (slot: QuotaSlot, releaseDays: QuotaReleaseDays): Date | null => {
  if (slot.reservedClass === null) return null;
  const days = releaseDays[slot.reservedClass];
  return days === undefined ? null : new Date(slot.startAt.getTime() - days * MS_PER_DAY);
};

/**
 * Whether a slot can be booked for a request of class cls (null = follow-up, no class) at instant now:
 * unreserved slots and slots reserved to cls always; other reserved slots once released (now >= release instant).
 */
export const isOpenToClass = (
  slot: QuotaSlot,
  cls: PriorityClass | null,
  now: Date,
  releaseDays: QuotaReleaseDays,
): boolean => {
  if (slot.reservedClass === null || slot.reservedClass === cls) return true;
  const release = releaseInstant(slot, releaseDays);
  return release !== null && now.getTime() >= release.getTime();
};
