"""What the settings dialog shows of an administration (`engine.browse`), against real
databases: a SQLite file (through sqlite3 and through the SQLite3 ODBC driver) and a
database of its own in PostgreSQL and in MariaDB. The tables a user can pick, a primary key
in key order, records in the order the sync reads them, a connection test in words, and the
ODBC data sources and drivers of this machine."""

from __future__ import annotations

import re
import socket
import sqlite3
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import engine
from engine import Administration, DatabaseError
from tests.books import CUSTOMERS, Books, ServerBooks
from tests.servers import SQLITE_DRIVER, Server, drivers, odbc_ini, unavailable

ENGINES = ("sqlite", "sqlite-odbc", "postgres", "mariadb")

# The key's columns in another order than the table's: a driver that numbers a key's
# columns by their place in the table (KEY_SEQ) gives (item, pricelist).
PRICES = ("CREATE TABLE prices (item VARCHAR(10), pricelist INTEGER, price NUMERIC(10, 2), "
          "PRIMARY KEY (pricelist, item))")
LOG = "CREATE TABLE log (at VARCHAR(30), note VARCHAR(50))"
CITIES = "CREATE VIEW cities AS SELECT DISTINCT city FROM customers"
SERIAL = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT",  # SQLite adds sqlite_sequence
          "postgres": "SERIAL PRIMARY KEY", "mariadb": "INTEGER AUTO_INCREMENT PRIMARY KEY"}
TABLES = ["cities", "customers", "log", "prices", "Routes"]  # case-insensitive order

# Binary (code point) order, as the sync reads keys: 10 < 9 < B < a < Ö.
CUSTOMERS_ROWS = [
    ("a", "appel vof", "Venlo  ", 12.5),
    ("Ö", "Österreich Handel", "Wien", 7),
    ("B", "Bakkerij de Vries", "Utrecht", 1000),
    ("9", "Café Ĳsselmeer", "Lelystad", 0.25),
    ("10", "Łódź Handel BV", "Venlo", 1000),
]
BINARY_ORDER = [("10",), ("9",), ("B",), ("a",), ("Ö",)]


def schema(kind: str) -> str:
    q = "`" if kind == "mariadb" else '"'
    routes = f"CREATE TABLE {q}Routes{q} (id {SERIAL[kind]}, name VARCHAR(20))"
    return "; ".join((CUSTOMERS, PRICES, LOG, CITIES, routes))


@pytest.fixture(params=ENGINES)
def books(request: pytest.FixtureRequest, tmp_path: Path) -> Books:
    """The mother 'Holding' in each engine, with customers (five, keys in mixed case),
    prices (a composite key), log (no key), the view cities and the table Routes."""
    kind: str = request.param
    if kind.startswith("sqlite"):
        odbc = kind == "sqlite-odbc"
        if odbc and SQLITE_DRIVER not in drivers():
            unavailable(f"the ODBC driver '{SQLITE_DRIVER}' is not installed")
        books = Books(tmp_path / "holding.db", "Holding", schema("sqlite"), odbc=odbc)
    else:
        server: Server = request.getfixturevalue(kind)
        books = ServerBooks(server, "Holding", schema(kind))
    for code, name, city, credit in CUSTOMERS_ROWS:
        books.add(code, name, city, credit)
    for item, pricelist, price in (("c", 2, "2.50"), ("a", 10, "1"), ("a", 2, "3"),
                                   ("B", 2, "4")):
        books.execute("INSERT INTO prices VALUES (?, ?, ?)", (item, pricelist, Decimal(price)))
    return books


def kind_of(books: Books) -> str:
    if isinstance(books, ServerBooks):
        return "postgres" if books.server.name == "PostgreSQL" else "mariadb"
    return "sqlite-odbc" if books.odbc else "sqlite"


def test_the_tables_are_the_users_own_sorted_case_insensitively(books: Books) -> None:
    with engine.browse(books.admin) as b:
        assert b.tables() == TABLES
    if not isinstance(books, ServerBooks):  # the engine's own table is there, and left out
        assert books.query("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")


def test_the_primary_key_in_key_order(books: Books) -> None:
    with engine.browse(books.admin) as b:
        assert b.primary_key("prices") == ["pricelist", "item"]
        assert b.primary_key("PRICES") == ["pricelist", "item"]  # found as columns() finds it
        assert b.primary_key("customers") == ["code"]
        assert b.primary_key("log") == []
        assert b.primary_key("cities") == []
        assert b.columns("prices") == ["item", "pricelist", "price"]


def test_a_missing_table_is_named(books: Books) -> None:
    with engine.browse(books.admin) as b:
        for look in (b.primary_key, b.columns,
                     lambda t: b.records(t, ["code"], ["name"])):
            with pytest.raises(DatabaseError, match="table 'invoices' does not exist") as error:
                look("invoices")
            assert error.value.administration == "Holding"
            assert "Correct the table name" in str(error.value)


def test_records_in_binary_key_order_with_the_shown_values_normalised(books: Books) -> None:
    with engine.browse(books.admin) as b:
        records = b.records("customers", ["code"], ["name", "city", "credit"])
        assert records.truncated is False
        assert [key for key, _ in records.rows] == BINARY_ORDER
        shown = dict(records.rows)
        # Padding gone, numbers as numbers whatever the engine's type (Decimal('1000.00'),
        # 1000, 12.5 or Decimal('12.50')).
        assert shown[("a",)] == ("appel vof", "Venlo", Decimal("12.5"))
        assert str(shown[("a",)][2]) == "12.5"
        assert type(shown[("B",)][2]) is int and shown[("B",)] == (
            "Bakkerij de Vries", "Utrecht", 1000)
        assert shown[("Ö",)] == ("Österreich Handel", "Wien", 7)
        # A column named in another case, and a key column shown as well.
        again = b.records("CUSTOMERS", ["CODE"], ["Name", "code"])
        assert again.rows[0] == (("10",), ("Łódź Handel BV", "10"))


