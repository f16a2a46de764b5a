"""The state store (bases, journal, runs) full or unwritable: the run stops with a message
that names the file and says what to do, and once the store can be written again the next
run catches up with nothing lost and nothing written twice."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine
from engine import StamsyncError
from tests.books import Group, make_group
from tests.servers import unavailable

RECORDS = 3000


def many(group: Group, records: int = RECORDS) -> Group:
    conn = sqlite3.connect(group.mother.path)
    with conn:
        conn.executemany(
            "INSERT INTO customers (code, name, city, credit, vvsync, blocked) "
            "VALUES (?, ?, ?, ?, 'J', 'N')",
            ((f"K{n:05}", f"Klant {n} " + "x" * 40, "Zwolle", n) for n in range(records)))
    conn.close()
    return group


def codes(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT code FROM customers ORDER BY code")]
    finally:
        conn.close()


def unsettled(state: Path) -> int:
    conn = sqlite3.connect(state)
    try:
        return int(conn.execute("SELECT count(*) FROM journal WHERE status IN "
                                "('pending', 'unconfirmed')").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def full_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The state store as a disk with `room[0]` pages left once opened (SQLite's own
    SQLITE_FULL, as from a full disk); room[0] = 0: no limit."""
    room = [0]
    opened = engine.open_state

    def open_state(path: Path) -> sqlite3.Connection:
        conn = opened(path)
        if room[0]:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages + room[0]}")
        return conn

    monkeypatch.setattr(engine, "open_state", open_state)
    yield room


def test_a_full_state_store_stops_the_run_with_its_cause_and_the_next_catches_up(
        tmp_path: Path, full_store: list[int]) -> None:
    group = many(make_group(tmp_path, daughters=2))
    engine.sync(group.spec)  # the store exists, with its tables
    conn = sqlite3.connect(group.mother.path)
    with conn:
        conn.execute("UPDATE customers SET name = name || ' (nieuw)'")
        conn.executemany("INSERT INTO customers (code, name, city, credit) VALUES (?, ?, ?, ?)",
                         ((f"N{n:05}", f"Nieuw {n}", "Assen", n) for n in range(RECORDS)))
    conn.close()

    full_store[0] = 3  # a few pages: full part-way through the first daughter
    stopped = engine.sync(group.spec)
    assert stopped.status == "failed"
    said = str(stopped.error)
    assert str(group.spec.state_path) in said
    assert "database or disk is full" in said, said  # the cause, not a follow-up error
    assert "Free disk space" in said

    full_store[0] = 0  # room again
    report = engine.sync(group.spec)
    assert report.status == "ok", report.error
    mother = codes(group.mother.path)
    for daughter in group.daughters:
        assert codes(daughter.path) == mother  # every record, once
        assert {k: r["name"] for k, r in daughter.rows().items()} == {
            k: r["name"] for k, r in group.mother.rows().items()}
    assert unsettled(group.spec.state_path) == 0
    again = engine.sync(group.spec)
    assert [group.counts(again, i)["unchanged"] for i in (0, 1)] == [2 * RECORDS] * 2


@contextlib.contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """The files may not be changed, by anyone (root too: `chattr +i`), as on a read-only
    share or a file another process owns."""
    for path in paths:
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
        if done.returncode:
            unavailable(f"chattr +i is not possible here: {done.stderr.strip()}")
    try:
        yield
    finally:
        for path in paths:
            subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_state_store_that_cannot_be_written_is_named_with_what_to_do(group: Group) -> None:
    engine.sync(group.spec)
    state = group.spec.state_path
    group.mother.set("D100", name="Bakkerij de Vries & Zn")
    with immutable(state, *state.parent.glob(state.name + "-*")):
        with pytest.raises(StamsyncError) as raised:  # not even the run can be recorded
            engine.sync(group.spec)
        said = str(raised.value)
        assert str(state) in said and "readonly" in said, said
        assert "fix the folder's permissions" in said
    assert group.daughters[0].row("D100")["name"] == "Bakkerij de Vries"  # nothing written
    assert engine.sync(group.spec).status == "ok"
    assert group.daughters[0].row("D100")["name"] == "Bakkerij de Vries & Zn"
