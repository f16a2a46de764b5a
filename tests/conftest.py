from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from engine import i18n
from tests.books import Books, Group, ServerBooks, make_group
from tests.desktop import Desktop, start_desktop
from tests.servers import Server, ready

os.environ["LANGUAGE"] = "en"
"""Tests read stamsync's English, whatever the machine's language; a test of the Dutch asks
for it (the programs they start inherit this)."""


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Each test starts in English, and a test that switched language leaves English."""
    i18n.use("en")
    yield
    i18n.use("en")


def fill(g: Group) -> Group:
    """Three customers in the mother."""
    g.mother.add("D100", "Bakkerij de Vries", "Utrecht", 1000)
    g.mother.add("D101", "Café Ĳsselmeer", "Lelystad", 2500)
    g.mother.add("D102", "Łódź Handel BV", "Venlo", 500)
    return g


@pytest.fixture
def group(tmp_path: Path) -> Group:
    """A mother with three customers and one empty daughter."""
    return fill(make_group(tmp_path))


def _server(key: str) -> Iterator[Server]:
    server = ready(key)
    try:
        yield server
    finally:
        server.drop_databases()


@pytest.fixture
def postgres() -> Iterator[Server]:
    """The PostgreSQL server; databases made in it during the test are dropped after."""
    yield from _server("postgres")


@pytest.fixture
def mariadb() -> Iterator[Server]:
    """The MariaDB server; databases made in it during the test are dropped after."""
    yield from _server("mariadb")


def server_group(folder: Path, mother: Books, *daughters: Books) -> Group:
    return Group(folder, mother, list(daughters))


def postgres_to_mariadb(folder: Path, postgres: Server, mariadb: Server) -> Group:
    """A PostgreSQL mother and a MariaDB daughter, with the customers table."""
    return Group(folder, ServerBooks(postgres, "Holding"), [ServerBooks(mariadb, "Daughter1")])


@pytest.fixture
def keyring_file(tmp_path: Path) -> Iterator[PlaintextKeyring]:
    """The OS keyring, as the keyrings.alt file backend in the test's folder (a machine
    without a desktop has no Secret Service)."""
    previous = keyring.get_keyring()
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def desktop() -> Iterator[Desktop]:
    """An X server with a tray host, a session bus and a notification daemon (one per test
    session)."""
    yield from start_desktop()


SECRET = "Zeer;geheim}1"
"""A password with the characters an ODBC connection string treats specially."""


@pytest.fixture
def mariadb_user(mariadb: Server) -> Iterator[tuple[str, ServerBooks]]:
    """A MariaDB user with a password, allowed into one database with the customers table."""
    books = ServerBooks(mariadb, "Noord")
    user = f"stamsync_u_{uuid.uuid4().hex[:8]}"
    with contextlib.closing(mariadb.connect()) as conn:
        conn.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{SECRET}'")
        conn.execute(f"GRANT ALL ON {books.database_name}.* TO '{user}'@'%'")
    try:
        yield user, books
    finally:
        with contextlib.closing(mariadb.connect()) as conn:
            conn.execute(f"DROP USER '{user}'@'%'")
