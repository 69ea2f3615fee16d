/** Helpers for the change-stream suites: temporary data dirs, waiting, reading the lake back with DuckDB. */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../engine/src/store/db.ts';
import type { NewEvent } from '../../engine/src/events/envelope.ts';
import { appendEvents } from '../../engine/src/store/outbox-store.ts';
import { loadStreamConfig, type StreamConfig } from '../../pipelines/src/config.ts';

export async function tempDataDir(): Promise<{ dir: string; cfg: StreamConfig; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cupola-stream-'));
  const cfg = loadStreamConfig({ CUPOLA_DATA_DIR: dir, CUPOLA_LIVE_PORT: '0', CUPOLA_PSEUDONYM_KEY: 'test-pseudonym-key' });
  return { dir, cfg, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Commits events in transactions of `perTx` through the engine's outbox store. */
export async function commitEvents(db: Db, events: readonly NewEvent[], perTx = 10, now = new Date()): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < events.length; i += perTx) {
    const envs = await db.transaction((tx) => appendEvents(tx, events.slice(i, i + perTx), now));
    ids.push(...envs.map((e) => e.event_id));
  }
  return ids;
}

export async function lakeFiles(lakeDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  await walk(lakeDir);
  return out.sort();
}

/** Every row of every Parquet file in the lake, as plain objects (timestamps as ISO strings). */
export async function readLake(lakeDir: string): Promise<Record<string, unknown>[]> {
  const files = (await lakeFiles(lakeDir)).filter((f) => f.endsWith('.parquet'));
  if (!files.length) return [];
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  try {
    const list = files.map((f) => `'${f}'`).join(', ');
    const r = await conn.runAndReadAll(`select * replace (occurred_at::varchar as occurred_at, ingested_at::varchar as ingested_at) from read_parquet([${list}], filename = true)`);
    return r.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}
