"""Syncs between engines over ODBC, against the real servers: a PostgreSQL mother to MariaDB
and SQLite daughters (through sqlite3 and through the SQLite3 ODBC driver), a MariaDB mother
to a PostgreSQL daughter, keys read in binary order under case-insensitive and language
collations, page by page; values compared after normalisation, so a second run changes
nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import engine
from engine import Entity, runner
from engine.db import odbc
from engine.db.odbc import attributes, driver_message
from engine.db.values import normalize
from tests.books import CUSTOMERS, Books, Group, ServerBooks, variant
from tests.conftest import fill
from tests.servers import Server

FIELDS = ("name", "unit", "price", "weight", "stock", "since", "changed", "active", "blocked",
          "note")
ITEMS = Entity("items", "items", ("code",), FIELDS, "Artikelen")

# Binary (code point) order: 10 < 9 < B < Z < a < Ö. A language collation (PostgreSQL's ICU
# root) and MariaDB's case-insensitive default sort them otherwise: 10, 9, a, B, Ö, Z.
ROWS: list[tuple[Any, ...]] = [
    ("10", "Ĳsselmeer kaas", "kg", Decimal("12.50"), 1.25, 10, dt.date(2026, 1, 2),
     dt.datetime(2026, 1, 2, 10, 1, 2), True, "N", None),
    ("9", "Café crème", "st", Decimal("0.99"), 0.5, 0, dt.date(2024, 2, 29),
     dt.datetime(2026, 12, 3, 23, 59, 59), False, "J", "Łódź"),
    ("B", "Bolletje", None, None, None, None, None, None, None, None, None),
    ("Z", "Zeeuwse bolus", "doos", Decimal("1000.00"), 0.1, -5, dt.date(1999, 12, 31),
     dt.datetime(2000, 1, 1, 0, 0, 0), True, "J", "naïef"),
    ("a", "appel", "st", Decimal("0.10"), 0.2, 7, dt.date(2026, 12, 3),
     dt.datetime(2026, 12, 3, 8, 0, 0), False, "N", ""),
    ("Ö", "Österreichische Äpfel", "kist", Decimal("7.05"), 12.0, 3, dt.date(2026, 6, 1),
     dt.datetime(2026, 6, 1, 12, 30, 0), True, "N", "Ĳ ĳ Ł ł"),
]
BINARY_ORDER = ["10", "9", "B", "Z", "a", "Ö"]


def items_schema(kind: str) -> str:
    timestamp = "DATETIME" if kind == "mariadb" else "TIMESTAMP"
    collation = ' COLLATE "und-x-icu"' if kind == "postgres" else ""
    return (f"CREATE TABLE items (code VARCHAR(20){collation} PRIMARY KEY, name VARCHAR(100), "
            "unit CHAR(4), price NUMERIC(12, 2), weight DOUBLE PRECISION, stock INTEGER, "
            f"since DATE, changed {timestamp}, active BOOLEAN, blocked CHAR(1), "
            "note VARCHAR(200))")


def fill_items(books: Books, rows: list[tuple[Any, ...]] = ROWS) -> None:
    marks = ", ".join("?" * len(rows[0]))
    for row in rows:
        books.execute(f"INSERT INTO items VALUES ({marks})", row)


def normalized(books: Books) -> dict[Any, dict[str, Any]]:
    return {normalize(k): {c: normalize(v) for c, v in r.items()}
            for k, r in books.rows("items").items()}


def raw(books: ServerBooks) -> dict[str, tuple[Any, ...]]:
    conn = books.connect()
    try:
        return {r[0]: tuple(r) for r in conn.execute("SELECT * FROM items").fetchall()}
    finally:
        conn.close()


def items_group(folder: Path, mother: Books, *daughters: Books) -> Group:
    return Group(folder, mother, list(daughters), entity=ITEMS)


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two rows per read, so every table is walked over several keyset pages (also where
    the key is read against its collation, which otherwise reads 50,000 rows at a time)."""
    monkeypatch.setattr(runner, "PAGE", 2)
    monkeypatch.setattr(odbc, "SORTED_READ_ROWS", 2)


