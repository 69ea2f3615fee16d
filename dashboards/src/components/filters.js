// Filter helpers (pure): distinct sorted options and row filtering by ATS, service, class and period.
export const TUTTE = "Tutte";

export function options(rows, key, label = key) {
  const m = new Map();
  for (const r of rows) if (r[key] !== null && r[key] !== undefined) m.set(r[key], r[label] ?? r[key]);
  return [...m].sort((a, b) => String(a[1]).localeCompare(String(b[1]), "it"));
}

/** Keeps rows matching every filter whose value is not TUTTE; `from`/`to` bound the `dateKey` column. */
export function applyFilters(rows, {ats = TUTTE, service = TUTTE, priority = TUTTE, from = null, to = null, dateKey = "week_start"} = {}) {
  return rows.filter((r) =>
    (ats === TUTTE || r.ats_id === ats) &&
    (service === TUTTE || r.service_id === service) &&
    (priority === TUTTE || r.priority === priority) &&
    (from === null || r[dateKey] >= from) &&
    (to === null || r[dateKey] <= to));
}

/** Sums numeric fields of rows grouped by the given keys. */
export function rollup(rows, keys, sums) {
  const m = new Map();
  for (const r of rows) {
    const k = keys.map((x) => r[x]).join("\u0001");
    let g = m.get(k);
    if (!g) m.set(k, (g = Object.fromEntries([...keys.map((x) => [x, r[x]]), ...sums.map((s) => [s, 0])])));
    for (const s of sums) g[s] += Number(r[s] ?? 0);
  }
  return [...m.values()];
}
