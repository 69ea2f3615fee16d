import { describe, expect, it } from 'vitest';
import type { CatalogueEntry } from '../../engine/src/domain/prescription/catalogue-entry.ts';
import {
  prescriptionExpiry,
  validatePrescription,
  type PrescriptionInput,
  type PrescriptionOptions,
} from '../../engine/src/domain/prescription/prescription.ts';
import {
  LOMBARDY_PRESCRIPTION_RULES,
  validatePrescriptionRules,
  validityMonthsFor,
} from '../../engine/src/domain/prescription/prescription-rules.ts';

const entry = (id: string, over: Partial<CatalogueEntry> = {}): CatalogueEntry => ({
  id,
  branchCode: '08',
  kind: 'visit',
  pnglaMonitored: false,
  sex: null,
  minAge: null,
  maxAge: null,
  active: true,
  ...over,
});
const CATALOGUE = new Map<string, CatalogueEntry>([
  ['cardio-first', entry('cardio-first', { pnglaMonitored: true })],
  ['cardio-control', entry('cardio-control')],
  ['ecg', entry('ecg', { kind: 'instrumental', pnglaMonitored: true })],
  ['derma-first', entry('derma-first', { branchCode: '52', pnglaMonitored: true })],
  ['mammography', entry('mammography', { branchCode: '69', kind: 'instrumental', pnglaMonitored: true, sex: 'F', minAge: 45, maxAge: 74 })],
  ['retired', entry('retired', { active: false })],
]);
const lookup = (id: string) => CATALOGUE.get(id);

const OPTS: PrescriptionOptions = { today: '2026-03-10', validityMonths: 6, blankClassDefault: 'P' };
const VALID: PrescriptionInput = {
  nre: '0300A4000000248',
  type: 'P',
  prescriptionDate: '2026-03-02',
  priorityClass: 'B',
  diagnosis: { icd9cm: '786.50', text: 'dolore toracico' },
  exemption: null,
  lines: [
    { serviceId: 'cardio-first', quantity: 1, accessType: 'first' },
    { serviceId: 'ecg', accessType: 'first' },
  ],
};
const withInput = (over: Partial<PrescriptionInput>): PrescriptionInput => ({ ...VALID, ...over });

const expectError = (input: PrescriptionInput, code: string, path: string, opts: PrescriptionOptions = OPTS) => {
  const r = validatePrescription(input, lookup, opts);
  expect(r.ok).toBe(false);
  expect(!r.ok && { code: r.error.code, path: r.error.path }).toEqual({ code, path });
  return r;
};

describe('validatePrescription accepts a well-formed specialist prescription', () => {
  it('returns it normalised with its expiry, class, branch and lines', () => {
    expect(validatePrescription(VALID, lookup, OPTS)).toEqual({
      ok: true,
      value: {
        nre: '0300A4000000248',
        region: '030',
        type: 'P',
        prescriptionDate: '2026-03-02',
        expiresOn: '2026-09-02',
        priorityClass: 'B',
        priorityClassSource: 'prescriber',
        diagnosis: { icd9cm: '786.50', text: 'dolore toracico' },
        exemption: null,
        branchCode: '08',
        lines: [
          { index: 0, serviceId: 'cardio-first', quantity: 1, accessType: 'first', kind: 'visit', pnglaMonitored: true },
          { index: 1, serviceId: 'ecg', quantity: 1, accessType: 'first', kind: 'instrumental', pnglaMonitored: true },
        ],
      },
    });
  });

  it('takes the date part of a DEM dataCompilazione timestamp', () => {
    const r = validatePrescription(withInput({ prescriptionDate: '2026-03-02 10:15:00' }), lookup, OPTS);
    expect(r.ok && r.value.prescriptionDate).toBe('2026-03-02');
  });

  it('accepts a text-only diagnostic question and a lower-case class', () => {
    const r = validatePrescription(withInput({ diagnosis: { text: '  cardiopalmo ' }, priorityClass: 'd' }), lookup, OPTS);
    expect(r.ok && [r.value.diagnosis, r.value.priorityClass]).toEqual([{ icd9cm: null, text: 'cardiopalmo' }, 'D']);
  });

  it('accepts an exemption code and reports its family', () => {
    const r = validatePrescription(withInput({ exemption: '0a31' }), lookup, OPTS);
    expect(r.ok && r.value.exemption).toEqual({ code: '0A31', family: 'chronic_disease' });
  });

  it('accepts 8 lines of the same branch', () => {
    const lines = Array.from({ length: 8 }, () => ({ serviceId: 'ecg', accessType: 'first' as const }));
    expect(validatePrescription(withInput({ lines }), lookup, OPTS).ok).toBe(true);
  });
});