def test_postgres_mother_to_mariadb_and_sqlite_daughters(
        tmp_path: Path, postgres: Server, mariadb: Server, small_pages: None) -> None:
    mother = ServerBooks(postgres, "Holding", items_schema("postgres"))
    fill_items(mother)
    noord = ServerBooks(mariadb, "Noord", items_schema("mariadb"))
    zuid = Books(tmp_path / "zuid.db", "Zuid", items_schema("sqlite"))
    west = Books(tmp_path / "west.db", "West", items_schema("sqlite"), odbc=True)
    g = items_group(tmp_path, mother, noord, zuid, west)

    first = g.sync()
    assert first.status == "ok", [d.error for d in first.daughters]
    for i, daughter in enumerate(g.daughters):
        assert g.counts(first, i)["created"] == len(ROWS)
        assert normalized(daughter) == normalized(mother), daughter.name
    # Exactly the mother's values, in MariaDB's own types.
    assert raw(noord) == {r[0]: (*r[:8], {True: 1, False: 0, None: None}[r[8]], *r[9:])
                          for r in ROWS}

    second = g.sync()
    assert second.status == "ok"
    for i in range(3):
        assert g.counts(second, i) == {"created": 0, "updated": 0, "unchanged": len(ROWS),
                                       "conflicts": 0, "failed": 0, "skipped": 0,
                                       "removed": 0}
    assert engine.show(g.spec, second.run_id).changes == []

    mother.execute("UPDATE items SET price = ?, note = ?, active = ? WHERE code = ?",
                   (Decimal("13.75"), "Ĳ nieuw", False, "10"))
    third = g.sync()
    for i, daughter in enumerate(g.daughters):
        assert g.counts(third, i)["updated"] == 1
        assert normalized(daughter) == normalized(mother), daughter.name


def test_mariadb_mother_to_postgres_daughter(
        tmp_path: Path, postgres: Server, mariadb: Server, small_pages: None) -> None:
    mother = ServerBooks(mariadb, "Holding", items_schema("mariadb"))
    fill_items(mother)
    daughter = ServerBooks(postgres, "Zuid", items_schema("postgres"))
    g = items_group(tmp_path, mother, daughter)
    assert g.counts(g.sync())["created"] == len(ROWS)
    assert raw(daughter) == {r[0]: (*r[:2], r[2] and r[2].ljust(4), *r[3:]) for r in ROWS}
    assert g.counts(g.sync())["unchanged"] == len(ROWS)

    mother.execute("UPDATE items SET active = 0, since = NULL WHERE code = 'Ö'")
    report = g.sync()
    assert g.counts(report)["updated"] == 1
    assert raw(daughter)["Ö"][8] is False and raw(daughter)["Ö"][6] is None
    (change,) = engine.show(g.spec, report.run_id).changes or []
    assert change.key == ("Ö",)
    assert change.fields == {"since": (dt.date(2026, 6, 1), None), "active": (True, 0)}


def test_keys_are_walked_in_binary_order_under_any_collation(
        postgres: Server, mariadb: Server, small_pages: None) -> None:
    for server, kind in ((postgres, "postgres"), (mariadb, "mariadb")):
        books = ServerBooks(server, "Holding", items_schema(kind))
        fill_items(books)
        db = engine.db.connect(books.admin)
        try:
            keys = [row[0] for page in engine.db.base.iterate_pages(
                db, "items", ["code"], ["code"], 2) for row in page]
            assert db.read_size("items", ["stock"], 2) == 2  # a number: the index's order
        finally:
            db.close()
        assert keys == BINARY_ORDER, kind


def test_a_key_sorted_per_read_is_read_in_large_pages(postgres: Server) -> None:
    books = ServerBooks(postgres, "Holding", items_schema("postgres"))  # ICU collation
    plain = ServerBooks(postgres, "Zuid", variant(items_schema("sqlite"), "code VARCHAR(20)",
                                                  'code VARCHAR(20) COLLATE "C"'))
    for sorted_per_read, books_ in ((True, books), (False, plain)):
        db = engine.db.connect(books_.admin)
        try:
            expected = odbc.SORTED_READ_ROWS if sorted_per_read else 5000
            assert db.read_size("items", ["code"], 5000) == expected
        finally:
            db.close()


PRICES = ("CREATE TABLE prices (item VARCHAR(10), pricelist INTEGER, price NUMERIC(10, 2), "
          "PRIMARY KEY (item, pricelist))")


