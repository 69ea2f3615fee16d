import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeEvent, topicOf } from '../../engine/src/events/envelope.ts';
import { appointmentEvent } from '../../simulator/src/booking-events.ts';
import { LakeSink } from '../../pipelines/src/sinks/lake-sink.ts';
import { lakeFiles, readLake, tempDataDir } from './stream-harness.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-05-20T10:00:00Z');
const record = (n: number, at: number) => {
  const e = makeEvent(appointmentEvent(n, new Date(at)), new Date(at));
  return { topic: topicOf(e.aggregate_type), key: e.aggregate_id, value: JSON.stringify(e) };
};

describe('the lake sink', () => {
  let tmp: Awaited<ReturnType<typeof tempDataDir>>;
  let sink: LakeSink;
  const open = () => LakeSink.open({ lakeDir: tmp.cfg.lakeDir, deadLetterDir: tmp.cfg.deadLetterDir, pseudonymKey: 'k', now: () => NOW });

  beforeEach(async () => {
    tmp = await tempDataDir();
    sink = await open();
  });
  afterEach(async () => {
    await sink.close();
    await tmp.cleanup();
  });

  it('drops an event replayed within the dedupe window, in the same batch or a later one', async () => {
    const a = record(1, NOW - 60_000);
    expect(await sink.ingest([a, a])).toMatchObject({ written: 1, duplicates: 1 });
    expect(await sink.ingest([a, record(2, NOW)])).toMatchObject({ written: 1, duplicates: 1 });
    expect(sink.dedupeSize).toBe(2);
    expect(await readLake(tmp.cfg.lakeDir)).toHaveLength(2);
  });

  it('forgets ids older than the window, and compaction then removes the replayed copy', async () => {
    const old = record(3, NOW - 5 * DAY);
    await sink.ingest([old]);
    expect(sink.dedupeSize).toBe(0);
    expect(await sink.ingest([old])).toMatchObject({ written: 1, duplicates: 0 });
    expect(await readLake(tmp.cfg.lakeDir)).toHaveLength(2);
    await sink.compact({ minFiles: 2 });
    expect(await readLake(tmp.cfg.lakeDir)).toHaveLength(1);
  });

  it('removes a half-written file left by a crash and remembers the ids of complete files when it reopens', async () => {
    const a = record(4, NOW - 1000);
    await sink.ingest([a]);
    const dir = join(tmp.cfg.lakeDir, 'booking', 'date=2026-05-20');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'part-1-deadbeef.parquet.tmp'), 'half a file');
    await sink.close();
    sink = await open();
    expect((await lakeFiles(tmp.cfg.lakeDir)).some((f) => f.endsWith('.tmp'))).toBe(false);
    expect(await sink.ingest([a])).toMatchObject({ written: 0, duplicates: 1 });
  });
});

describe('the lake sink with ingest worker threads', () => {
  let tmp: Awaited<ReturnType<typeof tempDataDir>>;
  let sink: LakeSink;

  beforeEach(async () => {
    tmp = await tempDataDir();
    sink = await LakeSink.open({ lakeDir: tmp.cfg.lakeDir, deadLetterDir: tmp.cfg.deadLetterDir, pseudonymKey: 'k', now: () => NOW, workers: 2 });
  });
  afterEach(async () => {
    await sink.close();
    await tmp.cleanup();
  });

  it('writes each event once when the same events arrive in batches ingested at the same time, and dead-letters the invalid ones', async () => {
    const events = Array.from({ length: 400 }, (_, i) => record(100 + i, NOW - 1000));
    const bad = { topic: 'booking', key: 'b', value: '{"event_id":"nope"}' };
    const [a, b] = await Promise.all([sink.ingest([...events.slice(0, 300), bad]), sink.ingest(events.slice(100))]);
    expect(a!.written + b!.written).toBe(400);
    expect(a!.duplicates + b!.duplicates).toBe(200);
    expect(a!.deadLettered + b!.deadLettered).toBe(1);
    const rows = await readLake(tmp.cfg.lakeDir);
    expect(rows).toHaveLength(400);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(400);
    expect(await sink.ingest(events.slice(0, 10))).toMatchObject({ written: 0, duplicates: 10 });
    expect(sink.deadLetters.count).toBe(1);
  });

  it('rejects a batch whose files cannot be written, and writes its events in full when it is delivered again', async () => {
    const events = Array.from({ length: 20 }, (_, i) => record(2000 + i, NOW - 1000));
    await mkdir(tmp.cfg.lakeDir, { recursive: true });
    await writeFile(join(tmp.cfg.lakeDir, 'booking'), 'a file where the topic folder should be');
    await expect(sink.ingest(events)).rejects.toThrow(/ingest worker/);
    expect(sink.eventsWritten).toBe(0);
    await unlink(join(tmp.cfg.lakeDir, 'booking'));
    expect(await sink.ingest(events)).toMatchObject({ written: 20, duplicates: 0 }); // the failed batch's ids were released
    expect(await readLake(tmp.cfg.lakeDir)).toHaveLength(20);
  });

  it('writes the same rows as ingesting on the sink thread, pseudonymised', async () => {
    const events = Array.from({ length: 50 }, (_, i) => record(1000 + i, NOW - 1000));
    await sink.ingest(events);
    const inThreadDir = await tempDataDir();
    const here = await LakeSink.open({ lakeDir: inThreadDir.cfg.lakeDir, deadLetterDir: inThreadDir.cfg.deadLetterDir, pseudonymKey: 'k', now: () => NOW });
    await here.ingest(events);
    await here.close();
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ filename: _f, ...r }) => r).sort((x, y) => String(x.event_id).localeCompare(String(y.event_id)));
    const [viaWorkers, viaThread] = [strip(await readLake(tmp.cfg.lakeDir)), strip(await readLake(inThreadDir.cfg.lakeDir))];
    await inThreadDir.cleanup();
    expect(viaWorkers).toEqual(viaThread);
    expect(JSON.stringify(viaWorkers)).not.toMatch(/"cf"|prescription_nre|example\.it/);
    expect(viaWorkers[0]!.patient_pseudonym).toMatch(/^[0-9a-f]{32}$/);
  });
});
