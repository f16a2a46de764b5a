"""Benchmark: stamsync's SQLite sync against the plain-sqlite3 floor of the same I/O.

What it measures (DESIGN.md sections 4 and 5):

* Data: a SQLite mother with N items (default 100,000; 12 columns of mixed types: TEXT key
  'A0000001', text, int, float, NUMERIC written as str, ISO date text, 'J'/'N' flag, EAN text,
  nullable text) and 3 empty daughters with the same schema (`code TEXT PRIMARY KEY`).
  Generation is deterministic (seeded) and is never timed.
* Through the facade `engine.sync(spec)`, in order, on fresh state:
  1. the first sync (every daughter gets N creates), timed once,
  2. a sync with nothing changed (N unchanged per daughter), and
  3. a sync after 1% of the mother changed (an UPDATE of every 100th row; N/100 updated),
     in 3 rounds of: the no-change floor, a no-change sync, the 1% change (the same rows
     again each round), the 1%-changed sync; so each phase is sampled as often as its floor,
     side by side with what it is compared with (best counts).
  The report counts are checked; a wrong count stops the benchmark with exit code 1.
  With `--repeat R` (default 3) the whole scenario runs R times on fresh copies and the best
  time per phase counts.
* Floors, measured in the same process on the same files, by the simplest plain sqlite3 code
  doing the same I/O, 3 times beside the sync they are compared with (best counts):
  - first sync: read the mother once (fetchmany) and insert it into 3 fresh empty daughters,
    one transaction per daughter (executemany);
  - no change: read the mother and the 3 daughters fully (after the first sync).
* Peak memory: `ru_maxrss` of the process at the end of the syncs. The data is generated
  before (streamed into executemany; in `--memory` mode in another process) and the floors
  stream 2,000 rows at a time, so the peak is the syncs'; the RSS before the first sync is
  shown beside it.

Targets (reported, never asserted): first sync <= 1.5x its floor, no-change sync <= 2x its
floor, 1%-changed sync <= 1.2x the no-change sync, and with `--memory` the peak RSS at
1,000,000 items <= 2x the peak at 100,000.

Run (from the repository root, with the project installed):

    python benchmarks/bench_sync.py                    # N=100,000, best of 3 scenarios
    python benchmarks/bench_sync.py --records 20000 --repeat 1 --json
    python benchmarks/bench_sync.py --memory           # 100,000 vs 1,000,000, a few minutes

`--instructions` runs each phase and its floor once, each in a child process under valgrind's
callgrind, and compares instructions executed instead of seconds: the same figures on a busy
and an idle machine (user space only: time spent waiting for the disk, and the kernel's own
work, are not counted; Python's start-up and imports, counted in an empty child, are taken
off). About ten minutes at 100,000 items; needs `valgrind`.

`--memory` builds each data set in a child process of its own, then measures in a fresh child
(syncs and streaming floors, no data generation), so generation never counts towards the peak.
Peak RSS needs the `resource` module (Linux, macOS); elsewhere it is reported as n/a.
`--dir DIR` keeps the files in DIR (otherwise a temporary directory is removed at the end);
`--build-only` and `--no-build` split generation from measurement in DIR.

This is not a test: pytest never collects it (it lives outside `tests/`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import engine
from engine import Administration, Entity, EntityCounts, RunReport, SyncSpec

if sys.platform != "win32":
    import resource

DEFAULT_RECORDS = 100_000
MEMORY_SIZES = (100_000, 1_000_000)
DAUGHTERS = 3
SEED = 20_241_203
FLOOR_REPEAT = 3
"""Floor samples per scenario run (best counts)."""
FLOOR_BATCH = 2000
"""Rows per fetchmany in the floors: streaming, so they add next to nothing to peak memory."""
TABLE = "items"
ENTITY = "items"

COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "TEXT PRIMARY KEY"),
    ("description", "TEXT NOT NULL"),
    ("unit", "TEXT"),
    ("item_group", "INTEGER"),
    ("stock", "INTEGER"),
    ("weight", "REAL"),
    ("price", "NUMERIC(12, 2)"),
    ("cost_price", "NUMERIC(12, 4)"),
    ("created", "DATE"),
    ("active", "CHAR(1)"),
    ("ean", "TEXT"),
    ("note", "TEXT"),
)
NAMES = tuple(name for name, _ in COLUMNS)
SCHEMA = f"CREATE TABLE {TABLE} ({', '.join(f'{n} {t}' for n, t in COLUMNS)})"
SELECT = f"SELECT {', '.join(NAMES)} FROM {TABLE}"
INSERT = f"INSERT INTO {TABLE} ({', '.join(NAMES)}) VALUES ({', '.join('?' * len(NAMES))})"
# 1% of the rows, spread evenly: every 100th row (rowid order is key order here).
CHANGE = (f"UPDATE {TABLE} SET price = price + 1, description = description || ' (new)' "
          "WHERE rowid % 100 = 0")

TARGET_FIRST = 1.5
TARGET_NO_CHANGE = 2.0
TARGET_CHANGED = 1.2
TARGET_MEMORY = 2.0

Row = tuple[Any, ...]


class BenchFailure(Exception):
    """The engine did not do what the benchmark expects: the figures would mean nothing."""


# -- data ------------------------------------------------------------------------------------

_WORDS = ("bout", "moer", "ring", "plaat", "buis", "kabel", "lamp", "schroef", "veer", "klem",
          "pakking", "slang", "filter", "lager", "as", "kogel")
_UNITS = ("ST", "KG", "M", "L", "DS", "PAK")


def generate(records: int, seed: int = SEED) -> Iterator[Row]:
    """The mother's rows, in key order, deterministic for a seed."""
    rnd = random.Random(seed)
    day0 = dt.date(2000, 1, 1).toordinal()
    for i in range(1, records + 1):
        w1, w2 = rnd.choice(_WORDS), rnd.choice(_WORDS)
        price = rnd.randrange(1, 10_000_000) / 100
        yield (
            f"A{i:07d}",
            f"{w1} {w2} {rnd.randrange(1, 200)} mm",
            rnd.choice(_UNITS),
            rnd.randrange(1, 60),
            rnd.randrange(-50, 5000),
            round(rnd.random() * 100, 3),
            f"{price:.2f}",
            f"{price * rnd.uniform(0.4, 0.9):.4f}",
            dt.date.fromordinal(day0 + rnd.randrange(9000)).isoformat(),
            "J" if rnd.random() < 0.9 else "N",
            str(rnd.randrange(10**12, 10**13)),
            None if rnd.random() < 0.7 else f"let op: {rnd.choice(_WORDS)}",
        )


