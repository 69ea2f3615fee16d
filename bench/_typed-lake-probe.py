"""Scratch probe: what fct_bookings' full build would cost if the lake held typed columns instead of the JSON payload
(no JSON to parse in dbt; the sink would write the payload's fields as Parquet columns). Not part of the platform.
  1. convert: the lake's appointment events (booking and delivery topics) copied to $CUPOLA_DATA_DIR/typed-lake, one
     folder per topic and date, the payload's fields as typed columns (what such a sink would write; timed apart,
     it is the sink's work, not the build's).
  2. fold: fct_bookings' full build from that typed lake, read through a view with the envelope renamed as staging
     does (so no staging table is written): the fold of macros/lifecycle.sql, with the booking and latest fields
     taken by arg_min / arg_max of structs (Parquet files have no row ids to read them back by), then fct_bookings'
     own select (compiled by dbt), written as a table and checkpointed. Timed with and without the dedupe by event_id
     that DESIGN.md asks of every lake reader.
DuckDB of the dbt virtualenv, 2 threads. Prints one JSON line. Usage (a lake the simulator wrote):
  CUPOLA_DATA_DIR=<data dir> CUPOLA_SCALE=region .venv/bin/python bench/_typed-lake-probe.py
CUPOLA_PROBE_KEEP=1 keeps the typed lake and the table of the last fold (without the dedupe) in typed-probe.duckdb, to
compare with a dbt build's fct_bookings on the same lake (on a 14-day demo lake they are equal, events_loaded_at aside).
"""
import json
import os
import re
import shutil
import time

import duckdb

from _dbt_probe_util import ROOT, compiled_sql, remove_files

data = os.environ["CUPOLA_DATA_DIR"]
lake, typed = os.path.join(data, "lake"), os.path.join(data, "typed-lake")
fct_sql = compiled_sql(data, "fct_bookings")
fct_select = fct_sql[fct_sql.index("folded as ("):]  # fct_bookings' select after its fold (states)

# the payload fields staging reads, with the types staging casts them to
FIELDS = {
    "appointment_id": "VARCHAR", "status": "VARCHAR", "service_id": "VARCHAR", "service_kind": "VARCHAR", "branch_code": "VARCHAR",
    "priority": "VARCHAR", "access_type": "VARCHAR", "regime": "VARCHAR", "channel": "VARCHAR", "slot_start": "TIMESTAMPTZ",
    "agenda_id": "VARCHAR", "clinic_id": "VARCHAR", "site_id": "VARCHAR", "provider_id": "VARCHAR", "ats_id": "VARCHAR",
    "booked_at": "TIMESTAMPTZ", "first_offered_date": "DATE", "first_offered_in_area": "BOOLEAN", "chosen_date": "DATE",
    "refused_first_availability": "BOOLEAN", "in_garanzia": "BOOLEAN", "guarantee_deadline": "DATE", "reason": "VARCHAR",
    "late": "BOOLEAN", "penalty": "BOOLEAN", "previous_slot_start": "TIMESTAMPTZ", "previous_clinic_id": "VARCHAR",
    "has_prescription": "BOOLEAN",
}
ENVELOPE = "event_id, type, occurred_at, ingested_at, patient_pseudonym, patient_birth_year, patient_sex, patient_residence_ats, date"

scratch = os.path.join(data, "typed-probe.duckdb")


def fresh_db():
    remove_files(scratch)
    con = duckdb.connect(scratch)
    con.execute("set threads = 2")
    return con


def timed(con, stmt):
    t0 = time.perf_counter()
    con.execute(stmt)
    return time.perf_counter() - t0


shutil.rmtree(typed, ignore_errors=True)
os.makedirs(typed)
con = fresh_db()
struct = json.dumps(FIELDS)
convert_s = 0.0
for topic in ("booking", "delivery"):
    convert_s += timed(con, f"""copy (select {ENVELOPE}, unnest(from_json(payload, '{struct}'))
        from read_parquet('{lake}/{topic}/*/*.parquet', hive_partitioning = true) where type like 'appointment.%')
        to '{typed}/{topic}' (format parquet, partition_by (date), filename_pattern 'part-{{i}}')""")
