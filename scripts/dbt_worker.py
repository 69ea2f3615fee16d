"""A long-lived dbt runner: the platform's scheduled marts refresh (and `bench dbt`) ask it for builds instead of
starting dbt anew each time, so Python's start-up, dbt's imports and the project's parse are paid once.

Protocol: one JSON request per line on stdin, {"args": ["build", "--quiet"]}; one JSON answer per line on stdout,
{"ok", "seconds", "parsed", "seeds_skipped", "summary", "failures", "error", "close_seconds"}. dbt's own output goes to
stderr. The end of stdin ends it.
Started through `scripts/dbt.sh --worker` (the project virtualenv, the same environment as every other dbt run).

- The project is parsed again when any file dbt reads (dbt_project.yml, profiles.yml, models/, macros/, tests/dbt/)
  or the `--vars` of the request differ from the last parse; otherwise each build reuses the parsed manifest.
- dbt-duckdb keeps its DuckDB database open in the process after an invocation; the worker closes it after each
  one, so that it checkpoints and other processes (dashboards' data loaders, forecasts, tests) can open the
  warehouse between builds. The close is part of the time reported.
- Seeds are loaded again only when they can have changed. A plain `build` (no selection, full refresh or target
  flags) leaves the seeds out (`--exclude resource_type:seed`) when the worker's own last plain build loaded them
  into the warehouse it then left, the project has not been parsed again since, and the warehouse file is still
  exactly as that build left it (device, inode, size, mtime; no write-ahead log since): no other process has written
  it. Reloading the four seeds and testing them again was about 0.8 s of every build.
- The log file is written at info level (node starts, results, timings), not dbt's default debug level (every SQL
  statement): the debug log cost about 0.3 s of every build. DBT_LOG_LEVEL_FILE=debug brings it back.
"""
import hashlib
import json
import os
import sys
import time
import traceback

os.environ.setdefault("DBT_LOG_LEVEL_FILE", "info")
PROTOCOL = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)  # whatever dbt prints goes to stderr, never into the answers

from dbt.adapters.duckdb.connections import DuckDBConnectionManager  # noqa: E402
from dbt.cli.main import dbtRunner  # noqa: E402

PROJECT_FILES = ["dbt_project.yml", "profiles.yml"]
PROJECT_DIRS = ["models", "macros", "tests/dbt"]
# A build with only these arguments (and values of VALUE_FLAGS) builds the whole project into the profile's warehouse.
PLAIN_BUILD_FLAGS = {"--quiet", "-q", "--fail-fast", "-x", "--no-write-json", "--write-json"}
VALUE_FLAGS = {"--vars", "--threads", "--log-level-file", "--log-level"}
SKIP_SEEDS = ["--exclude", "resource_type:seed"]


def vars_of(args):
    i = args.index("--vars") if "--vars" in args else -1
    return args[i + 1] if 0 <= i < len(args) - 1 else None


def fingerprint(vars_arg):
    """Every file dbt parses (path, size, mtime) and the request's --vars."""
    h = hashlib.sha256(repr(vars_arg).encode())
    paths = [p for p in PROJECT_FILES if os.path.exists(p)]
    for d in PROJECT_DIRS:
        for root, dirs, files in os.walk(d):
            dirs.sort()
            paths += [os.path.join(root, f) for f in sorted(files)]
    for p in paths:
        st = os.stat(p)
        h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def is_plain_build(args):
    if not args or args[0] != "build":
        return False
    i = 1
    while i < len(args):
        if args[i] in VALUE_FLAGS:
            i += 2
        elif args[i] in PLAIN_BUILD_FLAGS:
            i += 1
        else:
            return False
    return True


def file_state(path):
    """What tells whether anyone wrote the file: device, inode, size, mtime (None if it does not exist)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def warehouse_state(path):
    """The database file's state and its write-ahead log's (a writer that did not checkpoint leaves one)."""
    return (file_state(path), file_state(path + ".wal"))


def release_warehouse():
    """Closes the DuckDB database dbt-duckdb keeps open in the process (its close checkpoints the WAL); returns its
    path, or None if none was open."""
    with DuckDBConnectionManager._LOCK:
        env, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if env is None:
        return None
    env.close()
    return env.creds.path


def summary_of(result):
    results = getattr(result, "results", None) or []
    counts = {}
    failures = []
    for r in results:
        status = str(getattr(r.status, "value", r.status))
        counts[status] = counts.get(status, 0) + 1
        if status in ("error", "fail", "runtime error"):
            failures.append({"node": r.node.unique_id, "message": str(r.message or "")[:2000]})
    line = " ".join([f"{k.upper()}={v}" for k, v in sorted(counts.items())] + [f"TOTAL={len(results)}"])
    return line, failures


class Worker:
    def __init__(self):
        self.parsed_as = None
        self.runner = None
        self.seeded = None  # (parse key, warehouse path, its file state) after this worker's last build with seeds

    def seeds_current(self):
        """The warehouse holds the seeds of the parsed project, as this worker's last build left them."""
        if self.seeded is None:
            return False
        key, path, state = self.seeded
        return key == self.parsed_as and state[0] is not None and warehouse_state(path) == state

    def ensure_parsed(self, args):
        vars_arg = vars_of(args)
        key = fingerprint(vars_arg)
        if key == self.parsed_as:
            return False
        extra = ["--vars", vars_arg] if vars_arg is not None else []
        res = dbtRunner().invoke(["parse", "--quiet", *extra])
        if not res.success:
            raise RuntimeError(f"dbt parse failed: {res.exception}")
        self.runner = dbtRunner(manifest=res.result)
        self.parsed_as = key
        return True

    def handle(self, request):
        args = request["args"]
        t0 = time.perf_counter()
        answer = {"ok": False, "parsed": False, "seeds_skipped": False, "summary": "", "failures": [], "error": None}
        plain = is_plain_build(args)
        path = None
        try:
            answer["parsed"] = self.ensure_parsed(args)
            answer["seeds_skipped"] = plain and self.seeds_current()
            if plain:
                self.seeded = None  # until it has ended well (other requests count only by writing the file)
            res = self.runner.invoke(args + SKIP_SEEDS if answer["seeds_skipped"] else args)
            answer["ok"] = bool(res.success)
            answer["summary"], answer["failures"] = summary_of(res.result)
            if res.exception is not None:
                answer["error"] = str(res.exception)
        except Exception as e:  # noqa: BLE001 (the worker answers and keeps serving)
            answer["error"] = f"{e}\n{traceback.format_exc(limit=5)}"
        finally:
            try:
                t1 = time.perf_counter()
                path = release_warehouse()
                answer["close_seconds"] = round(time.perf_counter() - t1, 3)
            except Exception as e:  # noqa: BLE001
                answer["ok"] = False
                answer["error"] = f"closing the warehouse failed: {e}"
        if plain and answer["ok"] and path is not None:
            self.seeded = (self.parsed_as, path, warehouse_state(path))
        answer["seconds"] = round(time.perf_counter() - t0, 3)
        return answer


def main():
    worker = Worker()
    PROTOCOL.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if not isinstance(request.get("args"), list) or not all(isinstance(a, str) for a in request["args"]):
                raise ValueError('a request is {"args": [<dbt arguments>]}')
        except Exception as e:  # noqa: BLE001
            PROTOCOL.write(json.dumps({"ok": False, "error": f"bad request: {e}", "seconds": 0}) + "\n")
            continue
        PROTOCOL.write(json.dumps(worker.handle(request)) + "\n")


if __name__ == "__main__":
    main()