def empty_database(path: Path) -> None:
    """A fresh file holding the items table and nothing else."""
    for stale in (path, path.with_name(path.name + "-journal")):
        stale.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.execute(SCHEMA)
        conn.commit()
    finally:
        conn.close()


def build(work: Path, records: int) -> None:
    """The pristine mother the scenarios copy from."""
    work.mkdir(parents=True, exist_ok=True)
    pristine = work / "mother.pristine.db"
    empty_database(pristine)
    conn = sqlite3.connect(pristine, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.executemany(INSERT, generate(records))
        conn.execute("COMMIT")
    finally:
        conn.close()


def count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0])
    finally:
        conn.close()


# -- stamsync ----------------------------------------------------------------------------------

def mother_path(work: Path) -> Path:
    return work / "mother.db"


def daughter_paths(work: Path) -> list[Path]:
    return [work / f"daughter{i}.db" for i in range(1, DAUGHTERS + 1)]


def state_path(work: Path) -> Path:
    return work / "stamsync.state.db"


def make_spec(work: Path) -> SyncSpec:
    return SyncSpec(
        mother=Administration("mother", f"sqlite:{mother_path(work).resolve()}"),
        daughters=tuple(Administration(p.stem, f"sqlite:{p.resolve()}")
                        for p in daughter_paths(work)),
        entities=(Entity(ENTITY, TABLE, key=("code",), fields=NAMES[1:]),),
        state_path=state_path(work),
    )


def reset(work: Path) -> None:
    """A pristine mother, empty daughters and no state: a first sync starts from here."""
    shutil.copyfile(work / "mother.pristine.db", mother_path(work))
    for path in daughter_paths(work):
        empty_database(path)
    state = state_path(work)
    for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
        state.with_name(state.name + suffix).unlink(missing_ok=True)


