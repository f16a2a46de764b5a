"""`stamsync sync --json --config CONFIG`, as the kill tests run it in a process of its own
(`python -m tests.reliability.killable CONFIG [--die PHASE:N]`).

Two things differ from the real command, neither in what is written:

- the engine's pages and transactions are made small (`PAGE`, `BATCH`, and the size at
  which the bases' delta is compacted), so a run of a few hundred records applies many
  chunks and a kill lands between, inside and after them;
- before each chunk is written to the daughter it prints `MARK N` on stderr (N counts the
  chunks of this run from 1), so the test can kill the process from outside at a moment of
  its choosing while applying.

With `--die PHASE:N` the process kills itself (SIGKILL, nothing runs after it) at chunk N:
`journalled` when the chunk is journalled but not yet written, `writing` when the daughter
holds the chunk's rows in an open transaction (just before the commit), `committed` right
after the daughter committed and before the state store confirms the chunk.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

import engine.apply
import engine.runner
import engine.state
from engine.apply import Applied
from engine.db import Database
from engine.layout import DaughterLayout
from engine.plan import Creates, RecordPlan
from tray import cli

PAGE = 40
"""Rows per page read from the mother, the daughter and the bases (engine: 5000)."""
BATCH = 20
"""Records per daughter transaction at most (engine: 20,000)."""
COMPACT_MIN = 150
"""Delta entries before the bases are compacted (engine: 5000): compaction runs too."""

MARK = "killable: chunk"
PHASES = ("journalled", "writing", "committed")


def die() -> None:
    """SIGKILL this process: no finally, no atexit, no flush."""
    os.kill(os.getpid(), signal.SIGKILL)


class DyingCommit:
    """A daughter connection whose commit kills the process instead: the chunk's rows are
    written in an open transaction that the database must roll back on its own."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def commit(self) -> None:
        die()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


def install(die_at: tuple[str, int] | None) -> None:
    """Make the engine's pages and transactions small, and mark (or die at) each chunk."""
    engine.runner.PAGE = PAGE
    engine.runner.BATCH = BATCH
    engine.state._COMPACT_MIN = COMPACT_MIN
    real = engine.apply.write_chunk
    written = 0

    def write_chunk(db: Database, layout: DaughterLayout, columns: tuple[str, ...],
                    creates: Creates, plans: list[RecordPlan]) -> Applied:
        nonlocal written
        written += 1
        print(f"{MARK} {written}", file=sys.stderr, flush=True)
        phase = die_at[0] if die_at is not None and die_at[1] == written else None
        if phase == "journalled":
            die()
        target: Any = DyingCommit(db) if phase == "writing" else db
        applied = real(target, layout, columns, creates, plans)
        if phase == "committed":
            die()
        return applied

    engine.runner.write_chunk = write_chunk  # type: ignore[attr-defined]  # as the runner calls it


def _die_at(text: str) -> tuple[str, int]:
    phase, _, number = text.partition(":")
    if phase not in PHASES or not number.isdigit() or int(number) < 1:
        raise argparse.ArgumentTypeError(f"PHASE:N with PHASE one of {PHASES}, N >= 1")
    return phase, int(number)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config")
    parser.add_argument("--die", type=_die_at, metavar="PHASE:N")
    args = parser.parse_args(argv)
    install(args.die)
    return cli.main(["sync", "--json", "--config", args.config])


if __name__ == "__main__":
    sys.exit(main())
