"""The SQL each dialect writes, for the engines this machine has no server of (SQL Server,
Gupta SQLBase): the same functions build the SQL that the PostgreSQL, MariaDB and SQLite
tests run against real servers."""

from __future__ import annotations

import pytest

from engine.db.dialects import (
    ANSI,
    MARIADB,
    POSTGRESQL,
    SQL_SERVER,
    SQLITE,
    Dialect,
    dialect_for,
)


@pytest.mark.parametrize(("dbms", "driver", "name", "bulk"), [
    ("PostgreSQL", "psqlodbcw.so", "PostgreSQL", "values"),
    ("MariaDB", "libmaodbc.so", "MariaDB", "values"),
    ("MySQL", "libmyodbc8w.so", "MySQL", "values"),
    ("Microsoft SQL Server", "msodbcsql18.dll", "Microsoft SQL Server", "fast"),
    ("Microsoft SQL Server", "SQLSRV32.DLL", "Microsoft SQL Server", "fast"),
    ("Microsoft SQL Server", "libmsodbcsql-18.3.so.2.1", "Microsoft SQL Server", "fast"),
    ("Microsoft SQL Server", "libtdsodbc.so", "Microsoft SQL Server", "values"),  # FreeTDS
    ("SQLite", "sqlite3odbc.so", "SQLite", "values"),
    ("SQLBase", "gupodbc.dll", "SQLBase", "plain"),
])
def test_the_dialect_follows_the_dbms_the_driver_reports(
        dbms: str, driver: str, name: str, bulk: str) -> None:
    dialect = dialect_for(dbms, driver)
    assert (dialect.name, dialect.bulk) == (name, bulk)


def test_names_are_quoted_per_engine_with_the_quote_doubled() -> None:
    assert POSTGRESQL.quote("public", 'Klant "A"') == '"public"."Klant ""A"""'
    assert MARIADB.quote("shop", "ar`tikel") == "`shop`.`ar``tikel`"
    assert SQL_SERVER.quote("dbo", "DEBITEUR]") == "[dbo].[DEBITEUR]]]"
    assert POSTGRESQL.quote("ci.ty") == '"ci.ty"'  # a dot in a name is part of it


def test_sql_server_binds_at_most_2100_parameters_a_statement() -> None:
    assert SQL_SERVER.rows_per_insert(12) * 12 <= 2100
    assert SQL_SERVER.rows_per_insert(3) == 699
    assert SQL_SERVER.rows_per_insert(5000) == 1  # one row at a time, however wide
    assert POSTGRESQL.rows_per_insert(12) == 1000


@pytest.mark.parametrize(("dialect", "collation", "charset", "wide", "expected"), [
    (POSTGRESQL, "en_US.UTF-8", None, True, '"CODE" COLLATE "C"'),
    (POSTGRESQL, "C.UTF-8", None, True, '"CODE"'),
    (MARIADB, "utf8mb4_general_ci", "utf8mb4", True, "`CODE` COLLATE utf8mb4_bin"),
    (MARIADB, "utf8mb4_bin", "utf8mb4", True, "`CODE`"),
    # latin1 bytes do not sort as code points ('€' is 0x80, 'Š' 0x8A, 'é' 0xE9)
    (MARIADB, "latin1_swedish_ci", "latin1", True,
     "CONVERT(`CODE` USING utf8mb4) COLLATE utf8mb4_bin"),
    (MARIADB, "latin1_bin", "latin1", True, "CONVERT(`CODE` USING utf8mb4) COLLATE utf8mb4_bin"),
    (SQL_SERVER, "Latin1_General_CI_AS", None, True, "[CODE] COLLATE Latin1_General_BIN2"),
    (SQL_SERVER, "Latin1_General_BIN2", None, True, "[CODE]"),
    (SQL_SERVER, "Latin1_General_CI_AS", None, False,  # VARCHAR: a code page, not Unicode
     "CAST([CODE] AS NVARCHAR(4000)) COLLATE Latin1_General_BIN2"),
    (SQLITE, None, None, True, '"CODE" COLLATE BINARY'),
    (ANSI, None, None, True, '"CODE"'),
])
def test_text_keys_are_read_in_binary_order(dialect: Dialect, collation: str | None,
                                            charset: str | None, wide: bool,
                                            expected: str) -> None:
    assert dialect.binary("CODE", collation, charset, wide) == expected


def test_a_page_of_sql_server_rows_after_a_composite_key() -> None:
    order = ["[ITEM] COLLATE Latin1_General_BIN2", "[LIST]"]
    assert SQL_SERVER.page_sql("[dbo].[PRIJS]", ["ITEM", "LIST", "PRICE"], order, True, 500) == (
        "SELECT TOP (500) [ITEM], [LIST], [PRICE] FROM [dbo].[PRIJS] "
        "WHERE ([ITEM] COLLATE Latin1_General_BIN2 > ?) OR "
        "([ITEM] COLLATE Latin1_General_BIN2 = ? AND [LIST] > ?) "
        "ORDER BY [ITEM] COLLATE Latin1_General_BIN2, [LIST]")


def test_an_unknown_engine_gets_plain_ansi_sql_and_pages_by_fetching() -> None:
    sqlbase = dialect_for("SQLBase", "gupodbc.dll")
    assert sqlbase.limit == "fetch" and sqlbase.savepoint == "SAVEPOINT stamsync_record"
    assert sqlbase.page_sql('"DEBITEUR"', ["CODE"], ['"CODE"'], False, 100) == (
        'SELECT "CODE" FROM "DEBITEUR" ORDER BY "CODE"')
    assert sqlbase.insert_sql('"DEBITEUR"', ["CODE", "NAAM"], 1) == (
        'INSERT INTO "DEBITEUR" ("CODE", "NAAM") VALUES (?, ?)')
    assert POSTGRESQL.insert_sql('"d"', ["a"], 3) == 'INSERT INTO "d" ("a") VALUES (?), (?), (?)'