def test_records_by_a_composite_key(books: Books) -> None:
    with engine.browse(books.admin) as b:
        records = b.records("prices", ["pricelist", "item"], ["price"])
    assert records.rows == [((2, "B"), (4,)), ((2, "a"), (3,)), ((2, "c"), (Decimal("2.5"),)),
                            ((10, "a"), (1,))]


def test_records_beyond_the_limit_are_cut_off_and_say_so(books: Books) -> None:
    with engine.browse(books.admin) as b:
        first = b.records("customers", ["code"], [], limit=2)
        assert first.rows == [(("10",), ()), (("9",), ())] and first.truncated
        assert not b.records("customers", ["code"], [], limit=5).truncated
        assert len(b.records("customers", ["code"], [], limit=4).rows) == 4
        assert b.records("customers", ["code"], [], limit=4).truncated
        assert b.records("log", ["at"], ["note"]) == engine.Records([], truncated=False)


def test_a_wrong_column_name_is_named_as_the_sync_names_it(books: Books) -> None:
    with engine.browse(books.admin) as b:
        with pytest.raises(DatabaseError, match=re.escape(
                "table 'customers' has no column 'naam'. Did you mean 'name'?")):
            b.records("customers", ["code"], ["naam"])
        with pytest.raises(DatabaseError, match="has no column 'kode'"):
            b.records("customers", ["kode"], ["name"])


def test_describe_names_the_dbms_its_version_the_database_and_the_tables(
        books: Books) -> None:
    number = r"(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))+"  # no ODBC zero padding (10.11.000019)
    expected = {
        "sqlite": re.escape(f"Connected to SQLite {sqlite3.sqlite_version}, file 'holding.db'"),
        "sqlite-odbc": rf"Connected to SQLite {number}, file 'holding\.db'",
        "postgres": rf"Connected to PostgreSQL {number}, database '{books.path}'",
        "mariadb": rf"Connected to MariaDB {number}, database '{books.path}'",
    }[kind_of(books)] + r": 5 tables\."
    with engine.browse(books.admin) as b:
        text = b.describe()
    assert re.fullmatch(expected, text), text
    assert "Holding" not in text  # the dialog names the administration
    assert engine.test_connection(books.admin) == text


def test_describe_counts_one_table(tmp_path: Path) -> None:
    books = Books(tmp_path / "small.db", "Holding", LOG)
    assert engine.test_connection(books.admin).endswith("file 'small.db': 1 table.")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_server_that_refuses_fails_the_test_in_words(
        postgres: Server, mariadb: Server) -> None:
    port = closed_port()
    for server in (postgres, mariadb):
        refused = re.sub(r"Port=\d+", f"Port={port}", server.database_string("holding"))
        assert refused != server.database_string("holding")
        with pytest.raises(DatabaseError) as error:
            engine.test_connection(Administration("Holding", f"odbc:{refused}", connect_timeout=5))
        message = str(error.value)
        assert message.startswith("Administration 'Holding': cannot connect: "), message
        assert "Check that the server is running and reachable" in message


def test_a_missing_sqlite_file_fails_the_test_in_words(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match=r"'.*nowhere\.db' does not exist\. Check the path"):
        engine.test_connection(Administration("Holding", f"sqlite:{tmp_path / 'nowhere.db'}"))


def test_only_the_default_schemas_tables_are_listed(postgres: Server) -> None:
    # The catalog takes a schema as a pattern: 'boek_x' also matches 'boek0x'.
    books = ServerBooks(postgres, "Holding",
                        "CREATE SCHEMA boek_x; CREATE SCHEMA boek0x; "
                        "CREATE TABLE boek_x.customers (code VARCHAR(9) PRIMARY KEY); "
                        "CREATE TABLE boek0x.prices (item VARCHAR(9), pricelist INTEGER, "
                        "PRIMARY KEY (pricelist, item)); CREATE TABLE public.log (at TEXT)")
    books.execute(f"ALTER DATABASE {books.database_name} SET search_path = boek_x")
    with engine.browse(books.admin) as b:
        assert b.tables() == ["customers"]
        assert b.primary_key("boek0x.prices") == ["pricelist", "item"]


def test_the_odbc_drivers_and_data_sources_of_this_machine(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = drivers()
    for needed in ("PostgreSQL Unicode", "MariaDB Unicode", SQLITE_DRIVER):
        if needed not in installed:
            unavailable(f"the ODBC driver '{needed}' is not installed")
    found = engine.odbc_drivers()
    assert set(found) == set(installed)
    assert found == sorted(found, key=str.lower)

    books = Books(tmp_path / "holding.db", "Holding", LOG)
    monkeypatch.setenv("ODBCINI", str(odbc_ini(tmp_path, "Boekhouding", books.path)))
    sources = engine.odbc_data_sources()
    assert sources["Boekhouding"] == SQLITE_DRIVER
    # The DSN picked from the list is one the engine connects with.
    text = engine.test_connection(Administration("Holding", "odbc:DSN=Boekhouding"))
    assert text.endswith("file 'holding.db': 1 table."), text


def test_without_odbc_there_is_nothing_to_pick_and_no_error(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "pyodbc", None)  # import pyodbc: ImportError
    assert engine.odbc_data_sources() == {}
    assert engine.odbc_drivers() == []
    books = Books(tmp_path / "holding.db", "Holding", LOG)  # SQLite still answers
    assert engine.test_connection(books.admin).startswith("Connected to SQLite ")
