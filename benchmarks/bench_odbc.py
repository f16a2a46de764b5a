"""Benchmark: a PostgreSQL daughter over ODBC against plain pyodbc doing the same I/O.

What it measures (issue 3, DESIGN.md section 5):

* Data: the SQLite mother of `bench_sync.py` (N items, default 100,000, 12 columns, generated
  deterministically and never timed) and one PostgreSQL daughter reached through psqlODBC
  (`PostgreSQL Unicode`), in a database of its own made for the run and dropped after. The
  daughter's table has PostgreSQL's own types (NUMERIC prices, a DATE), so every row is
  compared across engines after normalisation, as a real group's would be.
* Through the facade `engine.sync(spec)`, on fresh state: the first sync (N creates), timed
  once per scenario; then 3 rounds of the no-change floor beside a no-change sync (N
  unchanged). The report counts are checked; a wrong count stops with exit code 1.
* Floors, measured in the same process against the same server:
  - first sync: read the mother (sqlite3) and insert every row into the empty daughter table
    with multi-row INSERT ... VALUES statements in one transaction, the fastest of 250, 500
    and 1,000 rows per statement (plain executemany is about 12x slower on psqlODBC);
  - no change: read the mother (sqlite3) and the daughter table (pyodbc) fully.
* Targets (reported, never asserted): first sync <= 2x its floor, no-change sync <= 2x its
  floor. With `--repeat R` (default 3) the scenario runs R times and the best counts.

Run (from the repository root, with the project installed and PostgreSQL answering):

    python benchmarks/bench_odbc.py                    # N=100,000, best of 3
    python benchmarks/bench_odbc.py --records 20000 --repeat 1 --json
    python benchmarks/bench_odbc.py --collation en-x-icu   # a key sorted by a language

The server is `STAMSYNC_TEST_POSTGRES` (an ODBC connection string without a database), by
default `Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Uid=postgres;Pwd=`.
This is not a test: pytest never collects it (it lives outside `tests/`).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import bench_sync as base  # the same data, reset and verdicts (this folder is on sys.path)
import pyodbc

from engine import Administration, Entity, EntityCounts, RunReport, SyncSpec

SERVER = os.environ.get(
    "STAMSYNC_TEST_POSTGRES",
    "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Uid=postgres;Pwd=")
TARGET_FIRST = 2.0
TARGET_NO_CHANGE = 2.0
FLOOR_ROWS_PER_INSERT = (250, 500, 1000)
READ_BATCH = 5000

PG_COLUMNS = (
    ("code", "VARCHAR(20) PRIMARY KEY"), ("description", "VARCHAR(200) NOT NULL"),
    ("unit", "VARCHAR(10)"), ("item_group", "INTEGER"), ("stock", "INTEGER"),
    ("weight", "DOUBLE PRECISION"), ("price", "NUMERIC(12, 2)"),
    ("cost_price", "NUMERIC(12, 4)"), ("created", "DATE"), ("active", "CHAR(1)"),
    ("ean", "VARCHAR(13)"), ("note", "VARCHAR(200)"),
)
assert tuple(n for n, _ in PG_COLUMNS) == base.NAMES


def pg_schema(collation: str | None) -> str:
    """The daughter's table; with `collation`, its text key sorts by that collation (as on
    a server whose databases use a language's), so reading it in binary order sorts."""
    columns = [(n, t.replace("PRIMARY KEY", f'COLLATE "{collation}" PRIMARY KEY')
                if collation and n == "code" else t) for n, t in PG_COLUMNS]
    return f"CREATE TABLE {base.TABLE} ({', '.join(f'{n} {t}' for n, t in columns)})"


COLLATION: str | None = None
"""Set from --collation."""


@contextlib.contextmanager
def daughter_database() -> Iterator[str]:
    """A database of its own on the server for this run, dropped after."""
    name = f"stamsync_bench_{uuid.uuid4().hex[:10]}"
    admin = pyodbc.connect(f"{SERVER};Database=postgres", autocommit=True)
    admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{SERVER};Database={name}"
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def empty_table(daughter: str) -> None:
    conn = pyodbc.connect(daughter, autocommit=True)
    try:
        conn.execute(f"DROP TABLE IF EXISTS {base.TABLE}")
        conn.execute(pg_schema(COLLATION))
    finally:
        conn.close()


def make_spec(work: Path, daughter: str) -> SyncSpec:
    return SyncSpec(
        mother=Administration("mother", f"sqlite:{base.mother_path(work).resolve()}"),
        daughters=(Administration("postgres", f"odbc:{daughter}"),),
        entities=(Entity(base.ENTITY, base.TABLE, key=("code",), fields=base.NAMES[1:]),),
        state_path=base.state_path(work))


def reset(work: Path, daughter: str) -> None:
    base.reset(work)  # the pristine mother, no state (and the SQLite daughters, unused)
    empty_table(daughter)


def check(report: RunReport, phase: str, **expected: int) -> None:
    want = {"created": 0, "updated": 0, "unchanged": 0, "conflicts": 0, "failed": 0,
            "skipped": 0, "removed": 0, **expected}
    (daughter,) = report.daughters
    got = daughter.entities.get(base.ENTITY, EntityCounts()).to_dict()
    if report.status != "ok" or got != want:
        raise base.BenchFailure(f"{phase}: status {report.status!r}, counts {got}, expected "
                                f"{want}; error {daughter.error or report.error!r}")


# -- floors: plain pyodbc and sqlite3 doing the same I/O -----------------------------------------

