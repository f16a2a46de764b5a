"""The state store's file: one SQLite database beside the config, and how values are packed.

Values are packed with pickle (fast, and it keeps Decimal, date and bytes as they are), but
unpacked with an unpickler that refuses every class except a few value types, so a tampered
state file cannot run code.

The bulk of the store is *packs*: packed pages of records kept once by content (a digest), so
the bases of several daughters and the journal of their creates, which hold the same mother
values after a sync, share one copy instead of writing it once per daughter and again for
the journal.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import functools
import hashlib
import io
import itertools
import os
import pickle
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from engine.errors import StamsyncError
from engine.i18n import N_, _

SCHEMA_VERSION = 2
STATE_TIMEOUT = 30
"""Seconds to wait for another process's hold on the state store."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
    dry_run INTEGER NOT NULL, status TEXT NOT NULL, report TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS packs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, digest BLOB NOT NULL UNIQUE, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, daughter TEXT NOT NULL,
    entity TEXT NOT NULL, status TEXT NOT NULL, changes BLOB NOT NULL,
    create_columns BLOB, creates INTEGER REFERENCES packs (id));
CREATE INDEX IF NOT EXISTS journal_run ON journal (run_id);
CREATE TABLE IF NOT EXISTS base_segments (
    daughter TEXT NOT NULL, entity TEXT NOT NULL, seq INTEGER NOT NULL,
    last_key BLOB NOT NULL, fields BLOB NOT NULL, pack INTEGER NOT NULL REFERENCES packs (id),
    extras BLOB, PRIMARY KEY (daughter, entity, seq));
CREATE TABLE IF NOT EXISTS base_delta (
    daughter TEXT NOT NULL, entity TEXT NOT NULL, seq INTEGER NOT NULL,
    fields BLOB NOT NULL, pack INTEGER NOT NULL REFERENCES packs (id), extras BLOB,
    PRIMARY KEY (daughter, entity, seq));
CREATE TABLE IF NOT EXISTS failures (
    daughter TEXT NOT NULL, entity TEXT NOT NULL, key BLOB NOT NULL,
    runs INTEGER NOT NULL, mother BLOB NOT NULL, message TEXT NOT NULL,
    PRIMARY KEY (daughter, entity, key));