def check(report: RunReport, phase: str, **expected: int) -> None:
    """Every daughter's counts must be exactly these (the rest zero), the run ok."""
    want = {"created": 0, "updated": 0, "unchanged": 0, "conflicts": 0, "failed": 0,
            "skipped": 0, "removed": 0, **expected}
    problems = []
    if report.status != "ok" or report.error:
        problems.append(f"run status {report.status!r}, error {report.error!r}")
    if len(report.daughters) != DAUGHTERS:
        problems.append(f"{len(report.daughters)} daughters reported, {DAUGHTERS} expected")
    for daughter in report.daughters:
        got = daughter.entities.get(ENTITY, EntityCounts()).to_dict()
        if got != want:
            problems.append(f"daughter {daughter.name}: counts {got}, expected {want}"
                            + (f"; error {daughter.error}" if daughter.error else ""))
    if problems:
        raise BenchFailure(f"{phase}: " + "; ".join(problems))


def timed_sync(spec: SyncSpec) -> tuple[float, RunReport]:
    start = time.perf_counter()
    report = engine.sync(spec)
    return time.perf_counter() - start, report


# -- floors: the simplest plain-sqlite3 code doing the same I/O ---------------------------------

def floor_first(work: Path) -> float:
    """Read the mother once and insert it into 3 fresh empty daughters, one transaction (and
    one executemany per batch of rows) per daughter."""
    targets = [work / f"floor{i}.db" for i in range(1, DAUGHTERS + 1)]
    for path in targets:
        empty_database(path)
    start = time.perf_counter()
    mother = sqlite3.connect(mother_path(work))
    daughters = [sqlite3.connect(path, isolation_level=None) for path in targets]
    for conn in daughters:
        conn.execute("BEGIN")
    cursor = mother.execute(SELECT)
    while rows := cursor.fetchmany(FLOOR_BATCH):
        for conn in daughters:
            conn.executemany(INSERT, rows)
    for conn in daughters:
        conn.execute("COMMIT")
        conn.close()
    mother.close()
    return time.perf_counter() - start


def floor_read(work: Path) -> float:
    """Read the mother and the 3 daughters fully."""
    start = time.perf_counter()
    for path in [mother_path(work), *daughter_paths(work)]:
        conn = sqlite3.connect(path)
        cursor = conn.execute(SELECT)
        while cursor.fetchmany(FLOOR_BATCH):
            pass
        conn.close()
    return time.perf_counter() - start


def best_of(measure: Callable[[], float], times: int) -> float:
    return min(measure() for _ in range(times))


# -- one scenario -------------------------------------------------------------------------------

def scenario(work: Path, records: int, log: Callable[[str], None]) -> dict[str, float]:
    """First sync, no-change sync, 1% change, 1%-changed sync; each floor measured right
    before the sync it is compared with, so both see the same machine. Seconds per phase."""
    reset(work)
    spec = make_spec(work)
    changed = records // 100
    seconds: dict[str, float] = {}

    seconds["first_floor"] = best_of(lambda: floor_first(work), FLOOR_REPEAT)
    seconds["first"], report = timed_sync(spec)
    check(report, "first sync", created=records)
    log(f"  first sync       {seconds['first']:8.3f} s   floor {seconds['first_floor']:7.3f} s")

    # Rounds of: the no-change floor, a no-change sync, a 1% change (the same rows again each
    # round), the 1%-changed sync. Each phase is sampled as often as its floor, side by side
    # with the phase it is compared with, so they see the same moments of a noisy machine;
    # the best of each counts.
    floors, no_change, changed_syncs = [], [], []
    for _ in range(FLOOR_REPEAT):
        floors.append(floor_read(work))
        took, report = timed_sync(spec)
        check(report, "no-change sync", unchanged=records)
        no_change.append(took)
        conn = sqlite3.connect(mother_path(work), isolation_level=None)
        try:
            done = conn.execute(CHANGE).rowcount
        finally:
            conn.close()
        if done != changed:
            raise BenchFailure(f"the 1% change touched {done} rows, expected {changed}")
        took, report = timed_sync(spec)
        check(report, "1%-changed sync", updated=changed, unchanged=records - changed)
        changed_syncs.append(took)
    seconds["no_change_floor"], seconds["no_change"] = min(floors), min(no_change)
    seconds["changed"] = min(changed_syncs)
    log(f"  no-change sync   {seconds['no_change']:8.3f} s   floor "
        f"{seconds['no_change_floor']:7.3f} s")
    log(f"  1%-changed sync  {seconds['changed']:8.3f} s")
    return seconds


# -- one measurement ----------------------------------------------------------------------------