def floor_first(work: Path, daughter: str, per: int) -> float:
    """Read the mother; insert it into the empty daughter table with multi-row VALUES of
    `per` rows, one transaction."""
    empty_table(daughter)
    start = time.perf_counter()
    mother = sqlite3.connect(base.mother_path(work))
    conn = pyodbc.connect(daughter, autocommit=False)
    cursor = conn.cursor()
    marks = "(" + ", ".join("?" * len(base.NAMES)) + ")"
    head = f"INSERT INTO {base.TABLE} ({', '.join(base.NAMES)}) VALUES "
    full = head + ", ".join([marks] * per)
    rows = mother.execute(base.SELECT)
    while chunk := rows.fetchmany(per):
        sql = full if len(chunk) == per else head + ", ".join([marks] * len(chunk))
        cursor.execute(sql, list(itertools.chain.from_iterable(chunk)))
    conn.commit()
    conn.close()
    mother.close()
    return time.perf_counter() - start


def floor_read(work: Path, daughter: str) -> float:
    """Read the mother and the daughter table fully."""
    start = time.perf_counter()
    mother = sqlite3.connect(base.mother_path(work))
    cursor = mother.execute(base.SELECT)
    while cursor.fetchmany(READ_BATCH):
        pass
    mother.close()
    conn = pyodbc.connect(daughter, autocommit=True)
    cursor = conn.execute(base.SELECT)
    while cursor.fetchmany(READ_BATCH):
        pass
    conn.close()
    return time.perf_counter() - start


# -- the scenario ---------------------------------------------------------------------------------

def scenario(work: Path, daughter: str, records: int,
             log: Callable[[str], None]) -> dict[str, float]:
    seconds: dict[str, float] = {}
    reset(work, daughter)
    floors = {per: floor_first(work, daughter, per) for per in FLOOR_ROWS_PER_INSERT}
    seconds["first_floor"] = min(floors.values())
    reset(work, daughter)
    spec = make_spec(work, daughter)
    seconds["first"], report = base.timed_sync(spec)
    check(report, "first sync", created=records)
    log(f"  first sync       {seconds['first']:8.3f} s   floor {seconds['first_floor']:7.3f} s "
        f"({', '.join(f'{p} rows: {s:.3f}' for p, s in floors.items())})")
    read_floors, syncs = [], []
    for _ in range(base.FLOOR_REPEAT):
        read_floors.append(floor_read(work, daughter))
        took, report = base.timed_sync(spec)
        check(report, "no-change sync", unchanged=records)
        syncs.append(took)
    seconds["no_change_floor"], seconds["no_change"] = min(read_floors), min(syncs)
    log(f"  no-change sync   {seconds['no_change']:8.3f} s   floor "
        f"{seconds['no_change_floor']:7.3f} s")
    return seconds


def measure(work: Path, records: int, repeat: int, log: Callable[[str], None]) -> dict[str, Any]:
    base.build(work, records)
    runs = []
    with daughter_database() as daughter:
        version = pyodbc.connect(daughter).execute("SHOW server_version").fetchone()[0]
        for i in range(repeat):
            log(f"scenario {i + 1}/{repeat} (N={records:,}, PostgreSQL {version})")
            runs.append(scenario(work, daughter, records, log))
    best = {phase: min(run[phase] for run in runs) for phase in runs[0]}
    phases = {
        "first": base.verdict(best["first"], best["first_floor"], TARGET_FIRST),
        "no_change": base.verdict(best["no_change"], best["no_change_floor"], TARGET_NO_CHANGE),
    }
    for phase, figures in phases.items():
        figures["samples"] = [round(run[phase], 3) for run in runs]
        figures["floor_samples"] = [round(run[f"{phase}_floor"], 3) for run in runs]
    return {"records": records, "columns": len(base.COLUMNS), "postgresql": version,
            "key_collation": COLLATION or "the database's default",
            "pyodbc": pyodbc.version, "engine": base.engine_fingerprint(),
            "python": sys.version.split()[0], "repeat": repeat, "phases": phases,
            "all_targets_met": all(p["met"] for p in phases.values())}


def render(result: dict[str, Any]) -> str:
    lines = [
        f"stamsync ODBC benchmark: N={result['records']:,} items x {result['columns']} columns, "
        f"SQLite mother -> PostgreSQL {result['postgresql']} daughter (psqlODBC, pyodbc "
        f"{result['pyodbc']}), key collation {result['key_collation']}; best of "
        f"{result['repeat']} scenario run(s)",
        f"engine source {result['engine']}, Python {result['python']}",
        "",
        f"{'phase':<17}{'stamsync':>11}{'floor':>11}{'ratio':>8}  {'target':<15}result  (seconds)",
    ]
    labels = {"first": "first sync", "no_change": "no-change sync"}
    for phase, f in result["phases"].items():
        lines.append(f"{labels[phase]:<17}{f['seconds']:>11.3f}{f['floor']:>11.3f}"
                     f"{f['ratio']:>7.2f}x  {'<= 2x floor':<15}{'PASS' if f['met'] else 'FAIL'}")
    lines.append("samples (s), stamsync | floor:")
    for phase, f in result["phases"].items():
        lines.append(f"  {labels[phase]:<17}{' '.join(f'{x:.3f}' for x in f['samples'])} | "
                     f"{' '.join(f'{x:.3f}' for x in f['floor_samples'])}")
    lines.append("all time targets met" if result["all_targets_met"]
                 else "time targets MISSED: see FAIL above")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=base.DEFAULT_RECORDS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--collation", default=None,
                        help='the daughter key\'s collation, e.g. "en-x-icu" (default: the '
                             "database's)")
    args = parser.parse_args(argv)
    global COLLATION
    COLLATION = args.collation

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="stamsync-bench-odbc-") as folder:
        try:
            result = measure(Path(folder), args.records, args.repeat, log)
        except base.BenchFailure as failure:
            print(f"benchmark stopped: {failure}", file=sys.stderr)
            return 1
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
