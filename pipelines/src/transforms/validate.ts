/**
 * Validates one raw stream message against the engine's event schemas (engine/src/events/schemas.ts). Pure.
 * An invalid event becomes a value with a reason, for the dead-letter folder; it never throws.
 */
import { isAscii } from 'node:buffer';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { EventEnvelopeSchema, PAYLOAD_SCHEMAS } from '../../../engine/src/events/schemas.ts';
import type { EventEnvelope } from '../../../engine/src/events/envelope.ts';

export type Validated = { ok: true; event: EventEnvelope } | { ok: false; reason: string; raw: unknown };

const envelopeCheck = TypeCompiler.Compile(EventEnvelopeSchema);
const payloadChecks = new Map<string, TypeCheck<TSchema>>(Object.entries(PAYLOAD_SCHEMAS).map(([t, s]) => [t, TypeCompiler.Compile(s)]));

function firstError(check: TypeCheck<TSchema>, value: unknown): string {
  const e = check.Errors(value).First();
  return e ? `${e.path || '/'} ${e.message}` : 'does not match';
}

/** UTF-8 text of a message; pure ASCII (the relay's JSON, almost always) is decoded as latin1, which is faster. */
const textOf = (b: Uint8Array) => {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return buf.toString(isAscii(buf) ? 'latin1' : 'utf8');
};

/** Accepts a parsed object, a JSON string or a Buffer holding JSON. */
export function validateEvent(input: unknown): Validated {
  let raw: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    try {
      raw = JSON.parse(typeof input === 'string' ? input : textOf(input));
    } catch {
      return { ok: false, reason: 'not JSON', raw: typeof input === 'string' ? input : textOf(input) };
    }
  }
  if (!envelopeCheck.Check(raw)) return { ok: false, reason: `invalid envelope: ${firstError(envelopeCheck, raw)}`, raw };
  const ev = raw as EventEnvelope;
  const check = payloadChecks.get(ev.type);
  if (!check) return { ok: false, reason: 'unknown type', raw };
  if (!check.Check(ev.payload)) return { ok: false, reason: `invalid payload: ${firstError(check, ev.payload)}`, raw };
  if (Number.isNaN(Date.parse(ev.occurred_at))) return { ok: false, reason: 'invalid envelope: /occurred_at is not a date-time', raw };
  return { ok: true, event: ev };
}