def test_a_composite_key_over_several_pages(
        tmp_path: Path, postgres: Server, mariadb: Server, small_pages: None) -> None:
    mother = ServerBooks(postgres, "Holding", PRICES)
    daughter = ServerBooks(mariadb, "Noord", PRICES)
    for item in ("a", "B", "c"):
        for pricelist in (1, 2, 10):
            mother.execute("INSERT INTO prices VALUES (?, ?, ?)",
                           (item, pricelist, Decimal(pricelist) / 4))
    g = Group(tmp_path, mother, [daughter],
              entity=Entity("prices", "prices", ("item", "pricelist"), ("price",)))
    assert g.counts(g.sync())["created"] == 9
    mother.execute("UPDATE prices SET price = 99 WHERE item = 'B' AND pricelist = 10")
    mother.execute("DELETE FROM prices WHERE item = 'a' AND pricelist = 2")
    daughter.execute("DELETE FROM prices WHERE item = 'c' AND pricelist = 1")
    report = g.sync()
    assert g.counts(report) == {"created": 1, "updated": 1, "unchanged": 6, "conflicts": 0,
                                "failed": 0, "skipped": 0, "removed": 0}


def test_a_rejected_record_is_isolated_with_the_databases_message(
        tmp_path: Path, postgres: Server, mariadb: Server) -> None:
    mother = ServerBooks(postgres, "Holding", items_schema("postgres"))
    fill_items(mother)
    daughters = [ServerBooks(server, name, variant(items_schema(kind), "name VARCHAR(100)",
                                                   "name VARCHAR(12)"))
                 for server, name, kind in ((postgres, "Zuid", "postgres"),
                                            (mariadb, "Noord", "mariadb"))]
    g = items_group(tmp_path, mother, *daughters)
    for _ in range(2):  # and tried again on the next run
        report = g.sync()
        assert report.status == "attention"
        for i, daughter in enumerate(daughters):
            counts = g.counts(report, i)
            long_names = sum(len(r[1]) > 12 for r in ROWS)
            assert counts["failed"] == long_names
            assert set(daughter.rows("items")) == {r[0] for r in ROWS if len(r[1]) <= 12}
    messages = [{f.key: f.message for f in d.failures} for d in report.daughters]
    assert "value too long for type character varying(12)" in messages[0][("10",)]
    assert "Data too long for column 'name'" in messages[1][("Ö",)]


def test_connection_strings_are_read_as_odbc_reads_them() -> None:
    assert attributes("Driver={MariaDB Unicode};Server=db1;PWD={a;b}}c};Database=MVL00001") == {
        "driver": "MariaDB Unicode", "server": "db1", "pwd": "a;b}c", "database": "MVL00001"}
    assert attributes(" DSN = Noord ;") == {"dsn": "Noord"}

    class Fake(Exception):
        pass

    error = Fake("08001", "[08001] connection to server failed: secret123 refused (101) "
                          "(SQLDriverConnect)")
    assert driver_message(error, "secret123") == "connection to server failed: *** refused"
    at_the_end = Fake("28000", "[28000] bad password 'geheim.' (1045) (SQLDriverConnect)")
    assert driver_message(at_the_end, "geheim.") == "bad password '***'"
    braced = Fake("HY000", "[HY000] in Pwd={a}}b}; refused. (0) (SQLDriverConnect)")
    assert "a}" not in driver_message(braced, "a}b")


def test_table_names_are_found_in_the_catalogs_case_and_schema(
        tmp_path: Path, postgres: Server, mariadb: Server) -> None:
    # PostgreSQL and MariaDB both keep the table as 'customers'; the config says CUSTOMERS.
    g = fill(Group(tmp_path, ServerBooks(postgres, "Holding"), [ServerBooks(mariadb, "Noord")],
                   entity=Entity("customers", "CUSTOMERS", ("CODE",), ("Name", "CITY"))))
    report = g.sync()
    assert report.status == "ok", report.daughters[0].error
    assert g.counts(report)["created"] == 3
    # A schema named in front: found there, not in the default schema.
    in_schema = "CREATE SCHEMA boek; " + variant(CUSTOMERS, "TABLE customers",
                                                 "TABLE boek.customers")
    mother = ServerBooks(postgres, "Holding", in_schema + "; " + CUSTOMERS)
    mother.execute("INSERT INTO boek.customers (code, name) VALUES ('B1', 'In boek')")
    mother.execute("INSERT INTO customers (code, name) VALUES ('P1', 'In public')")
    g = Group(tmp_path / "schema", mother, [ServerBooks(postgres, "Zuid", in_schema)],
              entity=Entity("customers", "boek.customers", ("code",), ("name",)))
    (tmp_path / "schema").mkdir()
    assert g.counts(g.sync())["created"] == 1
    assert list(g.daughters[0].rows("boek.customers")) == ["B1"]


