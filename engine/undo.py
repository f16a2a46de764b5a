"""`stamsync undo RUN`: put back what a run wrote, from the journal (DESIGN section 4).

Field by field: where a daughter still holds the value the run wrote, the value from
before the run is written back; where someone changed the field since, it is left as it is
and reported. Records the run created are listed; with `delete_created` those still exactly
as the run created them are deleted (a deleted record comes back at the next sync while the
mother still selects it). Changes the run journalled but could not confirm (it was stopped)
are reported, not undone.

An undo is a run of its own: it takes the sync lock, gets a run id and a history entry
(`undo_of`), and journals what it writes with the same durability as a sync (journalled
before the daughter commits, confirmed after), so `show` lists it and it can be undone in
turn. The bases stay as the run left them: to the next sync a value put back is what a
person's edit in the daughter would be, and the policy decides (mother-wins writes the
mother's value again, daughter-wins keeps it, skip reports it). So under mother-wins an undo
lasts only if the mother is put right too.
"""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass, field, replace
from typing import Any

from engine.apply import isolated
from engine.db import Database, connect
from engine.db.values import same
from engine.errors import ConfigError, DatabaseError
from engine.i18n import N_, _
from engine.journal import NO_CREATES, Journal, Written
from engine.layout import DaughterLayout, daughter_layout, mother_layout
from engine.model import Administration, Entity, Key, SyncSpec
from engine.report import Change, DaughterReport, RunReport
from engine.storage import transaction

CHUNK = 1000
"""Records written back per daughter transaction."""


@dataclass(frozen=True)
class Left:
    """A field the undo left as it is: changed since the run (or the record is gone)."""

    daughter: str
    entity: str
    key: Key
    field: str | None
    """None: the whole record (gone, or a create)."""
    now: Any
    wrote: Any

    def to_dict(self) -> dict[str, Any]:
        return {"daughter": self.daughter, "entity": self.entity, "key": list(self.key),
                "field": self.field, "now": _text(self.now), "wrote": _text(self.wrote)}


