/**
 * Booking rules of a specialist prescription as data: the shape of reference/prescription-rules.json, its
 * validation, the validity period that applies to an issue date, and the Lombardy rules loaded from the file.
 * Pure: a static JSON import.
 */
import prescriptionRulesJson from '../../../../reference/prescription-rules.json' with { type: 'json' };
import type { LocalDate } from '../offer/types.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { isLocalDate } from '../time/rome-time.ts';

export interface ValidityPeriod {
  /** inclusive bounds on the prescription (issue) date; null = open */
  issuedFrom: LocalDate | null;
  issuedTo: LocalDate | null;
  months: number;
}

export interface PrescriptionRules {
  validity: readonly ValidityPeriod[];
  maxLines: number;
  quantity: { min: number; max: number };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
const bad = (message: string, path: string): Result<never> => err('PRESCRIPTION_RULES_INVALID', message, path);

const checkPeriod = (p: unknown, path: string): Result<ValidityPeriod> => {
  if (!isRecord(p)) return bad('validity period must be an object', path);
  const from = p['issuedFrom'] ?? null;
  const to = p['issuedTo'] ?? null;
  if (from !== null && !isLocalDate(from)) return bad('issuedFrom must be YYYY-MM-DD or null', `${path}/issuedFrom`);
  if (to !== null && !isLocalDate(to)) return bad('issuedTo must be YYYY-MM-DD or null', `${path}/issuedTo`);
  if (from !== null && to !== null && from > to) return bad('issuedFrom is after issuedTo', path);
  if (!isPositiveInt(p['months'])) return bad('months must be a positive integer', `${path}/months`);
  return ok({ issuedFrom: from, issuedTo: to, months: p['months'] });
};

/** Checks data read from reference/prescription-rules.json. Error code PRESCRIPTION_RULES_INVALID with the field path. */
export const validatePrescriptionRules = (input: unknown): Result<PrescriptionRules> => {
  if (!isRecord(input) || !Array.isArray(input['validity'])) return bad('validity must be an array', '/validity');
  const validity: ValidityPeriod[] = [];
  for (const [i, p] of input['validity'].entries()) {
    const r = checkPeriod(p, `/validity/${i}`);
    if (!r.ok) return r;
    validity.push(r.value);
  }
  if (!isPositiveInt(input['maxLines'])) return bad('maxLines must be a positive integer', '/maxLines');
  const q = input['quantity'];
  if (!isRecord(q) || !isPositiveInt(q['min']) || !isPositiveInt(q['max']) || q['min'] > q['max']) {
    return bad('quantity must be {min, max} positive integers with min <= max', '/quantity');
  }
  return ok({ validity, maxLines: input['maxLines'], quantity: { min: q['min'], max: q['max'] } });
};

/** Validity in months of a prescription issued on a date, or null when no period covers that date. */
export const validityMonthsFor = (prescriptionDate: LocalDate, rules: PrescriptionRules): number | null =>
  rules.validity.find(
    (p) => (p.issuedFrom === null || prescriptionDate >= p.issuedFrom) && (p.issuedTo === null || prescriptionDate <= p.issuedTo),
  )?.months ?? null;

const loadDefault = (): PrescriptionRules => {
  const r = validatePrescriptionRules(prescriptionRulesJson);
  if (!r.ok) throw new Error(`reference/prescription-rules.json: ${r.error.message} at ${r.error.path ?? '/'}`);
  return r.value;
};

/** The Lombardy rules of reference/prescription-rules.json. */
export const LOMBARDY_PRESCRIPTION_RULES: PrescriptionRules = loadDefault();
