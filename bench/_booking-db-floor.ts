/**
 * The database floor of a booking (bench booking, phase d): the engine's own two booking statements — the grouped
 * context read (`loadBookingContexts`) and the grouped write (`writeBookings`) — sent for ready-made bookings by this
 * process alone, with no engine, no HTTP and no booking logic. Each booking is the least the write can carry: its
 * appointment and its `appointment.booked` event (the outbox row the issue asks for in the same transaction), no
 * reminders and no second event. `batch` bookings go in one statement (more than the engines' groups of about 3),
 * `inFlight` statements at once. The machine's CPU minus this process's is what PostgreSQL and the kernel spend per
 * booking; this process's own CPU is the driver's (node-postgres: parameters out, rows in).
 */
import type { Db } from '../engine/src/store/db.ts';
import { loadBookingContexts, writeBookings, type BookingContextRequest, type BookingWrite } from '../engine/src/store/booking-store.ts';
import { makeEvent } from '../engine/src/events/envelope.ts';
import { uuidv7 } from '../engine/src/ids.ts';
import { cpuSince } from './_util.ts';

export interface DbFloor {
  bookings: number;
  refused: number;
  perS: number;
  /** machine CPU per booking minus the driver's: PostgreSQL and the kernel */
  databaseUs: number;
  /** this process's CPU per booking: the driver */
  driverUs: number;
}

/** Ready-made bookings: each patient's line on a free unreserved slot of its service, a day ahead or later, no two alike. */
async function readyBookings(db: Db, people: readonly { patientId: string; lineId: string; serviceId: string }[]) {
  const services = [...new Set(people.map((p) => p.serviceId))];
  const free = await db.query<{ id: string; agenda_id: string; service_id: string; start_at: Date; ats_id: string; provider_id: string; clinic_id: string }>(
    `select s.id::text as id, s.agenda_id, x.service_id, s.start_at, a.ats_id, a.provider_id, a.clinic_id
     from slot s join agenda a on a.id = s.agenda_id join agenda_service x on x.agenda_id = a.id
     where x.service_id = any($1) and a.access_type = 'first' and s.status = 'open' and s.booked < s.capacity and s.reserved_class is null
       and s.start_at > now() + interval '1 day' order by s.start_at limit $2`, [services, people.length * 3]);
  const byService = new Map<string, typeof free>();
  for (const s of free) (byService.get(s.service_id) ?? byService.set(s.service_id, []).get(s.service_id)!).push(s);
  // a slot of an agenda offering two of the services is listed under each: taken once
  const used = new Set<string>();
  const cursor = new Map<string, number>();
  const freeSlotOf = (serviceId: string) => {
    const list = byService.get(serviceId) ?? [];
    let i = cursor.get(serviceId) ?? 0;
    while (i < list.length && used.has(list[i]!.id)) i++;
    cursor.set(serviceId, i + 1);
    return list[i];
  };
  const now = new Date();
  const out: { read: BookingContextRequest; write: BookingWrite }[] = [];
  for (const p of people) {
    const s = freeSlotOf(p.serviceId);
    if (!s) continue;
    used.add(s.id);
    const id = `appt-${uuidv7()}`;
    const start = new Date(s.start_at);
    const appointment = {
      id, slot_id: s.id, agenda_id: s.agenda_id, service_id: p.serviceId, patient_id: p.patientId, prescription_line_id: p.lineId, status: 'booked' as const,
      priority: 'P' as const, access_type: 'first' as const, channel: 'call_centre', regime: 'SSN', search_id: null, hold_expires_at: null, booked_at: now,
      first_offered_at: start, first_offered_in_area: true, refused_first: false, in_garanzia: true, guarantee_deadline: new Date(now.getTime() + 120 * 86_400_000),
      cancel_reason: null, cancelled_at: null, late_cancel: null, outcome_reason: null, penalty: false, checked_in_at: null, delivered_at: null, queue_number: null,
    };
    // the payload's fields as the engine fills them (DESIGN.md Events)
    const payload = {
      appointment_id: id, status: 'booked', service_id: p.serviceId, service_kind: 'instrumental', branch_code: '69', priority: 'P', access_type: 'first',
      regime: 'SSN', channel: 'call_centre', slot_id: s.id, slot_start: start.toISOString(), agenda_id: s.agenda_id, clinic_id: s.clinic_id, site_id: 'site-000000-00',
      provider_id: s.provider_id, ats_id: s.ats_id, booked_at: now.toISOString(), first_offered_date: start.toISOString().slice(0, 10), first_offered_in_area: true,
      chosen_date: start.toISOString().slice(0, 10), refused_first_availability: false, in_garanzia: true, guarantee_deadline: '2027-03-27', prescription_nre: '0300B0000029856',
      patient: { cf: 'BCDFGH40A01F205X', birth_date: '1970-01-01', sex: 'M', residence_ats: s.ats_id, residence_district: null },
    };
    out.push({
      read: { patientId: p.patientId, prescriptionId: p.lineId.replace(/-\d+$/, ''), slotId: s.id, searchId: null, active: true },
      write: { appointment, reminders: [], events: [makeEvent({ type: 'appointment.booked', aggregateType: 'appointment', aggregateId: id, ats: s.ats_id, provider: s.provider_id, payload }, now)] },
    });
  }
  return out;
}

export async function bookingDbFloor(db: Db, people: readonly { patientId: string; lineId: string; serviceId: string }[], o: { batch: number; inFlight: number; warm: number }): Promise<DbFloor> {
  const jobs = await readyBookings(db, people);
  let next = 0;
  let refused = 0;
  const run = (upTo: number) => Promise.all(Array.from({ length: o.inFlight }, async () => {
    while (next < upTo) {
      const group = jobs.slice(next, Math.min(upTo, next + o.batch));
      next += group.length;
      await loadBookingContexts(db, group.map((j) => j.read));
      refused += (await writeBookings(db, group.map((j) => j.write))).filter((r) => r !== null).length;
    }
  }));
  await run(Math.min(o.warm, jobs.length));
  // fresh statistics after the warm-up: planned against the emptied tables of a fresh run, the reads scan them
  await db.exec('analyze appointment, outbox, slot, prescription_line, patient');
  const warm = next;
  const cpu = cpuSince();
  const t0 = performance.now();
  await run(jobs.length);
  const seconds = (performance.now() - t0) / 1000;
  const bookings = next - warm;
  const { machineUs, selfUs: driverUs } = cpu(bookings);
  return { bookings, refused, perS: bookings / seconds, databaseUs: machineUs - driverUs, driverUs };
}
