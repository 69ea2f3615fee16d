/**
 * Probe, run by hand (`node --import tsx bench/_booking-floor-stripped.ts`): bench booking's database floor
 * (_booking-db-floor.ts) on the region-scale bench database, first with the schema as it is, then without what a
 * booking's write pays for beyond its rows: the appointment's and reminders' foreign keys and the slot-change trigger
 * (the NOTIFY that keeps every engine's free-slot index fresh). It bounds what dropping them could gain; it is not a
 * proposal to drop them. It leaves cupola_bench_region dropped, so the next bench reseeds it whole.
 */
import { bookingDbFloor } from './_booking-db-floor.ts';
import { benchPatients, busyServices, regionDb } from './_region.ts';
import { round } from './_util.ts';
import pg from 'pg';
const { db, url } = await regionDb('cupola_bench_region', 13);
const services = await busyServices(db, 12);
const show = (label: string, f: Awaited<ReturnType<typeof bookingDbFloor>>) =>
  console.log(`${label}: ${f.bookings} bookings, ${round(f.perS, 0)}/s, PostgreSQL and kernel ${round(f.databaseUs, 0)} µs, driver ${round(f.driverUs, 0)} µs, refused ${f.refused}`);
show('as the schema is', await bookingDbFloor(db, await benchPatients(db, 24_000, services), { batch: 16, inFlight: 4, warm: 3000 }));
const people = await benchPatients(db, 24_000, services);
await db.exec(`alter table appointment drop constraint appointment_slot_id_fkey, drop constraint appointment_agenda_id_fkey, drop constraint appointment_service_id_fkey,
  drop constraint appointment_patient_id_fkey, drop constraint appointment_prescription_line_id_fkey, drop constraint appointment_search_id_fkey;
  alter table reminder drop constraint reminder_appointment_id_fkey; alter table slot disable trigger slot_changes_update`);
show('no foreign keys from appointment, no slot-change trigger', await bookingDbFloor(db, people, { batch: 16, inFlight: 4, warm: 3000 }));
await db.close();
const c = new pg.Client({ connectionString: url.replace(/\/cupola_bench_region$/, '/postgres') });
await c.connect();
await c.query('drop database cupola_bench_region with (force)');
await c.end();
process.exit(0);
