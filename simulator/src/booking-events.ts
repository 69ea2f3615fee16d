/**
 * Synthetic booking-family events in the shape the engine emits (engine/src/events/schemas.ts), for stream tests and
 * benchmarks until bookings flow from the booking API. Pure and deterministic for a given index.
 * Each patient carries a codice fiscale, name, phone, e-mail and an NRE — exactly what must never reach the lake.
 */
import type { NewEvent } from '../../engine/src/events/envelope.ts';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const MONTHS = 'ABCDEHLMPRST';
const MONTH_LETTERS = [...MONTHS];
const NAMES = ['Rossi', 'Bianchi', 'Colombo', 'Ferrari', 'Galli', 'Brambilla', 'Fontana', 'Villa'];
const FIRST = ['Giulia', 'Marco', 'Chiara', 'Luca', 'Sara', 'Paolo', 'Elena', 'Davide'];
const ATS = ['ats-milano', 'ats-insubria', 'ats-montagna', 'ats-brianza', 'ats-bergamo', 'ats-brescia', 'ats-valpadana', 'ats-pavia'];
const CLASSES = ['U', 'B', 'D', 'P'] as const;

const pick = <T>(xs: readonly T[], i: number) => xs[((i % xs.length) + xs.length) % xs.length]!;

/** A codice fiscale-shaped identifier, unique per patient number. */
export function syntheticCf(n: number): string {
  let s = '';
  let x = n + 1000;
  for (let k = 0; k < 6; k++) {
    s += LETTERS[x % 26];
    x = Math.floor(x / 26) + 7 * k;
  }
  const yy = String(40 + (n % 60)).padStart(2, '0');
  const dd = String(1 + (n % 28)).padStart(2, '0');
  return `${s}${yy}${pick(MONTH_LETTERS, n)}${dd}F${String(205 + (n % 700)).padStart(3, '0')}${LETTERS[n % 26]}`;
}

export const syntheticNre = (n: number) => `0301A${String(4_000_000_000 + n).padStart(10, '0')}`;

export function syntheticPatient(n: number) {
  const first = pick(FIRST, n);
  const last = pick(NAMES, Math.floor(n / 8));
  return {
    cf: syntheticCf(n),
    birth_date: `${1940 + (n % 60)}-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')}`,
    sex: n % 2 ? ('F' as const) : ('M' as const),
    residence_ats: pick(ATS, n),
    residence_district: `${pick(ATS, n)}-d${n % 5}`,
    name: `${first} ${last}`,
    phone: `+39 3${String(300_000_000 + n).slice(0, 9)}`,
    email: `${first.toLowerCase()}.${last.toLowerCase()}${n}@example.it`,
  };
}

const addDays = (date: string, d: number) => new Date(Date.parse(`${date}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10);

/** One appointment event (`appointment.<status>`) for appointment number n. */
export function appointmentEvent(n: number, now: Date, status: 'booked' | 'cancelled' | 'confirmed' | 'held' = 'booked'): NewEvent {
  const today = now.toISOString().slice(0, 10);
  const priority = pick(CLASSES, n);
  const wait = 1 + (n % 45);
  const deadlineDays = { U: 3, B: 10, D: 30, P: 120 }[priority];
  const ats = pick(ATS, n);
  const chosen = addDays(today, wait);
  return {
    type: `appointment.${status}`,
    aggregateType: 'appointment',
    aggregateId: `ap-${n}`,
    ats,
    provider: `prov-${n % 40}`,
    payload: {
      appointment_id: `ap-${n}`, status, service_id: `svc-${n % 25}`, service_kind: 'visit', branch_code: '08', priority,
      access_type: n % 5 === 0 ? 'follow_up' : 'first', regime: 'SSN', channel: pick(['desk', 'web', 'call_center', 'pharmacy'], n),
      slot_id: `sl-${n}`, slot_start: `${chosen}T08:30:00.000Z`, agenda_id: `ag-${n % 90}`, clinic_id: `cl-${n % 90}`, site_id: `site-${n % 60}`,
      provider_id: `prov-${n % 40}`, ats_id: ats, booked_at: now.toISOString(), first_offered_date: addDays(today, Math.max(1, wait - (n % 3))),
      first_offered_in_area: n % 7 !== 0, chosen_date: chosen, refused_first_availability: n % 3 !== 0, in_garanzia: wait <= deadlineDays,
      guarantee_deadline: addDays(today, deadlineDays), prescription_nre: syntheticNre(n), patient: syntheticPatient(n),
      ...(status === 'cancelled' ? { reason: 'patient_request', late: n % 4 === 0, penalty: false } : {}),
    },
  };
}

/** One availability search for search number n. */
export function searchEvent(n: number, now: Date): NewEvent {
  const today = now.toISOString().slice(0, 10);
  const priority = pick(CLASSES, n);
  return {
    type: 'availability.searched',
    aggregateType: 'search',
    aggregateId: `search-${n}`,
    ats: pick(ATS, n),
    payload: {
      search_id: `search-${n}`, service_id: `svc-${n % 25}`, priority, access_type: 'first', channel: 'web', patient_ats: pick(ATS, n),
      first_available_date: addDays(today, 1 + (n % 20)), first_available_in_area_date: addDays(today, 2 + (n % 20)), guaranteed: n % 4 !== 0,
      pathway: n % 4 === 0 ? 'percorso_di_tutela' : 'none', deadline: addDays(today, 10), results: 5,
    },
  };
}

/** A mixed stream: mostly bookings, some searches and cancellations (n → one event). */
export function mixedEvent(n: number, now: Date): NewEvent {
  const r = n % 10;
  if (r < 6) return appointmentEvent(n, now, 'booked');
  if (r < 9) return searchEvent(n, now);
  return appointmentEvent(n - 1, now, 'cancelled');
}
