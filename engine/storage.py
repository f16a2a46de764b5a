"""The state store's file: one SQLite database beside the config, and how values are packed.

Values are packed with pickle (fast, and it keeps Decimal, date and bytes as they are), but
unpacked with an unpickler that refuses every class except a few value types, so a tampered
state file cannot run code.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import io
import os
import pickle
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.errors import StamsyncError

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
    dry_run INTEGER NOT NULL, status TEXT NOT NULL, report TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, daughter TEXT NOT NULL,
    entity TEXT NOT NULL, status TEXT NOT NULL, changes BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS journal_run ON journal (run_id);
CREATE TABLE IF NOT EXISTS base_segments (
    daughter TEXT NOT NULL, entity TEXT NOT NULL, seq INTEGER NOT NULL,
    last_key BLOB NOT NULL, data BLOB NOT NULL, PRIMARY KEY (daughter, entity, seq));
CREATE TABLE IF NOT EXISTS base_delta (
    daughter TEXT NOT NULL, entity TEXT NOT NULL, seq INTEGER NOT NULL,
    data BLOB NOT NULL, PRIMARY KEY (daughter, entity, seq));
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


def open_state(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the state store; readable by the user only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not path.exists()
        if fresh:
            path.touch(mode=0o600)
        conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        if fresh:
            conn.execute("PRAGMA page_size=65536")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(_SCHEMA)
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if version is None:
            conn.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(version[0]) > SCHEMA_VERSION:
            raise StamsyncError(
                f"State store '{path}' was written by a newer stamsync (schema {version[0]}). "
                "Install that version again, or move the file aside to start afresh.")
        if os.name == "posix":
            os.chmod(path, 0o600)
        return conn
    except sqlite3.Error as error:
        raise StamsyncError(
            f"State store '{path}' cannot be opened ({error}). Check that the folder is "
            "writable and the disk is not full; move a damaged file aside to start afresh.",
            title="State store problem") from error