@dataclass
class UndoReport:
    """What `undo` did to one run: its own run (in the history), what it put back, what it
    left and why, the records the run had created, and what it could not undo."""

    run: RunReport
    undone: int
    restored: list[Change] = field(default_factory=list)
    changed_since: list[Left] = field(default_factory=list)
    created: list[Left] = field(default_factory=list)
    """Records the run created and the undo left in place (changed since: `now` says so)."""
    deleted: list[Change] = field(default_factory=list)
    not_undone: list[Change] = field(default_factory=list)
    rejected: list[tuple[Change, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not (self.changed_since or self.not_undone or self.rejected
                    or self.run.status == "failed")

    @property
    def exit_code(self) -> int:
        return 0 if self.complete else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "undo_of": self.undone, "run": self.run.to_dict(),
            "restored": [c.to_dict() for c in self.restored],
            "changed_since": [c.to_dict() for c in self.changed_since],
            "created_left": [c.to_dict() for c in self.created],
            "deleted": [c.to_dict() for c in self.deleted],
            "not_undone": [c.to_dict() for c in self.not_undone],
            "rejected": [dict(c.to_dict(), message=m) for c, m in self.rejected],
        }


def _text(value: Any) -> Any:
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


@dataclass
class _Plan:
    """The writes for one daughter and entity."""

    restore: list[Change] = field(default_factory=list)
    delete: list[Change] = field(default_factory=list)


def undoable(target: RunReport) -> None:
    """ConfigError when the run cannot be undone (before anything is recorded)."""
    if target.dry_run:
        raise ConfigError(_("Run {run} was a dry run: it wrote nothing, so there is nothing "
                            "to undo.").format(run=target.run_id), title=N_("Nothing to undo"))


def undo(spec: SyncSpec, state: sqlite3.Connection, journal: Journal, result: UndoReport,
         target: RunReport, delete_created: bool) -> None:
    """Undo run `target` into `result` (the caller holds the lock and recorded the run)."""
    report = result.run
    groups: dict[tuple[str, str], list[Change]] = {}
    for change in target.changes or []:
        if change.action == "delete":
            result.not_undone.append(change)
            _note(report, change.daughter, _(
                "Records an undo deleted are not created again by undo: the next sync creates "
                "them while the mother still selects them."))
        elif change.status != "confirmed":
            result.not_undone.append(change)
            _note(report, change.daughter, _(
                "Run {run} stopped before '{daughter}' confirmed some of its changes: those "
                "were not undone (`stamsync show {run}` marks them unconfirmed).").format(
                run=target.run_id, daughter=change.daughter))
        else:
            groups.setdefault((change.daughter, change.entity), []).append(change)
    admins = {a.name: a for a in spec.daughters if a.enabled}
    entities = {e.name: e for e in spec.entities}
    for (daughter, entity), changes in groups.items():
        if daughter not in admins or entity not in entities:
            result.not_undone.extend(changes)
            _note(report, daughter, _(
                "'{daughter}' or '{entity}' is no longer in the config, or is switched off: "
                "its changes were not undone.").format(daughter=daughter, entity=entity))
    mother = connect(spec.mother)
    try:
        for name in dict.fromkeys(d for d, e in groups if d in admins):
            wanted = [(entities[e], changes) for (d, e), changes in groups.items()
                      if d == name and e in entities]
            _undo_daughter(spec, mother, admins[name], wanted, journal, state, result,
                           delete_created)
    finally:
        mother.close()


def _note(report: RunReport, daughter: str, text: str) -> None:
    """A line about a daughter in the undo's report (each said once)."""
    part = _daughter(report, daughter)
    lines = part.error.splitlines() if part.error else []
    if text not in lines:
        part.error = "\n".join([*lines, text])


def _daughter(report: RunReport, name: str) -> DaughterReport:
    for daughter in report.daughters:
        if daughter.name == name:
            return daughter
    daughter = DaughterReport(name)
    report.daughters.append(daughter)
    return daughter


def _undo_daughter(spec: SyncSpec, mother: Database, admin: Administration,
                   wanted: list[tuple[Entity, list[Change]]], journal: Journal,
                   state: sqlite3.Connection, result: UndoReport,
                   delete_created: bool) -> None:
    part = _daughter(result.run, admin.name)
    try:
        db = connect(admin)
    except DatabaseError as error:
        part.status = "failed"
        _note(result.run, admin.name, str(error))
        result.not_undone.extend(c for _, changes in wanted for c in changes)
        return
    try:
        for entity, changes in wanted:
            try:
                layout = daughter_layout(db, admin, mother_layout(mother, entity), spec.policy)
                plan = _plan(db, layout, changes, result, delete_created)
                for start in range(0, max(len(plan.restore), len(plan.delete)), CHUNK):
                    chunk = _Plan(plan.restore[start:start + CHUNK],
                                  plan.delete[start:start + CHUNK])
                    _write(db, layout, entity, admin.name, chunk, journal, state, result)
            except DatabaseError as error:
                part.status = "attention"
                _note(result.run, admin.name, _("'{entity}': {error}").format(
                    entity=entity.display_name, error=error))
                handled = {(c.daughter, c.entity, c.key)
                           for c in (*result.restored, *result.deleted)}
                handled |= {(x.daughter, x.entity, x.key)
                            for x in (*result.changed_since, *result.created)}
                result.not_undone.extend(c for c in changes
                                         if (c.daughter, c.entity, c.key) not in handled)
    finally:
        db.close()


def _plan(db: Database, layout: DaughterLayout, changes: list[Change], result: UndoReport,
          delete_created: bool) -> _Plan:
    """What to write back: per change, the fields the daughter still holds as the run wrote
    them (read now, record by record); the rest is reported."""
    plan = _Plan()
    for change in changes:
        columns = tuple(change.fields)
        try:
            if len(change.key) != len(layout.key):
                raise ValueError("the key changed since")
            spelled = layout.spell(columns)
        except (KeyError, ValueError):  # the config's fields or key changed since the run
            result.not_undone.append(change)
            _note(result.run, change.daughter, _(
                "'{entity}': the key or the fields in the config changed since the run, so "
                "some of its changes no longer fit and were not undone.").format(
                entity=change.entity))
            continue
        row = db.fetch_row(layout.table, spelled, layout.key, change.key)
        if change.action == "create":
            wrote = [after for _before, after in change.fields.values()]
            unchanged = row is not None and all(map(same, row, wrote))
            if delete_created and unchanged:
                plan.delete.append(change)
            else:
                result.created.append(Left(change.daughter, change.entity, change.key, None,
                                           None if unchanged or row is None else "changed",
                                           None))
            continue
        if row is None:
            result.changed_since.append(Left(change.daughter, change.entity, change.key,
                                             None, None, "record"))
            _note(result.run, change.daughter, _(
                "Some records were deleted since the run: nothing to put back there."))
            continue
        back: dict[str, tuple[Any, Any]] = {}
        for name, now in zip(columns, row, strict=True):
            before, after = change.fields[name]
            if same(now, after):
                back[name] = (now, before)
            else:
                result.changed_since.append(Left(change.daughter, change.entity, change.key,
                                                 name, now, after))
                _note(result.run, change.daughter, _(
                    "Some fields were changed since the run and were left as they are."))
        if back:
            plan.restore.append(replace(change, fields=back, conflict=()))
    return plan


def _write(db: Database, layout: DaughterLayout, entity: Entity, daughter: str, plan: _Plan,
           journal: Journal, state: sqlite3.Connection, result: UndoReport) -> None:
    """Journal the chunk, write it in one daughter transaction (a rejected record alone
    rolled back), and confirm it."""
    run = result.run
    written: list[Written] = [
        (c.key, "update", tuple(c.fields), tuple(b for b, _a in c.fields.values()),
         tuple(a for _b, a in c.fields.values()), ()) for c in plan.restore]
    written += [(c.key, "delete", tuple(c.fields), tuple(a for _b, a in c.fields.values()),
                 (None,) * len(c.fields), ()) for c in plan.delete]
    if not written:
        return
    dry = run.dry_run
    with transaction(state):
        journal_id = journal.add_pending(run.run_id, daughter, entity.name, written,
                                         NO_CREATES, status="planned" if dry else "pending")
    rejected: dict[Key, str] = {}
    if not dry:
        db.begin()
        try:
            for change in plan.restore:
                names = tuple(change.fields)
                row = (*(a for _b, a in change.fields.values()), *change.key)
                isolated(db, rejected, change.key, functools.partial(
                    db.update, layout.table, layout.spell(names), layout.key, [row]))
            for change in plan.delete:
                isolated(db, rejected, change.key, functools.partial(
                    db.delete, layout.table, layout.key, [change.key]))
        except BaseException:
            db.rollback()
            with transaction(state):
                journal.forget([journal_id])
            raise
        db.commit()
    counts = _daughter(run, daughter).counts(entity.name)
    for change in plan.restore:
        if change.key in rejected:
            result.rejected.append((change, rejected[change.key]))
        else:
            result.restored.append(change)
            counts.updated += 1
    for change in plan.delete:
        if change.key in rejected:
            result.rejected.append((change, rejected[change.key]))
        else:
            result.deleted.append(change)
    counts.failed += len(rejected)
    if dry:
        return

    with transaction(state):
        journal.confirm(journal_id, written, NO_CREATES, set(rejected))

