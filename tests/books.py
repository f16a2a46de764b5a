"""Real SQLite administrations for the tests: a mother and daughters with a customers table,
and a spec to sync them."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import engine
from engine import Administration, Entity, Policy, RunReport, SyncSpec

CUSTOMERS = """
CREATE TABLE customers (
    code TEXT PRIMARY KEY, name TEXT, city TEXT, credit NUMERIC, vvsync TEXT DEFAULT 'J',
    blocked TEXT DEFAULT 'N')
"""
FIELDS = ("name", "city", "credit", "blocked")


class Books:
    """One administration: a SQLite file the test reads and edits directly."""

    def __init__(self, path: Path, name: str, schema: str = CUSTOMERS) -> None:
        self.path, self.name = path, name
        with sqlite3.connect(path) as conn:
            conn.executescript(schema)
        conn.close()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        with sqlite3.connect(self.path) as conn:
            conn.execute(sql, params)
        conn.close()

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
        conn = sqlite3.connect(self.path)
        conn.row_factory = sqlite3.Row
        try:
            return {r["code"]: dict(r) for r in conn.execute(f"SELECT * FROM {table}")}
        finally:
            conn.close()

    def row(self, code: str, table: str = "customers") -> dict[str, Any]:
        return self.rows(table)[code]

    def count(self, table: str = "customers") -> int:
        conn = sqlite3.connect(self.path)
        try:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        finally:
            conn.close()

    @property
    def admin(self) -> Administration:
        return Administration(self.name, f"sqlite:{self.path}")


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
