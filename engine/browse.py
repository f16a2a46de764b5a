"""An administration's own catalog and records, for the settings dialog to pick from: its
tables, a table's columns and primary key, its records by key, a connection test in words,
and the ODBC data sources and drivers this machine has.

Plain data in and out. The dialog calls these from a worker thread, never Tk's; one Browser
holds one connection and is used by one thread at a time. Names are checked against the
catalog as the sync checks them, so a wrong one gives the sync's own message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType, TracebackType
from typing import Any

from engine.db import Database, connect
from engine.db.base import iterate_pages, resolve_column
from engine.db.values import normalize, normalize_key
from engine.errors import ConfigError
from engine.i18n import _, ngettext
from engine.model import Administration, Key
from engine.runner import PAGE

RECORDS_LIMIT = 100_000
"""Records listed at most: enough to search, few enough for a list widget."""


@dataclass(frozen=True)
class Records:
    """A table's records in key order (binary, as the sync reads them), each as its key and
    the values of the columns shown beside it, normalised for display."""

    rows: list[tuple[Key, tuple[Any, ...]]]
    truncated: bool
    """More records exist than the limit let through."""


class Browser:
    """One administration's catalog over one connection; closed on leaving the `with`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def tables(self) -> list[str]:
        """The tables and views in the connection's default schema (or database), sorted
        case-insensitively; the engine's own are left out."""
        return self.db.tables()

    def columns(self, table: str) -> list[str]:
        """The table's columns in the table's order; DatabaseError naming a missing table."""
        return list(self.db.columns(table))

    def primary_key(self, table: str) -> list[str]:
        """The primary key's columns in key order (none: empty), to propose as the key."""
        return self.db.primary_key(table)

    def records(self, table: str, key: Sequence[str], shown: Sequence[str],
                limit: int = RECORDS_LIMIT) -> Records:
        """Up to `limit` records in key order, each with the values of `shown` (a name and a
        city, say) so that a person recognises it."""
        db = self.db
        catalog = db.columns(table)
        if not key:
            raise ConfigError(_(
                "Table '{table}': choose the key column(s) first; records are listed by key."
            ).format(table=table))
        keys = [resolve_column(db.administration, table, name, catalog) for name in key]
        extra = [resolve_column(db.administration, table, name, catalog) for name in shown]
        columns = keys + [c for c in dict.fromkeys(extra) if c not in keys]
        at = [columns.index(c) for c in extra]
        width = len(keys)
        rows: list[tuple[Key, tuple[Any, ...]]] = []
        for page in iterate_pages(db, table, columns, keys, min(PAGE, limit + 1)):
            room = limit - len(rows)
            rows.extend((normalize_key(row[:width]), tuple([normalize(row[i]) for i in at]))
                        for row in page[:room])
            if len(page) > room:
                return Records(rows, truncated=True)
        return Records(rows, truncated=False)

    def describe(self) -> str:
        """One line for "Test connection": the DBMS, its version, the database, how many
        tables: "Connected to PostgreSQL 15.0.20, database 'holding': 12 tables."."""
        count = len(self.db.tables())
        return ngettext("Connected to {about}: {n} table.", "Connected to {about}: {n} tables.",
                        count).format(about=self.db.about(), n=count)


def browse(admin: Administration) -> Browser:
    """Connect to the administration's database: `with browse(admin) as b: b.tables()`.
    Raises DatabaseError (with what to do) when it cannot be reached."""
    return Browser(connect(admin))


def test_connection(admin: Administration) -> str:
    """Connect, describe and close: the line "Test connection" shows, or DatabaseError."""
    with browse(admin) as browser:
        return browser.describe()


def odbc_data_sources() -> dict[str, str]:
    """The ODBC data sources (DSN) defined on this machine, each with its driver, sorted by
    name; none where ODBC is not installed (SQLite needs no ODBC)."""
    pyodbc = _pyodbc()
    if pyodbc is None:
        return {}
    try:
        sources = pyodbc.dataSources()
    except pyodbc.Error:
        return {}
    return {str(name): str(sources[name]) for name in sorted(sources, key=str.lower)}


def odbc_drivers() -> list[str]:
    """The ODBC drivers installed on this machine, sorted; none where ODBC is not installed."""
    pyodbc = _pyodbc()
    if pyodbc is None:
        return []
    try:
        drivers = pyodbc.drivers()
    except pyodbc.Error:
        return []
    return sorted(map(str, drivers), key=lambda name: (name.lower(), name))


def _pyodbc() -> ModuleType | None:
    """pyodbc, or None where it or the driver manager it links (libodbc) is missing."""
    try:
        import pyodbc
    except ImportError:
        return None
    module: ModuleType = pyodbc
    return module