def peak_rss_mib() -> float | None:
    """The process's peak resident set size so far (ru_maxrss), in MiB; None on Windows."""
    if sys.platform == "win32":
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def filesystem(path: Path) -> str:
    """The file system type the data lives on (fsync costs differ a lot), or '?'."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return "?"
    target, best, kind = str(path.resolve()), -1, "?"
    for line in mounts:
        parts = line.split()
        if (len(parts) >= 3 and len(parts[1]) > best
                and (target + "/").startswith(parts[1].rstrip("/") + "/")):
            best, kind = len(parts[1]), parts[2]
    return kind


def engine_fingerprint() -> str:
    """A short hash of the engine's source, so figures can be matched to the code measured."""
    digest = hashlib.sha256()
    root = Path(engine.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def verdicts(first: float, first_floor: float, no_change: float, no_change_floor: float,
             changed: float) -> dict[str, dict[str, Any]]:
    """The three phases against their targets (seconds or instructions alike)."""
    return {
        "first": verdict(first, first_floor, TARGET_FIRST),
        "no_change": verdict(no_change, no_change_floor, TARGET_NO_CHANGE),
        "changed": verdict(changed, no_change, TARGET_CHANGED),
    }


def verdict(seconds: float, reference: float, target: float) -> dict[str, Any]:
    ratio = seconds / reference
    return {"seconds": round(seconds, 4), "floor": round(reference, 4), "ratio": round(ratio, 3),
            "target": target, "met": ratio <= target}


def measure(work: Path, records: int, repeat: int, log: Callable[[str], None]) -> dict[str, Any]:
    """The whole measurement on the data built in `work`."""
    have = count(work / "mother.pristine.db")
    if have != records:
        raise BenchFailure(f"{work / 'mother.pristine.db'} holds {have} items, not {records}; "
                           "build it again (drop --no-build)")
    before = peak_rss_mib()
    fingerprint = engine_fingerprint()
    runs = []
    for i in range(repeat):
        log(f"scenario {i + 1}/{repeat} (N={records:,})")
        runs.append(scenario(work, records, log))
    peak = peak_rss_mib()
    best = {phase: min(run[phase] for run in runs) for phase in runs[0]}
    phases = verdicts(best["first"], best["first_floor"], best["no_change"],
                      best["no_change_floor"], best["changed"])
    for phase, figures in phases.items():
        figures["samples"] = [round(run[phase], 3) for run in runs]
        floor = "no_change" if phase == "changed" else f"{phase}_floor"
        figures["floor_samples"] = [round(run[floor], 3) for run in runs]
    return {
        "records": records,
        "daughters": DAUGHTERS,
        "columns": len(COLUMNS),
        "dir": str(work),
        "filesystem": filesystem(work),
        "engine": fingerprint,
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "repeat": repeat,
        "floor_repeat": FLOOR_REPEAT * repeat,
        "phases": phases,
        "memory": {"peak_rss_mib": peak, "rss_before_syncs_mib": before},
        "all_targets_met": all(p["met"] for p in phases.values()),
    }


# -- output ----------------------------------------------------------------------------------------

_LABELS = {"first": "first sync", "no_change": "no-change sync", "changed": "1%-changed sync"}
_TARGETS = {"first": "<= 1.5x floor", "no_change": "<= 2x floor",
            "changed": "<= 1.2x no-change"}


def phase_table(result: dict[str, Any], headline: str, unit: str, number: str) -> list[str]:
    """The lines both reports share: what was measured, then a row per phase (`number` is
    the format of the figures, e.g. '.3f' for seconds)."""
    width = 14 if unit == "instructions" else 11
    lines = [
        headline,
        f"engine source {result['engine']}, Python {result['python']}, "
        f"SQLite {result['sqlite']}",
        "",
        f"{'phase':<17}{'stamsync':>{width}}{'floor':>{width}}{'ratio':>8}  "
        f"{'target':<19}result   ({unit})",
    ]
    for phase, f in result["phases"].items():
        lines.append(
            f"{_LABELS[phase]:<17}{f['seconds']:>{width}{number}}{f['floor']:>{width}{number}}"
            f"{f['ratio']:>7.2f}x  {_TARGETS[phase]:<19}{'PASS' if f['met'] else 'FAIL'}")
    lines.append("(the 1%-changed sync's floor is the no-change sync)")
    return lines


def render(result: dict[str, Any]) -> str:
    lines = phase_table(
        result,
        f"stamsync sync benchmark: N={result['records']:,} items x {result['columns']} columns, "
        f"{result['daughters']} daughters, {result['dir']} ({result['filesystem']}); "
        f"stamsync: best of {result['repeat']} scenario run(s), floors: best of "
        f"{result['floor_repeat']}", "seconds", ".3f")
    if result["repeat"] > 1:
        lines.append("samples (s), stamsync | floor:")
        for phase, f in result["phases"].items():
            lines.append(f"  {_LABELS[phase]:<17}"
                         f"{' '.join(f'{x:.3f}' for x in f['samples'])} | "
                         f"{' '.join(f'{x:.3f}' for x in f['floor_samples'])}")
    memory = result["memory"]
    lines.append(f"peak RSS (ru_maxrss) after the syncs: {mib(memory['peak_rss_mib'])} "
                 f"(before the first sync: {mib(memory['rss_before_syncs_mib'])})")
    lines.append("all time targets met" if result["all_targets_met"]
                 else "time targets MISSED: see FAIL above")
    return "\n".join(lines)


def mib(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} MiB"


def render_memory(summary: dict[str, Any]) -> str:
    small, large = summary["sizes"]
    m = summary["memory"]
    peaks = (f"{mib(m['peak_rss_mib'][0])} at N={small:,}, "
             f"{mib(m['peak_rss_mib'][1])} at N={large:,}")
    if m["ratio"] is None:
        return f"peak RSS: {peaks}: not measurable here"
    return (f"peak RSS: {peaks}: {m['ratio']:.2f}x (target <= {m['target']:g}x) "
            f"{'PASS' if m['met'] else 'FAIL'}")


# -- --memory: one child builds, a fresh child measures ----------------------------------------

def child(args: Sequence[str]) -> str:
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args],
                          stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise BenchFailure(f"child {' '.join(args)} exited with {done.returncode}")
    return done.stdout


