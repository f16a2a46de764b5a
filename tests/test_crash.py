"""A sync killed (SIGKILL) in the middle of applying, then run again, ends exactly where an
uninterrupted run would: no duplicates, nothing lost, the journal kept, the bases right."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import engine
from settings import Config, save
from tests.books import CUSTOMERS, Group, make_group, variant

# Daughters without a primary key or unique index: only the sync itself can keep them free
# of duplicates. (A plain index keeps look-ups by key fast; it allows duplicates.)
NO_KEY = (variant(CUSTOMERS, "code VARCHAR(20) PRIMARY KEY", "code VARCHAR(20)")
          + ";\nCREATE INDEX customers_code ON customers (code);")
RECORDS = 45_000  # more than two transactions (runner.BATCH) per daughter


def _journalled(state: Path, run_id: int) -> int:
    if not state.exists():
        return 0
    conn = sqlite3.connect(state)
    try:
        return int(conn.execute("SELECT count(*) FROM journal WHERE run_id = ?",
                                (run_id,)).fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def _kill_while_applying(config: Path, state: Path, run_id: int, after_chunks: int) -> None:
    """Start `stamsync sync` and SIGKILL it once `after_chunks` chunks are journalled."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tray.cli", "sync", "--config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while process.poll() is None and _journalled(state, run_id) < after_chunks:
            time.sleep(0.002)
        assert process.poll() is None, "the sync finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL


def _assert_same_everywhere(g: Group) -> None:
    mother = g.mother.rows()
    for daughter in g.daughters:
        conn = sqlite3.connect(daughter.path)
        total, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT code) FROM customers").fetchone()
        conn.close()
        assert total == distinct == len(mother), f"duplicates or missing in {daughter.name}"
        rows = daughter.rows()
        for code, row in mother.items():
            assert {f: rows[code][f] for f in ("name", "city", "credit")} == {
                f: row[f] for f in ("name", "city", "credit")}


@pytest.fixture
def big(tmp_path: Path) -> tuple[Group, Path]:
    g = make_group(tmp_path, daughters=2, schema=NO_KEY)
    g.mother.execute("DELETE FROM customers")
    conn = sqlite3.connect(g.mother.path)
    conn.executemany(
        "INSERT INTO customers (code, name, city, credit) VALUES (?, ?, ?, ?)",
        [(f"D{i:06d}", f"Klant {i}", "Utrecht", i % 5000) for i in range(RECORDS)])
    conn.commit()
    conn.close()
    config = tmp_path / "stamsync.toml"
    save(Config(config, g.spec))
    return g, config


@pytest.mark.parametrize("after_chunks", [1, 3, 4])
def test_killed_first_sync_then_rerun(big: tuple[Group, Path], after_chunks: int) -> None:
    g, config = big
    state = g.spec.state_path
    _kill_while_applying(config, state, 1, after_chunks)
    journalled = _journalled(state, 1)
    assert journalled >= after_chunks
    (killed,) = engine.history(g.spec)
    assert killed.status == "failed" and "interrupted" in (killed.error or "")

    before = sum(d.count() for d in g.daughters)
    rerun = g.sync()
    _assert_same_everywhere(g)
    assert sum(g.counts(rerun, i)["created"] for i in range(2)) == 2 * RECORDS - before
    # The killed run's journal is kept: every chunk the daughters committed is confirmed;
    # at most the one chunk per daughter that was rolled back by the kill is gone.
    killed = engine.show(g.spec, 1)
    assert killed.status == "failed" and "interrupted" in (killed.error or "")
    assert journalled - 2 <= _journalled(state, 1) <= journalled
    assert all(c.confirmed for c in killed.changes or [])
    written_by_kill = sum(1 for c in killed.changes or [] if c.action == "create")
    assert written_by_kill == before  # exactly the records that were in the daughters
    # The bases are consistent: a third run finds nothing to do and no conflicts.
    third = g.sync()
    for i in range(2):
        assert g.counts(third, i) == {"created": 0, "updated": 0, "unchanged": RECORDS,
                                      "conflicts": 0, "failed": 0, "skipped": 0, "removed": 0}


