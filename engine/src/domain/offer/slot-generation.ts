/**
 * Slot generation from weekly templates. Slots are laid out in Rome wall-clock time and stored as UTC
 * instants; holidays and closure days have no slots; a share of each day's slots can be reserved to priority
 * classes (see quotas.ts). Pure and streaming: iterateSlots/forEachSlot produce one local day at a time, so
 * callers can write millions of slots without building an array.
 *
 * Summer-time changes: a slot whose local start falls in the spring-forward gap (02:00-02:59 on the last
 * Sunday of March) is skipped, and so is a slot that would start before an earlier slot of the day ends
 * (possible only right after the gap, since endAt = startAt + slotMinutes of real time). In the repeated
 * October hour the first occurrence (CEST) is used. So the slots of one agenda never overlap.
 */
import {
  epochDayOf,
  isoWeekdayOfEpochDay,
  localDateOfEpochDay,
  localToUtcMs,
  MS_PER_MINUTE,
  parseLocalTime,
} from '../time/rome-time.ts';
import { assignReservedClasses } from './quotas.ts';
import type { ClassQuotas, DateRange, GeneratedSlot, LocalDate, LocalTime, PriorityClass, TemplateRule } from './types.ts';

export { validateQuotas } from './quotas.ts';

export interface SlotGenerationInput {
  /** the agenda's validity, inclusive */
  validity: DateRange;
  /** validated templates (see validateTemplates) */
  templates: readonly TemplateRule[];
  /** closure periods, inclusive */
  closures: readonly DateRange[];
  holidays: ReadonlySet<LocalDate> | ReadonlyMap<LocalDate, string>;
  /** the dates to generate, inclusive */
  range: DateRange;
  classQuotas?: ClassQuotas | undefined;
}

interface CompiledTemplate {
  weekday: number;
  startMin: number;
  endMin: number;
  slotMinutes: number;
  capacity: number;
  fromDay: number;
  toDay: number;
}

interface Plan {
  firstDay: number;
  lastDay: number;
  templatesByWeekday: CompiledTemplate[][];
  closures: { from: number; to: number }[];
  holidays: SlotGenerationInput['holidays'];
  classQuotas: ClassQuotas;
  hasQuotas: boolean;
  reservedByCount: Map<number, (PriorityClass | null)[]>;
}

const mustParseTime = (time: LocalTime, what: string): number => {
  const m = parseLocalTime(time);
  if (m === null) throw new RangeError(`template ${what} is not a time: ${String(time)} (validate templates first)`);
  return m;
};

const compileTemplate = (t: TemplateRule): CompiledTemplate => {
  const startMin = mustParseTime(t.start, 'start');
  const endMin = mustParseTime(t.end, 'end');
  if (!Number.isInteger(t.slotMinutes) || t.slotMinutes < 1) throw new RangeError('template slotMinutes must be >= 1');
  return {
    weekday: t.weekday,
    startMin,
    endMin,
    slotMinutes: t.slotMinutes,
    capacity: t.capacity,
    fromDay: t.validFrom === undefined ? -Infinity : epochDayOf(t.validFrom),
    toDay: t.validTo === undefined ? Infinity : epochDayOf(t.validTo),
  };
};

const compile = (input: SlotGenerationInput): Plan => {
  const templatesByWeekday: CompiledTemplate[][] = [[], [], [], [], [], [], [], []];
  for (const t of input.templates) templatesByWeekday[t.weekday]?.push(compileTemplate(t));
  const classQuotas = input.classQuotas ?? {};
  return {
    firstDay: Math.max(epochDayOf(input.validity.from), epochDayOf(input.range.from)),
    lastDay: Math.min(epochDayOf(input.validity.to), epochDayOf(input.range.to)),
    templatesByWeekday,
    closures: input.closures.map((c) => ({ from: epochDayOf(c.from), to: epochDayOf(c.to) })),
    holidays: input.holidays,
    classQuotas,
    hasQuotas: Object.values(classQuotas).some((q) => (q ?? 0) > 0),
    reservedByCount: new Map(),
  };
};

