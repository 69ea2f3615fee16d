/**
 * NRE (Numero di Ricetta Elettronica) of a dematerialised prescription: 15 characters (DOMAIN.md §2).
 * Structure [U], inferred from the DEM XSD types and the example 1300A4000000248:
 *   3-digit region code (130 = Abruzzo; Lombardy is 030 [M]) + 2-character batch-group code
 *   (CodRagLottoType: digits or upper-case letters, e.g. '0A') + 10-digit progressive.
 * No check digit is known, so none is verified. Pure.
 */
import { err, ok, type Result } from '../shared/result.ts';

export interface NreInfo {
  nre: string;
  region: string;
  batchGroup: string;
  progressive: string;
}

export const NRE_LENGTH = 15;

const invalid = (message: string, path: string): Result<never> => err('NRE_INVALID', message, path);

/** Validates an NRE (spaces removed, upper-cased first). Error code NRE_INVALID at `path`, saying which part is wrong. */
export const validateNre = (input: string, path = '/nre'): Result<NreInfo> => {
  if (typeof input !== 'string') return invalid('NRE must be a string', path);
  const nre = input.replace(/\s+/g, '').toUpperCase();
  if (nre.length !== NRE_LENGTH) return invalid(`invalid length: ${nre.length} characters, expected ${NRE_LENGTH}`, path);
  const region = nre.slice(0, 3);
  const batchGroup = nre.slice(3, 5);
  const progressive = nre.slice(5);
  if (!/^\d{3}$/.test(region)) return invalid(`region code ${region} must be 3 digits`, path);
  if (!/^[0-9A-Z]{2}$/.test(batchGroup)) return invalid(`batch-group code ${batchGroup} must be 2 letters or digits`, path);
  if (!/^\d{10}$/.test(progressive)) return invalid(`progressive ${progressive} must be 10 digits`, path);
  return ok({ nre, region, batchGroup, progressive });
};