def memory_mode(work: Path, sizes: Sequence[int], repeat: int, as_json: bool,
                log: Callable[[str], None]) -> dict[str, Any]:
    results = []
    for records in sizes:
        where = work / f"n{records}"
        log(f"building N={records:,} in a child process")
        child(["--records", str(records), "--dir", str(where), "--build-only"])
        log(f"measuring N={records:,} in a fresh child process")
        result = json.loads(child(["--records", str(records), "--dir", str(where), "--no-build",
                                   "--repeat", str(repeat), "--json"]))
        if not as_json:
            print(render(result), "\n", flush=True)
        results.append(result)
    peaks = [r["memory"]["peak_rss_mib"] for r in results]
    ratio = None if None in peaks else round(peaks[-1] / peaks[0], 3)
    return {
        "sizes": list(sizes),
        "runs": results,
        "memory": {"peak_rss_mib": peaks, "ratio": ratio, "target": TARGET_MEMORY,
                   "met": ratio is not None and ratio <= TARGET_MEMORY},
    }


# -- command line ---------------------------------------------------------------------------------

# -- instructions: the same phases counted by callgrind, whatever the machine is doing ----------

STEPS = ("reset", "noop", "floor_first", "first", "floor_read", "no_change", "change",
         "changed")
"""What `--step` runs in a child process (the building blocks of `--instructions`)."""


def step(work: Path, records: int, name: str) -> None:
    """One building block, run alone in this process."""
    spec = make_spec(work)
    if name == "reset":
        reset(work)
    elif name == "floor_first":
        floor_first(work)
    elif name == "floor_read":
        floor_read(work)
    elif name == "change":
        conn = sqlite3.connect(mother_path(work), isolation_level=None)
        try:
            conn.execute(CHANGE)
        finally:
            conn.close()
    elif name in ("first", "no_change", "changed"):
        report = engine.sync(spec)
        changed = records // 100
        expected = {"first": {"created": records}, "no_change": {"unchanged": records},
                    "changed": {"updated": changed, "unchanged": records - changed}}[name]
        check(report, name, **expected)


def counted(work: Path, records: int, name: str) -> int:
    """Instructions (callgrind's `Ir`) a child spends on one step."""
    out = work / f"callgrind.{name}.out"
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
               sys.executable, __file__, "--dir", str(work), "--records", str(records),
               "--no-build", "--step", name]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    out.unlink(missing_ok=True)
    found = [line for line in done.stderr.splitlines() if "Collected :" in line]
    if done.returncode != 0 or not found:
        raise BenchFailure(f"step {name} under callgrind failed: {done.stderr[-2000:]}")
    return int(found[-1].rsplit(":", 1)[1].strip())


