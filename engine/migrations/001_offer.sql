-- 001: organisation tree, catalogue, agendas, slots, appointments (minimal), outbox.
-- Runs unchanged on PostgreSQL >= 15 and PGlite.

create table org_unit (
  id            text primary key,
  level         text not null check (level in ('region','ats','provider','site','unit','clinic','resource')),
  parent_id     text references org_unit(id),
  code          text not null,
  name          text not null,
  provider_kind text check (provider_kind in ('asst','irccs','private')),
  ats_id        text references org_unit(id),
  provider_id   text references org_unit(id),
  municipality  text,
  population    integer check (population >= 0),
  attrs         jsonb not null default '{}'::jsonb,
  active        boolean not null default true,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  check ((level = 'region') = (parent_id is null)),
  check ((level = 'provider') = (provider_kind is not null))
);
create index org_unit_parent_idx on org_unit(parent_id);
create index org_unit_level_ats_idx on org_unit(level, ats_id);
create index org_unit_provider_idx on org_unit(provider_id);
create unique index org_unit_code_idx on org_unit(level, code);

create table branch (
  code text primary key,
  name text not null
);

create table service (
  id              text primary key,
  regional_code   text not null unique,
  national_code   text not null,
  name            text not null,
  branch_code     text not null references branch(code),
  kind            text not null check (kind in ('visit','instrumental','lab')),
  pngla_monitored boolean not null default false,
  pngla_number    integer,
  tariff_cents    integer not null check (tariff_cents >= 0),
  duration_min    integer not null check (duration_min > 0),
  sex             text check (sex in ('F','M')),
  min_age         integer check (min_age >= 0),
  max_age         integer check (max_age >= 0),
  active          boolean not null default true,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  check (min_age is null or max_age is null or min_age <= max_age)
);
create index service_branch_idx on service(branch_code);

-- code versions: old DM 1996 nomenclatore -> new LEA nomenclatore, with validity
create table service_code (
  service_id  text not null references service(id),
  system      text not null check (system in ('DM1996','LEA2024','regional')),
  code        text not null,
  valid_from  date not null,
  valid_to    date,
  primary key (service_id, system, valid_from),
  check (valid_to is null or valid_to >= valid_from)
);
create index service_code_code_idx on service_code(code);

create table agenda (
  id          text primary key,
  clinic_id   text not null references org_unit(id),
  resource_id text references org_unit(id),
  ats_id      text not null references org_unit(id),
  provider_id text not null references org_unit(id),
  name        text not null,
  access_type text not null check (access_type in ('first','follow_up')),
  valid_from  date not null,
  valid_to    date not null,
  status      text not null default 'active' check (status in ('active','suspended')),
  attrs       jsonb not null default '{}'::jsonb,
  version     integer not null default 1,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  check (valid_to >= valid_from)
);
create index agenda_clinic_idx on agenda(clinic_id);
create index agenda_ats_idx on agenda(ats_id);

create table agenda_service (
  agenda_id  text not null references agenda(id),
  service_id text not null references service(id),
  primary key (agenda_id, service_id)
);
create index agenda_service_service_idx on agenda_service(service_id, agenda_id);

create table agenda_template (
  id           bigint generated always as identity primary key,
  agenda_id    text not null references agenda(id),
  weekday      smallint not null check (weekday between 1 and 7),
  start_time   time not null,
  end_time     time not null,
  slot_minutes integer not null check (slot_minutes between 5 and 480),
  capacity     smallint not null default 1 check (capacity between 1 and 100),
  valid_from   date,
  valid_to     date,
  check (end_time > start_time)
);
create index agenda_template_agenda_idx on agenda_template(agenda_id);

create table agenda_closure (
  id        bigint generated always as identity primary key,
  agenda_id text not null references agenda(id),
  from_date date not null,
  to_date   date not null,
  reason    text not null,
  check (to_date >= from_date)
);
create index agenda_closure_agenda_idx on agenda_closure(agenda_id);

-- The capacity rule lives in the database too: booked can never exceed capacity.
create table slot (
  id             bigint generated always as identity primary key,
  agenda_id      text not null references agenda(id),
  start_at       timestamptz not null,
  end_at         timestamptz not null,
  local_date     date not null,
  capacity       smallint not null check (capacity >= 1),
  booked         smallint not null default 0,
  reserved_class char(1) check (reserved_class in ('U','B','D','P')),
  status         text not null default 'open' check (status in ('open','closed')),
  attrs          jsonb,
  check (booked >= 0 and booked <= capacity),
  check (end_at > start_at),
  unique (agenda_id, start_at)
);

create table appointment (
  id          text primary key,
  slot_id     bigint not null references slot(id),
  agenda_id   text not null references agenda(id),
  service_id  text not null references service(id),
  patient_ref text not null,
  status      text not null check (status in ('held','booked','cancelled','checked_in','delivered','not_delivered')),
  priority    char(1) check (priority in ('U','B','D','P')),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
create index appointment_slot_idx on appointment(slot_id);
create index appointment_agenda_idx on appointment(agenda_id, status);

-- Transactional outbox: every state change writes its events in the same transaction.
-- txid lets the relay read in commit order without skipping late commits.
create table outbox (
  id             bigint generated always as identity primary key,
  txid           xid8 not null default pg_current_xact_id(),
  event_id       uuid not null unique,
  topic          text not null,
  type           text not null,
  schema_version integer not null,
  occurred_at    timestamptz not null,
  aggregate_type text not null,
  aggregate_id   text not null,
  ats            text,
  provider       text,
  payload        jsonb not null,
  published_at   timestamptz
);
create index outbox_unpublished_idx on outbox(id) where published_at is null;