describe('validatePrescription priority class', () => {
  it('treats a blank class on a first access as P under the Lombardy rule', () => {
    for (const blank of [null, undefined, '', '  ']) {
      const r = validatePrescription(withInput({ priorityClass: blank }), lookup, OPTS);
      expect(r.ok && [r.value.priorityClass, r.value.priorityClassSource]).toEqual(['P', 'blank_default']);
    }
  });

  it('requires a class for a PNGLA-monitored service when there is no blank default', () => {
    const r = expectError(withInput({ priorityClass: null }), 'PRIORITY_REQUIRED', '/priorityClass', { ...OPTS, blankClassDefault: null });
    expect(!r.ok && r.error.details).toEqual({ line: 0 });
  });

  it('requires a class for a monitored follow-up-only prescription even with the blank default (it applies to first accesses)', () => {
    const lines = [{ serviceId: 'ecg', accessType: 'follow_up' as const }];
    expectError(withInput({ priorityClass: null, lines }), 'PRIORITY_REQUIRED', '/priorityClass');
  });

  it('leaves the class empty when no line is monitored and there is no default', () => {
    const lines = [{ serviceId: 'cardio-control', accessType: 'follow_up' as const }];
    const r = validatePrescription(withInput({ priorityClass: null, lines }), lookup, { ...OPTS, blankClassDefault: null });
    expect(r.ok && [r.value.priorityClass, r.value.priorityClassSource]).toEqual([null, 'none']);
  });

  it('rejects a class outside U/B/D/P', () => expectError(withInput({ priorityClass: 'A' }), 'PRIORITY_INVALID', '/priorityClass'));
});

describe('validatePrescription rejections', () => {
  it('rejects a malformed NRE at /nre', () => expectError(withInput({ nre: '0300A40' }), 'NRE_INVALID', '/nre'));
  it('rejects a pharmaceutical prescription', () => expectError(withInput({ type: 'F' }), 'PRESCRIPTION_TYPE_INVALID', '/type'));
  it('rejects a non-date', () => expectError(withInput({ prescriptionDate: '2026-02-30' }), 'PRESCRIPTION_DATE_INVALID', '/prescriptionDate'));
  it('rejects a date after today', () => expectError(withInput({ prescriptionDate: '2026-03-11' }), 'PRESCRIPTION_DATE_IN_FUTURE', '/prescriptionDate'));

  it('rejects an expired prescription with its expiry in the details', () => {
    const r = expectError(withInput({ prescriptionDate: '2025-09-09' }), 'PRESCRIPTION_EXPIRED', '/prescriptionDate');
    expect(!r.ok && r.error.details).toEqual({ expiresOn: '2026-03-09', months: 6 });
  });

  it('accepts a prescription on its last valid day', () => {
    expect(validatePrescription(withInput({ prescriptionDate: '2025-09-10' }), lookup, OPTS).ok).toBe(true);
  });

  it('rejects a prescription without lines', () => expectError(withInput({ lines: [] }), 'PRESCRIPTION_LINES_REQUIRED', '/lines'));

  it('rejects 9 lines at the 9th line', () => {
    const lines = Array.from({ length: 9 }, () => ({ serviceId: 'ecg', accessType: 'first' as const }));
    expectError(withInput({ lines }), 'PRESCRIPTION_TOO_MANY_LINES', '/lines/8/serviceId');
  });

  it('rejects lines of different branches at the first line of another branch', () => {
    const lines = [
      { serviceId: 'cardio-first', accessType: 'first' as const },
      { serviceId: 'ecg', accessType: 'first' as const },
      { serviceId: 'derma-first', accessType: 'first' as const },
    ];
    const r = expectError(withInput({ lines }), 'PRESCRIPTION_MIXED_BRANCHES', '/lines/2/serviceId');
    expect(!r.ok && r.error.details).toEqual({ expected: '08', actual: '52' });
  });

  it('rejects an unknown and an inactive service', () => {
    expectError(withInput({ lines: [{ serviceId: 'nope', accessType: 'first' }] }), 'SERVICE_UNKNOWN', '/lines/0/serviceId');
    expectError(withInput({ lines: [{ serviceId: 'retired', accessType: 'first' }] }), 'SERVICE_INACTIVE', '/lines/0/serviceId');
  });

  it('rejects quantities 0, 10 and 1.5', () => {
    for (const quantity of [0, 10, 1.5]) {
      expectError(withInput({ lines: [{ serviceId: 'ecg', quantity, accessType: 'first' }] }), 'PRESCRIPTION_QUANTITY_INVALID', '/lines/0/quantity');
    }
  });

  it('rejects an unknown access type', () => {
    const lines = [{ serviceId: 'ecg', accessType: 'second' as unknown as 'first' }];
    expectError(withInput({ lines }), 'ACCESS_TYPE_INVALID', '/lines/0/accessType');
  });

  it('requires a diagnostic question', () => {
    expectError(withInput({ diagnosis: null }), 'DIAGNOSTIC_QUESTION_REQUIRED', '/diagnosis');
    expectError(withInput({ diagnosis: { icd9cm: ' ', text: '' } }), 'DIAGNOSTIC_QUESTION_REQUIRED', '/diagnosis');
  });

  it('rejects a malformed ICD9-CM code', () => expectError(withInput({ diagnosis: { icd9cm: 'I10' } }), 'DIAGNOSIS_CODE_INVALID', '/diagnosis/icd9cm'));
  it('rejects a malformed exemption', () => expectError(withInput({ exemption: 'E00' }), 'EXEMPTION_INVALID', '/exemption'));

  it("checks the service's sex and age limits when the patient is given", () => {
    const lines = [{ serviceId: 'mammography', accessType: 'first' as const }];
    const man = expectError(withInput({ lines }), 'SERVICE_NOT_FOR_PATIENT', '/lines/0/serviceId', { ...OPTS, patient: { sex: 'M', birthDate: '1970-01-01' } });
    expect(!man.ok && man.error.details).toEqual({ limit: 'sex', sex: 'F' });
    const young = expectError(withInput({ lines }), 'SERVICE_NOT_FOR_PATIENT', '/lines/0/serviceId', { ...OPTS, patient: { sex: 'F', birthDate: '1981-03-11' } });
    expect(!young.ok && young.error.details).toEqual({ limit: 'age', age: 44, minAge: 45, maxAge: 74 });
    expect(validatePrescription(withInput({ lines }), lookup, { ...OPTS, patient: { sex: 'F', birthDate: '1981-03-10' } }).ok).toBe(true);
  });
});

