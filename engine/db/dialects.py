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
    """Named after a text key column to read it in binary order; None: the engine's own."""
    timeout_sql: str | None = None
    """Sets the session's statement and lock-wait timeout to {seconds}; None: ODBC's own
    query timeout (which some drivers, psqlODBC among them, refuse)."""
    analyze_sql: str | None = None
    """Refreshes a {table}'s planner statistics after a bulk load; None where the engine
    does so itself (MariaDB, SQL Server) or needs none."""
    record_messages: tuple[str, ...] = ()
    """Driver messages that mean a rejected row where the SQLSTATE does not say so."""

    def quote(self, name: str) -> str:
        """A (possibly schema-qualified) name that was checked against the catalog, quoted."""
        o, c = self.open_quote, self.close_quote
        return ".".join(o + part.replace(c, c + c) + c for part in name.split("."))

    def binary(self, column: str, collation: str | None, charset: str | None) -> str:
        """The quoted column, as an expression that sorts and compares in binary order."""
        quoted = self.quote(column)
        if self.binary_collation is None or _is_binary(collation):
            return quoted
        name = self.binary_collation.format(charset=charset or "utf8mb4")
        return f"{quoted} COLLATE {name}"

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


POSTGRESQL = Dialect(
    "PostgreSQL", max_params=30_000, bulk="values", limit="limit",
    binary_collation='"C"', default_schema_sql="SELECT current_schema()",
    timeout_sql="SET statement_timeout = '{seconds}s'", analyze_sql="ANALYZE {table}")
MARIADB = Dialect(
    "MariaDB", open_quote="`", close_quote="`", max_params=60_000, bulk="values",
    limit="limit", schema_is_catalog=True, binary_collation="{charset}_bin",
    default_schema_sql="SELECT DATABASE()",
    timeout_sql="SET SESSION max_statement_time = {seconds}, innodb_lock_wait_timeout = {seconds}")
MYSQL = Dialect(
    "MySQL", open_quote="`", close_quote="`", max_params=60_000, bulk="values",
    limit="limit", schema_is_catalog=True, binary_collation="{charset}_bin",
    default_schema_sql="SELECT DATABASE()",
    timeout_sql="SET SESSION innodb_lock_wait_timeout = {seconds}")
SQL_SERVER = Dialect(
    "Microsoft SQL Server", open_quote="[", close_quote="]", max_params=2_099,
    bulk="values", limit="top", savepoint="SAVE TRANSACTION stamsync_record",
    rollback_to="ROLLBACK TRANSACTION stamsync_record", release=None,
    default_schema_sql="SELECT SCHEMA_NAME()",
    binary_collation="Latin1_General_BIN2")
SQLITE = Dialect(
    "SQLite", max_params=999, bulk="values", limit="limit", binary_collation="BINARY",
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
        microsoft = driver.lower().startswith(("msodbcsql", "sqlncli", "sqlsrv32"))
        return replace(SQL_SERVER, bulk="fast") if microsoft else SQL_SERVER
    if "sqlite" in folded:
        return SQLITE
    return replace(ANSI, name=dbms or "unknown DBMS")