def test_an_underscore_in_a_table_name_is_not_a_wildcard(
        postgres: Server, mariadb: Server) -> None:
    # The ODBC catalog functions take patterns: 'deb_1' also matches 'debx1'.
    for server in (postgres, mariadb):
        books = ServerBooks(server, "Noord", "CREATE TABLE debx1 (other INTEGER); "
                                             "CREATE TABLE deb_1 (code VARCHAR(5), naam TEXT)")
        db = engine.db.connect(books.admin)
        try:
            assert db.columns("deb_1") == ["code", "naam"]
            assert db.columns("DEB_1") == ["code", "naam"]
        finally:
            db.close()


def test_keys_equal_under_a_case_insensitive_collation_are_written_one_by_one(
        tmp_path: Path, mariadb: Server) -> None:
    # MariaDB's default collation says 'a' = 'A'; without a unique index the daughter holds
    # both, and an update meant for one must not change the other.
    no_key = variant(CUSTOMERS, "code VARCHAR(20) PRIMARY KEY", "code VARCHAR(20)")
    g = Group(tmp_path, Books(tmp_path / "mother.db", "Holding"),
              [ServerBooks(mariadb, "Noord", no_key)])
    g.mother.add("A", "Aap BV")
    g.mother.add("a", "aap vof")
    assert g.counts(g.sync())["created"] == 2
    g.mother.set("a", name="aap vof NIEUW")
    assert g.counts(g.sync())["updated"] == 1
    names = {r["code"]: r["name"] for r in g.daughters[0].query("SELECT * FROM customers")}
    assert names == {"A": "Aap BV", "a": "aap vof NIEUW"}
    again = g.counts(g.sync())
    assert again["unchanged"] == 2 and again["conflicts"] == 0


BIG = 8_712_345_678_906  # an EAN: more than 32 bits


def test_big_integers_through_the_sqlite_odbc_driver(tmp_path: Path, postgres: Server) -> None:
    schema = "CREATE TABLE items (code VARCHAR(9) PRIMARY KEY, ean BIGINT)"
    mother = Books(tmp_path / "mother.db", "Holding", schema, odbc=True)
    mother.execute("INSERT INTO items VALUES (?, ?)", ("A1", BIG))
    west = Books(tmp_path / "west.db", "West", schema, odbc=True)
    g = Group(tmp_path, mother, [ServerBooks(postgres, "Zuid", schema), west],
              entity=Entity("items", "items", ("code",), ("ean",)))
    assert g.sync().status == "ok"
    assert [d.rows("items")["A1"]["ean"] for d in g.daughters] == [BIG, BIG]
    report = g.sync()
    assert [g.counts(report, i)["unchanged"] for i in range(2)] == [1, 1]


def test_fractions_of_seconds_are_written_whole(
        tmp_path: Path, postgres: Server, mariadb: Server) -> None:
    def schema(kind: str) -> str:
        stamp = "DATETIME(6)" if kind == "mariadb" else "TIMESTAMP(6)"
        return f"CREATE TABLE log (code VARCHAR(9) PRIMARY KEY, seen {stamp})"

    mother = ServerBooks(postgres, "Holding", schema("postgres"))
    mother.execute("INSERT INTO log VALUES (?, ?)", ("A1", "2026-01-02 10:01:02.123456"))
    g = Group(tmp_path, mother, [ServerBooks(mariadb, "Noord", schema("mariadb")),
                                 ServerBooks(postgres, "Zuid", schema("postgres"))],
              entity=Entity("log", "log", ("code",), ("seen",)))
    assert g.sync().status == "ok"
    for daughter in g.daughters:
        assert daughter.rows("log") == mother.rows("log"), daughter.name
    report = g.sync()
    assert [g.counts(report, i)["unchanged"] for i in range(2)] == [1, 1]


