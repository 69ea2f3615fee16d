/**
 * Waiting-time and compliance projection for one service × ATS, pure: a weekly fluid queue with priority service.
 * Each week's first-access places serve the waiting requests in class order U, B, D, P, first come first served
 * within a class. A request arriving in week a and served in week w waits 7·(w − a) + 2 days (two days to the first
 * free place of a week with capacity). The horizon is followed by `tailWeeks` of demand at the horizon's mean so
 * late arrivals get served; requests still waiting at the end count with the wait reached so far (a lower bound).
 * Little's law seeds the initial backlog: recent demand per week × recent mean wait ÷ 7.
 */
export const QUEUE_CLASSES = ['U', 'B', 'D', 'P'] as const;
export type QueueClass = (typeof QUEUE_CLASSES)[number];

export interface QueueInput {
  weeks: string[];
  /** expected new requests per class per week (length = weeks) */
  demand: Record<QueueClass, number[]>;
  /** first-access places per week (all classes) */
  supply: number[];
  /** maximum wait of each class for this service kind, days */
  maxWaitDays: Record<QueueClass, number>;
  /** requests already waiting at the start, per class */
  backlog?: Partial<Record<QueueClass, number>>;
  tailWeeks?: number;
}

export interface QueueWeek {
  week: string;
  supply: number;
  demand: number;
  /** share of this week's requests (all classes) served within their class maximum */
  compliance: number;
  /** median wait (days) of this week's requests, all classes */
  medianWaitDays: number;
  byClass: Record<QueueClass, { demand: number; compliance: number; medianWaitDays: number }>;
  backlogEnd: number;
}

const SAME_WEEK_DAYS = 2;

interface Chunk { cls: QueueClass; arrival: number; qty: number }

export function projectQueue(q: QueueInput): QueueWeek[] {
  const H = q.weeks.length, tail = q.tailWeeks ?? 52;
  const meanOf = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const demandAt = (c: QueueClass, w: number) => (w < H ? q.demand[c][w]! : meanOf(q.demand[c]));
  const supplyAt = (w: number) => Math.max(0, w < H ? q.supply[w]! : meanOf(q.supply));
  const queues: Record<QueueClass, Chunk[]> = { U: [], B: [], D: [], P: [] };
  for (const c of QUEUE_CLASSES) if ((q.backlog?.[c] ?? 0) > 0) queues[c].push({ cls: c, arrival: -1, qty: q.backlog![c]! });
  // served[a][c] = list of [waitDays, qty]
  const served: [number, number][][][] = Array.from({ length: H }, () => QUEUE_CLASSES.map(() => []));
  let backlogEnd: number[] = [];
  for (let w = 0; w < H + tail; w++) {
    for (const c of QUEUE_CLASSES) {
      const d = demandAt(c, w);
      if (d > 0) queues[c].push({ cls: c, arrival: w, qty: d });
    }
    let cap = supplyAt(w);
    for (const c of QUEUE_CLASSES) {
      const qc = queues[c];
      while (cap > 1e-9 && qc.length) {
        const ch = qc[0]!;
        const take = Math.min(cap, ch.qty);
        if (ch.arrival >= 0 && ch.arrival < H) served[ch.arrival]![QUEUE_CLASSES.indexOf(c)]!.push([7 * (w - ch.arrival) + SAME_WEEK_DAYS, take]);
        ch.qty -= take;
        cap -= take;
        if (ch.qty <= 1e-9) qc.shift();
      }
    }
    if (w < H) backlogEnd.push(QUEUE_CLASSES.reduce((s, c) => s + queues[c].reduce((t, ch) => t + ch.qty, 0), 0));
  }
  const end = H + tail;
  for (const c of QUEUE_CLASSES) for (const ch of queues[c]) if (ch.arrival >= 0 && ch.arrival < H) served[ch.arrival]![QUEUE_CLASSES.indexOf(c)]!.push([7 * (end - ch.arrival) + SAME_WEEK_DAYS, ch.qty]);
  const median = (xs: [number, number][]) => {
    const tot = xs.reduce((s, x) => s + x[1], 0);
    if (tot <= 0) return NaN;
    const sorted = [...xs].sort((a, b) => a[0] - b[0]);
    let acc = 0;
    for (const [v, n] of sorted) if ((acc += n) >= tot / 2) return v;
    return sorted[sorted.length - 1]![0];
  };
  return q.weeks.map((week, a) => {
    const byClass = {} as QueueWeek['byClass'];
    let within = 0, total = 0;
    const all: [number, number][] = [];
    QUEUE_CLASSES.forEach((c, ci) => {
      const xs = served[a]![ci]!;
      const tot = xs.reduce((s, x) => s + x[1], 0);
      const ok = xs.filter((x) => x[0] <= q.maxWaitDays[c]).reduce((s, x) => s + x[1], 0);
      byClass[c] = { demand: q.demand[c][a]!, compliance: tot > 0 ? ok / tot : NaN, medianWaitDays: median(xs) };
      within += ok;
      total += tot;
      all.push(...xs);
    });
    return {
      week, supply: supplyAt(a), demand: QUEUE_CLASSES.reduce((s, c) => s + q.demand[c][a]!, 0),
      compliance: total > 0 ? within / total : NaN, medianWaitDays: median(all), byClass, backlogEnd: backlogEnd[a]!,
    };
  });
}