const isClosed = (plan: Plan, day: number): boolean => plan.closures.some((c) => day >= c.from && day <= c.to);

/** One template's slots on one day, in start order, skipping starts in the spring-forward gap. */
const templateSlots = (t: CompiledTemplate, day: number, localDate: LocalDate, out: GeneratedSlot[]): void => {
  const durationMs = t.slotMinutes * MS_PER_MINUTE;
  for (let m = t.startMin; m + t.slotMinutes <= t.endMin; m += t.slotMinutes) {
    const startMs = localToUtcMs(day, m);
    if (startMs === null) continue;
    out.push({ localDate, startAt: new Date(startMs), endAt: new Date(startMs + durationMs), capacity: t.capacity, reservedClass: null });
  }
};

/**
 * Drops every slot that would start before an earlier slot of the day ends. With validated templates this
 * happens only right after the spring-forward gap, where a slot straddling the gap lasts into the next hour.
 */
const withoutOverlaps = (sorted: GeneratedSlot[]): GeneratedSlot[] => {
  let busyUntil = -Infinity;
  let kept = 0;
  for (const slot of sorted) {
    if (slot.startAt.getTime() < busyUntil) continue;
    busyUntil = slot.endAt.getTime();
    sorted[kept++] = slot;
  }
  sorted.length = kept;
  return sorted;
};

const reservedPattern = (plan: Plan, n: number): (PriorityClass | null)[] => {
  let pattern = plan.reservedByCount.get(n);
  if (pattern === undefined) {
    pattern = assignReservedClasses(plan.classQuotas, n);
    plan.reservedByCount.set(n, pattern);
  }
  return pattern;
};

/** All slots of one local day, sorted by start, with their reserved classes. Empty on holidays and closures. */
const daySlots = (plan: Plan, day: number): GeneratedSlot[] => {
  const templates = plan.templatesByWeekday[isoWeekdayOfEpochDay(day)] ?? [];
  const active = templates.filter((t) => day >= t.fromDay && day <= t.toDay);
  if (active.length === 0) return [];
  const localDate = localDateOfEpochDay(day);
  if (plan.holidays.has(localDate) || isClosed(plan, day)) return [];
  const all: GeneratedSlot[] = [];
  for (const t of active) templateSlots(t, day, localDate, all);
  if (active.length > 1) all.sort((a, b) => a.startAt.getTime() - b.startAt.getTime());
  const slots = withoutOverlaps(all);
  if (plan.hasQuotas) {
    const pattern = reservedPattern(plan, slots.length);
    slots.forEach((s, i) => {
      s.reservedClass = pattern[i] ?? null;
    });
  }
  return slots;
};

/** Streams the slots one local day at a time, in start order. */
export function* iterateSlots(input: SlotGenerationInput): Generator<GeneratedSlot, void, undefined> {
  const plan = compile(input);
  for (let day = plan.firstDay; day <= plan.lastDay; day++) yield* daySlots(plan, day);
}

/** Calls cb for every slot in start order; returns how many slots there were. Faster than iterateSlots. */
export const forEachSlot = (input: SlotGenerationInput, cb: (slot: GeneratedSlot) => void): number => {
  const plan = compile(input);
  let count = 0;
  for (let day = plan.firstDay; day <= plan.lastDay; day++) {
    for (const slot of daySlots(plan, day)) {
      cb(slot);
      count++;
    }
  }
  return count;
};

/** Streams whole days: cb gets the local date and that day's slots (never called for days without slots). */
export const forEachSlotDay = (input: SlotGenerationInput, cb: (localDate: LocalDate, slots: GeneratedSlot[]) => void): void => {
  const plan = compile(input);
  for (let day = plan.firstDay; day <= plan.lastDay; day++) {
    const slots = daySlots(plan, day);
    const first = slots[0];
    if (first !== undefined) cb(first.localDate, slots);
  }
};

/** All slots in the range, sorted by startAt. */
export const generateSlots = (input: SlotGenerationInput): GeneratedSlot[] => {
  const out: GeneratedSlot[] = [];
  forEachSlot(input, (s) => out.push(s));
  return out;
};