"""

_SAFE_GLOBALS = {
    ("decimal", "Decimal"): decimal.Decimal,
    ("datetime", "date"): dt.date,
    ("datetime", "datetime"): dt.datetime,
    ("datetime", "time"): dt.time,
    ("datetime", "timedelta"): dt.timedelta,
    ("datetime", "timezone"): dt.timezone,
}


class _ValuesOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _SAFE_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"state file holds a {module}.{name}") from None


pack: Callable[[Any], bytes] = functools.partial(pickle.dumps, protocol=5)
"""Pack a value for the state store (a C-level call, so `map(pack, rows)` stays fast)."""


def unpack(data: bytes) -> Any:
    return _ValuesOnly(io.BytesIO(data)).load()


class Packs:
    """Packed pages kept once by content: `put` returns the id of an equal page when there is
    one. Pages are immutable; `get` keeps the last few unpacked, so daughters reading the same
    page in step unpack it once. Ids are never reused (AUTOINCREMENT)."""

    _CACHED = 8

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._cache: OrderedDict[tuple[int, Callable[[Any], Any] | None], Any] = OrderedDict()
        self._put: OrderedDict[tuple[int, ...], tuple[tuple[Any, ...], int]] = OrderedDict()

    def put(self, value: tuple[Any, ...]) -> int:
        """The id of the page `value` (a tuple of lists that must not change afterwards).
        The same lists put again (a chunk's creates, journalled, then its new bases) are
        recognised without packing them again."""
        same = tuple(map(id, value))
        known = self._put.get(same)
        if known is not None:
            return known[1]
        data = pack(value)
        digest = hashlib.sha256(data, usedforsecurity=False).digest()
        row = self.conn.execute("SELECT id FROM packs WHERE digest = ?", (digest,)).fetchone()
        if row is not None:
            pack_id = int(row[0])
        else:
            cur = self.conn.execute("INSERT INTO packs (digest, data) VALUES (?, ?)",
                                    (digest, data))
            assert cur.lastrowid is not None
            pack_id = cur.lastrowid
        self._put[same] = (value, pack_id)  # holding `value` keeps its ids from being reused
        if len(self._put) > self._CACHED:
            self._put.popitem(last=False)
        return pack_id

    def get(self, pack_id: int, shape: Callable[[Any], Any] | None = None) -> Any:
        """The unpacked page, or `shape` of it (shared: callers must not change it)."""
        cached = (pack_id, shape)
        value = self._cache.get(cached)
        if value is not None:
            self._cache.move_to_end(cached)
            return value
        if shape is not None:
            value = shape(self.get(pack_id))
        else:
            row = self.conn.execute("SELECT data FROM packs WHERE id = ?",
                                    (pack_id,)).fetchone()
            if row is None:
                raise StamsyncError(_(
                    "The state store lacks page {page}; it was damaged. Move it aside to "
                    "start afresh.").format(page=pack_id), title=N_("State store problem"))
            value = unpack(row[0])
        self._cache[cached] = value
        if len(self._cache) > self._CACHED:
            self._cache.popitem(last=False)
        return value

    def forget_cached(self) -> None:
        """After a rolled-back transaction: what it read or wrote may be gone."""
        self._cache.clear()
        self._put.clear()

    def sweep(self) -> None:
        """Drop the pages nothing refers to any more (inside the caller's transaction)."""
        self._put.clear()
        self.conn.execute(
            "DELETE FROM packs WHERE id NOT IN (SELECT pack FROM base_segments "
            "UNION ALL SELECT pack FROM base_delta "
            "UNION ALL SELECT creates FROM journal WHERE creates IS NOT NULL)")


def join_parts(value: tuple[list[Any], ...]) -> tuple[list[Any], list[Any]]:
    """A page packed in parts, `(keys1, values1, keys2, values2, ...)`, as one list of keys
    and one of values."""
    if len(value) == 2:
        return value[0], value[1]
    return (list(itertools.chain.from_iterable(value[0::2])),
            list(itertools.chain.from_iterable(value[1::2])))


def _wal(conn: sqlite3.Connection) -> None:
    """Write-ahead logging. Switching a new store to it needs the file to itself, and SQLite
    does not wait for that as it waits for locks elsewhere: another process opening the
    same new store at the same moment (a tray starting beside `stamsync history`) waits here
    as long as the connection's own timeout."""
    deadline = time.monotonic() + STATE_TIMEOUT
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One durable transaction of the state store: committed when the block ends, rolled
    back when it raises (unless SQLite already did, as after a full disk)."""
    conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def unwritable(path: Path, error: Exception) -> StamsyncError:
    """The message for a state store that cannot be written (a full disk, a read-only file
    or folder): nothing more is synced until it can."""
    return StamsyncError(_(
        "State store '{path}' cannot be written ({error}); the run stopped "
        "before touching more daughters. Free disk space or fix the folder's permissions, "
        "then sync again.").format(path=path, error=error), title=N_("State store problem"))


def open_state(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the state store; readable by the user only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not path.exists()
        if fresh:
            path.touch(mode=0o600)
        conn = sqlite3.connect(path, isolation_level=None, timeout=STATE_TIMEOUT,
                               check_same_thread=False)
        if fresh:
            conn.execute("PRAGMA page_size=65536")
        _wal(conn)
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if version is not None and int(version[0]) != SCHEMA_VERSION:
            conn.close()
            newer = int(version[0]) > SCHEMA_VERSION
            if newer:
                message = _(
                    "State store '{path}' was written by a newer version of stamsync (schema "
                    "{schema}, this version reads {reads}). Install that version again, or move "
                    "the file aside to start afresh.")
            else:
                message = _(
                    "State store '{path}' was written by an earlier development version of "
                    "stamsync (schema {schema}, this version reads {reads}). Move the file "
                    "aside to start afresh: the next sync adopts every record that is equal on "
                    "both sides and treats the others as conflicts under the configured policy.")
            raise StamsyncError(
                message.format(path=path, schema=version[0], reads=SCHEMA_VERSION),
                title=N_("State store problem"))
        conn.executescript(_SCHEMA)
        if version is None:
            # OR IGNORE: another process may be creating the same store at this moment
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)",
                         (str(SCHEMA_VERSION),))
        if os.name == "posix" and path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)  # readable by the user only (a copy may have lost it)
        return conn
    except (sqlite3.Error, OSError) as error:
        raise StamsyncError(_(
            "State store '{path}' cannot be opened ({error}). Check that the folder is "
            "writable and the disk is not full; move a damaged file aside to start afresh."
        ).format(path=path, error=error), title=N_("State store problem")) from error
