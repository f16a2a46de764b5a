"""One run: per entity, the mother read once in key order and shared by every daughter;
per daughter, read -> plan -> journal -> write -> confirm and advance the bases, a chunk at
a time, each chunk in a short transaction of its own."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.apply import write_chunk
from engine.db import Database, connect
from engine.db.base import Row, iterate_pages
from engine.db.values import normalize, normalize_key, same
from engine.errors import ConfigError, DatabaseError, StamsyncError
from engine.journal import Journal, Written
from engine.layout import DaughterLayout, MotherLayout, daughter_layout, mother_layout
from engine.model import Administration, Entity, Key, SelectKeys, SelectWhere, SyncSpec
from engine.ordered import OrderedStream
from engine.plan import RecordPlan, plan_create, plan_existing, plan_leave
from engine.report import DaughterReport, EntityCounts, RecordFailure, RunReport
from engine.state import MISSING, BaseStore, Entry, FailureStore, encode
from engine.storage import pack

CHUNK = 2000
"""Rows per daughter transaction: short, so people working in a daughter are not blocked."""

MAX_FAILURES_SHOWN = 50

Progress = Callable[[str, int, int], None]
"""progress(entity label, records read so far, records in the mother's table)."""


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def loose_key(key: Sequence[Any]) -> tuple[str, ...]:
    """A key as the config spells it: `skip = ["100"]` matches an integer key 100 too."""
    return tuple(str(normalize(v)) for v in key)


@dataclass
class Daughter:
    """A daughter for the length of a run: its connection and its part of the report."""

    admin: Administration
    report: DaughterReport
    db: Database | None = None

    @property
    def alive(self) -> bool:
        return self.db is not None and self.report.status != "failed"

    def fail(self, error: StamsyncError) -> None:
        self.report.status = "failed"
        self.report.error = str(error)


MotherRow = tuple[Key, tuple[Any, ...], Any]
"""A selected mother record: its key, the entity's fields (in the mother layout's order),
and the mother's on_remove column when that is not a field (else MISSING)."""


@dataclass
class EntitySync:
    """One daughter, one entity: the streams lined up with the mother and what to record."""

    daughter: Daughter
    layout: DaughterLayout
    mother: MotherLayout
    run: Run
    counts: EntityCounts
    bases: BaseStore
    failures: FailureStore
    stopped: bool = False
    rows: OrderedStream[Row] = field(init=False)
    entries: OrderedStream[Entry] = field(init=False)

    def __post_init__(self) -> None:
        db = self.daughter.db
        assert db is not None
        width = len(self.layout.key)
        entity = self.mother.entity.name
        pages = iterate_pages(db, self.layout.table, self.layout.columns, self.layout.key, CHUNK)
        self.rows = OrderedStream(
            itertools.chain.from_iterable(pages), lambda r: normalize_key(r[:width]),
            f"table '{self.layout.table}'", db.administration)
        self.entries = OrderedStream(
            self.bases.entries(), lambda e: e[0], f"state of '{entity}'", db.administration)
        self._width = width
        self._nfields = len(self.layout.rules.fields)
        marker = self.layout.rules.marker
        self._marker_at = (
            None if marker is None
            else width + self.layout.rules.marker_index if self.layout.rules.marker_index
            is not None else len(self.layout.columns) - 1)

    def step(self, rows: list[MotherRow], prepared: list[tuple[tuple[Any, ...], bytes]],
             skipped: int, limit: Key | None) -> None:
        """Plan and write the records with key <= limit."""
        bases = dict(self.entries.take_until(limit))
        wanted = {r[0] for r in rows}
        wanted.update(bases)
        daughter_rows = {k: r for k, r in self.rows.take_until(limit) if k in wanted}
        rules = self.layout.rules
        width, end = self._width, self._width + self._nfields
        self.counts.skipped += skipped
        plans: list[RecordPlan] = []
        packed_of: dict[Key, bytes] = {}
        parked = self.failures.known
        for (key, values, mother_marker), (compared, packed) in zip(rows, prepared, strict=True):
            entry = bases.pop(key, None)
            if parked and self.failures.parked(key, packed):
                self.counts.skipped += 1
                continue
            found = daughter_rows.get(key)
            if found is None:
                plan = plan_create(key, self.mother.fields, values, compared)
            else:
                plan = plan_existing(rules, key, compared, packed, found[width:end], entry,
                                     mother_marker)
            if plan.outcome != "unchanged" or parked:
                packed_of[key] = packed
            plans.append(plan)
        for key, entry in bases.items():
            found = daughter_rows.get(key)
            marker = found[self._marker_at] if found and self._marker_at is not None else None
            leave = plan_leave(rules, key, found[width:end] if found else None, marker, entry)
            if leave is not None:
                plans.append(leave)
        self._record(plans, packed_of)

    def _record(self, plans: list[RecordPlan], packed_of: dict[Key, bytes]) -> None:
        run = self.run
        written = [p for p in plans if p.outcome in ("created", "updated", "removed")]
        rejected: dict[Key, str] = {}
        state = run.state
        entity = self.mother.entity.name
        changes: list[Written] = []
        journal_id = 0
        if written and not run.report.dry_run:
            db = self.daughter.db
            assert db is not None
            changes = [(p.key, "update" if p.outcome == "updated" else p.outcome[:-1],
                        p.columns, p.before, p.after, p.conflicts) for p in written]
            journal_id = run.journal.write_pending(
                run.report.run_id, self.daughter.admin.name, entity, changes)
            rejected = write_chunk(db, self.layout, written).rejected
        counts = self.counts
        for plan in plans:
            if plan.conflicts:
                counts.conflicts += 1
                counts.open_conflicts += plan.open_conflict
            if plan.key in rejected:
                counts.failed += 1
                continue
            if plan.outcome == "removed":
                counts.removed += 1
            elif plan.outcome != "none":
                setattr(counts, plan.outcome, getattr(counts, plan.outcome) + 1)
        if run.report.dry_run:
            for key, message in rejected.items():
                self._failure(key, message, parked=False)
            return
        state.execute("BEGIN")
        if journal_id:
            run.journal.confirm(journal_id, changes, set(rejected))
        fields = self.layout.rules.fields
        self.bases.save(sorted(
            (encode(p.key, fields, p.base) for p in plans
             if p.base is not None and p.key not in rejected), key=lambda e: e[0]))
        for key, message in rejected.items():
            parked = self.failures.failed(key, packed_of[key], message)
            self._failure(key, message, parked)
        if self.failures.known:
            for plan in plans:
                if plan.key not in rejected and plan.outcome != "none":
                    self.failures.succeeded(plan.key)
        state.execute("COMMIT")

    def _failure(self, key: Key, message: str, parked: bool) -> None:
        failures = self.daughter.report.failures
        if len(failures) < MAX_FAILURES_SHOWN:
            failures.append(RecordFailure(self.mother.entity.name, key, message, parked))


@dataclass
class Run:
    spec: SyncSpec
    state: sqlite3.Connection
    journal: Journal
    report: RunReport
    entities: tuple[Entity, ...]
    daughters: tuple[Administration, ...]
    progress: Progress | None = None

    def execute(self) -> None:
        try:
            mother = connect(self.spec.mother)
        except DatabaseError as error:
            self.report.error = str(error)
            return
        try:
            layouts = [mother_layout(mother, entity) for entity in self.entities]
            daughters = [self._open(admin) for admin in self.daughters]
            try:
                for layout in layouts:
                    self._sync_entity(mother, layout, daughters)
            finally:
                for daughter in daughters:
                    if daughter.db is not None:
                        daughter.db.close()
        finally:
            mother.close()

    def _open(self, admin: Administration) -> Daughter:
        daughter = Daughter(admin, DaughterReport(admin.name))
        self.report.daughters.append(daughter.report)
        try:
            daughter.db = connect(admin)
        except DatabaseError as error:
            daughter.fail(error)
        return daughter

    def _sync_entity(self, mother: Database, layout: MotherLayout,
                     daughters: list[Daughter]) -> None:
        entity = layout.entity
        syncs: list[EntitySync] = []
        for daughter in daughters:
            if not daughter.alive:
                continue
            assert daughter.db is not None
            counts = daughter.report.counts(entity.name)
            try:
                dlayout = daughter_layout(daughter.db, daughter.admin, layout, self.spec.policy)
                fields = dlayout.rules.fields
                syncs.append(EntitySync(
                    daughter, dlayout, layout, self, counts,
                    BaseStore(self.state, daughter.admin.name, entity.name, fields),
                    FailureStore(self.state, daughter.admin.name, entity.name)))
            except DatabaseError as error:
                self._entity_failed(daughter, entity, error)
        if not syncs:
            return
        total = mother.count(layout.table) if self.progress else 0
        done = 0
        for page in self._mother_pages(mother, layout):
            rows, skipped, limit = page
            self._step(syncs, rows, skipped, limit)
            done += len(rows) + skipped
            if self.progress:
                self.progress(entity.display_name, done, total)
        self._step(syncs, [], 0, None)
        for sync in syncs:
            if sync.daughter.alive and not sync.stopped and not self.report.dry_run:
                sync.bases.compact_if_needed()

    def _step(self, syncs: list[EntitySync], rows: list[MotherRow], skipped: int,
              limit: Key | None) -> None:
        prepared: dict[tuple[int, ...], list[tuple[tuple[Any, ...], bytes]]] = {}
        for sync in syncs:
            if not sync.daughter.alive or sync.stopped:
                continue
            index = sync.layout.field_index
            if index not in prepared:
                prepared[index] = _prepare(rows, index)
            try:
                sync.step(rows, prepared[index], skipped, limit)
            except DatabaseError as error:
                if sync.daughter.db is not None:
                    sync.daughter.db.rollback()
                self._entity_failed(sync.daughter, sync.mother.entity, error)
                sync.stopped = True

    def _entity_failed(self, daughter: Daughter, entity: Entity, error: StamsyncError) -> None:
        """A daughter problem stops this entity in this daughter; the others go on."""
        report = daughter.report
        message = str(error)
        report.error = message if not report.error else f"{report.error}\n{message}"
        report.status = "attention"

    def _mother_pages(self, mother: Database,
                      layout: MotherLayout) -> Iterator[tuple[list[MotherRow], int, Key]]:
        entity = layout.entity
        width = len(layout.key)
        end = width + len(layout.fields)
        select = entity.select
        where = None
        if isinstance(select, SelectWhere) and layout.select_index is not None:
            where = (layout.select_index, select.equals)
        chosen = ({loose_key(k) for k in select.keys} if isinstance(select, SelectKeys)
                  else None)
        skip = {loose_key(k) for k in entity.skip}
        marker_at = layout.marker_index
        if marker_at is not None and marker_at < end:
            marker_at = None  # the marker is a synced field: it flows like any other
        for page in iterate_pages(mother, layout.table, layout.columns, layout.key, CHUNK):
            rows: list[MotherRow] = []
            skipped = 0
            for raw in page:
                if where is not None and not same(raw[where[0]], where[1]):
                    continue
                key = normalize_key(raw[:width])
                if chosen is not None or skip:
                    loose = loose_key(key)
                    if chosen is not None and loose not in chosen:
                        continue
                    if loose in skip:
                        skipped += 1
                        continue
                rows.append((key, raw[width:end],
                             raw[marker_at] if marker_at is not None else MISSING))
            yield rows, skipped, normalize_key(page[-1][:width])


def _prepare(rows: list[MotherRow],
             index: tuple[int, ...]) -> list[tuple[tuple[Any, ...], bytes]]:
    """Each mother row's compared values and their packed form, once per field layout."""
    if rows and index == tuple(range(len(rows[0][1]))):
        return [(r[1], pack(r[1])) for r in rows]
    out = []
    for r in rows:
        values = tuple(r[1][i] for i in index)
        out.append((values, pack(values)))
    return out


def run(spec: SyncSpec, state: sqlite3.Connection, report: RunReport,
        entities: tuple[Entity, ...], daughters: tuple[Administration, ...],
        progress: Progress | None = None) -> None:
    """Carry out one run into `report` (the caller holds the lock and records the run)."""
    journal = Journal(state)
    try:
        Run(spec, state, journal, report, entities, daughters, progress).execute()
    except ConfigError:
        raise
    finally:
        state.execute("UPDATE journal SET status = 'unconfirmed' "
                      "WHERE run_id = ? AND status = 'pending'", (report.run_id,))
