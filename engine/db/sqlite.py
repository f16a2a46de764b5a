"""The embedded default: an administration kept in a SQLite file, through Python's sqlite3."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from engine.db.base import ColumnType, Row, quote_identifier
from engine.errors import DatabaseError
from engine.i18n import _

BUSY_TIMEOUT_SECONDS = 30.0

# Values from another engine's mother: sqlite3 binds only int, float, str, bytes and None.
# Written as text, a NUMERIC column stores a number again and a date column the ISO date
# that `values.normalize` compares with a date.
sqlite3.register_adapter(Decimal, str)
sqlite3.register_adapter(dt.date, dt.date.isoformat)
sqlite3.register_adapter(dt.datetime, lambda value: value.isoformat(sep=" "))
sqlite3.register_adapter(dt.time, dt.time.isoformat)


def _split(table: str) -> tuple[str, str]:
    """A possibly schema-qualified table name as its quoted schema prefix ('' or '"main".')
    and its bare name, for PRAGMA statements."""
    schema, _, name = table.rpartition(".")
    return (f"{quote_identifier(schema)}." if schema else ""), name


def _table(table: str) -> str:
    """A table's name quoted for SQL, with its schema if it names one ("main.items")."""
    prefix, name = _split(table)
    return prefix + quote_identifier(name)


def _kind(value: object) -> str:
    """A value's kind in SQLite's sort order (integers and reals are both numbers)."""
    if value is None:
        return "none"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


