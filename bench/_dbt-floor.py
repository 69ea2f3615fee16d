"""The floor under bench dbt's full build: two steps any full build of the marts from this lake must take, timed
alone with the DuckDB of the dbt virtualenv and the profile's 2 threads, after the bench's own builds (nothing else
runs beside them):
  read:  the appointment events' staging query (stg_lake__appointment_events in its full-build form, compiled by
         dbt): every lake file of the booking and delivery topics scanned, each payload's JSON parsed, duplicates
         removed; each column counted so every one is computed, nothing written. fct_bookings folds these rows.
  write: fct_bookings' rows, as the build left them in the warehouse (opened read-only), written once more as a
         table of a scratch database and checkpointed: DuckDB's own cost of storing the fact, no fold, no contract.
Both keep the 2 cores busy (their CPU seconds are printed), so a build cannot overlap them: its wall time is at least
their sum. Prints one JSON line. Usage: CUPOLA_DATA_DIR=<bench data dir> .venv/bin/python bench/_dbt-floor.py
"""
import json
import os
import time

import duckdb

from _dbt_probe_util import compiled_sql, remove_files

data = os.environ["CUPOLA_DATA_DIR"]
sql = compiled_sql(data, "stg_lake__appointment_events")

scratch = os.path.join(data, "floor.duckdb")
remove_files(scratch)
con = duckdb.connect(scratch)
con.execute("set threads = 2")


def timed(stmt):
    t0, c0 = time.perf_counter(), time.process_time()
    rows = con.execute(stmt).fetchall()
    return rows, time.perf_counter() - t0, time.process_time() - c0


r, read_s, read_cpu = timed(f"select count(*), count(columns(*)) from ({sql})")
events = r[0][0]
con.execute(f"attach '{os.path.join(data, 'warehouse.duckdb')}' as wh (read_only)")
r, write_s, write_cpu = timed("create table fct as select * from wh.main.fct_bookings; checkpoint")
rows = con.execute("select count(*) from fct").fetchone()[0]
con.close()
remove_files(scratch)
print(json.dumps({"events": events, "read_s": round(read_s, 2), "read_cpu_s": round(read_cpu, 2), "fct_rows": rows,
                  "write_s": round(write_s, 2), "write_cpu_s": round(write_cpu, 2), "duckdb": duckdb.__version__}))
