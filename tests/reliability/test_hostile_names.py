"""Names from the config are checked against each database's catalog before they are used,
quoted as that database quotes them, and values are always bound: a table, key and columns
named with quotes, brackets, a dot, a semicolon and comment dashes sync like any other, on
SQLite, PostgreSQL and MariaDB, and a name that is not in the catalog is refused before
any SQL is built from it."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import engine
from engine import ConfigError, Entity
from tests.books import Books, Group, ServerBooks
from tests.servers import Server

TABLE = 'klant"; DROP TABLE victim; --'
KEY = "co'de"
COLUMNS = ("na`me", "ci.ty", "st]reet", '"quoted"')
VICTIM = "CREATE TABLE victim (id INTEGER)"
ROWS = [
    ("D'100", "O'Brien \"& Zn\"; DROP TABLE victim; --", "'s-Hertogenbosch", "[Markt] 1",
     Decimal("12.50")),
    ("D`101", "Café `Ĳsselmeer`", "Lelystad", "Dijk\\weg 2", Decimal("0.00")),
    ("D;102", "Łódź -- Handel", "Venlo", "Kade; 3", None),
]


def ddl(quote: str) -> str:
    def q(name: str) -> str:
        return quote + name.replace(quote, quote * 2) + quote
    columns = ", ".join(f"{q(c)} VARCHAR(100)" for c in COLUMNS[:3])
    return (f"CREATE TABLE {q(TABLE)} ({q(KEY)} VARCHAR(20) PRIMARY KEY, {columns}, "
            f"{q(COLUMNS[3])} NUMERIC(12, 2))")


def quote_of(administration: Books) -> str:
    return administration.server.quote if isinstance(administration, ServerBooks) else '"'


def books(where: Path | Server, name: str) -> Books:
    """An administration with the hostile table (made apart: its name holds a ';') and a
    table 'victim' that must still be there at the end."""
    made = (Books(where / f"{name}.db", name, VICTIM) if isinstance(where, Path)
            else ServerBooks(where, name, VICTIM))
    made.execute(ddl(quote_of(made)))
    return made


def rows(administration: Books) -> list[tuple[Any, ...]]:
    quote = quote_of(administration)

    def q(name: str) -> str:
        return quote + name.replace(quote, quote * 2) + quote
    found = administration.query(
        f"SELECT {q(KEY)}, {', '.join(q(c) for c in COLUMNS)} FROM {q(TABLE)} "
        f"ORDER BY {q(KEY)}")
    return sorted(tuple(Decimal(str(v)) if k == COLUMNS[3] and v is not None else v
                        for k, v in row.items()) for row in found)


def victim_stands(administration: Books) -> bool:
    return administration.query("SELECT count(*) AS n FROM victim")[0]["n"] == 0


@pytest.fixture
def group(tmp_path: Path, postgres: Server, mariadb: Server) -> Group:
    mother = books(tmp_path, "Holding")
    for row in ROWS:
        marks = ", ".join("?" * len(row))
        quoted = ", ".join('"' + c.replace('"', '""') + '"' for c in (KEY, *COLUMNS))
        mother.execute(f'INSERT INTO "{TABLE.replace(chr(34), chr(34) * 2)}" ({quoted}) '
                       f"VALUES ({marks})", row)
    daughters = [books(tmp_path, "Noord"), books(postgres, "Oost"), books(mariadb, "Zuid")]
    made = Group(tmp_path, mother, daughters)
    made.entity = Entity("customers", TABLE, (KEY,), COLUMNS, "Debiteuren")
    return made


def test_hostile_names_sync_like_any_other_on_every_engine(group: Group) -> None:
    checked = engine.check(group.spec)
    assert checked.exit_code == 0, checked.problems
    report = group.sync()
    assert report.status == "ok", report.error
    expected = rows(group.mother)
    assert len(expected) == 3
    for daughter in group.daughters:
        assert rows(daughter) == expected, daughter.name
        assert victim_stands(daughter), daughter.name
    assert victim_stands(group.mother)

    group.mother.execute(f'UPDATE "{TABLE.replace(chr(34), chr(34) * 2)}" SET "na`me" = ? '
                         f"WHERE \"co'de\" = ?", ("Nieuwe'naam\"; --", "D;102"))
    again = group.sync()
    assert [group.counts(again, i)["updated"] for i in range(3)] == [1, 1, 1]
    for daughter in group.daughters:
        assert rows(daughter) == rows(group.mother)


@pytest.mark.parametrize("named", [
    {"fields": ("na`me", "city; DROP TABLE victim")},
    {"key": ("co'de) OR 1=1 --",)},
    {"table": "victim; DROP TABLE victim"},
])
def test_a_name_not_in_the_catalog_is_refused_before_any_sql(group: Group,
                                                              named: dict[str, Any]) -> None:
    group.entity = replace(group.entity, **named)
    checked = engine.check(group.spec)
    assert checked.exit_code != 0
    with pytest.raises(ConfigError) as refused:
        group.sync()
    wrong = next(iter(named.values()))
    wrong = wrong if isinstance(wrong, str) else wrong[-1]
    assert wrong in str(refused.value)
    for administration in (group.mother, *group.daughters):
        assert victim_stands(administration)
