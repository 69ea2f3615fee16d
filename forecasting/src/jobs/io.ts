/**
 * I/O of the forecasting jobs (adapters): tables from a CSV/Parquet file or a dbt mart in the warehouse (opened
 * read-only: dbt is the warehouse's only writer), and Parquet files written to the lake (temp file + rename, so a
 * failed run leaves nothing).
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ForecastInputError } from '../errors.ts';

export interface Table { columns: string[]; rows: Record<string, unknown>[]; source: string }

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A file (`.csv`, `.parquet`) or a mart name (read from `$CUPOLA_DATA_DIR/warehouse.duckdb`). */
export async function readTable(source: string, dataDir: string): Promise<Table> {
  const isFile = /\.(csv|tsv|parquet)$/i.test(source) || source.includes('/');
  const instance = isFile
    ? await DuckDBInstance.create(':memory:', { threads: '1' })
    : await openWarehouse(dataDir, source);
  const conn = await instance.connect();
  try {
    let sql: string;
    if (isFile) {
      if (!existsSync(source)) throw new ForecastInputError('NO_DATA', `${source}: file not found`);
      sql = extname(source).toLowerCase() === '.parquet' ? `select * from read_parquet(${q(source)})` : `select * from read_csv_auto(${q(source)}, header = true)`;
    } else {
      const found = await conn.runAndReadAll(`select table_schema from information_schema.tables where table_name = ${q(source)} order by table_schema = 'main' desc limit 1`);
      const schema = found.getRowObjectsJson()[0]?.table_schema;
      if (!schema) throw new ForecastInputError('NO_DATA', `mart ${source}: not in ${join(dataDir, 'warehouse.duckdb')} (run \`cupola dbt build\` first, or pass a file)`);
      sql = `select * from "${String(schema)}"."${source}"`;
    }
    const r = await conn.runAndReadAll(sql);
    return { columns: r.columnNames(), rows: r.getRowObjectsJson() as Record<string, unknown>[], source };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

async function openWarehouse(dataDir: string, mart: string): Promise<DuckDBInstance> {
  const path = join(dataDir, 'warehouse.duckdb');
  if (!existsSync(path)) throw new ForecastInputError('NO_DATA', `mart ${mart}: no warehouse at ${path} (run \`cupola simulate\` and \`cupola dbt build\` first, or pass a file)`);
  return DuckDBInstance.create(path, { access_mode: 'READ_ONLY', threads: '1' });
}

export type ColumnType = 'VARCHAR' | 'DOUBLE' | 'INTEGER' | 'DATE' | 'TIMESTAMP' | 'BOOLEAN';

/** Writes rows as one Parquet file (typed columns) via a temp file and a rename. */
export async function writeParquet(path: string, columns: Record<string, ColumnType>, rows: readonly Record<string, unknown>[]): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const tmpJson = `${path}.${process.pid}.ndjson`;
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmpJson, rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))).join('\n') + '\n');
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const conn = await instance.connect();
    try {
      const cols = `{${Object.entries(columns).map(([k, t]) => `${q(k)}: ${q(t)}`).join(', ')}}`;
      await conn.run(`copy (select ${Object.keys(columns).map((c) => `"${c}"`).join(', ')} from read_json(${q(tmpJson)}, format = 'newline_delimited', columns = ${cols})) to ${q(tmp)} (format parquet)`);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
    await rename(tmp, path);
  } finally {
    await rm(tmpJson, { force: true });
    await rm(tmp, { force: true });
  }
  return rows.length;
}
