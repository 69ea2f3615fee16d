"""Scratch probe: where a staging model's full build spends its time — reading and parsing the lake, or writing the
table. Compiles the model (full-build form) with dbt against $CUPOLA_DATA_DIR (its lake; the warehouse there must not
hold the model yet), then times, with the DuckDB of the dbt virtualenv and the profile's 2 threads:
  read:    count() of every column over the model's query (scan, JSON parse, dedupe; nothing written)
  table:   create table as the model's query, checkpointed (what dbt does)
  parquet: the same rows copied to one Parquet file (zstd)
and prints one JSON line. Usage (a lake subset can be a folder of symlinks to some date= partitions):
  CUPOLA_DATA_DIR=/tmp/probe .venv/bin/python bench/_staging-cost.py [model, default stg_lake__appointment_events]
"""
import json
import os
import sys
import time

import duckdb

from _dbt_probe_util import compiled_sql, remove_files

model = sys.argv[1] if len(sys.argv) > 1 else "stg_lake__appointment_events"
data = os.environ["CUPOLA_DATA_DIR"]
sql = compiled_sql(data, model, full_refresh=False)

db = os.path.join(data, "probe.duckdb")
out = os.path.join(data, "probe.parquet")
remove_files(db, out)
con = duckdb.connect(db)
con.execute("set threads = 2")


def timed(label, stmt):
    t0 = time.perf_counter()
    r = con.execute(stmt).fetchall()
    s = time.perf_counter() - t0
    print(f"  {label}: {s:.1f} s", flush=True)
    return s, r


# a count of every column: each one is computed (a bare count(*) would let DuckDB skip the parse)
read_s, r = timed("read (scan, parse, dedupe; nothing written)", f"select count(*), count(columns(*)) from ({sql})")
rows = r[0][0]
table_s, _ = timed("table (create table as, checkpoint)", f"create table probe as {sql}; checkpoint")
cols = len(con.execute("describe probe").fetchall())
parquet_s, _ = timed("parquet (copy to one zstd file)", f"copy ({sql}) to '{out}' (format parquet, compression zstd)")
print(f"{model}: {rows} rows, {cols} columns: read {read_s:.1f} s, as a table {table_s:.1f} s, as Parquet {parquet_s:.1f} s")
print(json.dumps({"probe": "staging-cost", "model": model, "rows": rows, "columns": cols, "read_s": round(read_s, 2),
                  "table_s": round(table_s, 2), "parquet_s": round(parquet_s, 2), "duckdb": duckdb.__version__}))
con.close()
remove_files(db, out)
