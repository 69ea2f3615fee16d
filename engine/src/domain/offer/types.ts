/** Shared vocabulary of the offer (agenda/slot) part of the domain. Pure types, no I/O. */

export const PRIORITY_CLASSES = ['U', 'B', 'D', 'P'] as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];

export const CHANNELS = ['desk', 'call_centre', 'web', 'pharmacy', 'kiosk', 'internal'] as const;
export type Channel = (typeof CHANNELS)[number];

export const REGIMES = ['SSN', 'ALPI', 'private'] as const;
export type Regime = (typeof REGIMES)[number];

export const ACCESS_TYPES = ['first', 'follow_up'] as const;
export type AccessType = (typeof ACCESS_TYPES)[number];

export const ORG_LEVELS = ['region', 'ats', 'provider', 'site', 'unit', 'clinic', 'resource'] as const;
export type OrgLevel = (typeof ORG_LEVELS)[number];

/** ISO date in local (Europe/Rome) calendar terms, 'YYYY-MM-DD'. */
export type LocalDate = string;
/** Local wall-clock time 'HH:MM' (24h). */
export type LocalTime = string;

/** A weekly template row of an agenda. weekday is ISO: 1 = Monday ... 7 = Sunday. */
export interface TemplateRule {
  weekday: number;
  start: LocalTime;
  end: LocalTime;
  slotMinutes: number;
  capacity: number;
  /** optional narrower validity inside the agenda's validity */
  validFrom?: LocalDate | undefined;
  validTo?: LocalDate | undefined;
}

export interface DateRange {
  from: LocalDate;
  to: LocalDate;
}

/** Share of each day's slots reserved to a class (0..1; the sum must be <= 1; the rest is open to all). */
export type ClassQuotas = Partial<Record<PriorityClass, number>>;
/** Reserved slots of class K are released to every class this many days before the slot starts. */
export type QuotaReleaseDays = Partial<Record<PriorityClass, number>>;

export interface GeneratedSlot {
  localDate: LocalDate;
  startAt: Date;
  endAt: Date;
  capacity: number;
  reservedClass: PriorityClass | null;
}