def instructions_mode(work: Path, records: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Each phase and its floor in a child process under callgrind: instructions executed in
    user space, the same on a busy and an idle machine (time waiting for the disk is not
    counted). The instructions of starting Python and importing (the `noop` step) are taken
    off every figure."""
    if shutil.which("valgrind") is None:
        raise BenchFailure("--instructions needs valgrind (apt-get install valgrind)")

    def plain(name: str) -> None:
        subprocess.run([sys.executable, __file__, "--dir", str(work), "--records",
                        str(records), "--no-build", "--step", name], check=True)

    plain("reset")
    counts: dict[str, int] = {}
    for name in ("noop", "floor_first", "first", "floor_read", "no_change"):
        log(f"  counting {name} (about a minute per 100,000 records)")
        counts[name] = counted(work, records, name)
    plain("change")
    log("  counting changed")
    counts["changed"] = counted(work, records, "changed")
    base = counts["noop"]
    net = {name: n - base for name, n in counts.items() if name != "noop"}
    phases = verdicts(net["first"], net["floor_first"], net["no_change"], net["floor_read"],
                      net["changed"])
    return {"records": records, "daughters": DAUGHTERS, "engine": engine_fingerprint(),
            "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version,
            "instructions": counts, "phases": phases,
            "all_targets_met": all(p["met"] for p in phases.values())}


def render_instructions(result: dict[str, Any]) -> str:
    return "\n".join(phase_table(
        result,
        f"stamsync sync benchmark in instructions (callgrind Ir, user space; start-up taken "
        f"off): N={result['records']:,} items, {result['daughters']} daughters",
        "instructions", ",.0f"))


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time stamsync's first, no-change and 1%-changed sync against plain "
                    "sqlite3 floors; report ratios and peak memory.")
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS,
                        help="items in the mother (default %(default)s)")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the databases go (kept); default a temporary directory "
                             "that is removed at the end")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--repeat", type=int, default=None,
                        help="scenario runs on fresh state, best per phase counts "
                             "(default 3; 1 with --memory)")
    parser.add_argument("--memory", action="store_true",
                        help="measure N=100,000 and N=1,000,000 each in a fresh child process "
                             "and compare peak RSS")
    parser.add_argument("--memory-sizes", type=lambda s: tuple(int(n) for n in s.split(",")),
                        default=MEMORY_SIZES, help="the two sizes --memory compares "
                                                   "(default 100000,1000000)")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions with valgrind's callgrind instead of timing "
                             "(repeatable on a noisy machine; disk waits not counted; about "
                             "ten minutes at 100,000 items)")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--build-only", action="store_true",
                        help="only generate the mother in --dir")
    parser.add_argument("--no-build", action="store_true",
                        help="reuse the mother generated in --dir by --build-only")
    args = parser.parse_args(argv)
    if args.records < 100:
        parser.error("--records must be at least 100 (1% of it must be a whole row)")
    if (args.build_only or args.no_build) and args.dir is None:
        parser.error("--build-only and --no-build need --dir")
    if len(args.memory_sizes) != 2:
        parser.error("--memory-sizes takes two sizes, e.g. 100000,1000000")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    work = args.dir if args.dir is not None else Path(
        tempfile.mkdtemp(prefix="stamsync-bench-"))
    work = work.resolve()
    try:
        if args.build_only:
            start = time.perf_counter()
            build(work, args.records)
            log(f"built {args.records:,} items in {time.perf_counter() - start:.1f} s")
            return 0
        if args.step is not None:
            step(work, args.records, args.step)
            return 0
        if args.instructions:
            if not args.no_build:
                log(f"building {args.records:,} items in {work}")
                build(work, args.records)
            counts = instructions_mode(work, args.records, log)
            print(json.dumps(counts, indent=2) if args.json else render_instructions(counts))
            return 0
        if args.memory:
            summary = memory_mode(work, args.memory_sizes, args.repeat or 1, args.json, log)
            print(json.dumps(summary, indent=2) if args.json else render_memory(summary))
            return 0
        if not args.no_build:
            log(f"building {args.records:,} items in {work}")
            build(work, args.records)
        result = measure(work, args.records, args.repeat or 3, log)
        print(json.dumps(result, indent=2) if args.json else render(result))
        return 0
    except BenchFailure as error:
        print(f"bench_sync: FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
