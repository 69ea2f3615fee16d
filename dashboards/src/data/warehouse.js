// Read-only access to the dbt warehouse for data loaders: marts only, results as plain JSON values.
// CUPOLA_DATA_DIR (default: the repository's data/) holds warehouse.duckdb; dbt is its only writer.
import {DuckDBInstance} from "@duckdb/node-api";
import {existsSync} from "node:fs";
import {resolve, dirname, join} from "node:path";
import {fileURLToPath} from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const dataDir = process.env.CUPOLA_DATA_DIR ? resolve(process.env.CUPOLA_DATA_DIR) : join(repo, "data");
export const warehousePath = join(dataDir, "warehouse.duckdb");

/** Marts a loader may read (DESIGN.md: dashboards read marts only). */
export const MARTS = new Set([
  "dim_ats", "dim_services", "dim_org_units", "fct_slots_daily", "mart_wait_times", "mart_next_availability", "mart_volume_targets",
  "mart_waiting_list", "mart_no_show", "mart_demand_vs_supply", "mart_compliance_drilldown", "mart_demand_forecast"
]);

function plain(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object" && "toString" in v && !Array.isArray(v)) return String(v);
  return v;
}

/** Runs a query against the warehouse (read-only); every table it names must be a mart. */
export async function query(sql) {
  for (const m of sql.matchAll(/\b(?:from|join)\s+([a-z_][a-z0-9_.]*)/gi)) {
    const name = m[1].replace(/^main\./, "");
    if (!MARTS.has(name)) throw new Error(`loaders read marts only, not ${name}`);
  }
  if (!existsSync(warehousePath)) throw new Error(`no warehouse at ${warehousePath}: run \`cupola simulate\` and \`cupola dbt build\` first`);
  const instance = await DuckDBInstance.create(warehousePath, {access_mode: "READ_ONLY"});
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)])));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The names of the ATS and services a mart's rows refer to, once each (rows then carry only the ids). */
export async function namesOf(mart) {
  const ats = await query(`select distinct a.ats_id, a.ats_name from ${mart} m join dim_ats a on a.ats_id = m.ats_id order by a.ats_name`);
  const services = await query(`select distinct s.service_id, s.service_name from ${mart} m join dim_services s on s.service_id = m.service_id order by s.service_name`);
  return {ats, services};
}

export async function emit(value) {
  process.stdout.write(JSON.stringify(value));
}
