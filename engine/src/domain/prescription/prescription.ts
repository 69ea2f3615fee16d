/**
 * Validation of a specialist prescription (ricetta dematerializzata, type P) before booking its lines
 * (DOMAIN.md §1.1, §2, §3). Pure: today, the validity and the blank-class rule are passed in.
 *
 * Rules, each with its error code and field path:
 * - NRE well formed (NRE_INVALID /nre); type P (PRESCRIPTION_TYPE_INVALID /type).
 * - prescription date a real date (PRESCRIPTION_DATE_INVALID), not after today (PRESCRIPTION_DATE_IN_FUTURE),
 *   and still valid: today <= prescriptionExpiry(date, months) (PRESCRIPTION_EXPIRED), all at /prescriptionDate.
 * - 1..8 lines (PRESCRIPTION_LINES_REQUIRED /lines; PRESCRIPTION_TOO_MANY_LINES /lines/8/serviceId), every
 *   service known and active (SERVICE_UNKNOWN / SERVICE_INACTIVE), all of the first line's branch
 *   (PRESCRIPTION_MIXED_BRANCHES), allowed for the patient's sex and age when the patient is given
 *   (SERVICE_NOT_FOR_PATIENT), all at /lines/i/serviceId; quantity 1..9 (PRESCRIPTION_QUANTITY_INVALID
 *   /lines/i/quantity, default 1); access type first | follow_up (ACCESS_TYPE_INVALID /lines/i/accessType).
 * - priority class U/B/D/P (PRIORITY_INVALID /priorityClass), applying to every line. When blank: with a
 *   blank-class default (Lombardy: P) and at least one first-access line it becomes the default; otherwise it is
 *   required as soon as one line is PNGLA-monitored (PRIORITY_REQUIRED /priorityClass).
 * - diagnostic question: an ICD9-CM code and/or a text (DIAGNOSTIC_QUESTION_REQUIRED /diagnosis;
 *   DIAGNOSIS_CODE_INVALID /diagnosis/icd9cm for a malformed code).
 * - exemption code optional, format only (EXEMPTION_INVALID /exemption).
 */
import { ACCESS_TYPES, PRIORITY_CLASSES, type AccessType, type LocalDate, type PriorityClass } from '../offer/types.ts';
import { ageOn } from '../patient/age.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { daysInMonth, isLocalDate } from '../time/rome-time.ts';
import type { CatalogueEntry, CatalogueLookup, ServiceKind, Sex } from './catalogue-entry.ts';
import { validateExemptionCode, type ExemptionInfo } from './exemption.ts';
import { validateNre } from './nre.ts';

export interface PrescriptionLineInput {
  serviceId: string;
  /** 1..9, default 1 */
  quantity?: number | undefined;
  accessType: AccessType;
}

export interface PrescriptionInput {
  nre: string;
  /** tipoPrescrizione: P = specialist (the only bookable type), F = pharmaceutical */
  type: string;
  /** 'YYYY-MM-DD' (or the DEM dataCompilazione 'YYYY-MM-DD HH:MM:SS', whose date part is used) */
  prescriptionDate: string;
  /** blank = null, undefined or '' */
  priorityClass?: string | null | undefined;
  /** quesito diagnostico: ICD9-CM code (codDiagnosi) and/or text (descrizioneDiagnosi) */
  diagnosis?: { icd9cm?: string | null | undefined; text?: string | null | undefined } | null | undefined;
  exemption?: string | null | undefined;
  lines: readonly PrescriptionLineInput[];
}

export interface PrescriptionOptions {
  today: LocalDate;
  /** months of validity, or the rule giving them for a prescription date (see validityMonthsFor) */
  validityMonths: number | ((prescriptionDate: LocalDate) => number | null);
  /** class of a blank first-access prescription (Lombardy: 'P', reference/priority-classes.json); null = none */
  blankClassDefault: 'P' | null;
  /** default 8 (reference/prescription-rules.json maxLines) */
  maxLines?: number | undefined;
  /** default 1..9 (reference/prescription-rules.json quantity) */
  quantity?: { min: number; max: number } | undefined;
  /** when given, each service's sex and age limits are checked (age on today) */
  patient?: { sex: Sex; birthDate: LocalDate } | undefined;
}

export interface NormalisedPrescriptionLine {
  index: number;
  serviceId: string;
  quantity: number;
  accessType: AccessType;
  kind: ServiceKind;
  pnglaMonitored: boolean;
}

export interface NormalisedPrescription {
  nre: string;
  /** region code from the NRE */
  region: string;
  type: 'P';
  prescriptionDate: LocalDate;
  /** last day on which the prescription can be booked */
  expiresOn: LocalDate;
  priorityClass: PriorityClass | null;
  priorityClassSource: 'prescriber' | 'blank_default' | 'none';
  diagnosis: { icd9cm: string | null; text: string | null };
  exemption: ExemptionInfo | null;
  branchCode: string;
  lines: NormalisedPrescriptionLine[];
}

