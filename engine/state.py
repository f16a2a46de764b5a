"""The bases (what each daughter and the mother last agreed on) and the parked records.

Bases are stored in bulk, not a row per record: a daughter's bases for one entity are a run
of *segments*, each a key-ordered page, plus a small *delta* of pages changed since. A first
sync appends segments; later runs write only what changed to the delta; when the delta grows
past a tenth of the whole, it is merged back into segments.

A page is a pack (see `engine.storage.Packs`) of two parallel lists, keys and packed mother
values, plus the few entries' extras. After a sync every daughter's base of a record is the
mother's values, so the daughters' pages, and the journal of the creates that made them,
are one pack.

An entry is `(key, packed_mother_values, extra)`. `packed_mother_values` is the mother's
values of the daughter's compared fields, packed; comparing it with the packed current row
tells in one bytes comparison that nothing moved. `extra` is None in the common case and
otherwise a dict: `"d"` the daughter's base where it differs from the mother's (after
daughter-wins), `"missing"` fields with no base yet, `"removed"` when on_remove marked it.
"""

from __future__ import annotations

import itertools
import operator
import sqlite3
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from engine.model import Key
from engine.storage import Packs, join_parts, pack, unpack

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<no base>"})()
"""A field with no base yet (never reconciled)."""

Entry = tuple[Key, bytes, dict[str, Any] | None]

PARK_AFTER_FAILED_RUNS = 3
_COMPACT_MIN = 5000
_SEGMENT = 5000  # entries per segment written by compaction


@dataclass(slots=True)
class Base:
    """One record's base, unpacked, in the order of the current fields."""

    mother: list[Any]
    daughter: list[Any]
    removed: bool


def decode(entry: Entry, fields: Sequence[str]) -> Base:
    _, blob, extra = entry
    mother = list(unpack(blob))
    daughter = list(mother)
    removed = False
    if extra:
        index = {name: i for i, name in enumerate(fields)}
        for name in extra.get("missing", ()):
            mother[index[name]] = daughter[index[name]] = MISSING
        for name, value in extra.get("d", {}).items():
            daughter[index[name]] = value
        removed = bool(extra.get("removed"))
    return Base(mother, daughter, removed)


def encode(key: Key, fields: Sequence[str], base: Base) -> Entry:
    extra: dict[str, Any] = {}
    missing = [f for f, v in zip(fields, base.mother, strict=True) if v is MISSING]
    overrides = {
        f: d for f, m, d in zip(fields, base.mother, base.daughter, strict=True)
        if d is not MISSING and not (m is d or (type(m) is type(d) and m == d))
    }
    if missing:
        extra["missing"] = missing
    if overrides:
        extra["d"] = overrides
    if base.removed:
        extra["removed"] = True
    values = tuple(None if v is MISSING else v for v in base.mother)
    return (key, pack(values), extra or None)


entry_key = operator.itemgetter(0)
"""An entry's key."""


@dataclass(slots=True)
class Page:
    """Key-ordered bases as parallel lists of keys and packed values, in parts (a part per
    mother page when a chunk's creates made them); `extras` maps a position (counted over
    all parts) to its entry's extra."""

    parts: list[tuple[list[Key], list[bytes]]]
    extras: dict[int, dict[str, Any]]

    @classmethod
    def of(cls, entries: list[Entry]) -> Page:
        return cls([(list(map(entry_key, entries)), list(map(_BLOB, entries)))],
                   {i: e[2] for i, e in enumerate(entries) if e[2] is not None})

    def entries(self) -> list[Entry]:
        keys, blobs = join_parts(tuple(itertools.chain.from_iterable(self.parts)))
        entries: list[Entry] = list(zip(keys, blobs, itertools.repeat(None)))
        for i, extra in self.extras.items():
            entries[i] = (keys[i], blobs[i], extra)
        return entries


_BLOB = operator.itemgetter(1)


def _plain_entries(value: tuple[list[Any], ...]) -> list[Entry]:
    """The entries of a packed page without extras."""
    return Page([join_parts(value)], {}).entries()


