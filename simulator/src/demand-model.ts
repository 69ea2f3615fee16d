/**
 * Parameters of synthetic outpatient demand (simulation assumptions, not facts): seasonality, priority-class mix,
 * patient behaviour (refusing the first date, cancelling, moving, not showing up). Pure functions of their inputs.
 */
import { isoWeekdayOfEpochDay, partsFromEpochDay } from '../../engine/src/domain/time/rome-time.ts';
import type { ServiceKind } from './reference.ts';

export type PriorityClass = 'U' | 'B' | 'D' | 'P';
export const CLASSES: readonly PriorityClass[] = ['U', 'B', 'D', 'P'];

/** Relative prescriptions by ISO weekday (1 = Monday): Monday peak, little on Saturday, almost nothing on Sunday. */
export const WEEKDAY_FACTOR: readonly number[] = [0, 1.3, 1.05, 1.0, 1.0, 0.9, 0.2, 0.04];

/**
 * Yearly seasonality of prescriptions: the August dip (deepest around Ferragosto), the Christmas–Epiphany dip,
 * a slightly busier late autumn and late winter.
 */
export function yearlyFactor(epochDay: number): number {
  const { month, day } = partsFromEpochDay(epochDay);
  if (month === 8) return day >= 8 && day <= 23 ? 0.35 : 0.6;
  if ((month === 12 && day >= 23) || (month === 1 && day <= 6)) return 0.45;
  if (month === 7 && day >= 20) return 0.85;
  if (month === 11 || month === 2 || month === 3) return 1.08;
  return 1;
}

/** Expected relative demand on a day (weekday × season); holidays are handled by the caller (×0.05). */
export function demandFactor(epochDay: number): number {
  return (WEEKDAY_FACTOR[isoWeekdayOfEpochDay(epochDay)] ?? 1) * yearlyFactor(epochDay);
}

/** Share of first-access prescriptions per class, by kind of service. */
export const CLASS_MIX: Readonly<Record<ServiceKind, Readonly<Record<PriorityClass, number>>>> = {
  visit: { U: 0.03, B: 0.22, D: 0.4, P: 0.35 },
  instrumental: { U: 0.02, B: 0.18, D: 0.38, P: 0.42 },
  lab: { U: 0.02, B: 0.08, D: 0.25, P: 0.65 },
};

/** Probability that the patient refuses the first date offered in the guarantee area. */
export function refusalProbability(firstWaitDays: number): number {
  // very close dates are often inconvenient; far ones are taken as they come
  return firstWaitDays <= 2 ? 0.22 : firstWaitDays <= 14 ? 0.14 : 0.1;
}

/** Probability that a booking is cancelled before the day (rises with the lead time). */
export function cancellationProbability(leadDays: number): number {
  return 0.04 + 0.1 * Math.min(leadDays, 150) / 150;
}

/** Probability that a booking is moved once to another date. */
export const MOVE_PROBABILITY = 0.04;

/** Probability that the patient does not show up, rising with the lead time (3% at 0 days → ~15% at 120+ days). */
export function noShowProbability(leadDays: number): number {
  return 0.03 + 0.12 * (1 - Math.exp(-Math.max(0, leadDays) / 60));
}

/** Probability that the patient answers the reminder by confirming. */
export const CONFIRM_PROBABILITY = 0.55;

/** Share of prescriptions that are never booked (the patient gives up or goes private). */
export const ABANDON_PROBABILITY = 0.04;

/** Share of web bookings that start with a hold that then expires (and is retried). */
export const HOLD_EXPIRY_PROBABILITY = 0.03;

/** Booking channels and their shares. */
export const CHANNELS: readonly { channel: string; share: number }[] = [
  { channel: 'call_centre', share: 0.34 },
  { channel: 'desk', share: 0.3 },
  { channel: 'web', share: 0.22 },
  { channel: 'pharmacy', share: 0.1 },
  { channel: 'kiosk', share: 0.04 },
];

/** Poisson draw (Knuth for small means, normal approximation above 30). `u` draws uniforms in [0, 1). */
export function poisson(mean: number, u: () => number): number {
  if (mean <= 0) return 0;
  if (mean > 30) {
    const z = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
    return Math.max(0, Math.round(mean + z * Math.sqrt(mean)));
  }
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= u();
  } while (p > l);
  return k - 1;
}
