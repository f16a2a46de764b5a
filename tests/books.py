"""Real administrations for the tests: a mother and daughters with a customers table, and a
spec to sync them. `Books` is a SQLite file (through sqlite3, or through the SQLite3 ODBC
driver); `ServerBooks` a database of its own in PostgreSQL or MariaDB, over ODBC."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import engine
from engine import Administration, Entity, Policy, RunReport, SyncSpec
from engine.db.values import normalize
from tests.servers import SQLITE_DRIVER, Server

CUSTOMERS = """
CREATE TABLE customers (
    code VARCHAR(20) PRIMARY KEY, name VARCHAR(100), city VARCHAR(100), credit NUMERIC(12, 2),
    vvsync CHAR(1) DEFAULT 'J', blocked CHAR(1) DEFAULT 'N')
"""
FIELDS = ("name", "city", "credit", "blocked")


def variant(schema: str, old: str, new: str) -> str:
    """The schema with one part changed (failing loudly should the part not be there)."""
    assert old in schema, f"{old!r} is not in the schema"
    return schema.replace(old, new)


class Books:
    """One administration: a SQLite file the test reads and edits directly. With `odbc`,
    stamsync reaches it through the SQLite3 ODBC driver instead of sqlite3."""

    def __init__(self, path: Path, name: str, schema: str = CUSTOMERS,
                 odbc: bool = False) -> None:
        self.path, self.name, self.odbc = path, name, odbc
        self.normalized = odbc
        """Whether rows() gives values normalized, so that engines compare."""
        conn = self.connect()
        try:
            for statement in filter(str.strip, schema.split(";")):
                conn.execute(statement)
            conn.commit()
        finally:
            conn.close()

    def connect(self) -> Any:
        """A DB-API connection with qmark parameters: the test sees what stamsync sees."""
        if self.odbc:
            import pyodbc

            return pyodbc.connect(self.database.removeprefix("odbc:"))
        return sqlite3.connect(self.path)

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        conn = self.connect()
        try:
            conn.execute(sql, params)
            conn.commit()
        finally:
            conn.close()

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        conn = self.connect()
        try:
            cursor = conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
        finally:
            conn.close()
        if self.normalized:
            rows = [{k: normalize(v) for k, v in r.items()} for r in rows]
        return rows

    def add(self, code: str, name: str, city: str = "Utrecht", credit: Any = 1000,
            vvsync: str = "J", blocked: str = "N", table: str = "customers") -> None:
        self.execute(f"INSERT INTO {table} (code, name, city, credit, vvsync, blocked) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (code, name, city, credit, vvsync, blocked))

    def set(self, code: str, table: str = "customers", **values: Any) -> None:
        sets = ", ".join(f"{k} = ?" for k in values)
        self.execute(f"UPDATE {table} SET {sets} WHERE code = ?", (*values.values(), code))

    def delete(self, code: str, table: str = "customers") -> None:
        self.execute(f"DELETE FROM {table} WHERE code = ?", (code,))

    def rows(self, table: str = "customers") -> dict[Any, dict[str, Any]]:
        return {r["code"]: r for r in self.query(f"SELECT * FROM {table}")}

    def row(self, code: str, table: str = "customers") -> dict[str, Any]:
        return self.rows(table)[code]

    def count(self, table: str = "customers") -> int:
        return int(next(iter(self.query(f"SELECT count(*) AS n FROM {table}")[0].values())))

    @property
    def database(self) -> str:
        if self.odbc:
            return f"odbc:Driver={{{SQLITE_DRIVER}}};Database={self.path}"
        return f"sqlite:{self.path}"

    @property
    def admin(self) -> Administration:
        return Administration(self.name, self.database)


class ServerBooks(Books):
    """One administration in a database of its own on a real server, over ODBC."""

    def __init__(self, server: Server, name: str, schema: str = CUSTOMERS) -> None:
        self.server = server
        self.database_name = server.create_database()
        super().__init__(Path(self.database_name), name, schema)
        self.normalized = True

    def connect(self) -> Any:
        return self.server.connect(self.database_name)

    @property
    def database(self) -> str:
        return f"odbc:{self.server.database_string(self.database_name)}"


@dataclass
class Group:
    """A mother and daughters, and the spec that syncs them."""

    folder: Path
    mother: Books
    daughters: list[Books]
    entity: Entity = field(default_factory=lambda: Entity(
        "customers", "customers", ("code",), FIELDS, "Debiteuren"))
    policy: Policy = Policy.MOTHER_WINS
    protect: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def spec(self) -> SyncSpec:
        daughters = tuple(
            replace(d.admin, protect=self.protect.get(d.name, {})) for d in self.daughters)
        return SyncSpec(self.mother.admin, daughters, (self.entity,),
                        self.folder / "stamsync.state.db", self.policy)

    def sync(self, **options: Any) -> RunReport:
        return engine.sync(self.spec, **options)

    def counts(self, report: RunReport, daughter: int = 0) -> dict[str, int]:
        return report.daughters[daughter].entities[self.entity.name].to_dict()


def make_group(folder: Path, daughters: int = 1, schema: str = CUSTOMERS) -> Group:
    mother = Books(folder / "mother.db", "Holding", schema)
    return Group(folder, mother, [Books(folder / f"d{i}.db", f"Daughter{i}", schema)
                                  for i in range(1, daughters + 1)])


def with_password(books: ServerBooks, user: str) -> Administration:
    """A MariaDB administration as a user writes it: the password left to the keyring."""
    return Administration(
        books.name, f"odbc:Driver={{MariaDB Unicode}};Server=127.0.0.1;Port=3306;"
                    f"Database={books.database_name};User={user};Password={{password}}")