describe('prescription validity in Lombardy', () => {
  it('is 12 months for prescriptions issued up to 30 September 2023 and 6 months from 1 October 2023', () => {
    expect(validityMonthsFor('2023-09-30', LOMBARDY_PRESCRIPTION_RULES)).toBe(12);
    expect(validityMonthsFor('2023-10-01', LOMBARDY_PRESCRIPTION_RULES)).toBe(6);
  });

  it('applies the rule of the prescription date when validityMonths is a function', () => {
    const opts = { ...OPTS, today: '2024-09-30', validityMonths: (d: string) => validityMonthsFor(d, LOMBARDY_PRESCRIPTION_RULES) };
    expect(validatePrescription(withInput({ prescriptionDate: '2023-09-30' }), lookup, opts).ok).toBe(true);
    expectError(withInput({ prescriptionDate: '2023-10-01' }), 'PRESCRIPTION_EXPIRED', '/prescriptionDate', opts);
  });

  it('adds calendar months and clamps to the end of a shorter month', () => {
    expect(prescriptionExpiry('2024-08-31', 6)).toBe('2025-02-28');
    expect(prescriptionExpiry('2023-08-31', 6)).toBe('2024-02-29');
    expect(prescriptionExpiry('2023-09-30', 12)).toBe('2024-09-30');
    expect(prescriptionExpiry('2025-12-15', 1)).toBe('2026-01-15');
  });

  it('reads max lines and quantities from the reference data', () => {
    expect(LOMBARDY_PRESCRIPTION_RULES.maxLines).toBe(8);
    expect(LOMBARDY_PRESCRIPTION_RULES.quantity).toEqual({ min: 1, max: 9 });
  });

  it('rejects reference data whose issuedFrom is after issuedTo', () => {
    const r = validatePrescriptionRules({ validity: [{ issuedFrom: '2024-01-01', issuedTo: '2023-01-01', months: 6 }], maxLines: 8, quantity: { min: 1, max: 9 } });
    expect(!r.ok && { code: r.error.code, path: r.error.path }).toEqual({ code: 'PRESCRIPTION_RULES_INVALID', path: '/validity/0' });
  });
});
