"""Runs and every change they wrote, with before- and after-images.

A chunk's changes are journalled (status `pending`) and committed *before* the daughter
commits, then `confirmed` after it did; so a process killed in between leaves its changes
in the journal, marked `unconfirmed` at the next run. `show` and `undo` read it back.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from engine.errors import ConfigError
from engine.model import Key
from engine.report import Change, RunReport
from engine.storage import pack, unpack

# One journalled change: key, action, columns, values before (None on create), values after
# (packed, for a create whose values are the packed base), fields that were in conflict.
Written = tuple[Key, str, tuple[str, ...], tuple[Any, ...] | None, tuple[Any, ...] | bytes,
                tuple[str, ...]]


class Journal:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def close_interrupted(self) -> None:
        """Runs a killed process left open; called while holding the sync lock."""
        self.conn.execute("BEGIN")
        self.conn.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
        self.conn.execute("UPDATE journal SET status = 'unconfirmed' WHERE status = 'pending'")
        self.conn.execute("COMMIT")

    def start(self, report: RunReport) -> int:
        cur = self.conn.execute(
            "INSERT INTO runs (started_at, dry_run, status, report) VALUES (?, ?, 'running', ?)",
            (report.started_at, int(report.dry_run), json.dumps(report.to_dict())))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def finish(self, report: RunReport) -> None:
        self.conn.execute(
            "UPDATE runs SET finished_at = ?, status = ?, report = ? WHERE id = ?",
            (report.finished_at, report.status, json.dumps(report.to_dict()), report.run_id))

    def add_pending(self, run_id: int, daughter: str, entity: str, changes: list[Written],
                    status: str = "pending") -> int:
        """Journal a chunk's changes (the caller commits, before the daughter commits them);
        a dry run's changes are journalled as `planned`. A create's values may be given
        packed (bytes): they are stored as they are."""
        cur = self.conn.execute(
            "INSERT INTO journal (run_id, daughter, entity, status, changes) "
            "VALUES (?, ?, ?, ?, ?)", (run_id, daughter, entity, status, pack(changes)))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def confirm(self, journal_id: int, changes: list[Written], rejected: set[Key]) -> None:
        """Mark the chunk written (inside the caller's transaction); drop what was rejected."""
        if rejected:
            kept = [c for c in changes if c[0] not in rejected]
            self.conn.execute("UPDATE journal SET status = 'confirmed', changes = ? WHERE id = ?",
                              (pack(kept), journal_id))
        else:
            self.conn.execute("UPDATE journal SET status = 'confirmed' WHERE id = ?",
                              (journal_id,))

    def forget(self, journal_id: int) -> None:
        """The daughter rolled the chunk back: nothing of it was written."""
        self.conn.execute("DELETE FROM journal WHERE id = ?", (journal_id,))

    def unconfirmed(self, daughter: str, entity: str) -> list[tuple[int, list[Written]]]:
        """Chunks a killed process journalled but could not confirm."""
        return [(journal_id, unpack(blob)) for journal_id, blob in self.conn.execute(
            "SELECT id, changes FROM journal WHERE daughter = ? AND entity = ? "
            "AND status = 'unconfirmed' ORDER BY id", (daughter, entity)).fetchall()]

    def settle(self, journal_id: int, held: list[Written]) -> None:
        """Keep, confirmed, the changes of an unconfirmed chunk that the daughter holds;
        forget the chunk when it holds none of them."""
        if held:
            self.conn.execute("UPDATE journal SET status = 'confirmed', changes = ? WHERE id = ?",
                              (pack(held), journal_id))
        else:
            self.forget(journal_id)

    def history(self, limit: int) -> list[RunReport]:
        rows = self.conn.execute(
            "SELECT id, status, finished_at, report FROM runs ORDER BY id DESC LIMIT ?",
            (limit,)).fetchall()
        return [self._report(*row) for row in rows]

    def run(self, run_id: int) -> RunReport:
        row = self.conn.execute(
            "SELECT id, status, finished_at, report FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise ConfigError(
                f"There is no run {run_id} in this state store. `stamsync history` lists the "
                "runs there are.", title="No such run")
        report = self._report(*row)
        report.changes = list(self.changes(run_id))
        return report

    def changes(self, run_id: int) -> Iterable[Change]:
        for daughter, entity, status, blob in self.conn.execute(
                "SELECT daughter, entity, status, changes FROM journal WHERE run_id = ? "
                "ORDER BY id", (run_id,)).fetchall():
            for key, action, columns, before, after, conflict in unpack(blob):
                if isinstance(after, bytes):
                    after = unpack(after)
                olds = before if before is not None else (None,) * len(columns)
                yield Change(
                    daughter=daughter, entity=entity, key=tuple(key), action=action,
                    fields={c: (b, a) for c, b, a in zip(columns, olds, after, strict=True)},
                    conflict=tuple(conflict), status=status)

    @staticmethod
    def _report(run_id: int, status: str, finished_at: str | None, data: str) -> RunReport:
        report = RunReport.from_dict(json.loads(data))
        report.run_id = run_id
        report.finished_at = finished_at
        if status == "interrupted":
            report.status = "failed"
            report.error = report.error or "The run was interrupted before it finished."
        elif status == "running":
            report.status = "running"
        return report
