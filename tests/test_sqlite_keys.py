"""When the mother's key needs no duplicate scan: only a unique index the database enforces
the way the sync matches keys (`=` on the column) spares it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from engine.db.sqlite import SQLiteDatabase


@pytest.mark.parametrize("schema, unique", [
    ("CREATE TABLE t (code TEXT PRIMARY KEY, name TEXT)", True),
    ("CREATE TABLE t (code TEXT UNIQUE, name TEXT)", True),
    ("CREATE TABLE t (code TEXT, name TEXT); CREATE UNIQUE INDEX i ON t (code)", True),
    ("CREATE TABLE t (code INTEGER PRIMARY KEY, name TEXT)", False),  # rowid: scanned, cheap
    ("CREATE TABLE t (code TEXT, name TEXT)", False),
    ("CREATE TABLE t (code TEXT, name TEXT); CREATE INDEX i ON t (code)", False),
    ("CREATE TABLE t (code TEXT, name TEXT); CREATE UNIQUE INDEX i ON t (code, name)", False),
    ("CREATE TABLE t (code TEXT, name TEXT); "
     "CREATE UNIQUE INDEX i ON t (code) WHERE name IS NOT NULL", False),
    ("CREATE TABLE t (code TEXT COLLATE NOCASE PRIMARY KEY, name TEXT)", False),
    ("CREATE TABLE t (code TEXT, name TEXT); "
     "CREATE UNIQUE INDEX i ON t (code COLLATE NOCASE)", False),
])
def test_only_an_enforced_unique_key_skips_the_duplicate_scan(
        tmp_path: Path, schema: str, unique: bool) -> None:
    path = tmp_path / "m.db"
    conn = sqlite3.connect(path)
    conn.executescript(schema)
    conn.close()
    db = SQLiteDatabase("Holding", str(path))
    try:
        assert db.unique_key("t", ["code"]) is unique
        assert db.unique_key("main.t", ["CODE"]) is unique
    finally:
        db.close()
