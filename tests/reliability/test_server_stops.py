"""A daughter's database server stops in the middle of a run and comes back later.

The real PostgreSQL and MariaDB servers are shared with other tests, so they keep running: the
stopped daughter reaches its server through `StoppingServer`, a TCP proxy that "stops the
server" part-way through the run (every connection closed, new ones refused) and starts it
again afterwards. The run is cut three ways: a COMMIT that never reaches the server, a
COMMIT that lands but whose answer never reaches stamsync, and a stop halfway through a
write. Each time, against a PostgreSQL and a MariaDB daughter:

- the run ends normally; the other daughters (SQLite, and the other server engine) finish
  and equal the mother; the stopped one is reported by name, with what to do;
- the stopped daughter holds no duplicate and no half-written record, and the journal holds
  what it holds (confirmed), or marks the one transaction whose fate is unknown unconfirmed;
- a run while the server is still down fails that daughter alone and changes nothing;
- once the server is back, the next run catches up: the daughter equals the mother, no
  duplicates, every change journalled exactly once and confirmed, and a further run finds
  everything unchanged.

The daughters have no primary key on `code` (only a plain index), so only the sync itself
can keep them free of duplicates.
"""

from __future__ import annotations

import socket
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

import engine
from engine import Administration, RunReport, SyncSpec, runner
from engine.db.values import normalize
from tests.books import CUSTOMERS, FIELDS, Books, Group, ServerBooks, variant
from tests.reliability.tcp_proxy import Cut, How, StoppingServer
from tests.servers import Server

NO_KEY = (variant(CUSTOMERS, "code VARCHAR(20) PRIMARY KEY", "code VARCHAR(20)")
          + ";\nCREATE INDEX customers_code ON customers (code)")
"""A daughter's table: a plain index on the key, which allows duplicates."""

RECORDS = 1500
"""Mother records before the run that is cut; it adds as many and updates half of these."""

PAGE, BATCH = 300, 150
"""Small reads and transactions, so the cut run writes each daughter in 15 transactions."""

COMMITS_BEFORE_CUT = 4
"""Transactions the stopped daughter commits in the cut run before its server stops."""

MID_WRITE_BYTES = 2500
"""Bytes stamsync sends after those commits before the server stops: inside the next
transaction's writes (one holds about 10 kB)."""

DEFAULT_PORTS = {"postgres": 5432, "mariadb": 3306}

Synced = dict[str, tuple[Any, ...]]
"""Each record's synced fields, normalized so that engines compare, by code."""


class ProxiedBooks(ServerBooks):
    """A daughter on a real server that stamsync reaches through `proxy`; the test itself
    reads and edits it directly. The proxy closes connections, so the driver notices a stop
    at once: the short ODBC timeouts only keep a mistake from hanging the test."""

    def __init__(self, server: Server, name: str, proxy: StoppingServer,
                 schema: str = CUSTOMERS) -> None:
        self.proxy = proxy
        super().__init__(server, name, schema)

    @property
    def admin(self) -> Administration:
        connection = self.proxy.via(self.server.database_string(self.database_name))
        return Administration(self.name, f"odbc:{connection}", connect_timeout=2,
                              query_timeout=10)


