"""The Database interface every backend implements, and what the backends share."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from engine.errors import DatabaseError
from engine.i18n import _

Row = tuple[Any, ...]


@dataclass(frozen=True)
class ColumnType:
    """A column's type as the catalog states it, where the database enforces one."""

    name: str
    """The database's own name for it: numeric, varchar, datetime, ..."""
    sql_type: int
    """The ODBC SQL type code."""
    size: int | None
    """Characters for text, digits for numbers."""
    digits: int | None
    """Digits after the point (numbers), fractional-second digits (timestamps)."""


def quote_identifier(name: str, quote: str = '"') -> str:
    """Quote one identifier (a column, or a table without its schema) that was checked
    against the catalog; a dot in it is part of the name."""
    return quote + name.replace(quote, quote * 2) + quote


class Database(Protocol):
    """An administration's database. One thread uses one instance."""

    administration: str

    def tables(self) -> list[str]:
        """The tables and views a user can pick, in the connection's default schema (or
        database), without the engine's own; sorted case-insensitively."""
        ...

    def columns(self, table: str) -> list[str]:
        """The table's column names as the catalog spells them; DatabaseError if no such table."""
        ...

    def primary_key(self, table: str) -> list[str]:
        """The primary key's columns in key order, as the catalog spells them (none: empty);
        DatabaseError if no such table."""
        ...

    def about(self) -> str:
        """The DBMS, its version where known, and the database, in words: "PostgreSQL 15.0.20,
        database 'holding'", "SQLite 3.40.1, file 'holding.db'"."""
        ...

    def read_page(
        self, table: str, columns: Sequence[str], key: Sequence[str], after: Row | None, limit: int
    ) -> list[Row]:
        """Up to `limit` rows with key greater than `after`, ordered by key (binary order)."""
        ...

    def column_types(self, table: str) -> Mapping[str, ColumnType]:
        """The declared types of the table's columns, where the database holds values to
        them (SQLite keeps whatever it is given: none)."""
        ...

    def read_size(self, table: str, key: Sequence[str], rows: int) -> int:
        """How many rows each read_page should ask for, given the engine's page size: more
        where every page costs a sort of the whole table (a text key read in binary order
        against its column's collation, so no index gives that order)."""
        ...

    def count(self, table: str) -> int:
        """How many rows the table has (for a progress bar)."""
        ...

    def fetch_row(self, table: str, columns: Sequence[str], key: Sequence[str],
                  values: Row) -> Row | None:
        """The columns of the row with this key, or None."""
        ...

    def key_problems(self, table: str, key: Sequence[str], limit: int = 5) -> tuple[int, list[Row]]:
        """How many rows have a NULL key column, and up to `limit` keys that occur twice."""
        ...

    def unique_key(self, table: str, key: Sequence[str]) -> bool:
        """Whether a primary key or unique index keeps two rows from having one key."""
        ...

    def refresh_statistics(self, table: str) -> None:
        """After many rows were created: let the query planner know the table's new size, as
        PostgreSQL advises after a bulk load (else the next run's key-ordered reads may sort
        the whole table per page until autovacuum gets to it). Best effort: never raises."""
        ...

    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def savepoint(self) -> None: ...
    def release_savepoint(self) -> None: ...
    def rollback_savepoint(self) -> None: ...

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None: ...

    def update(self, table: str, columns: Sequence[str], key: Sequence[str],
               rows: Sequence[Row]) -> None:
        """rows: the new values of `columns` followed by the key values."""
        ...

    def delete(self, table: str, key: Sequence[str], rows: Sequence[Row]) -> None:
        """Delete the rows with these keys (`stamsync undo --delete-created` only)."""
        ...

    def is_record_error(self, error: Exception) -> bool:
        """True when the database rejected a row (constraint, type, length), not the connection."""
        ...

    def close(self) -> None: ...


def resolve_column(admin: str, table: str, name: str, columns: Sequence[str]) -> str:
    """The catalog's spelling of a configured column, or DatabaseError with a close match."""
    if name in columns:
        return name
    folded = [c for c in columns if c.lower() == name.lower()]
    if len(folded) == 1:
        return folded[0]
    close = difflib.get_close_matches(name, columns, n=1)
    hint = (_(" Did you mean '{column}'?").format(column=close[0]) if close
            else _(" Columns there: {columns}.").format(columns=", ".join(columns)))
    raise DatabaseError(_(
        "Administration '{administration}': table '{table}' has no column '{column}'.{hint} "
        "Correct the column name in the config, or add the column to the table.").format(
        administration=admin, table=table, column=name, hint=hint),
        administration=admin,
    )


def iterate_pages(db: Database, table: str, columns: Sequence[str], key: Sequence[str],
                  page: int) -> Iterator[list[Row]]:
    """Every row of the table in key order, one short query per page (no cursor held open,
    so people writing to the table are never blocked for the length of a run).
    The key columns must come first in `columns`."""
    after: Row | None = None
    width = len(key)
    page = db.read_size(table, key, page)
    while True:
        rows = db.read_page(table, columns, key, after, page)
        if not rows:
            return
        yield rows
        if len(rows) < page:
            return
        if rows[-1][:width] == after:  # the database matched the key it was given again
            raise DatabaseError(_(
                "Administration '{administration}': reading table '{table}' in key order "
                "does not get past key {key}. Its key column's type may not compare "
                "exactly with the value read back; choose another key for this table.").format(
                administration=db.administration, table=table, key=repr(after)),
                administration=db.administration)
        after = rows[-1][:width]
