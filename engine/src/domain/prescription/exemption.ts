/**
 * Format check of a ticket exemption code written on a prescription (DOMAIN.md §3). Only the shape is checked:
 * whether the patient holds the exemption, and which services it covers, is decided elsewhere.
 * Families and confidence (from DOMAIN.md §3):
 *   income/age E01-E99 [V for the listed codes, range M]; chronic disease codes of DPCM 12/1/2017 Allegato 8:
 *   3 digits (013) or 0 + letter + 2 digits (0A31) [V]; rare diseases R99 or R + letter + 4 characters
 *   (RF0100) [V for R99 and the shape of the examples]; war invalids G01/G02 [V]; work invalids L01/L02 [V];
 *   civil invalids C01-C06 [M]. Pregnancy M-codes are [M] and have no known shape, so they are not accepted.
 * Pure.
 */
import { err, ok, type Result } from '../shared/result.ts';

export type ExemptionFamily = 'income' | 'chronic_disease' | 'rare_disease' | 'war_invalid' | 'work_invalid' | 'civil_invalid';

export interface ExemptionInfo {
  code: string;
  family: ExemptionFamily;
}

export const EXEMPTION_PATTERNS: readonly { family: ExemptionFamily; pattern: RegExp }[] = [
  { family: 'income', pattern: /^E(0[1-9]|[1-9]\d)$/ },
  { family: 'chronic_disease', pattern: /^(\d{3}|0[A-Z]\d{2})$/ },
  { family: 'rare_disease', pattern: /^R(99|[A-Z][A-Z0-9]{4})$/ },
  { family: 'war_invalid', pattern: /^G0[12]$/ },
  { family: 'work_invalid', pattern: /^L0[12]$/ },
  { family: 'civil_invalid', pattern: /^C0[1-6]$/ },
];

/** Validates the format of an exemption code (trimmed, upper-cased). Error code EXEMPTION_INVALID at `path`. */
export const validateExemptionCode = (input: string, path = '/exemption'): Result<ExemptionInfo> => {
  if (typeof input !== 'string') return err('EXEMPTION_INVALID', 'exemption code must be a string', path);
  const code = input.trim().toUpperCase();
  const match = EXEMPTION_PATTERNS.find((p) => p.pattern.test(code));
  if (match === undefined || code === '000') {
    return err(
      'EXEMPTION_INVALID',
      `unknown exemption code format ${JSON.stringify(code)} (expected E01-E99, a disease code such as 013 or 0A31, R99/RF0100, G01/G02, L01/L02 or C01-C06)`,
      path,
    );
  }
  return ok({ code, family: match.family });
};
