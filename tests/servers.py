"""The real database servers the ODBC tests run against, and throw-away databases in them.

Each server is reached through its ODBC driver with a connection string without a database:
`STAMSYNC_TEST_POSTGRES` and `STAMSYNC_TEST_MARIADB`, by default the local servers
(PostgreSQL 127.0.0.1:5432 user postgres, MariaDB 127.0.0.1:3306 user root, no passwords).
A server that does not answer is started once with the commands below when this machine has
them. When a server or driver is still missing the tests that need it are skipped, unless
`STAMSYNC_REQUIRE_SERVERS=1` (set by `.ci/run`): then they fail, so CI never skips one.

Every test gets databases of its own, with unique names, dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REQUIRED = os.environ.get("STAMSYNC_REQUIRE_SERVERS") == "1"


@dataclass
class Server:
    """A database server: how to reach it, how to start it, how to make a database in it."""

    name: str
    driver: str
    connection: str
    maintenance: str
    """The database to connect to when creating and dropping others."""
    start: list[str]
    quote: str
    made: list[str] = field(default_factory=list)

    def database_string(self, database: str) -> str:
        return f"{self.connection.rstrip(';')};Database={database}"

    def connect(self, database: str | None = None) -> Any:
        import pyodbc

        mariadb = self.name == "MariaDB"
        options = (";BoolsAsChar=0" if self.name == "PostgreSQL" else  # as stamsync does
                   ";CHARSET=utf8mb4" if mariadb else "")
        conn = pyodbc.connect(self.database_string(database or self.maintenance) + options,
                              autocommit=True, timeout=5)
        if mariadb:  # as stamsync does: its driver mangles some text as UTF-16
            for sql_type in (pyodbc.SQL_CHAR, pyodbc.SQL_WCHAR):
                conn.setdecoding(sql_type, encoding="utf-8")
            conn.setencoding(encoding="utf-8")
        return conn

    def answering(self) -> bool:
        try:
            self.connect().close()
        except Exception:
            return False
        return True

    def create_database(self) -> str:
        name = f"stamsync_t_{uuid.uuid4().hex[:12]}"
        with contextlib.closing(self.connect()) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        self.made.append(name)
        return name

    def drop_databases(self) -> None:
        with contextlib.closing(self.connect()) as conn:
            while self.made:
                name = self.made.pop()
                force = " WITH (FORCE)" if self.name == "PostgreSQL" else ""
                conn.execute(f"DROP DATABASE IF EXISTS {name}{force}")


def _postgres_start() -> list[str]:
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").is_dir() else []
    if not versions or not shutil.which("pg_ctlcluster"):
        return []
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].name, "main", "start"]


def _mariadb_start() -> list[str]:
    if not Path("/usr/sbin/mariadbd").exists() or not shutil.which("start-stop-daemon"):
        return []
    return ["start-stop-daemon", "--start", "--oknodo", "--background",
            "--exec", "/usr/sbin/mariadbd"]


SERVERS = {
    "postgres": Server(
        "PostgreSQL", "PostgreSQL Unicode",
        os.environ.get("STAMSYNC_TEST_POSTGRES",
                       "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Uid=postgres;Pwd="),
        "postgres", _postgres_start(), '"'),
    "mariadb": Server(
        "MariaDB", "MariaDB Unicode",
        os.environ.get("STAMSYNC_TEST_MARIADB",
                       "Driver={MariaDB Unicode};Server=127.0.0.1;Port=3306;User=root;Password="),
        "mysql", _mariadb_start(), "`"),
}

SQLITE_DRIVER = "SQLite3"


def unavailable(message: str) -> None:
    """Skip the test, or fail it where the servers are required (CI)."""
    if REQUIRED:
        pytest.fail(f"{message} (STAMSYNC_REQUIRE_SERVERS=1: database tests may not skip)")
    pytest.skip(message)


def drivers() -> list[str]:
    try:
        import pyodbc
    except ImportError as error:
        unavailable(f"pyodbc cannot be imported ({error}); install unixodbc")
        return []
    return list(pyodbc.drivers())


_checked: dict[str, bool] = {}


def ready(key: str) -> Server:
    """The server, answering (started if need be), or the test is skipped/failed."""
    server = SERVERS[key]
    if server.driver not in drivers():
        unavailable(f"the ODBC driver '{server.driver}' is not installed")
    if key not in _checked:
        up = server.answering()
        if not up and server.start:
            subprocess.run(server.start, check=False, capture_output=True)
            for _ in range(60):
                if server.answering():
                    up = True
                    break
                time.sleep(0.5)
        _checked[key] = up
    if not _checked[key]:
        unavailable(f"{server.name} does not answer at '{server.connection}'")
    return server


def odbc_ini(folder: Path, dsn: str, database: Path) -> Path:
    """A file of user DSNs (unixODBC reads it where ODBCINI points): `dsn` for a SQLite
    file through the SQLite3 ODBC driver."""
    ini = folder / "odbc.ini"
    ini.write_text(f"[{dsn}]\nDriver = {SQLITE_DRIVER}\nDatabase = {database}\n",
                   encoding="utf-8")
    return ini
