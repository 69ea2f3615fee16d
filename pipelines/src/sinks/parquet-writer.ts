/**
 * Arrow record batches → Parquet files. Micro-batches are written Arrow-natively: the record batch is serialised as
 * Arrow IPC and encoded to Parquet (zstd) by parquet-wasm (the Rust `parquet` crate), which measured ~6× faster
 * than loading the same batch into DuckDB through its appender and `COPY ... TO`. DuckDB (@duckdb/node-api,
 * in-memory; it never opens warehouse.duckdb) merges files for compaction and reads event ids back.
 * Every file is written under a temporary name, fsynced, renamed into place and its directory fsynced, so a file is
 * either complete and durable under its final name or absent.
 */
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { mkdir, open, rename, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { tableToIPC, type Table } from 'apache-arrow';

interface PropsBuilder {
  setCompression(c: number): PropsBuilder;
  setColumnDictionaryEnabled(col: string, on: boolean): PropsBuilder;
  setColumnStatisticsEnabled(col: string, level: number): PropsBuilder;
  build(): unknown;
}
interface ParquetWasm {
  Table: { fromIPCStream(buf: Uint8Array): unknown };
  WriterPropertiesBuilder: new () => PropsBuilder;
  Compression: { ZSTD: number };
  EnabledStatistics: { None: number };
  writeParquet(table: unknown, props?: unknown): Uint8Array;
}
const parquetWasm = createRequire(import.meta.url)('parquet-wasm/node') as ParquetWasm;

/** Columns unique per row: a dictionary never pays off (the writer would build one, then fall back to plain). */
const NO_DICTIONARY = ['event_id', 'aggregate_id', 'patient_pseudonym', 'payload'];

/**
 * zstd; no dictionary for the unique columns and no min/max statistics for the payload JSON (nothing filters on it).
 * Together ≈ 2× faster than the defaults and 8 % smaller files.
 */
function writerProps(): unknown {
  let b = new parquetWasm.WriterPropertiesBuilder().setCompression(parquetWasm.Compression.ZSTD).setColumnStatisticsEnabled('payload', parquetWasm.EnabledStatistics.None);
  for (const c of NO_DICTIONARY) b = b.setColumnDictionaryEnabled(c, false);
  return b.build();
}

/** Encodes Arrow tables (one schema) as one Parquet file (zstd). */
export function arrowToParquet(tables: readonly Table[]): Uint8Array {
  const ipc = tableToIPC(tables.length === 1 ? tables[0]! : tables[0]!.concat(...tables.slice(1)), 'stream');
  return parquetWasm.writeParquet(parquetWasm.Table.fromIPCStream(ipc), writerProps());
}

export async function fsyncPath(path: string, flags = 'r'): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function durableRename(tmp: string, final: string): Promise<void> {
  await fsyncPath(tmp);
  await rename(tmp, final);
  await fsyncPath(dirname(final));
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

export class ParquetWriter {
  private constructor(private readonly instance: DuckDBInstance, readonly conn: DuckDBConnection) {}

  static async open(): Promise<ParquetWriter> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '4' });
    const conn = await instance.connect();
    await conn.run(`set preserve_insertion_order = true`);
    return new ParquetWriter(instance, conn);
  }

  /** Writes Arrow tables as one durable Parquet file at `path` (Arrow-native encoder). */
  async write(tables: readonly Table[], path: string): Promise<number> {
    const bytes = arrowToParquet(tables);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp`;
    await writeFile(tmp, bytes);
    await durableRename(tmp, path);
    return tables.reduce((s, t) => s + t.numRows, 0);
  }

  /** Writes encoded file bytes durably at `path` (tmp name, fsync, rename, fsync of the directory). */
  async writeBytes(bytes: Uint8Array, path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp`;
    await writeFile(tmp, bytes);
    await durableRename(tmp, path);
  }

  /**
   * Merges Parquet files into one at `path` keeping one row per event_id (the earliest ingested), durably.
   * Returns the number of rows written.
   */
  async merge(files: readonly string[], path: string): Promise<number> {
    const tmp = `${path}.tmp`;
    const list = `[${files.map(sqlString).join(', ')}]`;
    const r = await this.conn.runAndReadAll(`select count(*)::bigint as n from (select distinct event_id from read_parquet(${list}))`);
    await this.conn.run(
      `copy (select * exclude (rn) from (select *, row_number() over (partition by event_id order by ingested_at, occurred_at) as rn
              from read_parquet(${list})) where rn = 1 order by occurred_at, event_id)
       to ${sqlString(tmp)} (format parquet, compression zstd)`,
    );
    await durableRename(tmp, path);
    return Number(r.getRowObjects()[0]!.n);
  }

  /** Every event_id in the given Parquet files (used to seed the sink's replay dedupe). */
  async eventIds(glob: string): Promise<string[]> {
    const r = await this.conn.runAndReadAll(`select event_id from read_parquet(${sqlString(glob)})`);
    return r.getColumns()[0]!.map(String);
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    return (await this.conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

export async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}