@pytest.fixture
def small_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many short transactions per daughter, so that a run can be cut part-way."""
    monkeypatch.setattr(runner, "PAGE", PAGE)
    monkeypatch.setattr(runner, "BATCH", BATCH)


@pytest.fixture
def proxy(kind: str, postgres: Server, mariadb: Server) -> Iterator[StoppingServer]:
    """A server of `kind` that the test can stop and start again."""
    server = {"postgres": postgres, "mariadb": mariadb}[kind]
    stopping = StoppingServer(StoppingServer.target_of(server.connection, DEFAULT_PORTS[kind]))
    try:
        yield stopping
    finally:
        stopping.stop()


def code(n: int) -> str:
    return f"D{n:05d}"


def fill_mother(mother: Books) -> None:
    """RECORDS customers, with the even codes (the odd ones are added later)."""
    with sqlite3.connect(mother.path) as conn:
        conn.executemany(
            "INSERT INTO customers (code, name, city, credit) VALUES (?, ?, ?, ?)",
            [(code(n), f"Klant {n}", "Utrecht", n % 5000) for n in range(0, 2 * RECORDS, 2)])
    conn.close()


def edit_mother(mother: Books) -> None:
    """Half the records get a new name and city (two fields: a record half-written shows);
    as many records are added, between the existing ones, so that each transaction of the
    run both updates and creates."""
    with sqlite3.connect(mother.path) as conn:
        conn.executemany("UPDATE customers SET name = ?, city = 'Amersfoort' WHERE code = ?",
                         [(f"Klant {n} BV", code(n)) for n in range(0, 2 * RECORDS, 4)])
        conn.executemany(
            "INSERT INTO customers (code, name, city, credit) VALUES (?, ?, ?, ?)",
            [(code(n), f"Nieuw {n}", "Zwolle", n % 700) for n in range(1, 2 * RECORDS, 2)])
    conn.close()


def synced(books: Books) -> Synced:
    return {str(r["code"]).rstrip(): tuple(normalize(r[f]) for f in FIELDS)
            for r in books.query("SELECT * FROM customers")}


def assert_no_duplicates(books: Books) -> None:
    (row,) = books.query("SELECT count(*) AS n, count(DISTINCT code) AS d FROM customers")
    total, distinct = (int(v) for v in row.values())
    assert total == distinct, f"{total - distinct} duplicate record(s) in {books.name}"


def counts(report: RunReport, daughter: str) -> dict[str, int]:
    (found,) = [d for d in report.daughters if d.name == daughter]
    return found.entities["customers"].to_dict()


def status_of(report: RunReport, daughter: str) -> tuple[str, str]:
    (found,) = [d for d in report.daughters if d.name == daughter]
    return found.status, found.error or ""


def journal_statuses(spec: SyncSpec) -> Counter[str]:
    with sqlite3.connect(spec.state_path) as conn:
        rows = conn.execute("SELECT status FROM journal").fetchall()
        running = conn.execute("SELECT count(*) FROM runs WHERE status = 'running'").fetchone()
    conn.close()
    assert running == (0,), "a run is still marked running"
    return Counter(status for (status,) in rows)


def journalled(spec: SyncSpec, runs: Iterable[int], daughter: str,
               status: str | None = None) -> Counter[tuple[str, str]]:
    """(action, code) of every change the runs journalled for the daughter."""
    return Counter((c.action, str(c.key[0])) for run_id in runs
                   for c in engine.show(spec, run_id).changes or ()
                   if c.daughter == daughter and status in (None, c.status))


def keys_of(changes: Counter[tuple[str, str]]) -> set[str]:
    return {key for _, key in changes}


@pytest.mark.parametrize("how", ["withhold-commit", "land-commit", "mid-write"])
@pytest.mark.parametrize("kind", ["postgres", "mariadb"])
def test_a_daughter_server_that_stops_mid_run_fails_alone_and_the_next_run_catches_up(
        tmp_path: Path, postgres: Server, mariadb: Server, proxy: StoppingServer,
        small_steps: None, kind: str, how: How) -> None:
    """The stopped daughter fails alone, mid-run, without duplicates or half-written records;
    the journal tells what it holds; the next run after the restart catches up exactly."""
    stopping, other = (postgres, mariadb) if kind == "postgres" else (mariadb, postgres)
    mother = Books(tmp_path / "mother.db", "Holding")
    fill_mother(mother)
    stopped = ProxiedBooks(stopping, "Zuid", proxy, NO_KEY)
    others = [Books(tmp_path / "oost.db", "Oost", NO_KEY), ServerBooks(other, "Noord", NO_KEY)]
    g = Group(tmp_path, mother, [others[0], stopped, others[1]])  # one goes on after it
    spec = g.spec
    assert g.sync().status == "ok"  # the first sync, through the proxy too

    before = synced(mother)
    edit_mother(mother)
    after = synced(mother)
    changed = {k for k, v in after.items() if before.get(k) != v}
    created = {("create", k) for k in after if k not in before}
    updated = {("update", k) for k in changed if k in before}
    assert len(created) == RECORDS and len(updated) == RECORDS // 2

    # The run in which Zuid's server stops.
    proxy.arm(Cut(COMMITS_BEFORE_CUT, how, MID_WRITE_BYTES))
    cut = g.sync()
    assert proxy.cuts == 1 and proxy.stopped.is_set(), "the run finished before the cut"
    assert cut.status == "attention" and cut.exit_code == 1
    for books in others:
        assert status_of(cut, books.name) == ("ok", "")
        assert counts(cut, books.name) == {
            "created": RECORDS, "updated": RECORDS // 2, "unchanged": RECORDS // 2,
            "conflicts": 0, "failed": 0, "skipped": 0, "removed": 0}
        assert synced(books) == after
        assert_no_duplicates(books)
    status, error = status_of(cut, "Zuid")
    assert status == "attention", error
    assert "Administration 'Zuid'" in error and "run the sync again" in error, error
    assert ".." not in error and "preparing parameters" not in error, error  # one sentence each

    # Nothing half-written: each record as before the run or as the mother has it now.
    assert_no_duplicates(stopped)
    holds = synced(stopped)
    assert set(holds) <= set(after)
    assert all(row in (before.get(k), after[k]) for k, row in holds.items())
    held = {k for k in changed if holds.get(k) == after[k]}
    assert len(held) == COMMITS_BEFORE_CUT * BATCH + (BATCH if how == "land-commit" else 0)
    # ... and the journal says what Zuid holds: confirmed what it took, unconfirmed only the
    # one transaction that may or may not have landed.
    statuses = journal_statuses(spec)
    assert statuses["pending"] == 0
    confirmed = journalled(spec, [cut.run_id], "Zuid", "confirmed")
    unconfirmed = journalled(spec, [cut.run_id], "Zuid", "unconfirmed")
    assert len(confirmed) == COMMITS_BEFORE_CUT * BATCH
    assert len(unconfirmed) == (BATCH if how != "mid-write" else 0)
    assert held == keys_of(confirmed) | (keys_of(unconfirmed) if how == "land-commit" else set())

    # While the server is down, a run fails Zuid alone and changes nothing.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=2).close()
    down = g.sync()
    status, error = status_of(down, "Zuid")
    assert status == "failed", error
    assert "Administration 'Zuid': cannot connect" in error, error
    assert "Check that the server is running" in error, error
    assert ".." not in error and "preparing parameters" not in error, error
    assert down.status == "attention"
    for books in others:
        assert counts(down, books.name)["unchanged"] == 2 * RECORDS
    assert synced(stopped) == holds
    assert journal_statuses(spec) == statuses

    # The server is back: the next run catches up.
    proxy.start()
    caught_up = g.sync()
    assert caught_up.status == "ok", caught_up.to_dict()
    assert counts(caught_up, "Zuid") == {
        "created": len(created - {("create", k) for k in held}),
        "updated": len(updated - {("update", k) for k in held}),
        "unchanged": 2 * RECORDS - len(changed - held),
        "conflicts": 0, "failed": 0, "skipped": 0, "removed": 0}
    for books in g.daughters:
        assert synced(books) == after, books.name
        assert_no_duplicates(books)
        # Every change journalled exactly once, over the cut run and the catch-up.
        assert journalled(spec, [cut.run_id, caught_up.run_id], books.name) == Counter(
            created | updated), books.name
    assert set(journal_statuses(spec)) == {"confirmed"}

    again = g.sync()
    assert again.status == "ok"
    for books in g.daughters:
        assert counts(again, books.name)["unchanged"] == 2 * RECORDS
