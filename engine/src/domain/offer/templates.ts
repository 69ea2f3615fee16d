/**
 * Validation of an agenda's weekly templates. Returns the first problem found, in template order,
 * with a stable code and the path of the offending field. Pure.
 */
import { err, ok, type Result } from '../shared/result.ts';
import { isLocalDate, parseLocalTime } from '../time/rome-time.ts';
import type { DateRange, LocalDate, TemplateRule } from './types.ts';

/** A template with its times in minutes and its validity resolved against the agenda's. */
interface CheckedTemplate {
  index: number;
  weekday: number;
  startMin: number;
  endMin: number;
  from: LocalDate;
  to: LocalDate;
}

const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

const validateAgendaValidity = (validity: DateRange): Result<DateRange> => {
  if (!isLocalDate(validity.from)) return err('AGENDA_INVALID_VALIDITY', 'validity.from is not a date (YYYY-MM-DD)', '/validity/from');
  if (!isLocalDate(validity.to)) return err('AGENDA_INVALID_VALIDITY', 'validity.to is not a date (YYYY-MM-DD)', '/validity/to');
  if (validity.to < validity.from) return err('AGENDA_INVALID_VALIDITY', 'validity ends before it starts', '/validity/to');
  return ok(validity);
};

const checkTimes = (t: TemplateRule, path: string): Result<{ startMin: number; endMin: number }> => {
  const startMin = typeof t.start === 'string' ? parseLocalTime(t.start) : null;
  if (startMin === null) return err('TEMPLATE_INVALID_TIME', 'start must be a time HH:MM', `${path}/start`);
  const endMin = typeof t.end === 'string' ? parseLocalTime(t.end) : null;
  if (endMin === null) return err('TEMPLATE_INVALID_TIME', 'end must be a time HH:MM', `${path}/end`);
  if (endMin <= startMin) return err('TEMPLATE_INVALID_TIME', 'end must be after start', `${path}/end`);
  if (!isPositiveInt(t.slotMinutes)) {
    return err('TEMPLATE_INVALID_SLOT_MINUTES', 'slotMinutes must be a positive integer', `${path}/slotMinutes`);
  }
  if ((endMin - startMin) % t.slotMinutes !== 0) {
    return err('TEMPLATE_SLOT_MISFIT', `slotMinutes ${t.slotMinutes} does not divide ${t.start}-${t.end}`, `${path}/slotMinutes`, {
      windowMinutes: endMin - startMin,
      slotMinutes: t.slotMinutes,
    });
  }
  return ok({ startMin, endMin });
};

const checkValidity = (t: TemplateRule, agenda: DateRange, path: string): Result<{ from: LocalDate; to: LocalDate }> => {
  for (const key of ['validFrom', 'validTo'] as const) {
    const v = t[key];
    if (v !== undefined && !isLocalDate(v)) return err('TEMPLATE_INVALID_DATE', `${key} is not a date (YYYY-MM-DD)`, `${path}/${key}`);
  }
  const from = t.validFrom ?? agenda.from;
  const to = t.validTo ?? agenda.to;
  if (from < agenda.from) {
    return err('TEMPLATE_OUT_OF_VALIDITY', `validFrom ${from} is before the agenda starts (${agenda.from})`, `${path}/validFrom`);
  }
  if (to > agenda.to) {
    return err('TEMPLATE_OUT_OF_VALIDITY', `validTo ${to} is after the agenda ends (${agenda.to})`, `${path}/validTo`);
  }
  if (to < from) return err('TEMPLATE_INVALID_VALIDITY', 'validTo is before validFrom', `${path}/validTo`);
  return ok({ from, to });
};

const checkTemplate = (t: TemplateRule, index: number, agenda: DateRange): Result<CheckedTemplate> => {
  const path = `/templates/${index}`;
  if (typeof t.weekday !== 'number' || !Number.isInteger(t.weekday) || t.weekday < 1 || t.weekday > 7) {
    return err('TEMPLATE_INVALID_WEEKDAY', 'weekday must be an integer 1 (Monday) .. 7 (Sunday)', `${path}/weekday`);
  }
  const times = checkTimes(t, path);
  if (!times.ok) return times;
  if (!isPositiveInt(t.capacity)) return err('TEMPLATE_INVALID_CAPACITY', 'capacity must be an integer >= 1', `${path}/capacity`);
  const validity = checkValidity(t, agenda, path);
  if (!validity.ok) return validity;
  return ok({ index, weekday: t.weekday, ...times.value, ...validity.value });
};

const overlaps = (a: CheckedTemplate, b: CheckedTemplate): boolean =>
  a.weekday === b.weekday && a.startMin < b.endMin && b.startMin < a.endMin && a.from <= b.to && b.from <= a.to;

const findOverlap = (checked: readonly CheckedTemplate[]): Result<true> => {
  for (let j = 1; j < checked.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = checked[i] as CheckedTemplate;
      const b = checked[j] as CheckedTemplate;
      if (overlaps(a, b)) {
        return err('TEMPLATE_OVERLAP', `template ${b.index} overlaps template ${a.index} on weekday ${b.weekday}`, `/templates/${b.index}`, {
          indexes: [a.index, b.index],
        });
      }
    }
  }
  return ok(true);
};

/**
 * Checks an agenda's templates against its validity. Codes: AGENDA_INVALID_VALIDITY, TEMPLATE_INVALID_WEEKDAY,
 * TEMPLATE_INVALID_TIME, TEMPLATE_INVALID_SLOT_MINUTES, TEMPLATE_SLOT_MISFIT, TEMPLATE_INVALID_CAPACITY,
 * TEMPLATE_INVALID_DATE, TEMPLATE_OUT_OF_VALIDITY, TEMPLATE_INVALID_VALIDITY, TEMPLATE_OVERLAP
 * (path of the later template, details.indexes = [earlier, later]).
 */
export const validateTemplates = (templates: readonly TemplateRule[], agendaValidity: DateRange): Result<TemplateRule[]> => {
  const agenda = validateAgendaValidity(agendaValidity);
  if (!agenda.ok) return agenda;
  const checked: CheckedTemplate[] = [];
  for (const [i, t] of templates.entries()) {
    const r = checkTemplate(t, i, agenda.value);
    if (!r.ok) return r;
    checked.push(r.value);
  }
  const overlap = findOverlap(checked);
  if (!overlap.ok) return overlap;
  return ok(templates.map((t) => ({ ...t })));
};
