-- 003: patients, prescriptions, availability searches, the appointment lifecycle, idempotency, reminders, waitlist.

create table patient (
  id                     text primary key,
  cf                     text not null unique,
  cf_kind                text not null check (cf_kind in ('cf','stp','eni')),
  first_name             text,
  last_name              text,
  birth_date             date,
  sex                    char(1) check (sex in ('F','M')),
  residence_municipality text,
  residence_ats          text references org_unit(id),
  residence_district     text,
  phone                  text,
  email                  text,
  consent                jsonb not null default '{}'::jsonb,
  created_at             timestamptz not null default now(),
  updated_at             timestamptz not null default now()
);

create table prescription (
  id                  text primary key,
  nre                 text not null unique,
  patient_id          text not null references patient(id),
  prescriber_cf       text,
  prescribed_on       date not null,
  expires_on          date not null,
  priority            char(1) check (priority in ('U','B','D','P')),
  exemption_code      text,
  diagnosis_code      text,
  diagnostic_question text,
  priority_source     text not null default 'prescriber',
  status              text not null default 'active' check (status in ('active','cancelled')),
  created_at          timestamptz not null default now()
);
create index prescription_patient_idx on prescription(patient_id);

create table prescription_line (
  id              text primary key,
  prescription_id text not null references prescription(id),
  line_no         smallint not null,
  service_id      text not null references service(id),
  quantity        smallint not null check (quantity between 1 and 9),
  access_type     text not null check (access_type in ('first','follow_up')),
  booked_quantity smallint not null default 0,
  check (booked_quantity >= 0 and booked_quantity <= quantity),
  unique (prescription_id, line_no)
);

create table availability_search (
  id                     text primary key,
  patient_id             text references patient(id),
  service_id             text not null references service(id),
  priority               char(1),
  access_type            text not null,
  channel                text not null,
  regime                 text not null,
  patient_ats            text,
  first_available_at     timestamptz,
  first_available_slot   bigint,
  first_in_area_at       timestamptz,
  first_in_area_slot     bigint,
  guaranteed             boolean,
  deadline               timestamptz,
  pathway                text not null default 'none',
  created_at             timestamptz not null default now()
);

alter table appointment
  add column patient_id            text references patient(id),
  add column prescription_line_id  text references prescription_line(id),
  add column access_type           text check (access_type in ('first','follow_up')),
  add column channel               text,
  add column regime                text,
  add column search_id             text references availability_search(id),
  add column hold_expires_at       timestamptz,
  add column booked_at             timestamptz,
  add column first_offered_at      timestamptz,
  add column first_offered_in_area boolean,
  add column refused_first         boolean,
  add column in_garanzia           boolean,
  add column guarantee_deadline    timestamptz,
  add column cancel_reason         text,
  add column cancelled_at          timestamptz,
  add column late_cancel           boolean,
  add column outcome_reason        text,
  add column penalty               boolean not null default false,
  add column checked_in_at         timestamptz,
  add column delivered_at          timestamptz,
  add column queue_number          integer;
create index appointment_patient_idx on appointment(patient_id, status);
create index appointment_line_idx on appointment(prescription_line_id) where status in ('held','booked','checked_in');
create index appointment_hold_idx on appointment(hold_expires_at) where status = 'held';

-- A retried request with the same key has exactly one effect: the first response is stored and replayed.
create table idempotency_key (
  principal   text not null,
  key         text not null,
  method      text not null,
  path        text not null,
  request_sha text not null,
  status_code integer not null,
  response    jsonb not null,
  created_at  timestamptz not null default now(),
  primary key (principal, key)
);

create table reminder (
  id             bigint generated always as identity primary key,
  appointment_id text not null references appointment(id),
  due_at         timestamptz not null,
  kind           text not null,
  status         text not null default 'scheduled' check (status in ('scheduled','sent','cancelled')),
  unique (appointment_id, due_at, kind)
);
create index reminder_due_idx on reminder(due_at) where status = 'scheduled';

create table waitlist_entry (
  id               text primary key,
  patient_id       text not null references patient(id),
  service_id       text not null references service(id),
  ats_id           text references org_unit(id),
  priority         char(1),
  access_type      text not null default 'first',
  status           text not null default 'waiting' check (status in ('waiting','offered','booked','withdrawn')),
  offered_slot_id  bigint references slot(id),
  offered_until    timestamptz,
  created_at       timestamptz not null default now()
);
create index waitlist_service_idx on waitlist_entry(service_id, ats_id, status, created_at);

-- free-slot lookups: the search walks each candidate agenda's open slots in time order
create index slot_free_idx on slot(agenda_id, start_at) where status = 'open' and booked < capacity;
