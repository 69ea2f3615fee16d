"""What the Python probes of the dbt models share (bench/_dbt-floor.py, _typed-lake-probe.py, _staging-cost.py)."""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def compiled_sql(data, model, full_refresh=True):
    """The SQL dbt compiles for `model` against $CUPOLA_DATA_DIR (`data`). With full_refresh, is_incremental() is
    false, so an incremental model compiles to its full-build query (the whole lake)."""
    args = [os.path.join(ROOT, "scripts/dbt.sh"), "compile", "--quiet", *(["--full-refresh"] if full_refresh else []), "--select", model]
    subprocess.run(args, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    for d, _, files in os.walk(os.path.join(data, "dbt/target/compiled")):
        if f"{model}.sql" in files:
            return open(os.path.join(d, f"{model}.sql")).read()
    raise SystemExit(f"no compiled SQL for {model} under {data}/dbt/target/compiled")


def remove_files(*paths):
    """Removes a scratch DuckDB database and its write-ahead log (and any other file given), where they exist."""
    for f in [x for p in paths for x in ((p, p + ".wal") if p.endswith(".duckdb") else (p,))]:
        if os.path.exists(f):
            os.remove(f)
