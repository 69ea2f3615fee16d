import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, openTestDb } from './harness.ts';
import { commitEvents, lakeFiles, readLake, tempDataDir, waitFor } from './stream-harness.ts';
import { appointmentEvent, mixedEvent, syntheticCf, syntheticNre, syntheticPatient } from '../../simulator/src/booking-events.ts';
import { startEmbeddedStream } from '../../pipelines/src/stream.ts';
import { LakeSink } from '../../pipelines/src/sinks/lake-sink.ts';
import { pseudonymOf } from '../../pipelines/src/transforms/pseudonymise.ts';
import type { Db } from '../../engine/src/store/db.ts';

const N = 240;

describe.each(STORES)('the embedded change stream on %s', (store) => {
  let db: Db;
  let tmp: Awaited<ReturnType<typeof tempDataDir>>;
  let stream: Awaited<ReturnType<typeof startEmbeddedStream>>;
  let ids: string[];
  const now = new Date();

  beforeAll(async () => {
    db = await openTestDb(store);
    tmp = await tempDataDir();
    stream = await startEmbeddedStream(db, tmp.cfg, { idleMs: 10 });
    ids = await commitEvents(db, Array.from({ length: N }, (_, i) => mixedEvent(i, now)), 7, now);
    await waitFor(() => stream.sink.eventsWritten >= N, `${N} events in the lake`);
  });
  afterAll(async () => {
    await stream?.stop();
    await db?.close();
    await tmp?.cleanup();
  });

  it('lands every committed event in the lake exactly once and marks every outbox row published', async () => {
    const rows = await readLake(tmp.cfg.lakeDir);
    expect(rows).toHaveLength(N);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(ids));
    const unpublished = await db.query<{ n: number }>(`select count(*)::int as n from outbox where published_at is null`);
    expect(unpublished[0]!.n).toBe(0);
  });

  it('partitions the lake by topic and Europe/Rome date', async () => {
    const files = (await lakeFiles(tmp.cfg.lakeDir)).map((f) => f.slice(tmp.cfg.lakeDir.length + 1));
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(now);
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => new RegExp(`^booking/date=${day}/part-\\d+-[0-9a-f]{8}\\.parquet$`).test(f))).toBe(true);
  });

  it('writes no codice fiscale, name, phone, e-mail or NRE into the lake, and keeps the pseudonym, birth year, sex and area', async () => {
    const rows = await readLake(tmp.cfg.lakeDir);
    const text = JSON.stringify(rows);
    const forbidden: string[] = [];
    for (let i = 0; i < N; i++) {
      const p = syntheticPatient(i);
      forbidden.push(p.cf, p.name, p.phone, p.email, syntheticNre(i), p.name.split(' ')[1]!);
    }
    const found = forbidden.filter((s) => text.includes(s));
    expect(found).toEqual([]);
    // raw bytes too (file metadata, statistics)
    for (const f of await lakeFiles(tmp.cfg.lakeDir)) {
      const bytes = (await readFile(f)).toString('latin1');
      expect(forbidden.filter((s) => bytes.includes(s))).toEqual([]);
    }
    const booked = rows.find((r) => r.aggregate_id === 'ap-1' && r.type === 'appointment.booked')!;
    expect(booked).toMatchObject({
      patient_pseudonym: pseudonymOf(syntheticCf(1), 'test-pseudonym-key'),
      patient_birth_year: 1941,
      patient_sex: 'F',
      patient_residence_ats: syntheticPatient(1).residence_ats,
      patient_residence_district: syntheticPatient(1).residence_district,
    });
    expect(JSON.parse(booked.payload as string)).toMatchObject({ appointment_id: 'ap-1', has_prescription: true, priority: 'B' });
  });

  it('drops a replayed batch by event_id when rows are relayed again after a crash before they were marked', async () => {
    const before = stream.sink.duplicatesDropped;
    await db.query(`update outbox set published_at = null where id in (select id from outbox order by id limit 50)`);
    await waitFor(async () => stream.sink.duplicatesDropped >= before + 50, 'the replay to be dropped');
    expect(await readLake(tmp.cfg.lakeDir)).toHaveLength(N);
  });

  it('remembers the lake across a sink restart so a replay after restart writes nothing', async () => {
    const fresh = await LakeSink.open({ lakeDir: tmp.cfg.lakeDir, deadLetterDir: tmp.cfg.deadLetterDir, pseudonymKey: 'test-pseudonym-key' });
    const rows = await db.query<{ topic: string; aggregate_id: string; event_id: string; type: string }>(`select topic, aggregate_id, event_id::text, type from outbox limit 20`);
    const all = await db.query<Record<string, unknown>>(`select event_id::text as event_id, type, schema_version, occurred_at, aggregate_type, aggregate_id, ats, provider, payload, topic from outbox limit 20`);
    const r = await fresh.ingest(all.map((e) => ({ topic: String(e.topic), key: String(e.aggregate_id), value: JSON.stringify({ ...e, topic: undefined, occurred_at: new Date(e.occurred_at as string).toISOString() }) })));
    await fresh.close();
    expect(rows).toHaveLength(20);
    expect(r).toMatchObject({ written: 0, duplicates: 20, deadLettered: 0 });
  });

  it('dead-letters a schema-invalid event and an unknown type with their reasons while the others flow', async () => {
    const dead0 = stream.sink.deadLetters.count;
    const bad = appointmentEvent(9001, now);
    delete (bad.payload as Record<string, unknown>).slot_start;
    await commitEvents(db, [appointmentEvent(9000, now), bad, { type: 'appointment.teleported', aggregateType: 'appointment', aggregateId: 'ap-x', payload: { patient: syntheticPatient(9002) } }, appointmentEvent(9003, now)], 4, now);
    await waitFor(() => stream.sink.deadLetters.count >= dead0 + 2 && stream.sink.eventsWritten >= N + 2, 'the batch with bad events');
    const rows = await readLake(tmp.cfg.lakeDir);
    expect(rows.filter((r) => ['ap-9000', 'ap-9003'].includes(r.aggregate_id as string))).toHaveLength(2);
    expect(rows.filter((r) => ['ap-9001', 'ap-x'].includes(r.aggregate_id as string))).toHaveLength(0);
    const files = (await lakeFiles(tmp.cfg.deadLetterDir)).filter((f) => f.endsWith('.jsonl'));
    const letters = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(letters.map((l) => l.reason).sort()).toEqual(["invalid payload: /slot_start Expected required property", 'unknown type']);
    expect(JSON.stringify(letters)).not.toContain(syntheticCf(9001));
    expect(stream.live.snapshot(Date.now()).stream.dead_letters).toBe(dead0 + 2);
  });

  it('compacts small files into one per partition without losing or duplicating a row', async () => {
    const before = await readLake(tmp.cfg.lakeDir);
    const filesBefore = (await lakeFiles(tmp.cfg.lakeDir)).length;
    const r = await stream.sink.compact({ minFiles: 2 });
    const after = await readLake(tmp.cfg.lakeDir);
    expect(filesBefore).toBeGreaterThan(1);
    expect(r.partitions).toBe(1);
    expect(await lakeFiles(tmp.cfg.lakeDir)).toHaveLength(1);
    expect(after.map((x) => x.event_id).sort()).toEqual(before.map((x) => x.event_id).sort());
  });

  it('keeps every row exactly once when compaction runs while new events stream in', async () => {
    const before = (await readLake(tmp.cfg.lakeDir)).length;
    const written0 = stream.sink.eventsWritten;
    const more = commitEvents(db, Array.from({ length: 150 }, (_, i) => appointmentEvent(20_000 + i, now)), 3, now);
    const compactions = (async () => {
      while (stream.sink.eventsWritten < written0 + 150) {
        await stream.sink.compact({ minFiles: 2 });
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await more;
    await waitFor(() => stream.sink.eventsWritten >= written0 + 150, 'the new events');
    await compactions;
    await stream.sink.compact({ minFiles: 2 });
    const rows = await readLake(tmp.cfg.lakeDir);
    expect(rows).toHaveLength(before + 150);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(before + 150);
  });

  it('serves the live state over Server-Sent Events without authentication', async () => {
    const url = `${stream.server!.url}/live/stream`;
    const ctrl = new AbortController();
    const res = await fetch(url, { signal: ctrl.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    ctrl.abort();
    const snap = JSON.parse(text.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
    const booked = Array.from({ length: N }, (_, i) => i).filter((i) => i % 10 < 6).length + 2 + 150;
    expect(snap.last_hour).toEqual({ bookings: booked, cancellations: Array.from({ length: N }, (_, i) => i).filter((i) => i % 10 === 9).length });
    expect(snap.stream.events_total).toBe(N + 2 + 150);
    expect(snap.next_available.length).toBeGreaterThan(0);
    expect(snap.today.first_access_bookings).toBeGreaterThan(0);
    const post = await fetch(`${stream.server!.url}/live`, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});
