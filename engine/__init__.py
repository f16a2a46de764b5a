"""The sync engine's facade: plain data in, a report out. The command line, the tray and the
settings dialog use only what this module exports."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from filelock import FileLock, Timeout

from engine import runner
from engine import undo as undoing
from engine.browse import Browser, Records, browse, odbc_data_sources, odbc_drivers, test_connection
from engine.checks import CheckReport, Problem, check
from engine.errors import ConfigError, DatabaseError, LockHeld, StamsyncError
from engine.i18n import N_, _
from engine.journal import Journal
from engine.model import (
    Administration,
    Entity,
    Key,
    MarkRemoved,
    Policy,
    SelectAll,
    Selection,
    SelectKeys,
    SelectWhere,
    SyncSpec,
)
from engine.report import (
    Change,
    DaughterReport,
    EntityCounts,
    ParkedRecord,
    RecordFailure,
    RunReport,
)
from engine.runner import Progress, utc_now
from engine.state import parked_records
from engine.storage import open_state, unwritable
from engine.undo import UndoReport

__all__ = [
    "Administration",
    "Browser",
    "Change",
    "CheckReport",
    "ConfigError",
    "DatabaseError",
    "DaughterReport",
    "Entity",
    "EntityCounts",
    "Key",
    "LockHeld",
    "MarkRemoved",
    "ParkedRecord",
    "Policy",
    "Problem",
    "RecordFailure",
    "Records",
    "RunReport",
    "SelectAll",
    "SelectKeys",
    "SelectWhere",
    "Selection",
    "StamsyncError",
    "SyncSpec",
    "UndoReport",
    "browse",
    "check",
    "history",
    "locked",
    "odbc_data_sources",
    "odbc_drivers",
    "parked",
    "show",
    "sync",
    "test_connection",
    "undo",
]


def sync(spec: SyncSpec, *, dry_run: bool = False, entities: Sequence[str] = (),
         daughters: Sequence[str] = (), progress: Progress | None = None) -> RunReport:
    """Run one sync and return its report. Raises ConfigError (nothing written) when the
    config or the mother's data cannot be used, LockHeld when another sync runs."""
    chosen_entities = _pick(spec.entities, entities, _NO_ENTITY, "--entity")
    chosen_daughters = _pick(spec.daughters, daughters, _NO_DAUGHTER, "--daughter")
    with locked(spec.state_path), _state(spec.state_path) as state:
        journal = Journal(state)
        report = RunReport(run_id=0, started_at=utc_now(), dry_run=dry_run)
        _start(journal, report, spec.state_path)
        try:
            runner.run(spec, state, report, chosen_entities, chosen_daughters, progress)
        except StamsyncError as error:
            report.error = str(error)
            _finish(journal, report)
            if isinstance(error, ConfigError):
                raise
            return report
        _finish(journal, report)
        return report


def history(spec: SyncSpec, limit: int = 20) -> list[RunReport]:
    """The most recent runs, newest first."""
    if not spec.state_path.exists():
        return []
    with _state(spec.state_path) as state:
        _close_interrupted(spec, Journal(state))
        return Journal(state).history(limit)


def undo(spec: SyncSpec, run_id: int, *, delete_created: bool = False,
         dry_run: bool = False) -> UndoReport:
    """Put back what run `run_id` wrote where nobody changed it since (see `engine.undo`);
    the undo is a run of its own. ConfigError for an unknown run or a dry run (nothing
    recorded), LockHeld when a sync runs; a mother or daughter that cannot be reached is in
    the report."""
    with locked(spec.state_path), _state(spec.state_path) as state:
        journal = Journal(state)
        report = RunReport(run_id=0, started_at=utc_now(), dry_run=dry_run, undo_of=run_id)
        try:
            target = journal.run(run_id)  # an unknown run: nothing recorded
        except sqlite3.Error as error:
            raise unwritable(spec.state_path, error) from error
        undoing.undoable(target)
        _start(journal, report, spec.state_path)
        result = UndoReport(report, run_id)
        try:
            undoing.undo(spec, state, journal, result, target, delete_created)
        except sqlite3.Error as error:
            report.error = str(unwritable(spec.state_path, error))
        except StamsyncError as error:
            report.error = str(error)
            if isinstance(error, ConfigError):
                _finish(journal, report)
                raise
        finally:
            with contextlib.suppress(sqlite3.Error):  # a broken store is in the error
                journal.unconfirm(report.run_id)
        _finish(journal, report)
        return result


def parked(spec: SyncSpec) -> list[ParkedRecord]:
    """The records parked in the daughters (rejected 3 runs in a row), until the mother
    changes them."""
    if not spec.state_path.exists():
        return []
    with _state(spec.state_path) as state:
        return [ParkedRecord(daughter, entity, key, message)
                for daughter, entity, key, message in parked_records(state)]


def show(spec: SyncSpec, run_id: int) -> RunReport:
    """One run with every change it wrote."""
    with _state(spec.state_path) as state:
        _close_interrupted(spec, Journal(state))
        return Journal(state).run(run_id)


def _close_interrupted(spec: SyncSpec, journal: Journal) -> None:
    """A run left 'running' while no process holds the lock was killed: say so."""
    try:
        with locked(spec.state_path):
            journal.close_interrupted()
    except LockHeld:
        pass  # a sync is under way: its run shows as running


def _start(journal: Journal, report: RunReport, state_path: Path) -> None:
    """Settle runs a killed process left open and record this one (its id into `report`);
    a store that cannot even record it stops here, before anything is written."""
    try:
        journal.close_interrupted()
        report.run_id = journal.start(report)
    except sqlite3.Error as error:
        raise unwritable(state_path, error) from error


def _finish(journal: Journal, report: RunReport) -> None:
    report.finished_at = utc_now()
    report.settle()
    try:
        journal.finish(report)
    except sqlite3.Error as error:  # the state store broke: the report still tells the user
        report.error = report.error or _(
            "The run could not be recorded in the state store ({error}). Free disk space or "
            "fix the folder's permissions.").format(error=error)
        report.settle()


_Named = TypeVar("_Named", Administration, Entity)

_NO_ENTITY = N_("{option} {name}: there is no entity of that name in the config. "
                "Known: {known}.")
_NO_DAUGHTER = N_("{option} {name}: there is no daughter of that name in the config. "
                  "Known: {known}.")


def _pick(items: tuple[_Named, ...], names: Sequence[str], unknown_message: str,
          option: str) -> tuple[_Named, ...]:
    enabled = tuple(item for item in items if item.enabled)
    if not names:
        return enabled
    known = {item.name.lower(): item for item in items}
    unknown = [n for n in names if n.lower() not in known]
    if unknown:
        raise ConfigError(_(unknown_message).format(
            option=option, name=unknown[0], known=", ".join(item.name for item in items)))
    return tuple(known[n.lower()] for n in dict.fromkeys(names))


@contextmanager
def locked(state_path: Path) -> Iterator[None]:
    """Hold the one lock per config that keeps two processes from syncing it at once."""
    lock_path = state_path.with_name(state_path.name + ".lock")
    lock = FileLock(lock_path, timeout=0, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise LockHeld(_(
            "Another stamsync process is syncing this configuration (lock '{lock}'). "
            "Wait for it to finish; nothing was written.").format(lock=lock_path)) from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _state(path: Path) -> Iterator[sqlite3.Connection]:
    conn = open_state(path)
    try:
        yield conn
    finally:
        conn.close()