export const DEFAULT_MAX_LINES = 8;
export const DEFAULT_QUANTITY = { min: 1, max: 9 } as const;
const DEM_DATE_TIME_RE = /^(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}(:\d{2})?$/;
const ICD9CM_RE = /^(\d{3}(\.?\d{1,2})?|V\d{2}(\.?\d{1,2})?|E\d{3}(\.?\d)?)$/;

/**
 * Last day on which a prescription can be booked: the prescription date plus `validityMonths` calendar months,
 * the day clamped to the end of a shorter month (2024-08-31 + 6 months = 2025-02-28). [U] whether that day is
 * included; it is here.
 */
export const prescriptionExpiry = (prescriptionDate: LocalDate, validityMonths: number): LocalDate => {
  const total = Number(prescriptionDate.slice(0, 4)) * 12 + Number(prescriptionDate.slice(5, 7)) - 1 + validityMonths;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const day = Math.min(Number(prescriptionDate.slice(8, 10)), daysInMonth(year, month));
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
};

const blank = (v: string | null | undefined): boolean => v === null || v === undefined || v.trim() === '';

const checkDate = (input: string, opts: PrescriptionOptions): Result<{ date: LocalDate; expiresOn: LocalDate }> => {
  const path = '/prescriptionDate';
  const date = typeof input === 'string' ? (DEM_DATE_TIME_RE.exec(input)?.[1] ?? input) : input;
  if (!isLocalDate(date)) return err('PRESCRIPTION_DATE_INVALID', 'prescription date must be a date YYYY-MM-DD', path);
  if (date > opts.today) return err('PRESCRIPTION_DATE_IN_FUTURE', `prescription date ${date} is after today ${opts.today}`, path);
  const months = typeof opts.validityMonths === 'number' ? opts.validityMonths : opts.validityMonths(date);
  if (months === null) return err('PRESCRIPTION_DATE_INVALID', `no validity rule covers prescriptions issued on ${date}`, path);
  const expiresOn = prescriptionExpiry(date, months);
  if (opts.today > expiresOn) {
    return err('PRESCRIPTION_EXPIRED', `prescription of ${date} expired after ${expiresOn} (${months} months)`, path, { expiresOn, months });
  }
  return ok({ date, expiresOn });
};

const checkPatientLimits = (entry: CatalogueEntry, opts: PrescriptionOptions, path: string): Result<true> => {
  if (opts.patient === undefined) return ok(true);
  const { sex, birthDate } = opts.patient;
  if (entry.sex !== null && entry.sex !== sex) {
    return err('SERVICE_NOT_FOR_PATIENT', `service ${entry.id} is only for sex ${entry.sex}`, path, { limit: 'sex', sex: entry.sex });
  }
  const age = ageOn(birthDate, opts.today);
  if ((entry.minAge !== null && age < entry.minAge) || (entry.maxAge !== null && age > entry.maxAge)) {
    return err('SERVICE_NOT_FOR_PATIENT', `service ${entry.id} is for ages ${entry.minAge ?? 0}-${entry.maxAge ?? '∞'}, patient is ${age}`, path, {
      limit: 'age',
      age,
      minAge: entry.minAge,
      maxAge: entry.maxAge,
    });
  }
  return ok(true);
};

const checkLine = (
  line: PrescriptionLineInput,
  i: number,
  catalogue: CatalogueLookup,
  branchCode: string | null,
  opts: PrescriptionOptions,
): Result<{ line: NormalisedPrescriptionLine; branchCode: string }> => {
  const path = `/lines/${i}`;
  const entry = typeof line?.serviceId === 'string' ? catalogue(line.serviceId) : undefined;
  if (entry === undefined) return err('SERVICE_UNKNOWN', `service ${String(line?.serviceId)} is not in the catalogue`, `${path}/serviceId`);
  if (!entry.active) return err('SERVICE_INACTIVE', `service ${entry.id} is not active`, `${path}/serviceId`);
  if (branchCode !== null && entry.branchCode !== branchCode) {
    return err('PRESCRIPTION_MIXED_BRANCHES', `service ${entry.id} is of branch ${entry.branchCode}, line 0 of branch ${branchCode}`, `${path}/serviceId`, {
      expected: branchCode,
      actual: entry.branchCode,
    });
  }
  const limits = checkPatientLimits(entry, opts, `${path}/serviceId`);
  if (!limits.ok) return limits;
  const { min, max } = opts.quantity ?? DEFAULT_QUANTITY;
  const quantity = line.quantity ?? min;
  if (!Number.isInteger(quantity) || quantity < min || quantity > max) {
    return err('PRESCRIPTION_QUANTITY_INVALID', `quantity must be an integer ${min}-${max}`, `${path}/quantity`);
  }
  if (!(ACCESS_TYPES as readonly unknown[]).includes(line.accessType)) {
    return err('ACCESS_TYPE_INVALID', `access type must be one of ${ACCESS_TYPES.join(', ')}`, `${path}/accessType`);
  }
  return ok({
    line: { index: i, serviceId: entry.id, quantity, accessType: line.accessType, kind: entry.kind, pnglaMonitored: entry.pnglaMonitored },
    branchCode: entry.branchCode,
  });
};