class SQLiteDatabase:
    """A SQLite file that must already exist: a missing file is an error, never created."""

    def __init__(self, administration: str, path: str) -> None:
        self.administration = administration
        self.path = Path(path)
        if not self.path.is_file():
            raise DatabaseError(_(
                "Administration '{administration}': database file '{path}' does not "
                "exist. Check the path in the config, or restore the file.").format(
                administration=administration, path=self.path),
                administration=administration,
            )
        try:
            self.conn = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=rw", uri=True,
                timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                check_same_thread=False,
            )
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as error:
            advice = (_("Another program holds it locked; try again when it is done.")
                      if "locked" in str(error) else
                      _("Check that the config points at the right file."))
            raise DatabaseError(_(
                "Administration '{administration}': '{path}' cannot be opened as a "
                "SQLite database ({error}). {advice}").format(
                administration=administration, path=self.path, error=error, advice=advice),
                administration=administration,
            ) from error
        self._tables: dict[str, list[str]] = {}

    # -- catalog ---------------------------------------------------------------------------

    def tables(self) -> list[str]:
        names = [r[0] for r in self._query(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')", ())]
        return sorted((n for n in names if not n.lower().startswith("sqlite_")),
                      key=lambda n: (n.lower(), n))

    def columns(self, table: str) -> list[str]:
        if table not in self._tables:
            self._tables[table] = [row[1] for row in self._table_info(table)]
        return self._tables[table]

    def primary_key(self, table: str) -> list[str]:
        info = self._table_info(table)
        return [row[1] for row in sorted(info, key=lambda row: int(row[5])) if row[5]]

    def _table_info(self, table: str) -> list[Row]:
        """PRAGMA table_info: per column (cid, name, type, notnull, default, pk), where pk is
        the column's place in the primary key (0: not in it)."""
        prefix, name = _split(table)
        info = self._query(f"PRAGMA {prefix}table_info({quote_identifier(name)})", ())
        if not info:
            raise DatabaseError(_(
                "Administration '{administration}': table '{table}' does not exist "
                "in '{file}'. Tables there: {tables}. "
                "Correct the table name in the config.").format(
                administration=self.administration, table=table, file=self.path.name,
                tables=", ".join(self.tables()) or _("none")),
                administration=self.administration,
            )
        return info

    def about(self) -> str:
        return _("{product}, file '{file}'").format(
            product=f"SQLite {sqlite3.sqlite_version}", file=self.path.name)

    # -- reading ---------------------------------------------------------------------------

    def read_page(
        self, table: str, columns: Sequence[str], key: Sequence[str], after: Row | None, limit: int
    ) -> list[Row]:
        cols = ", ".join(quote_identifier(c) for c in columns)
        keys = [f"{quote_identifier(k)} COLLATE BINARY" for k in key]
        order = ", ".join(keys)
        sql = f"SELECT {cols} FROM {_table(table)}"
        params: tuple[object, ...] = ()
        if after is not None:
            left = keys[0] if len(keys) == 1 else f"({', '.join(keys)})"
            right = "?" if len(keys) == 1 else f"({', '.join('?' * len(keys))})"
            sql += f" WHERE {left} > {right}"
            params = tuple(after)
        sql += f" ORDER BY {order} LIMIT {int(limit)}"
        return self._query(sql, params)

    def fetch_row(self, table: str, columns: Sequence[str], key: Sequence[str],
                  values: Row) -> Row | None:
        cols = ", ".join(quote_identifier(c) for c in columns)
        match = " AND ".join(f"{quote_identifier(k)} = ?" for k in key)
        rows = self._query(f"SELECT {cols} FROM {_table(table)} WHERE {match}",
                           tuple(values))
        return rows[0] if rows else None

    def column_types(self, table: str) -> Mapping[str, ColumnType]:
        return {}  # a declared VARCHAR(10) or NUMERIC(12, 2) holds any value in SQLite

    def read_size(self, table: str, key: Sequence[str], rows: int) -> int:
        return rows  # read in the key's index order (COLLATE BINARY is SQLite's default)

    def count(self, table: str) -> int:
        return int(self._query(f"SELECT count(*) FROM {_table(table)}", ())[0][0])

    def key_problems(self, table: str, key: Sequence[str], limit: int = 5) -> tuple[int, list[Row]]:
        quoted = [quote_identifier(k) for k in key]
        name = _table(table)
        null = " OR ".join(f"{k} IS NULL" for k in quoted)
        nulls = self._query(f"SELECT count(*) FROM {name} WHERE {null}", ())[0][0]
        # SQLite orders numbers before text before blobs: a column mixes them exactly when
        # its lowest and highest values differ in kind (two look-ups in a key's index).
        for column, q in zip(key, quoted, strict=True):
            lowest = self._query(f"SELECT min({q}) FROM {name}", ())[0][0]
            highest = self._query(f"SELECT max({q}) FROM {name}", ())[0][0]
            if _kind(lowest) != _kind(highest):
                raise DatabaseError(_(
                    "Administration '{administration}': key column '{column}' of table "
                    "'{table}' holds values of different types (numbers and text). Give every "
                    "record a key of one type.").format(
                    administration=self.administration, column=column, table=table),
                    administration=self.administration)
        if self.unique_key(table, key):
            return int(nulls), []
        # Grouped by the columns' own collation, as `=` matches them when writing.
        group = ", ".join(quoted)
        dupes = self._query(
            f"SELECT {group} FROM {name} WHERE NOT ({null}) GROUP BY {group} "
            f"HAVING count(*) > 1 LIMIT {int(limit)}", ())
        return int(nulls), dupes

    def unique_key(self, table: str, key: Sequence[str]) -> bool:
        """Whether a unique index on exactly the key columns makes duplicates impossible. Only
        trusted when neither the table nor the index names a collation: an index may compare
        otherwise than `=` on the column does (unique in binary, yet 'a' = 'A' under NOCASE),
        and a partial index covers some rows only."""
        prefix, name = _split(table)
        master = f"{prefix}sqlite_master"
        wanted = sorted(k.lower() for k in key)
        (table_sql,) = self._query(
            f"SELECT coalesce(max(sql), '') FROM {master} WHERE type = 'table' "
            "AND name = ? COLLATE NOCASE", (name,))[0]
        if "collate" in table_sql.lower():
            return False
        for _seq, index, unique, _origin, partial in self._query(
                f"PRAGMA {prefix}index_list({quote_identifier(name)})", ()):
            if not unique or partial:
                continue
            (index_sql,) = self._query(
                f"SELECT coalesce(max(sql), '') FROM {master} WHERE type = 'index' "
                "AND name = ?", (index,))[0]
            columns = self._query(f"PRAGMA {prefix}index_info({quote_identifier(index)})", ())
            if ("collate" not in index_sql.lower()
                    and sorted(str(c[2]).lower() for c in columns) == wanted):
                return True
        return False

    def refresh_statistics(self, table: str) -> None:
        """Nothing to do: SQLite reads a key range by its index without statistics."""

    def _query(self, sql: str, params: tuple[object, ...]) -> list[Row]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise self._unreachable(error) from error

    # -- writing ---------------------------------------------------------------------------

    def begin(self) -> None:
        self._run("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self._run("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def savepoint(self) -> None:
        self.conn.execute("SAVEPOINT stamsync_record")

    def release_savepoint(self) -> None:
        self.conn.execute("RELEASE SAVEPOINT stamsync_record")

    def rollback_savepoint(self) -> None:
        self.conn.execute("ROLLBACK TO SAVEPOINT stamsync_record")
        self.conn.execute("RELEASE SAVEPOINT stamsync_record")

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        cols = ", ".join(quote_identifier(c) for c in columns)
        marks = ", ".join("?" * len(columns))
        self._write(f"INSERT INTO {_table(table)} ({cols}) VALUES ({marks})", rows)

    def update(self, table: str, columns: Sequence[str], key: Sequence[str],
               rows: Sequence[Row]) -> None:
        sets = ", ".join(f"{quote_identifier(c)} = ?" for c in columns)
        match = " AND ".join(f"{quote_identifier(k)} = ?" for k in key)
        self._write(f"UPDATE {_table(table)} SET {sets} WHERE {match}", rows)

    def delete(self, table: str, key: Sequence[str], rows: Sequence[Row]) -> None:
        match = " AND ".join(f"{quote_identifier(k)} = ?" for k in key)
        self._write(f"DELETE FROM {_table(table)} WHERE {match}", rows)

    def is_record_error(self, error: Exception) -> bool:
        return isinstance(error, (sqlite3.IntegrityError, sqlite3.DataError)) or (
            isinstance(error, sqlite3.OperationalError) and "too big" in str(error)
        )

    def _write(self, sql: str, rows: Sequence[Row]) -> None:
        try:
            self.conn.executemany(sql, rows)
        except sqlite3.Error as error:
            if self.is_record_error(error):
                raise
            raise self._unreachable(error) from error

    def close(self) -> None:
        self.conn.close()

    def _run(self, sql: str) -> None:
        try:
            self.conn.execute(sql)
        except sqlite3.Error as error:
            raise self._unreachable(error) from error

    def _unreachable(self, error: sqlite3.Error) -> DatabaseError:
        return DatabaseError(_(
            "Administration '{administration}' ('{path}'): {error}. "
            "Check that the file is a stamsync-readable database and not locked by another "
            "program, then run the sync again.").format(
            administration=self.administration, path=self.path, error=error),
            administration=self.administration,
        )