def test_killed_update_run_then_rerun(big: tuple[Group, Path]) -> None:
    g, config = big
    g.sync()
    g.mother.execute("UPDATE customers SET city = 'Zeist', credit = credit + 1 "
                     "WHERE CAST(substr(code, 2) AS INTEGER) % 2 = 0")
    g.daughters[1].execute("UPDATE customers SET name = 'Lokaal' WHERE code = 'D000001'")
    _kill_while_applying(config, g.spec.state_path, 2, 3)
    rerun = g.sync()
    assert sum(g.counts(rerun, i)["created"] for i in range(2)) == 0
    _assert_same_everywhere(g)
    third = g.sync()
    assert all(g.counts(third, i)["unchanged"] == RECORDS for i in range(2))
    # Every change is in the journal, confirmed exactly once, the local edit as a conflict.
    changes = [c for run in (2, rerun.run_id) for c in engine.show(g.spec, run).changes or []]
    assert all(c.confirmed for c in changes)  # unconfirmed chunks were settled by the re-run
    confirmed = [(c.daughter, c.key) for c in changes]
    assert len(confirmed) == len(set(confirmed)) == 2 * (RECORDS // 2) + 1
    (local,) = [c for c in changes if c.key == ("D000001",) and c.confirmed]
    assert local.conflict == ("name",) and local.fields["name"] == ("Lokaal", "Klant 1")


def _interrupt(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt  # the process stops here, as if killed


def test_a_chunk_that_landed_before_the_kill_is_confirmed_by_the_next_run(
        group: Group, monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.runner

    monkeypatch.setattr(engine.runner.EntitySync, "_advance", _interrupt)
    with pytest.raises(KeyboardInterrupt):
        group.sync()
    monkeypatch.undo()
    assert group.daughters[0].count() == 3  # the daughter committed, the journal did not
    assert not any(c.confirmed for c in engine.show(group.spec, 1).changes or [])
    report = group.sync()
    assert group.counts(report)["unchanged"] == 3  # equal values: the bases are adopted
    first = engine.show(group.spec, 1).changes or []
    assert len(first) == 3 and all(c.confirmed for c in first)


def test_a_chunk_the_kill_rolled_back_is_dropped_from_the_journal(
        group: Group, monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.runner

    monkeypatch.setattr(engine.runner, "write_chunk", _interrupt)
    with pytest.raises(KeyboardInterrupt):
        group.sync()
    monkeypatch.undo()
    assert group.daughters[0].count() == 0
    report = group.sync()
    assert group.counts(report)["created"] == 3
    assert engine.show(group.spec, 1).changes == []
    assert len(engine.show(group.spec, report.run_id).changes or []) == 3


def _kill_after_the_daughter_commits(monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.runner

    real = engine.runner.write_chunk

    def write_then_die(*args: object) -> object:
        real(*args)
        raise KeyboardInterrupt  # killed after the daughter committed

    monkeypatch.setattr(engine.runner, "write_chunk", write_then_die)


@pytest.mark.parametrize("rejected", [1, 2])
def test_settling_keeps_exactly_the_changes_the_daughter_holds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rejected: int) -> None:
    g = make_group(tmp_path)
    g.daughters[0].execute("DROP TABLE customers")
    g.daughters[0].execute(variant(CUSTOMERS, "city VARCHAR(100),",
                                                 "city VARCHAR(100) CHECK (city <> 'Bad'),"))
    for code in ("A", "B", "C"):
        g.mother.add(code, f"Klant {code}")
    g.sync()
    g.mother.set("A", name="Klant A nieuw")  # accepted
    for code in "BC"[:rejected]:
        g.mother.set(code, city="Bad")  # rejected by the daughter's CHECK
    _kill_after_the_daughter_commits(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        g.sync()
    monkeypatch.undo()
    g.sync()
    settled = engine.show(g.spec, 2).changes or []
    assert [(c.key, c.status) for c in settled] == [(("A",), "confirmed")]
    assert settled[0].fields == {"name": ("Klant A", "Klant A nieuw")}


def test_a_config_changed_after_a_kill_does_not_stop_later_syncs(
        group: Group, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    group.sync()
    group.mother.set("D100", city="Amsterdam")
    _kill_after_the_daughter_commits(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        group.sync()
    monkeypatch.undo()
    group.entity = replace(group.entity, fields=("name", "credit", "blocked"))  # no city
    assert group.sync().status == "ok"
    assert group.sync().status == "ok"
    (change,) = engine.show(group.spec, 2).changes or []
    assert change.status == "unconfirmed"  # it cannot be checked any more; kept as it was