def test_a_schema_name_with_an_underscore_is_not_a_pattern(
        tmp_path: Path, postgres: Server) -> None:
    schemas = ("CREATE SCHEMA boek0x; CREATE SCHEMA boek_x; "
               "CREATE TABLE boek0x.customers (code VARCHAR(9) PRIMARY KEY, name TEXT); "
               "CREATE TABLE boek_x.customers (code VARCHAR(9) PRIMARY KEY, name TEXT)")
    books = ServerBooks(postgres, "Holding", schemas)
    books.execute("INSERT INTO boek_x.customers VALUES ('X1', 'in boek_x')")
    db = engine.db.connect(books.admin)
    try:
        assert db.read_page("boek_x.customers", ["code", "name"], ["code"], None, 10) == [
            ("X1", "in boek_x")]
    finally:
        db.close()


def test_keys_of_a_latin1_column_are_read_in_code_point_order(mariadb: Server) -> None:
    books = ServerBooks(mariadb, "Noord", "CREATE TABLE t (code VARCHAR(5) PRIMARY KEY) "
                                          "CHARACTER SET latin1")
    for code in ("é", "a", "Š", "€", "Z"):
        books.execute("INSERT INTO t VALUES (?)", (code,))
    db = engine.db.connect(books.admin)
    try:
        keys = [r[0] for page in engine.db.base.iterate_pages(db, "t", ["code"], ["code"], 2)
                for r in page]
    finally:
        db.close()
    assert keys == sorted(["é", "a", "Š", "€", "Z"])


def test_times_with_fractions_of_a_second_round_trip(
        tmp_path: Path, postgres: Server, mariadb: Server) -> None:
    schema = "CREATE TABLE shifts (code VARCHAR(9) PRIMARY KEY, starts TIME(6))"
    mother = ServerBooks(postgres, "Holding", schema)
    mother.execute("INSERT INTO shifts VALUES ('S1', '08:30:00.250000'), ('S2', '17:00:00')")
    g = Group(tmp_path, mother, [ServerBooks(mariadb, "Noord", schema),
                                 Books(tmp_path / "west.db", "West", schema, odbc=True)],
              entity=Entity("shifts", "shifts", ("code",), ("starts",)))
    assert g.sync().status == "ok"
    for daughter in g.daughters:  # (as text: ODBC's own TIME has no fractions)
        (row,) = daughter.query("SELECT CAST(starts AS CHAR(15)) AS t FROM shifts "
                                "WHERE code = 'S1'")
        assert row["t"].startswith("08:30:00.25"), daughter.name
    report = g.sync()
    assert [g.counts(report, i)["unchanged"] for i in range(2)] == [2, 2]


def test_a_datetime_key_with_microseconds(
        tmp_path: Path, postgres: Server, mariadb: Server, small_pages: None) -> None:
    def schema(kind: str) -> str:
        stamp = "DATETIME(6)" if kind == "mariadb" else "TIMESTAMP(6)"
        return f"CREATE TABLE ticks (at {stamp} PRIMARY KEY, note VARCHAR(9))"

    mother = ServerBooks(postgres, "Holding", schema("postgres"))
    for i in range(5):
        mother.execute("INSERT INTO ticks VALUES (?, ?)",
                       (f"2026-01-02 10:00:00.00000{i}", f"tik {i}"))
    g = Group(tmp_path, mother, [ServerBooks(mariadb, "Noord", schema("mariadb"))],
              entity=Entity("ticks", "ticks", ("at",), ("note",)))
    assert g.counts(g.sync())["created"] == 5
    mother.execute("UPDATE ticks SET note = 'nieuw' WHERE at = '2026-01-02 10:00:00.000003'")
    assert g.counts(g.sync()) == {"created": 0, "updated": 1, "unchanged": 4, "conflicts": 0,
                                  "failed": 0, "skipped": 0, "removed": 0}
    notes = {r["note"] for r in g.daughters[0].query("SELECT * FROM ticks")}
    assert notes == {"tik 0", "tik 1", "tik 2", "nieuw", "tik 4"}


def test_a_mother_may_hold_keys_equal_only_under_its_collation(
        tmp_path: Path, mariadb: Server, postgres: Server) -> None:
    loose = variant(CUSTOMERS, "code VARCHAR(20) PRIMARY KEY", "code VARCHAR(20)")
    g = Group(tmp_path, ServerBooks(mariadb, "Holding", loose), [ServerBooks(postgres, "Zuid")])
    g.mother.add("A", "Aap BV")
    g.mother.add("a", "aap vof")
    assert g.counts(g.sync())["created"] == 2
    assert {c: r["name"] for c, r in g.daughters[0].rows().items()} == {
        "A": "Aap BV", "a": "aap vof"}
