import { validateAttributes, type Attributes } from '../domain/offer/attributes.ts';
import { fail } from '../http/problem.ts';

/** Merges an attribute patch into the current set (null removes a key) and validates the result. */
export function mergeAttrs(current: Record<string, unknown>, patch: Record<string, unknown> | undefined, basePath = '/attrs'): Attributes {
  const merged: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch ?? {})) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  const r = validateAttributes(merged, basePath);
  if (!r.ok) return fail(r.error.code, r.error.message, r.error.path, r.error.details);
  return r.value;
}