def _remap(entry: Entry, old: Sequence[str], new: Sequence[str]) -> Entry:
    """An entry written for another field list (the config changed), in the new layout."""
    base = decode(entry, old)
    by_name_m = dict(zip(old, base.mother, strict=True))
    by_name_d = dict(zip(old, base.daughter, strict=True))
    return encode(entry[0], new, Base(
        [by_name_m.get(f, MISSING) for f in new], [by_name_d.get(f, MISSING) for f in new],
        base.removed))


class BaseStore:
    """The bases of one daughter for one entity.

    `pages()` streams a snapshot taken when the store was opened, in key order; `save()`
    adds what a committed chunk changed; the caller commits the state connection.
    """

    def __init__(self, packs: Packs, daughter: str, entity: str,
                 fields: Sequence[str]) -> None:
        self.packs, self.conn = packs, packs.conn
        self.daughter, self.entity = daughter, entity
        self.fields = tuple(fields)
        self._fields_blob = pack(self.fields)
        where = (daughter, entity)
        segments = self.conn.execute(
            "SELECT seq, last_key FROM base_segments WHERE daughter = ? AND entity = ? "
            "ORDER BY seq", where).fetchall()
        self._segments = [seq for seq, _ in segments]
        self._last_key: Key | None = unpack(segments[-1][1]) if segments else None
        self._delta: dict[Key, Entry] = {}
        deltas = self.conn.execute(
            "SELECT seq, fields, pack, extras FROM base_delta WHERE daughter = ? AND entity = ? "
            "ORDER BY seq", where).fetchall()
        for _, fields_blob, pack_id, extras in deltas:
            for entry in self._load(fields_blob, pack_id, extras):
                self._delta[entry[0]] = entry
        self._delta_seq = deltas[-1][0] if deltas else 0
        self._delta_max: Key | None = max(self._delta) if self._delta else None
        self._segment_seq = self._segments[-1] if self._segments else 0
        self._written_delta = len(self._delta)
        self._entries_seen = 0

    def _load(self, fields_blob: bytes, pack_id: int, extras: bytes | None) -> list[Entry]:
        """A stored page's entries (shared with other daughters when it has no extras: to be
        copied before it is changed)."""
        if extras is None and fields_blob == self._fields_blob:
            return self.packs.get(pack_id, _plain_entries)  # type: ignore[no-any-return]
        entries = Page([join_parts(self.packs.get(pack_id))],
                       unpack(extras) if extras is not None else {}).entries()
        if fields_blob == self._fields_blob:
            return entries
        fields = unpack(fields_blob)
        return [_remap(e, fields, self.fields) for e in entries]

    def pages(self) -> Iterator[tuple[list[Key], list[Entry]]]:
        """Every entry in key order, a page at a time, with its keys: the segments with the
        delta merged in (the delta wins)."""
        pending = sorted(self._delta.values(), key=entry_key)
        pending_keys = [e[0] for e in pending]
        i = 0
        for seq in self._segments:
            row = self.conn.execute(
                "SELECT fields, pack, extras FROM base_segments "
                "WHERE daughter = ? AND entity = ? AND seq = ?",
                (self.daughter, self.entity, seq)).fetchone()
            items = self._load(*row)
            keys = list(map(entry_key, items))
            self._entries_seen += len(items)
            end = bisect_right(pending_keys, keys[-1], i)
            if end > i:  # the delta's entries for this segment: replace, or add and sort
                items = list(items)
                added = []
                for entry in pending[i:end]:
                    at = bisect_left(keys, entry[0])
                    if at < len(keys) and keys[at] == entry[0]:
                        items[at] = entry
                    else:
                        added.append(entry)
                if added:
                    items.extend(added)
                    items.sort(key=entry_key)
                    keys = list(map(entry_key, items))
                i = end
            yield keys, items
        if i < len(pending):
            yield pending_keys[i:], pending[i:]

    def save(self, page: Page) -> None:
        """Store the entries a committed chunk changed (key-ordered)."""
        parts = [(keys, blobs) for keys, blobs in page.parts if keys]
        if not parts:
            return
        first, last = parts[0][0][0], parts[-1][0][-1]
        stored = (self._fields_blob, self.packs.put(tuple(itertools.chain.from_iterable(parts))),
                  pack(page.extras) if page.extras else None)
        highest = [k for k in (self._last_key, self._delta_max) if k is not None]
        if not highest or first > max(highest):
            self._segment_seq += 1
            self.conn.execute(
                "INSERT INTO base_segments VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.daughter, self.entity, self._segment_seq, pack(last), *stored))
            self._last_key = last
        else:
            self._delta_seq += 1
            self.conn.execute(
                "INSERT INTO base_delta VALUES (?, ?, ?, ?, ?, ?)",
                (self.daughter, self.entity, self._delta_seq, *stored))
            self._written_delta += sum(len(keys) for keys, _ in parts)
            top = last
            self._delta_max = top if self._delta_max is None else max(self._delta_max, top)

    def compact_if_needed(self) -> None:
        """Merge the delta into fresh segments once it is a tenth of the whole (one
        transaction, run by the caller after the entity is done)."""
        if self._written_delta < max(_COMPACT_MIN, self._entries_seen // 10):
            return
        fresh = BaseStore(self.packs, self.daughter, self.entity, self.fields)
        where = (self.daughter, self.entity)
        self.conn.execute("BEGIN")
        try:
            # Fresh segments are numbered after the old ones, which go once all are written.
            fresh._last_key = None
            fresh._delta_max = None
            chunk: list[Entry] = []
            for _, entries in fresh.pages():
                chunk.extend(entries)
                while len(chunk) >= _SEGMENT:
                    fresh.save(Page.of(chunk[:_SEGMENT]))
                    chunk = chunk[_SEGMENT:]
            if chunk:
                fresh.save(Page.of(chunk))
            self.conn.execute("DELETE FROM base_delta WHERE daughter = ? AND entity = ?", where)
            if fresh._segments:
                self.conn.execute(
                    "DELETE FROM base_segments WHERE daughter = ? AND entity = ? AND seq <= ?",
                    (*where, fresh._segments[-1]))
            self.packs.sweep()
        except BaseException:
            self.conn.execute("ROLLBACK")
            self.packs.forget_cached()
            raise
        self.conn.execute("COMMIT")


@dataclass(slots=True)
class Failure:
    runs: int
    mother: bytes
    message: str


class FailureStore:
    """Records a daughter rejected, run after run; after 3 failed runs in a row a record is
    parked (skipped) until the mother changes it."""

    def __init__(self, conn: sqlite3.Connection, daughter: str, entity: str) -> None:
        self.conn, self.daughter, self.entity = conn, daughter, entity
        self.known = {
            unpack(key): Failure(runs, mother, message)
            for key, runs, mother, message in conn.execute(
                "SELECT key, runs, mother, message FROM failures "
                "WHERE daughter = ? AND entity = ?", (daughter, entity))
        }

    def parked(self, key: Key, mother: bytes) -> bool:
        failure = self.known.get(key)
        return (failure is not None and failure.runs >= PARK_AFTER_FAILED_RUNS
                and failure.mother == mother)

    def failed(self, key: Key, mother: bytes, message: str) -> bool:
        """Count a failed run for the record; True when that parks it."""
        before = self.known.get(key)
        runs = before.runs + 1 if before is not None and before.mother == mother else 1
        self.known[key] = Failure(runs, mother, message)
        self.conn.execute(
            "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?, ?, ?)",
            (self.daughter, self.entity, pack(key), runs, mother, message))
        return runs >= PARK_AFTER_FAILED_RUNS

    def succeeded(self, key: Key) -> None:
        if self.known.pop(key, None) is not None:
            self.conn.execute(
                "DELETE FROM failures WHERE daughter = ? AND entity = ? AND key = ?",
                (self.daughter, self.entity, pack(key)))


def parked_records(conn: sqlite3.Connection) -> list[tuple[str, str, Key, str]]:
    """Every parked record: (daughter, entity, key, the database's last message)."""
    return [
        (daughter, entity, unpack(key), message)
        for daughter, entity, key, message in conn.execute(
            "SELECT daughter, entity, key, message FROM failures WHERE runs >= ? "
            "ORDER BY daughter, entity", (PARK_AFTER_FAILED_RUNS,))
    ]