const checkLines = (
  lines: readonly PrescriptionLineInput[],
  catalogue: CatalogueLookup,
  opts: PrescriptionOptions,
): Result<{ lines: NormalisedPrescriptionLine[]; branchCode: string }> => {
  if (!Array.isArray(lines) || lines.length === 0) return err('PRESCRIPTION_LINES_REQUIRED', 'a prescription needs at least one line', '/lines');
  const maxLines = opts.maxLines ?? DEFAULT_MAX_LINES;
  if (lines.length > maxLines) {
    return err('PRESCRIPTION_TOO_MANY_LINES', `at most ${maxLines} lines per prescription, got ${lines.length}`, `/lines/${maxLines}/serviceId`, {
      max: maxLines,
      count: lines.length,
    });
  }
  const out: NormalisedPrescriptionLine[] = [];
  let branchCode: string | null = null;
  for (const [i, line] of lines.entries()) {
    const r = checkLine(line, i, catalogue, branchCode, opts);
    if (!r.ok) return r;
    out.push(r.value.line);
    branchCode = r.value.branchCode;
  }
  return ok({ lines: out, branchCode: branchCode as string });
};

const checkPriority = (
  input: string | null | undefined,
  lines: readonly NormalisedPrescriptionLine[],
  opts: PrescriptionOptions,
): Result<Pick<NormalisedPrescription, 'priorityClass' | 'priorityClassSource'>> => {
  const path = '/priorityClass';
  if (!blank(input)) {
    const cls = (input as string).trim().toUpperCase();
    if (!(PRIORITY_CLASSES as readonly string[]).includes(cls)) {
      return err('PRIORITY_INVALID', `priority class must be one of ${PRIORITY_CLASSES.join(', ')}`, path);
    }
    return ok({ priorityClass: cls as PriorityClass, priorityClassSource: 'prescriber' });
  }
  if (opts.blankClassDefault !== null && lines.some((l) => l.accessType === 'first')) {
    return ok({ priorityClass: opts.blankClassDefault, priorityClassSource: 'blank_default' });
  }
  const monitored = lines.find((l) => l.pnglaMonitored);
  if (monitored !== undefined) {
    return err('PRIORITY_REQUIRED', `priority class is mandatory: service ${monitored.serviceId} is PNGLA-monitored`, path, {
      line: monitored.index,
    });
  }
  return ok({ priorityClass: null, priorityClassSource: 'none' });
};

const checkDiagnosis = (input: PrescriptionInput['diagnosis']): Result<NormalisedPrescription['diagnosis']> => {
  const code = blank(input?.icd9cm) ? null : (input?.icd9cm as string).trim().toUpperCase();
  const text = blank(input?.text) ? null : (input?.text as string).trim();
  if (code === null && text === null) {
    return err('DIAGNOSTIC_QUESTION_REQUIRED', 'a diagnostic question (ICD9-CM code or text) is mandatory', '/diagnosis');
  }
  if (code !== null && !ICD9CM_RE.test(code)) {
    return err('DIAGNOSIS_CODE_INVALID', `${code} is not an ICD9-CM diagnosis code (e.g. 401.9, V70.0, E880.0)`, '/diagnosis/icd9cm');
  }
  return ok({ icd9cm: code, text });
};

const checkExemption = (input: string | null | undefined): Result<ExemptionInfo | null> =>
  blank(input) ? ok(null) : validateExemptionCode(input as string, '/exemption');

/** Validates a specialist prescription and returns it normalised; the first failing rule is reported. */
export const validatePrescription = (
  input: PrescriptionInput,
  catalogue: CatalogueLookup,
  opts: PrescriptionOptions,
): Result<NormalisedPrescription> => {
  const nre = validateNre(input.nre, '/nre');
  if (!nre.ok) return nre;
  if (input.type !== 'P') return err('PRESCRIPTION_TYPE_INVALID', 'only specialist prescriptions (type P) can be booked', '/type');
  const date = checkDate(input.prescriptionDate, opts);
  if (!date.ok) return date;
  const lines = checkLines(input.lines, catalogue, opts);
  if (!lines.ok) return lines;
  const priority = checkPriority(input.priorityClass, lines.value.lines, opts);
  if (!priority.ok) return priority;
  const diagnosis = checkDiagnosis(input.diagnosis);
  if (!diagnosis.ok) return diagnosis;
  const exemption = checkExemption(input.exemption);
  if (!exemption.ok) return exemption;
  return ok({
    nre: nre.value.nre,
    region: nre.value.region,
    type: 'P',
    prescriptionDate: date.value.date,
    expiresOn: date.value.expiresOn,
    ...priority.value,
    diagnosis: diagnosis.value,
    exemption: exemption.value,
    branchCode: lines.value.branchCode,
    lines: lines.value.lines,
  });
};
