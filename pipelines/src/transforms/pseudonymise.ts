/**
 * Pseudonymisation (DESIGN.md → Events): analytics never sees direct identifiers. Pure (node:crypto HMAC only).
 * - patient → { pseudonym: HMAC-SHA256(key, CF), birth_year, sex, residence_ats, residence_district }
 * - every personal key (codice fiscale, names, contacts, NRE) is removed wherever it appears in the payload;
 *   the NRE becomes `has_prescription` (true/false) so analytics still knows the booking was prescribed.
 */
import { HmacSha256 } from './hmac-sha256.ts';
import { PERSONAL_KEYS } from '../../../engine/src/events/schemas.ts';
import type { EventEnvelope } from '../../../engine/src/events/envelope.ts';

/** Development-only key, used when CUPOLA_PSEUDONYM_KEY is not set (the sink warns at start). */
export const DEV_PSEUDONYM_KEY = 'cupola-dev-pseudonym-key-change-me';

const PERSONAL = new Set<string>(PERSONAL_KEYS);

export interface PatientPseudonym {
  pseudonym: string;
  birth_year: number | null;
  sex: string | null;
  residence_ats: string | null;
  residence_district: string | null;
}

export interface LakeEvent extends EventEnvelope {
  topic: string;
  patient: PatientPseudonym | null;
}

const memo = new Map<string, { hmac: HmacSha256; byCf: Map<string, string> }>();

/** HMAC-SHA256(key, upper-cased CF), 128 bits as hex. Memoised per key (patients recur in the stream). */
export function pseudonymOf(cf: string, key: string): string {
  let m = memo.get(key);
  if (!m) memo.set(key, (m = { hmac: new HmacSha256(key), byCf: new Map() }));
  let p = m.byCf.get(cf);
  if (p === undefined) {
    p = m.hmac.hex(cf.trim().toUpperCase(), 32);
    if (m.byCf.size >= 200_000) m.byCf.clear();
    m.byCf.set(cf, p);
  }
  return p;
}

function patientOf(p: unknown, key: string): PatientPseudonym | null {
  if (!p || typeof p !== 'object') return null;
  const o = p as Record<string, unknown>;
  const cf = typeof o.cf === 'string' ? o.cf : typeof o.codice_fiscale === 'string' ? o.codice_fiscale : null;
  const birth = typeof o.birth_date === 'string' ? Number(o.birth_date.slice(0, 4)) : NaN;
  return {
    pseudonym: cf ? pseudonymOf(cf, key) : '',
    birth_year: Number.isInteger(birth) ? birth : null,
    sex: typeof o.sex === 'string' ? o.sex : null,
    residence_ats: typeof o.residence_ats === 'string' ? o.residence_ats : null,
    residence_district: typeof o.residence_district === 'string' ? o.residence_district : null,
  };
}

/** Removes personal keys at any depth (arrays and objects); the `patient` object is dropped by the caller. */
export function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const o = value as Record<string, unknown>;
    for (const k in o) {
      if (PERSONAL.has(k) || k === 'patient') continue;
      const v = o[k];
      out[k] = v !== null && typeof v === 'object' ? scrub(v) : v;
    }
    return out;
  }
  return value;
}

/**
 * Sets every personal key (and `patient`) to undefined at any depth, in place: JSON.stringify then omits them, and
 * the objects keep their shape (no delete), so serialising stays on V8's fast path. For values the caller owns.
 */
function scrubInPlace(o: Record<string, unknown>): void {
  for (const k in o) {
    const v = o[k];
    if (PERSONAL.has(k) || k === 'patient') {
      if (v !== undefined) o[k] = undefined;
    } else if (v !== null && typeof v === 'object') {
      if (Array.isArray(v)) {
        for (const x of v) if (x !== null && typeof x === 'object') scrubInPlace(x as Record<string, unknown>);
      } else scrubInPlace(v as Record<string, unknown>);
    }
  }
}

/**
 * `pseudonymise` for an event the caller owns and will not use again (the sink's freshly parsed messages): the same
 * result, but the payload is scrubbed in place instead of copied (personal keys become undefined, which JSON.stringify
 * and the lake omit). The input is not pure afterwards — never pass an object someone else holds.
 */
export function pseudonymiseOwned(ev: EventEnvelope, topic: string, key: string): LakeEvent {
  const payload = ev.payload as Record<string, unknown>;
  const patient = patientOf(payload.patient, key);
  const hasNre = 'prescription_nre' in payload || 'nre' in payload ? (payload.prescription_nre ?? payload.nre ?? null) !== null : undefined;
  scrubInPlace(payload);
  if (hasNre !== undefined) payload.has_prescription = hasNre;
  return {
    event_id: ev.event_id, type: ev.type, schema_version: ev.schema_version, occurred_at: ev.occurred_at,
    aggregate_type: ev.aggregate_type, aggregate_id: ev.aggregate_id, ats: ev.ats, provider: ev.provider,
    payload, topic, patient,
  };
}

export function pseudonymise(ev: EventEnvelope, topic: string, key: string): LakeEvent {
  const payload = ev.payload as Record<string, unknown>;
  const clean = scrub(payload) as Record<string, unknown>;
  if ('prescription_nre' in payload || 'nre' in payload) clean.has_prescription = (payload.prescription_nre ?? payload.nre ?? null) !== null;
  return { ...ev, payload: clean, topic, patient: patientOf(payload.patient, key) };
}
