/** Age in whole years on a local date (the birthday counts from its own day; 29 Feb birthdays count from 1 Mar in common years). Pure. */
import type { LocalDate } from '../offer/types.ts';

export const ageOn = (birthDate: LocalDate, on: LocalDate): number => {
  const years = Number(on.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return on.slice(5) >= birthDate.slice(5) ? years : years - 1;
};
