// Loaders send rows by id and each name once ({rows, ats: [{ats_id, ats_name}], providers: [...], ...}), so the JSON
// does not repeat the same names on thousands of rows. Pure: puts `<kind>_name` back on copies of the rows.
export function withNames(rows, lists) {
  const maps = Object.entries(lists).map(([kind, list]) => [kind, new Map(list.map((x) => [x[`${kind}_id`], x[`${kind}_name`]]))]);
  return rows.map((r) => {
    const out = {...r};
    for (const [kind, names] of maps) out[`${kind}_name`] = names.get(r[`${kind}_id`]) ?? null;
    return out;
  });
}
