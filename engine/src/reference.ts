import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { validateHolidayCalendarData } from './domain/calendar/holidays.ts';
import type { EngineReference } from './usecases/context.ts';

export const REFERENCE_DIR = fileURLToPath(new URL('../../reference/', import.meta.url));

export async function readReferenceJson<T = unknown>(name: string): Promise<T> {
  return JSON.parse(await readFile(REFERENCE_DIR + name, 'utf8')) as T;
}

/** Loads and checks the reference data the engine needs (holiday calendar). */
export async function loadEngineReference(): Promise<EngineReference> {
  const cal = validateHolidayCalendarData(await readReferenceJson('holidays.json'));
  if (!cal.ok) throw new Error(`reference/holidays.json: ${cal.error.message} at ${cal.error.path ?? '/'}`);
  return { calendar: cal.value };
}
