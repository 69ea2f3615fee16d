// Forecast band for a cumulative trajectory (pure). Weekly forecast rows {week_start: "YYYY-MM-DD", p10, p50, p90}
// (several rows of a week are summed) are added to the cumulative value reached on `fromDay`, each week prorated to
// its days after `fromDay` and up to `endDay` (inclusive). Returns one point per week end (clipped to `endDay`),
// starting at `fromDay`: [{day: "YYYY-MM-DD", lo, mid, hi}], or [] when no forecast week falls in the interval.
const DAY = 86_400_000;
const toMs = (d) => Date.parse(`${d}T00:00:00Z`);
const toDay = (ms) => new Date(ms).toISOString().slice(0, 10);

export function forecastBand(weeks, {fromDay, fromValue, endDay}) {
  const byWeek = new Map();
  for (const w of weeks) {
    const g = byWeek.get(w.week_start) ?? {p10: 0, p50: 0, p90: 0};
    g.p10 += Number(w.p10 ?? 0);
    g.p50 += Number(w.p50 ?? 0);
    g.p90 += Number(w.p90 ?? 0);
    byWeek.set(w.week_start, g);
  }
  const first = toMs(fromDay) + DAY;
  const last = toMs(endDay);
  const points = [{day: fromDay, lo: fromValue, mid: fromValue, hi: fromValue}];
  let lo = fromValue, mid = fromValue, hi = fromValue;
  for (const [weekStart, q] of [...byWeek].sort((a, b) => a[0].localeCompare(b[0]))) {
    const from = Math.max(toMs(weekStart), first);
    const to = Math.min(toMs(weekStart) + 6 * DAY, last);
    if (to < from) continue;
    const share = ((to - from) / DAY + 1) / 7;
    lo += q.p10 * share;
    mid += q.p50 * share;
    hi += q.p90 * share;
    points.push({day: toDay(to), lo, mid, hi});
  }
  return points.length > 1 ? points : [];
}
