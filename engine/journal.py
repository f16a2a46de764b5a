"""Runs and every change they wrote, with before- and after-images.

A chunk's changes are journalled (status `pending`) and committed *before* the daughter
commits, then `confirmed` after it did; so a process killed in between leaves its changes
in the journal, marked `unconfirmed` at the next run. `show` and `undo` read it back.

A chunk's updates and removals are packed with the chunk; its creates are a pack of keys and
packed values (`engine.storage.Packs`), the same pack the daughters' new bases are, so a
first sync stores the mother's values once.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.errors import ConfigError
from engine.i18n import N_, _
from engine.model import Key
from engine.report import Action, Change, RunReport
from engine.storage import Packs, join_parts, pack, unpack

# One journalled change: key, action, columns, values before (None on create), values after
# (packed, for a create), fields that were in conflict.
Written = tuple[Key, Action, tuple[str, ...], tuple[Any, ...] | None, tuple[Any, ...] | bytes,
                tuple[str, ...]]


@dataclass(slots=True)
class Created:
    """The records a chunk creates, in parts of key-ordered keys and each record's values
    packed (every field of `columns`, protected ones too)."""

    columns: tuple[str, ...]
    parts: list[tuple[list[Key], list[bytes]]]

    @property
    def keys(self) -> list[Key]:
        return list(itertools.chain.from_iterable(keys for keys, _ in self.parts))

    @property
    def values(self) -> list[bytes]:
        return list(itertools.chain.from_iterable(values for _, values in self.parts))

    def written(self) -> list[Written]:
        return [(key, "create", self.columns, None, values, ())
                for key, values in zip(self.keys, self.values, strict=True)]

    def without(self, dropped: set[Key]) -> Created:
        kept = [(k, v) for k, v in zip(self.keys, self.values, strict=True)
                if k not in dropped]
        return Created(self.columns, [([k for k, _ in kept], [v for _, v in kept])])


NO_CREATES = Created((), [])


class Journal:
    def __init__(self, conn: sqlite3.Connection, packs: Packs | None = None) -> None:
        self.conn = conn
        self.packs = packs or Packs(conn)

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
                    created: Created, status: str = "pending") -> int:
        """Journal a chunk's changes (the caller commits, before the daughter commits them);
        a dry run's changes are journalled as `planned`."""
        columns, creates = self._creates(created)
        cur = self.conn.execute(
            "INSERT INTO journal (run_id, daughter, entity, status, changes, create_columns, "
            "creates) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (run_id, daughter, entity, status, pack(changes), columns, creates))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def _creates(self, created: Created) -> tuple[bytes | None, int | None]:
        if not any(keys for keys, _ in created.parts):
            return None, None
        return (pack(created.columns),
                self.packs.put(tuple(itertools.chain.from_iterable(created.parts))))

    def confirm(self, journal_id: int, changes: list[Written], created: Created,
                rejected: set[Key]) -> None:
        """Mark the chunk written (inside the caller's transaction); drop what was rejected."""
        if rejected:
            self._rewrite(journal_id, [c for c in changes if c[0] not in rejected],
                          created.without(rejected))
        else:
            self.conn.execute("UPDATE journal SET status = 'confirmed' WHERE id = ?",
                              (journal_id,))

    def _rewrite(self, journal_id: int, changes: list[Written], created: Created) -> None:
        columns, creates = self._creates(created)
        self.conn.execute(
            "UPDATE journal SET status = 'confirmed', changes = ?, create_columns = ?, "
            "creates = ? WHERE id = ?", (pack(changes), columns, creates, journal_id))

    def forget(self, journal_ids: list[int]) -> None:
        """Chunks the daughter never took (rolled back, or it failed first)."""
        self.conn.executemany("DELETE FROM journal WHERE id = ?", [(i,) for i in journal_ids])

    def unconfirmed(self, daughter: str, entity: str) -> list[tuple[int, list[Written]]]:
        """Chunks a killed process journalled but could not confirm."""
        return [(journal_id, self._changes(*row)) for journal_id, *row in self.conn.execute(
            "SELECT id, changes, create_columns, creates FROM journal WHERE daughter = ? "
            "AND entity = ? AND status = 'unconfirmed' ORDER BY id",
            (daughter, entity)).fetchall()]

    def unconfirm(self, run_id: int) -> None:
        """The run ends with chunks still pending (it broke off between journal and
        daughter): they may or may not have reached the daughter, as after a kill."""
        self.conn.execute("UPDATE journal SET status = 'unconfirmed' "
                          "WHERE run_id = ? AND status = 'pending'", (run_id,))

    def of_undo(self, journal_id: int) -> bool:
        """Whether the chunk was written by `stamsync undo` (not by a sync)."""
        row = self.conn.execute(
            "SELECT runs.report FROM journal JOIN runs ON runs.id = journal.run_id "
            "WHERE journal.id = ?", (journal_id,)).fetchone()
        return row is not None and json.loads(row[0]).get("undo_of") is not None

    def _changes(self, changes: bytes, columns: bytes | None,
                 creates: int | None) -> list[Written]:
        written: list[Written] = unpack(changes)
        if creates is not None:
            assert columns is not None
            page = join_parts(self.packs.get(creates))
            written = Created(unpack(columns), [page]).written() + written
        return written

    def settle(self, journal_id: int, held: list[Written]) -> None:
        """Keep, confirmed, the changes of an unconfirmed chunk that the daughter holds;
        forget the chunk when it holds none of them."""
        if not held:
            self.forget([journal_id])
            return
        creates = [c for c in held if c[1] == "create"]
        created = NO_CREATES
        if creates:
            created = Created(creates[0][2], [([c[0] for c in creates],
                                               [c[4] for c in creates])])  # type: ignore[misc]
        self._rewrite(journal_id, [c for c in held if c[1] != "create"], created)

    def history(self, limit: int) -> list[RunReport]:
        rows = self.conn.execute(
            "SELECT id, status, finished_at, report FROM runs ORDER BY id DESC LIMIT ?",
            (limit,)).fetchall()
        return [self._report(*row) for row in rows]

    def run(self, run_id: int) -> RunReport:
        row = self.conn.execute(
            "SELECT id, status, finished_at, report FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise ConfigError(_(
                "There is no run {run} in this state store. `stamsync history` lists the "
                "runs there are.").format(run=run_id), title=N_("No such run"))
        report = self._report(*row)
        report.changes = list(self.changes(run_id))
        return report

    def changes(self, run_id: int) -> Iterable[Change]:
        for daughter, entity, status, *stored in self.conn.execute(
                "SELECT daughter, entity, status, changes, create_columns, creates FROM journal "
                "WHERE run_id = ? ORDER BY id", (run_id,)).fetchall():
            for key, action, columns, before, after, conflict in self._changes(*stored):
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
            report.error = report.error or _("The run was interrupted before it finished.")
        elif status == "running":
            report.status = "running"
        return report
