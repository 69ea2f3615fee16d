import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../engine/src/events/envelope.ts';
import { appointmentEvent, searchEvent, syntheticCf, syntheticNre, syntheticPatient } from '../../simulator/src/booking-events.ts';
import { validateEvent } from '../../pipelines/src/transforms/validate.ts';
import { createHmac } from 'node:crypto';
import { pseudonymise, pseudonymiseOwned, pseudonymOf, scrub } from '../../pipelines/src/transforms/pseudonymise.ts';
import { HmacSha256 } from '../../pipelines/src/transforms/hmac-sha256.ts';
import { LAKE_SCHEMA, partitionDate, toArrowTable } from '../../pipelines/src/transforms/to-arrow.ts';

const NOW = new Date('2026-07-14T22:30:00Z'); // 00:30 on 15 July in Rome (CEST)
const booked = (n = 3) => makeEvent(appointmentEvent(n, NOW), NOW);

describe('event validation', () => {
  it('accepts a booking event as the engine emits it, from JSON text or bytes', () => {
    expect(validateEvent(JSON.stringify(booked())).ok).toBe(true);
    expect(validateEvent(Buffer.from(JSON.stringify(makeEvent(searchEvent(1, NOW), NOW)))).ok).toBe(true);
  });

  it('names an unknown event type as the reason', () => {
    const e = { ...booked(), type: 'appointment.teleported' };
    expect(validateEvent(e)).toMatchObject({ ok: false, reason: 'unknown type' });
  });

  it('names the missing payload field with its path', () => {
    const e = booked();
    delete (e.payload as Record<string, unknown>).chosen_date;
    expect(validateEvent(e)).toMatchObject({ ok: false, reason: 'invalid payload: /chosen_date Expected required property' });
  });

  it('rejects a wrong priority class and a malformed event id', () => {
    expect(validateEvent({ ...booked(), payload: { ...booked().payload, priority: 'X' } })).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid payload: \/priority/) });
    expect(validateEvent({ ...booked(), event_id: 'abc' })).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid envelope: \/event_id/) });
  });

  it('reports text that is not JSON as such', () => {
    expect(validateEvent('{nope')).toMatchObject({ ok: false, reason: 'not JSON', raw: '{nope' });
  });
});

describe('pseudonymisation', () => {
  it('replaces the patient with a keyed pseudonym, birth year, sex and residence area', () => {
    const e = pseudonymise(booked(3), 'booking', 'k1');
    const p = syntheticPatient(3);
    expect(e.patient).toEqual({ pseudonym: pseudonymOf(p.cf, 'k1'), birth_year: Number(p.birth_date.slice(0, 4)), sex: p.sex, residence_ats: p.residence_ats, residence_district: p.residence_district });
    expect(e.payload).not.toHaveProperty('patient');
  });

  it('drops the codice fiscale, name, phone, e-mail and NRE wherever they are, and records that a prescription exists', () => {
    const e = pseudonymise(booked(5), 'booking', 'k1');
    const text = JSON.stringify(e);
    const p = syntheticPatient(5);
    for (const s of [p.cf, p.name, p.phone, p.email, syntheticNre(5)]) expect(text).not.toContain(s);
    expect(e.payload).toMatchObject({ has_prescription: true, appointment_id: 'ap-5' });
    expect(scrub({ lines: [{ nre: 'X', keep: 1 }], nested: { email: 'a@b', ok: true } })).toEqual({ lines: [{ keep: 1 }], nested: { ok: true } });
  });

  it('gives the same lake row whether the payload is copied or scrubbed in place, and in place leaves no personal value behind', () => {
    const e = booked(7);
    const copied = pseudonymise(e, 'booking', 'k1');
    const owned = pseudonymiseOwned(JSON.parse(JSON.stringify(e)), 'booking', 'k1');
    expect(JSON.stringify(owned)).toBe(JSON.stringify(copied));
    const p = syntheticPatient(7);
    for (const s of [p.cf, p.name, p.phone, p.email, syntheticNre(7)]) expect(Object.values(owned.payload)).not.toContain(s);
    const nested = pseudonymiseOwned({ ...booked(8), payload: { lines: [{ nre: 'N1', keep: 1 }, [{ email: 'a@b' }]], deep: { prescriber_cf: 'X' } } }, 'booking', 'k1');
    expect(JSON.stringify(nested.payload)).toBe('{"lines":[{"keep":1},[{}]],"deep":{}}');
  });

  it('computes HMAC-SHA256 exactly as node:crypto for keys and messages of every block-length class', () => {
    for (const key of ['', 'k', 'x'.repeat(64), 'y'.repeat(65), 'ключ'.repeat(20)]) {
      const h = new HmacSha256(key);
      for (const m of ['', 'RSSMRA80A01F205X', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), 'é'.repeat(30), 'z'.repeat(300)]) {
        expect(h.hex(m)).toBe(createHmac('sha256', key).update(m).digest('hex'));
      }
    }
    expect(pseudonymOf(' rssmra80a01f205x ', 'k1')).toBe(createHmac('sha256', 'k1').update('RSSMRA80A01F205X').digest('hex').slice(0, 32));
  });

  it('gives the same pseudonym to the same codice fiscale whatever its case, and a different one under another key', () => {
    const cf = syntheticCf(42);
    expect(pseudonymOf(cf.toLowerCase(), 'k1')).toBe(pseudonymOf(cf, 'k1'));
    expect(pseudonymOf(cf, 'k2')).not.toBe(pseudonymOf(cf, 'k1'));
    expect(pseudonymOf(cf, 'k1')).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('Arrow record batches for the lake', () => {
  it('follow the explicit lake schema and keep nulls and non-ASCII text', () => {
    const a = pseudonymise(booked(1), 'booking', 'k');
    const b = pseudonymise({ ...makeEvent(searchEvent(2, NOW), NOW), provider: null, payload: { ...makeEvent(searchEvent(2, NOW), NOW).payload, note: 'Città di Sondrio — €' } }, 'booking', 'k');
    const t = toArrowTable([a, b], 1_700_000_000_000);
    expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(LAKE_SCHEMA.fields.map((f) => `${f.name}:${f.type}`));
    expect(t.numRows).toBe(2);
    const rows = t.toArray().map((r) => r.toJSON());
    expect(rows[0]).toMatchObject({ event_id: a.event_id, patient_birth_year: 1941, patient_sex: 'F', ingested_at: 1_700_000_000_000, occurred_at: NOW.getTime() });
    expect(rows[1]).toMatchObject({ provider: null, patient_pseudonym: null, patient_birth_year: null });
    expect(JSON.parse(rows[1]!.payload as string).note).toBe('Città di Sondrio — €');
  });

});

describe('the lake partition of an event', () => {
  it('is its date in Europe/Rome, across summer and winter time', () => {
    expect(partitionDate(NOW.toISOString())).toBe('2026-07-15');
    expect(partitionDate('2026-01-14T22:59:59Z')).toBe('2026-01-14');
    expect(partitionDate('2026-01-14T23:00:00Z')).toBe('2026-01-15');
  });
});