con.close()
print(f"  typed copy of the appointment events: {convert_s:.1f} s", flush=True)

# The fold of fct_bookings' compiled full build (macros/lifecycle.sql), turned into one pass over the typed events:
# the aggregate keeps the booking and latest events' fields as structs (arg_min / arg_max) instead of their row ids in
# the staging table, which a Parquet lake does not have.
STAGING = '(select *, rowid as event_row from "warehouse"."staging"."stg_lake__appointment_events")'
head = fct_sql[fct_sql.index("with states as ("):fct_sql.index("folded as (")]
booked_pack = re.search(r"then (struct_pack\(.*?\)) end as booked,", head).group(1).replace(" b.", " e.")
latest_pack = re.search(r"(struct_pack\(latest_status := .*?\)) as latest,", head).group(1).replace(" l.", " e.")
aggregate = head[head.index("    select\n        appointment_id,"):head.index(") as a\n")]
for old, new in (("arg_min(event_row, ord)", f"arg_min({booked_pack}, ord)"), ("as booked_row", "as booked"),
                 ("arg_max(event_row, ord) as latest_row", f"arg_max({latest_pack}, ord) as latest")):
    if old not in aggregate:
        raise SystemExit(f"fct_bookings' compiled fold has changed: no '{old}'")
    aggregate = aggregate.replace(old, new)


def fold_and_write(dedupe):
    con = fresh_db()
    con.execute("create schema reference")
    con.execute(f"create table reference.priority_class_max_waits as select * from read_csv('{ROOT}/models/seeds/priority_class_max_waits.csv')")
    con.execute(f"""create view events as select event_id, type as event_type, occurred_at, ingested_at, * exclude (event_id, type,
        occurred_at, ingested_at, slot_start, late, penalty, previous_slot_start, patient_pseudonym, date),
        slot_start as slot_start_at, late as is_late, penalty as has_penalty, previous_slot_start as previous_slot_start_at,
        patient_pseudonym as patient_key, now() as loaded_at
        from read_parquet(['{typed}/booking/*/*.parquet', '{typed}/delivery/*/*.parquet'], hive_partitioning = true, union_by_name = true)""")
    source = "events"
    if dedupe:  # macros/lake.sql dedupe_events
        con.execute("""create view deduped as select * from events
            where event_id not in (select event_id from events group by event_id having count(*) > 1)
            union all (select * from events where event_id in (select event_id from events group by event_id having count(*) > 1)
                       qualify row_number() over (partition by event_id order by ingested_at, occurred_at) = 1)""")
        source = "deduped"
    states = "with states as (" + aggregate.replace(STAGING, source) + "),\n"
    body = fct_select.replace('"warehouse"."reference".', "reference.")
    s = timed(con, f"create table fct_bookings as {states}{body}; checkpoint")
    rows = con.execute("select count(*) from fct_bookings").fetchone()[0]
    con.close()
    return s, rows


fold_s, rows = fold_and_write(dedupe=True)
print(f"  fct_bookings from the typed lake, with the dedupe: {fold_s:.1f} s ({rows} rows)", flush=True)
fold_nodedupe_s, _ = fold_and_write(dedupe=False)
print(f"  the same without the dedupe: {fold_nodedupe_s:.1f} s", flush=True)
if not os.environ.get("CUPOLA_PROBE_KEEP"):  # set: keep the typed lake and the table (to compare with a dbt build's)
    remove_files(scratch)
    shutil.rmtree(typed, ignore_errors=True)
print(json.dumps({"probe": "typed-lake", "fct_rows": rows, "convert_s": round(convert_s, 2), "fct_s": round(fold_s, 2),
                  "fct_without_dedupe_s": round(fold_nodedupe_s, 2), "duckdb": duckdb.__version__}))
