"""What differs between the database engines reached through ODBC.

The driver reports its DBMS (`SQL_DBMS_NAME`); `dialect_for` picks what that engine needs:
how to quote a name, how to read a page in binary key order, how many parameters one
statement may bind, and how to write many rows at once. An engine we do not know (Gupta
SQLBase, for one) gets the plain ANSI dialect: double quotes, plain `executemany`, and pages
cut from one ordered query.

Binary key order: the engine walks every table in Python's order (code points), so a text
key whose column sorts by a case-insensitive or language collation is read with a binary
collation named in the query (the key check in `ordered.py` stops the run should a
database still return another order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

Bulk = Literal["values", "fast", "plain"]
"""Multi-row INSERT ... VALUES (...), (...); pyodbc's fast_executemany (Microsoft's SQL Server
drivers only: it crashes others); plain executemany (one round trip per row)."""

TEXT_TYPES = frozenset({1, 12, -1, -8, -9, -10})
"""ODBC SQL types of text: CHAR, VARCHAR, LONGVARCHAR and their W (Unicode) forms."""
WIDE_TYPES = frozenset({-8, -9, -10})
"""ODBC SQL types of Unicode text: NCHAR, NVARCHAR, NTEXT."""
TIME_TYPES = frozenset({93, 92, 11, 10, -154})
"""ODBC SQL types of timestamps and times (ODBC 3 and 2 codes; SQL Server's time)."""


@dataclass(frozen=True)
class Dialect:
    name: str
    open_quote: str = '"'
    close_quote: str = '"'
    max_params: int = 2000
    """Bound parameters one statement may carry."""
    max_rows: int = 1000
    """Rows in one multi-row VALUES."""
    bulk: Bulk = "plain"
    limit: Literal["limit", "top", "fetch"] = "fetch"
    """How a page is cut: LIMIT n, SELECT TOP (n), or fetching n rows of an ordered query."""
    savepoint: str = "SAVEPOINT stamsync_record"
    rollback_to: str = "ROLLBACK TO SAVEPOINT stamsync_record"
    release: str | None = "RELEASE SAVEPOINT stamsync_record"
    schema_is_catalog: bool = False
    """MariaDB and MySQL call a database a catalog: 'shop.items' names catalog 'shop'."""
    default_schema_sql: str | None = None
    """The schema (or catalog) an unqualified table name means, so the catalog functions
    look there only and not in every schema or database on the server."""
    binary_collation: str | None = None
    """Named after a Unicode text key column to read it in binary (code point) order; None:
    the engine's own order."""
    collation_sql: str | None = None
    """A column's collation and character set (two columns of one row), binding the
    `collation_binds` by name: quoted (the table), schema, table, column."""
    collation_binds: tuple[str, ...] = ()
    primary_key_sql: str | None = None
    """A table's primary key columns in key order, binding the `primary_key_binds` (as
    `collation_binds`), where the driver's SQLPrimaryKeys numbers them by their place in the
    table instead (MariaDB Connector/ODBC 3.1, the SQLite3 driver). None: SQLPrimaryKeys."""
    primary_key_binds: tuple[str, ...] = ()
    system_prefix: str | None = None
    """Tables whose name starts with this (in any case) are the engine's own, not a user's."""
    binary_narrow: str | None = None
    """The expression for a {column} of a non-Unicode character set (latin1, a code page),
    whose bytes do not sort as code points: converted to Unicode first."""
    narrow_by_type: bool = False
    """Whether a CHAR/VARCHAR (not NCHAR/NVARCHAR) column is non-Unicode (SQL Server)."""
    session_sql: tuple[str, ...] = ()
    """Run once per connection: the statement and lock-wait timeout of {seconds}, strict
    values. Empty: ODBC's own query timeout (which some drivers, psqlODBC among them,
    refuse)."""
    partial_indexes_sql: str | None = None
    """The names of a table's (quoted, bound once) indexes that cover some rows only or
    index an expression: such a unique index does not make the key unique."""
    iso_times: bool = False
    """Bind datetimes and times as ISO text: the driver binds them with fewer fractional
    digits than the column keeps (pyodbc's default scale)."""
    time_as_text: bool = False
    """Read TIME columns as text: ODBC's TIME has no fractions of a second (psqlODBC gives
    them all the same; MariaDB's and SQLite's drivers cut them)."""
    analyze_sql: str | None = None
    """Refreshes a {table}'s planner statistics after a bulk load; None where the engine
    does so itself (MariaDB, SQL Server) or needs none."""
    record_messages: tuple[str, ...] = ()
    """Driver messages that mean a rejected row where the SQLSTATE does not say so."""
    user_errors_from: int | None = None
    """Native error numbers from here up are raised by a trigger or procedure (SQL Server's
    RAISERROR/THROW: 50000), refusing that row."""
    sorts_per_read: bool = True
    """Whether a key read in binary order against its column's collation costs a sort of the
    table per read (not SQLite, whose COLLATE BINARY is its default and uses the index)."""

    def quote(self, *names: str) -> str:
        """A name that was checked against the catalog, quoted; several: a qualified name
        (schema, table). A dot inside a name is part of it."""
        o, c = self.open_quote, self.close_quote
        return ".".join(o + name.replace(c, c + c) + c for name in names)

    def binary(self, column: str, collation: str | None, charset: str | None,
               wide: bool = True) -> str:
        """The quoted text column as an expression that sorts and compares in binary (code
        point) order: as it is where its collation is binary and its character set Unicode,
        else with a binary collation, converted to Unicode first where it is not."""
        quoted = self.quote(column)
        if self.binary_collation is None:
            return quoted
        narrow = ((charset is not None and not charset.lower().startswith("utf8"))
                  or (self.narrow_by_type and not wide))
        if narrow and self.binary_narrow is not None:
            return self.binary_narrow.format(column=quoted)
        if _is_binary(collation):
            return quoted
        return f"{quoted} COLLATE {self.binary_collation.format(charset=charset or 'utf8mb4')}"

    def rows_per_insert(self, width: int) -> int:
        """Rows of `width` columns one multi-row INSERT may carry."""
        return max(1, min(self.max_rows, self.max_params // max(width, 1)))

    def page_sql(self, table: str, columns: Sequence[str], order: Sequence[str],
                 after: bool, limit: int) -> str:
        """SELECT the columns of up to `limit` rows in `order` (binary-order expressions of
        the key columns), after a key given as parameters: for every key column i, the
        values of columns 0..i. `table` is quoted already."""
        cols = ", ".join(self.quote(c) for c in columns)
        top = f"TOP ({int(limit)}) " if self.limit == "top" else ""
        sql = f"SELECT {top}{cols} FROM {table}"
        if after:  # (k1 > ?) OR (k1 = ? AND k2 > ?) ...: every engine knows it
            terms = [" AND ".join([*(f"{e} = ?" for e in order[:i]), f"{order[i]} > ?"])
                     for i in range(len(order))]
            sql += " WHERE " + " OR ".join(f"({t})" for t in terms)
        sql += " ORDER BY " + ", ".join(order)
        if self.limit == "limit":
            sql += f" LIMIT {int(limit)}"
        return sql

    def insert_sql(self, table: str, columns: Sequence[str], rows: int) -> str:
        """INSERT of `rows` rows (more than one: a multi-row VALUES)."""
        marks = "(" + ", ".join("?" * len(columns)) + ")"
        cols = ", ".join(self.quote(c) for c in columns)
        return f"INSERT INTO {table} ({cols}) VALUES {', '.join([marks] * rows)}"


def _is_binary(collation: str | None) -> bool:
    if not collation:
        return False
    folded = collation.lower()
    return (folded in {"c", "posix", "c.utf-8", "c.utf8", "ucs_basic", "binary"}
            or folded.endswith(("_bin", "_bin2")))


_STRICT = "SET SESSION sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')"
"""A value too long or of the wrong type is an error (a rejected record), never silently cut."""

POSTGRESQL = Dialect(
    "PostgreSQL", max_params=30_000, bulk="values", limit="limit",
    binary_collation='"C"', default_schema_sql="SELECT current_schema()",
    collation_sql=(
        "SELECT CASE WHEN co.collname = 'default' THEN d.datcollate ELSE co.collname END, "
        "NULL FROM pg_attribute a JOIN pg_database d ON d.datname = current_database() "
        "LEFT JOIN pg_collation co ON co.oid = a.attcollation "
        "WHERE a.attrelid = CAST(? AS regclass) AND a.attname = ?"),
    collation_binds=("quoted", "column"),
    session_sql=("SET statement_timeout = '{seconds}s'",),
    partial_indexes_sql=(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = CAST(? AS regclass) "
        "AND (i.indpred IS NOT NULL OR i.indexprs IS NOT NULL)"),
    iso_times=True, analyze_sql="ANALYZE {table}")
MARIADB = Dialect(
    "MariaDB", open_quote="`", close_quote="`", max_params=60_000, bulk="values",
    limit="limit", schema_is_catalog=True, binary_collation="{charset}_bin",
    binary_narrow="CONVERT({column} USING utf8mb4) COLLATE utf8mb4_bin",
    collation_sql=(
        "SELECT COLLATION_NAME, CHARACTER_SET_NAME FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND COLUMN_NAME = ?"),
    collation_binds=("schema", "table", "column"),
    primary_key_sql=(
        "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
        "WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? "
        "AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION"),
    primary_key_binds=("schema", "table"),
    default_schema_sql="SELECT DATABASE()", iso_times=True, time_as_text=True,
    session_sql=("SET SESSION max_statement_time = {seconds}, "
                 "innodb_lock_wait_timeout = {seconds}", _STRICT))
MYSQL = replace(
    MARIADB, name="MySQL",
    session_sql=("SET SESSION innodb_lock_wait_timeout = {seconds}", _STRICT))
SQL_SERVER = Dialect(
    "Microsoft SQL Server", open_quote="[", close_quote="]", max_params=2_099,
    bulk="values", limit="top", savepoint="SAVE TRANSACTION stamsync_record",
    rollback_to="ROLLBACK TRANSACTION stamsync_record", release=None,
    default_schema_sql="SELECT SCHEMA_NAME()",
    binary_collation="Latin1_General_BIN2",
    binary_narrow="CAST({column} AS NVARCHAR(4000)) COLLATE Latin1_General_BIN2",
    collation_sql="SELECT collation_name, NULL FROM sys.columns "
                  "WHERE object_id = OBJECT_ID(?) AND name = ?",
    collation_binds=("quoted", "column"),
    narrow_by_type=True, user_errors_from=50_000,
    partial_indexes_sql="SELECT name FROM sys.indexes WHERE object_id = OBJECT_ID(?) "
                        "AND has_filter = 1")
SQLITE = Dialect(
    "SQLite", max_params=999, bulk="values", limit="limit", binary_collation="BINARY",
    iso_times=True, time_as_text=True, sorts_per_read=False,
    primary_key_sql="SELECT name FROM pragma_table_info(?, ?) WHERE pk > 0 ORDER BY pk",
    primary_key_binds=("table", "schema"), system_prefix="sqlite_",
    record_messages=("constraint failed", "datatype mismatch", "too big"))
ANSI = Dialect("ANSI")


def dialect_for(dbms: str, driver: str) -> Dialect:
    """The dialect for the DBMS a driver reports; Microsoft's own SQL Server drivers get
    fast_executemany, others (FreeTDS) multi-row VALUES within 2,100 parameters."""
    folded = dbms.lower()
    if "postgres" in folded:
        return POSTGRESQL
    if "mariadb" in folded:
        return MARIADB
    if "mysql" in folded:
        return MYSQL
    if "sql server" in folded:
        folded = driver.lower()  # msodbcsql18.dll, libmsodbcsql-18.3.so.2.1, sqlncli11.dll
        microsoft = "msodbcsql" in folded or folded.startswith(("sqlncli", "sqlsrv32"))
        return replace(SQL_SERVER, bulk="fast") if microsoft else SQL_SERVER
    if "sqlite" in folded:
        return SQLITE
    return replace(ANSI, name=dbms or "unknown DBMS")
