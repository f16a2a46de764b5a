"""An administration's database string, taken apart for the settings dialog and put
together again: nothing it does not ask about is lost, and no password is ever in it."""

from __future__ import annotations

import pytest

from settings.connection import Connection, compose, parse


@pytest.mark.parametrize("database", [
    "sqlite:data/holding.db",
    "odbc:DSN=Noord",
    "odbc:DSN=Noord;Uid=stamsync;Pwd={password}",
    "odbc:Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=noord;Uid=postgres",
    "odbc:Driver={ODBC Driver 18 for SQL Server};Server=sql01\\MULTIVERS;Database=MVL00001;"
    "Uid=sync;Pwd={password};Encrypt=no;TrustServerCertificate=yes",
])
def test_read_and_written_again_unchanged(database: str) -> None:
    assert compose(parse(database)) == database


def test_the_parts_the_dialog_asks_for() -> None:
    found = parse("odbc:Driver={MariaDB Unicode};SERVER=db1;Port=3306;DATABASE={zuid;2};"
                  "User=root;Password={password};CONN_TIMEOUT=5")
    assert (found.kind, found.driver, found.server, found.port, found.database, found.user,
            found.password, found.extra) == ("driver", "MariaDB Unicode", "db1", "3306",
                                             "zuid;2", "root", True, "CONN_TIMEOUT=5")
    assert parse("odbc:DSN={Noord BV}").dsn == "Noord BV"
    assert parse("nonsense") == Connection()


def test_written_from_the_form() -> None:
    assert compose(Connection("sqlite", path="  ")) == ""
    assert compose(Connection("dsn", dsn="")) == ""
    assert compose(Connection("driver", driver="PostgreSQL Unicode", server="db",
                              database="a;b", user="u", password=True)) == (
        "odbc:Driver={PostgreSQL Unicode};Server=db;Database={a;b};Uid=u;Pwd={password}")
