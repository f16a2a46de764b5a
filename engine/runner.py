"""One run: per entity, the mother read once in key order, a page at a time, and shared by
every daughter. Per page, each daughter plans against its rows and bases; once a batch is
ready, the batches of all daughters are journalled in one state transaction, then each
daughter writes its batch in a short transaction of its own; the journal is confirmed and
the bases advance in the next state transaction."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import itertools
import operator
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from engine.apply import RolledBack, write_chunk
from engine.db import Database, connect
from engine.db.base import Row, iterate_pages
from engine.db.values import loose_key, matches, same, same_rows
from engine.errors import DatabaseError, StamsyncError
from engine.i18n import _
from engine.journal import NO_CREATES, Created, Journal, Written
from engine.layout import DaughterLayout, MotherLayout, daughter_layout, mother_layout
from engine.model import Administration, Entity, Key, SelectKeys, SelectWhere, SyncSpec
from engine.ordered import OrderedStream, ensure_rising, keyed, row_keys
from engine.plan import Creates, RecordPlan, plan_existing, plan_leave
from engine.report import (
    Action,
    DaughterReport,
    EntityCounts,
    OpenConflict,
    RecordFailure,
    RunReport,
)
from engine.state import (
    MISSING,
    Base,
    BaseStore,
    Entry,
    FailureStore,
    Page,
    decode,
    encode,
    entry_key,
)
from engine.storage import Packs, pack, transaction, unpack, unwritable

PAGE = 5000
"""Rows read per query from the mother, each daughter and the bases."""

BATCH = 20_000
"""Records written per daughter transaction at most: short (a fraction of a second), so
people working in a daughter are hardly held up, yet few enough commits that they do not
dominate a first sync."""

MAX_FAILURES_SHOWN = 50

T = TypeVar("T")

Progress = Callable[[str, int, int], None]
"""progress(entity label, records read so far, records in the mother's table)."""


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


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


@dataclass
class MotherChunk:
    """A page of the mother, selected: parallel lists, one item per record."""

    keys: list[Key]
    rows: list[Row]  # as read: key, fields, then any select or on_remove column
    inserts: list[Row]  # the rows cut to the key and the fields (`rows` when that is all)
    values: list[tuple[Any, ...]]  # the entity's fields, in the mother layout's order
    markers: list[Any] | None  # the mother's on_remove column when it is not a field
    skipped: int  # selected records in `skip`
    limit: Key | None  # the page's last key (selected or not); None: the end


@dataclass
class Batch:
    """One daughter transaction's worth: the plans and creates, what of them is journalled,
    and the journal's id for them once it is."""

    plans: list[RecordPlan]
    creates: Creates
    written: list[RecordPlan]
    changes: list[Written]
    created: Created
    journal_id: int = 0


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
    _pending: list[RecordPlan] = field(default_factory=list)
    _creates: Creates = field(default_factory=Creates)
    ready: list[Batch] = field(default_factory=list)
    rows: OrderedStream[Row] = field(init=False)
    entries: OrderedStream[Entry] = field(init=False)

    def __post_init__(self) -> None:
        db = self.daughter.db
        assert db is not None
        width = len(self.layout.key)
        pages = iterate_pages(db, self.layout.table, self.layout.columns, self.layout.key, PAGE)
        self.rows = OrderedStream(keyed(pages, row_keys(width)),
                                  _("table '{table}'").format(table=self.layout.table),
                                  db.administration)
        self.entries = OrderedStream(self.bases.pages(),
                                     _("state of '{entity}'").format(
                                         entity=self.mother.entity.name), db.administration)
        self._width = width
        self._end = width + len(self.layout.rules.fields)
        self._project = operator.itemgetter(slice(width, self._end))
        fields = self.mother.fields
        self._identity = self.layout.field_index == tuple(range(len(fields)))
        # Daughter rows read exactly as the mother's (key, then the same fields, no extra
        # column on either side) can be compared whole.
        self._rows_as_mother = (self._identity and len(self.layout.columns) == self._end
                                and len(self.mother.columns) == self._end)
        rules = self.layout.rules
        self._marker_at = (None if rules.marker is None
                           else width + rules.marker_index if rules.marker_index is not None
                           else len(self.layout.columns) - 1)

    def step(self, chunk: MotherChunk, compared: list[tuple[Any, ...]],
             packed: list[bytes]) -> None:
        """Plan and write the records with key <= chunk.limit."""
        base_keys, base_entries = self.entries.take_until(chunk.limit)
        daughter_keys, daughter_rows = self.rows.take_until(chunk.limit)
        parked = self.failures.parked if self.failures.known else None
        if parked is None and base_keys == chunk.keys == daughter_keys:
            self._step_aligned(chunk, compared, packed, base_entries, daughter_rows)
            return
        if parked is None and not base_keys and not daughter_keys:  # all new: a first sync
            self.counts.skipped += chunk.skipped
            self._queue([], Creates.of(chunk.keys, chunk.inserts, chunk.values, packed))
            return
        bases = dict(zip(base_keys, base_entries, strict=True))
        found_rows = dict(zip(daughter_keys, daughter_rows, strict=True))
        rules = self.layout.rules
        width, end = self._width, self._end
        plans: list[RecordPlan] = []
        new: list[int] = []
        unchanged = 0
        skipped = chunk.skipped
        take_base, find = bases.pop, found_rows.get
        markers = chunk.markers if chunk.markers is not None else itertools.repeat(MISSING)
        for i, key, mine, blob, marker in zip(
                itertools.count(), chunk.keys, compared, packed, markers, strict=False):
            entry = take_base(key, None)
            if parked is not None and parked(key, blob):
                skipped += 1
                continue
            found = find(key)
            if found is None:
                new.append(i)
                continue
            existing = self._existing(key, mine, blob, found, entry, marker)
            if existing is None:
                unchanged += 1
            else:
                plans.append(existing)
        for key, entry in bases.items():  # synced before, no longer selected
            found = find(key)
            marker = found[self._marker_at] if found and self._marker_at is not None else None
            leave = plan_leave(rules, key, found[width:end] if found else None, marker, entry)
            if leave is not None:
                leave.raw_key = found[:width] if found else None
                plans.append(leave)
        self.counts.unchanged += unchanged
        self.counts.skipped += skipped
        self._queue(plans, Creates.of(chunk.keys, chunk.inserts, chunk.values, packed).pick(new))

    def _step_aligned(self, chunk: MotherChunk, compared: list[tuple[Any, ...]],
                      packed: list[bytes], entries: list[Entry], rows: list[Row]) -> None:
        """Every record of the chunk is in the daughter and has a base (the usual case after
        the first sync): find the few that moved with whole-list operations that run in C,
        and plan only those."""
        if self._rows_as_mother:  # compared whole: no per-row slicing
            theirs, mine = rows, chunk.rows
        else:
            theirs, mine = list(map(self._project, rows)), compared
        blobs = list(map(_BLOB, entries))
        extras = any(map(_EXTRA, entries))
        if theirs == mine and blobs == packed and not extras:
            self.counts.unchanged += len(rows)  # nothing moved: decided by three comparisons
            self.counts.skipped += chunk.skipped
            return
        positions = range(len(chunk.keys))
        # Rows that differ as Python values may still be the same values in another
        # engine's spelling (Decimal for float, a date for ISO text): decided per column.
        moved = set(itertools.compress(positions, map(operator.not_, same_rows(theirs, mine))))
        if blobs != packed:
            moved.update(itertools.compress(positions, map(operator.ne, blobs, packed)))
        if extras:
            moved.update(itertools.compress(
                positions, map(operator.is_not, map(_EXTRA, entries), itertools.repeat(None))))
        plans = []
        for i in sorted(moved):
            plan = self._existing(chunk.keys[i], compared[i], packed[i], rows[i], entries[i],
                                  chunk.markers[i] if chunk.markers is not None else MISSING)
            if plan is not None:
                plans.append(plan)
        self.counts.unchanged += len(chunk.keys) - len(plans)
        self.counts.skipped += chunk.skipped
        self._queue(plans, Creates())

    def _existing(self, key: Key, mine: tuple[Any, ...], blob: bytes, found: Row,
                  entry: Entry | None, mother_marker: Any) -> RecordPlan | None:
        """The plan for a record in both; None when nothing is to be written or recorded."""
        at = self._marker_at
        plan = plan_existing(self.layout.rules, key, mine, blob, found[self._width:self._end],
                             entry, mother_marker, found[at] if at is not None else None)
        if plan.outcome == "unchanged" and plan.base is None and not plan.conflicts:
            return None
        plan.raw_key = found[:self._width]
        return plan

    def _queue(self, plans: list[RecordPlan], creates: Creates) -> None:
        """Gather plans over chunks until a transaction's worth is waiting: a few changes
        spread over a large table then cost one transaction, not one per chunk."""
        self._pending.extend(plans)
        self._creates.extend(creates)
        while len(self._pending) + len(self._creates) >= BATCH:
            batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
            new, self._creates = self._creates.split(BATCH - len(batch))
            self.ready.append(self._batch(batch, new))

    def flush(self) -> None:
        """Make ready what is waiting."""
        plans, self._pending = self._pending, []
        creates, self._creates = self._creates, Creates()
        if plans or creates:
            self.ready.append(self._batch(plans, creates))

    def _batch(self, plans: list[RecordPlan], creates: Creates) -> Batch:
        written = [p for p in plans if p.outcome in ("updated", "removed")]
        changes: list[Written] = [
            (p.key, _ACTIONS[p.outcome], p.columns, p.before, p.after, p.conflicts)
            for p in written]
        created = Created(self.mother.fields, [
            (part.keys, part.packed if self._identity else list(map(pack, part.values)))
            for part in creates.parts]) if creates else NO_CREATES
        return Batch(plans, creates, written, changes, created)

    def journal_ready(self) -> None:
        """Journal the ready batches (inside the run's state transaction, before any daughter
        commits them): `pending`, or `planned` in a dry run."""
        run = self.run
        status = "planned" if run.report.dry_run else "pending"
        for batch in self.ready:
            if batch.written or batch.creates:
                batch.journal_id = run.journal.add_pending(
                    run.report.run_id, self.daughter.admin.name, self.mother.entity.name,
                    batch.changes, batch.created, status)

    def write_ready(self) -> None:
        """Write the journalled batches, each in a daughter transaction of its own (in a dry
        run, only count them). When the daughter fails, the batches it did not take are
        dropped from the journal again."""
        batches, self.ready = self.ready, []
        for i, batch in enumerate(batches):
            try:
                self._write(batch)
            except DatabaseError as error:
                unwritten = [b.journal_id for b in batches[i + 1:] if b.journal_id]
                if isinstance(error, RolledBack) and batch.journal_id:
                    unwritten.append(batch.journal_id)
                if unwritten:
                    self.run.in_state_transaction(functools.partial(
                        self.run.journal.forget, unwritten))
                raise

    def _write(self, batch: Batch) -> None:
        run = self.run
        dry_run = run.report.dry_run
        rejected: dict[Key, str] = {}
        plans, creates = batch.plans, batch.creates
        if (batch.written or creates) and not dry_run:
            db = self.daughter.db
            assert db is not None
            rejected = write_chunk(db, self.layout, self.mother.fields, creates,
                                   batch.written).rejected
        tally = Counter(p.outcome for p in plans if p.key not in rejected)
        counts = self.counts
        counts.created += len(creates) - (len(set(creates.keys) & rejected.keys())
                                          if rejected else 0)
        counts.updated += tally["updated"]
        counts.unchanged += tally["unchanged"]
        counts.removed += tally["removed"]
        counts.failed += len(rejected)
        left = self.daughter.report.open_conflicts
        for plan in plans:
            if plan.conflicts:
                counts.conflicts += 1
                counts.open_conflicts += plan.open_conflict
                if plan.open_conflict and len(left) < MAX_FAILURES_SHOWN:
                    left.append(OpenConflict(self.mother.entity.name, plan.key, plan.conflicts))
        if dry_run:
            return
        run.defer(functools.partial(self._advance, plans, creates, batch.journal_id,
                                    batch.changes, batch.created, rejected))

    def _advance(self, plans: list[RecordPlan], creates: Creates, journal_id: int,
                 changes: list[Written], created: Created, rejected: dict[Key, str]) -> None:
        """After the daughter committed (inside the run's next state transaction): confirm the
        journal, advance the bases, count failures towards parking."""
        if journal_id:
            self.run.journal.confirm(journal_id, changes, created, set(rejected))
        fields = self.layout.rules.fields
        if rejected:
            mother_of = {p.key: p.mother for p in plans if p.key in rejected}
            mother_of.update((key, packed) for key, packed in zip(
                creates.keys, creates.packed, strict=True) if key in rejected)
            for key, message in rejected.items():
                self._failure(key, message, self.failures.failed(key, mother_of[key], message))
            creates = creates.pick([i for i, key in enumerate(creates.keys)
                                    if key not in rejected])
        entries = [p.entry if p.entry is not None else encode(p.key, fields, p.base)
                   for p in plans if p.base is not None and p.key not in rejected]
        if entries:
            entries.extend(zip(creates.keys, creates.packed, itertools.repeat(None)))
            entries.sort(key=entry_key)
            self.bases.save(Page.of(entries))
        else:
            self.bases.save(Page([(part.keys, part.packed) for part in creates.parts], {}))
        if self.failures.known:
            for plan in plans:
                if plan.key not in rejected and plan.outcome != "none":
                    self.failures.succeeded(plan.key)
            for key in creates.keys:
                self.failures.succeeded(key)

    def _failure(self, key: Key, message: str, parked: bool) -> None:
        failures = self.daughter.report.failures
        if len(failures) < MAX_FAILURES_SHOWN:
            failures.append(RecordFailure(self.mother.entity.name, key, message, parked))


def _holds(db: Database, layout: DaughterLayout, change: Written) -> bool:
    """Whether the daughter holds what this journalled change wrote. KeyError or
    ValueError when the change no longer fits the layout (the config changed)."""
    key, action, columns, _, after, _ = change
    values = unpack(after) if isinstance(after, bytes) else after
    if len(key) != len(layout.key):
        raise ValueError("the key changed since")
    row = db.fetch_row(layout.table, layout.spell(columns), layout.key, key)
    if action == "delete":  # `undo --delete-created`: held when the record is gone
        return row is None
    return row is not None and all(map(same, row, values))


def _agreed(bases: BaseStore, held: list[Written]) -> None:
    """The bases of the changes a killed run wrote and the daughter holds (it committed
    them; the process died before the state store said so): what was written is what both
    sides agree on, as if the run had confirmed them itself. Without this the next run would
    take the mother's next change of such a field for a conflict (and daughter-wins would
    keep the old value)."""
    fields = bases.fields
    wanted: dict[Key, tuple[str, dict[str, Any]]] = {}
    for key, action, columns, _before, after, _conflicts in held:
        values = unpack(after) if isinstance(after, bytes) else after
        wanted[key] = (action, dict(zip(columns, values, strict=True)))
    if not wanted:
        return
    found: dict[Key, Entry] = {}
    for keys, page in bases.pages():
        for key, entry in zip(keys, page, strict=True):
            if key in wanted:
                found[key] = entry
    entries = []
    for key, (done, values) in wanted.items():
        if done == "delete":  # an undo deleted it: the next run creates it anew
            continue
        stored = found.get(key)
        base = decode(stored, fields) if stored is not None else Base(
            [MISSING] * len(fields), [MISSING] * len(fields), False)
        for i, name in enumerate(fields):
            if name in values:
                base.mother[i] = base.daughter[i] = values[name]
        base.removed = done == "remove"  # a marker set; anything else: the record is there
        entries.append(encode(key, fields, base))
    if entries:
        bases.save(Page.of(sorted(entries, key=entry_key)))


_BLOB = operator.itemgetter(1)
_EXTRA = operator.itemgetter(2)
_ACTIONS: dict[str, Action] = {"created": "create", "updated": "update", "removed": "remove"}


@dataclass
class Run:
    spec: SyncSpec
    state: sqlite3.Connection
    journal: Journal
    report: RunReport
    entities: tuple[Entity, ...]
    daughters: tuple[Administration, ...]
    progress: Progress | None = None
    _deferred: list[Callable[[], None]] = field(default_factory=list)

    @property
    def packs(self) -> Packs:
        return self.journal.packs

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
                if not self.report.dry_run:
                    self.in_state_transaction(self.packs.sweep)
            finally:
                self.flush_state()  # what committed daughters did, even when a run breaks off
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
                if not self.report.dry_run:
                    self._reconcile(daughter.db, daughter.admin.name, entity.name, dlayout)
                fields = dlayout.rules.fields
                syncs.append(EntitySync(
                    daughter, dlayout, layout, self, counts,
                    BaseStore(self.packs, daughter.admin.name, entity.name, fields),
                    FailureStore(self.state, daughter.admin.name, entity.name)))
            except DatabaseError as error:
                self._entity_failed(daughter, entity, error)
        if not syncs:
            return
        total = mother.count(layout.table) if self.progress else 0
        done = 0
        for chunk in self._mother_chunks(mother, layout):
            self._step(syncs, chunk)
            done += len(chunk.keys) + chunk.skipped
            if self.progress:
                self.progress(entity.display_name, done, total)
        self._step(syncs, MotherChunk([], [], [], [], None, 0, None))
        for sync in self._working(syncs):
            self._guard(sync, sync.flush)
        self._write_ready(syncs)
        self.flush_state()
        for sync in self._working(syncs):
            if not self.report.dry_run:
                sync.bases.compact_if_needed()
                if sync.counts.created >= PAGE:
                    assert sync.daughter.db is not None
                    sync.daughter.db.refresh_statistics(sync.layout.table)

    def _reconcile(self, db: Database, daughter: str, entity: str,
                   layout: DaughterLayout) -> None:
        """Settle the chunks a killed run journalled but never confirmed, before this run
        writes anything: each change the daughter holds is confirmed, the others (rolled
        back, or rejected by the daughter) are dropped. A chunk that cannot be checked (the
        config changed since) stays unconfirmed."""
        for journal_id, changes in self.journal.unconfirmed(daughter, entity):
            try:
                held = [change for change in changes if _holds(db, layout, change)]
            except (KeyError, ValueError, DatabaseError):
                continue

            def settle(journal_id: int = journal_id, held: list[Written] = held) -> None:
                self.journal.settle(journal_id, held)
                if not self.journal.of_undo(journal_id):  # an undo leaves the bases as they are
                    _agreed(BaseStore(self.packs, daughter, entity, layout.rules.fields), held)
            self.in_state_transaction(settle)

    def defer(self, work: Callable[[], None]) -> None:
        """State work that may wait for the next state transaction (fewer durable commits)."""
        self._deferred.append(work)

    def in_state_transaction(self, work: Callable[[], T]) -> T:
        """One durable state transaction: the deferred work, then `work`."""
        try:
            with transaction(self.state):
                for deferred in self._deferred:
                    deferred()
                result = work()
        except BaseException:
            self.packs.forget_cached()
            raise
        self._deferred.clear()
        return result

    def flush_state(self) -> None:
        if self._deferred:
            self.in_state_transaction(lambda: None)

    @staticmethod
    def _working(syncs: list[EntitySync]) -> list[EntitySync]:
        return [s for s in syncs if s.daughter.alive and not s.stopped]

    def _guard(self, sync: EntitySync, work: Callable[[], None]) -> None:
        """Run one daughter's work; a daughter problem stops that daughter's entity only."""
        try:
            work()
        except DatabaseError as error:
            if sync.daughter.db is not None:
                sync.daughter.db.rollback()
            self._entity_failed(sync.daughter, sync.mother.entity, error)
            sync.stopped = True

    def _step(self, syncs: list[EntitySync], chunk: MotherChunk) -> None:
        prepared: dict[tuple[int, ...], tuple[list[tuple[Any, ...]], list[bytes]]] = {}
        for sync in self._working(syncs):
            index = sync.layout.field_index
            if index not in prepared:
                prepared[index] = _prepare(chunk.values, index)
            self._guard(sync, functools.partial(sync.step, chunk, *prepared[index]))
        self._write_ready(syncs)

    def _write_ready(self, syncs: list[EntitySync]) -> None:
        """Journal what every daughter has ready in one state transaction (one durable
        commit for all daughters), then write each daughter."""
        ready = [sync for sync in self._working(syncs) if sync.ready]
        if not ready:
            return
        def journal() -> None:
            for sync in ready:
                sync.journal_ready()

        self.in_state_transaction(journal)
        for sync in ready:
            self._guard(sync, sync.write_ready)

    def _entity_failed(self, daughter: Daughter, entity: Entity, error: StamsyncError) -> None:
        """A daughter problem stops this entity in this daughter; the others go on."""
        report = daughter.report
        message = _("{entity} (table '{table}'): {error}").format(
            entity=entity.display_name, table=entity.table, error=error)
        report.error = message if not report.error else f"{report.error}\n{message}"
        report.status = "attention"

    def _mother_chunks(self, mother: Database, layout: MotherLayout) -> Iterator[MotherChunk]:
        entity = layout.entity
        width = len(layout.key)
        end = width + len(layout.fields)
        keys_of = row_keys(width)
        fields_of = operator.itemgetter(slice(width, end))
        select = entity.select
        where = (layout.select_index, select.equals) if (
            isinstance(select, SelectWhere) and layout.select_index is not None) else None
        chosen = ({loose_key(k) for k in select.keys} if isinstance(select, SelectKeys)
                  else None)
        skip = {loose_key(k) for k in entity.skip}
        marker_at = layout.marker_index  # the mother's value of the on_remove column, if any
        cut = None if len(layout.columns) == end else operator.itemgetter(slice(0, end))
        last: Key | None = None
        named = _("table '{table}'").format(table=layout.table)
        for page in iterate_pages(mother, layout.table, layout.columns, layout.key, PAGE):
            keys = keys_of(page)
            ensure_rising(keys, last, named, mother.administration)
            last = keys[-1]
            skipped = 0
            if where is not None or chosen is not None or skip:
                kept = []
                for key, raw in zip(keys, page, strict=True):
                    if where is not None and not matches(raw[where[0]], where[1]):
                        continue
                    if chosen is not None or skip:
                        loose = loose_key(key)
                        if chosen is not None and loose not in chosen:
                            continue
                        if loose in skip:
                            skipped += 1
                            continue
                    kept.append((key, raw))
                keys = [k for k, _ in kept]
                page = [r for _, r in kept]
            yield MotherChunk(
                keys, page, page if cut is None else list(map(cut, page)),
                list(map(fields_of, page)),
                [r[marker_at] for r in page] if marker_at is not None else None,
                skipped, last)


def _prepare(values: list[tuple[Any, ...]],
             index: tuple[int, ...]) -> tuple[list[tuple[Any, ...]], list[bytes]]:
    """Each mother record's compared values and their packed form, once per field layout."""
    if values and index == tuple(range(len(values[0]))):
        compared = values
    elif len(index) > 1:
        getter = operator.itemgetter(*index)
        compared = list(map(getter, values))
    else:
        compared = [tuple(v[i] for i in index) for v in values]
    return compared, list(map(pack, compared))


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """A run makes millions of short-lived tuples and no reference cycles, so Python's cycle
    collector would walk every row in memory again and again for nothing (about a tenth of
    a sync's time). It pauses for the run; reference counting still frees every row."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run(spec: SyncSpec, state: sqlite3.Connection, report: RunReport,
        entities: tuple[Entity, ...], daughters: tuple[Administration, ...],
        progress: Progress | None = None) -> None:
    """Carry out one run into `report` (the caller holds the lock and records the run)."""
    journal = Journal(state)
    try:
        with _cycle_collector_paused():
            Run(spec, state, journal, report, entities, daughters, progress).execute()
    except sqlite3.Error as error:
        if state.in_transaction:
            state.rollback()
        raise unwritable(spec.state_path, error) from error
    finally:
        with contextlib.suppress(sqlite3.Error):  # a broken store was reported above
            journal.unconfirm(report.run_id)
