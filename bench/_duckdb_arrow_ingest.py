"""The limit of bench/sink: DuckDB's own ingest of Arrow record batches into Parquet files.

Reads Arrow IPC stream files (one per micro-batch, written by bench/sink.ts) into memory first (not timed), then
times DuckDB scanning each in-memory Arrow table (zero-copy Arrow scan, as DuckDB ingests Arrow natively) and
writing it as one Parquet file (zstd level 1, the level the sink's parquet-wasm writer uses), made durable the same way as the sink's files (tmp name, fsync, rename,
fsync of the directory). Prints one JSON line: {"rows": N, "files": F, "seconds": S, "cpu_seconds": C, "threads": T}
(C: CPU time of this process, every DuckDB thread, over the timed loop).
  python bench/_duckdb_arrow_ingest.py <ipc-dir> <out-dir>
"""
import json
import os
import sys
import time

import duckdb
import pyarrow.ipc as ipc

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
names = sorted(f for f in os.listdir(src) if f.endswith(".arrows"))
tables = []
for f in names:
    with open(os.path.join(src, f), "rb") as fh:
        tables.append(ipc.open_stream(fh.read()).read_all())

con = duckdb.connect(":memory:")
threads = con.execute("select current_setting('threads')").fetchone()[0]
COPY = "(format parquet, compression zstd, compression_level 1)"
# warm-up, not timed (first use of the Parquet writer)
con.register("batch", tables[0])
con.execute(f"copy (select * from batch) to '{out}/warm-up.tmp' {COPY}")
con.unregister("batch")
os.unlink(f"{out}/warm-up.tmp")
rows = 0
c0 = time.process_time()
t0 = time.perf_counter()
for k, table in enumerate(tables):
    final = os.path.join(out, f"part-{k}.parquet")
    tmp = final + ".tmp"
    con.register("batch", table)
    con.execute(f"copy (select * from batch) to '{tmp}' {COPY}")
    con.unregister("batch")
    fd = os.open(tmp, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    os.rename(tmp, final)
    dfd = os.open(out, os.O_RDONLY)
    os.fsync(dfd)
    os.close(dfd)
    rows += table.num_rows
seconds = time.perf_counter() - t0
cpu_seconds = time.process_time() - c0
check = con.execute(f"select count(*) from read_parquet('{out}/*.parquet')").fetchone()[0]
if check != rows:
    raise SystemExit(f"wrote {check} rows of {rows}")
print(json.dumps({"rows": rows, "files": len(tables), "seconds": seconds, "cpu_seconds": cpu_seconds, "threads": threads}))
