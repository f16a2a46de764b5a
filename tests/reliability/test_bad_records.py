"""Bad records in a daughter, on SQLite, PostgreSQL and MariaDB: a value too long, of the
wrong type, or against a constraint fails alone with the database's own message while the
rest of the batch commits; it is tried again at the next run and parked after 3 failed runs
in a row, until the mother changes it; a parked record shows in `check`, `history` (text and
JSON) and the settings dialog's History tab."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import engine
from settings import Config, save
from tests.books import Books, Group, ServerBooks
from tests.desktop import Desktop
from tests.servers import Server

STRICT_SQLITE = """
CREATE TABLE customers (
    code TEXT PRIMARY KEY, name TEXT CHECK (length(name) <= 10), city TEXT,
    credit REAL CHECK (credit >= 0), vvsync TEXT DEFAULT 'J', blocked TEXT DEFAULT 'N') STRICT
"""
NARROW = """
CREATE TABLE customers (
    code VARCHAR(20) PRIMARY KEY, name VARCHAR(10), city VARCHAR(100),
    credit NUMERIC(12, 2) CHECK (credit >= 0), vvsync CHAR(1) DEFAULT 'J',
    blocked CHAR(1) DEFAULT 'N')
"""
BAD = {"D101": "too long", "D102": "wrong type", "D103": "against a constraint"}


def daughter(kind: str, folder: Path, request: pytest.FixtureRequest) -> Books:
    if kind == "sqlite":
        return Books(folder / "noord.db", "Noord", STRICT_SQLITE)
    server: Server = request.getfixturevalue(kind)
    return ServerBooks(server, "Noord", NARROW)


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def group(request: pytest.FixtureRequest, tmp_path: Path) -> Group:
    mother = Books(tmp_path / "holding.db", "Holding")
    mother.add("D100", "Bakker", credit=100)
    mother.add("D101", "Een veel te lange naam", credit=100)  # too long for name
    mother.add("D102", "Visser", credit="veel")  # SQLite keeps the text: not a number
    mother.add("D103", "Smit", credit=-5)  # against CHECK (credit >= 0)
    mother.add("D104", "Jansen", credit=250)
    return Group(tmp_path, mother, [daughter(request.param, tmp_path, request)])


def test_bad_records_fail_alone_are_retried_then_parked_until_the_mother_changes_them(
        group: Group) -> None:
    noord = group.daughters[0]
    first = group.sync()
    counts = group.counts(first)
    assert (counts["created"], counts["failed"]) == (2, 3), first.daughters[0].failures
    assert sorted(noord.rows()) == ["D100", "D104"]  # the rest of the batch committed
    failures = {f.key[0]: f for f in first.daughters[0].failures}
    assert sorted(failures) == sorted(BAD)
    for failure in failures.values():
        assert failure.message and not failure.parked  # the database's own words

    second, third = group.sync(), group.sync()  # tried again each run
    assert group.counts(second)["failed"] == 3 and group.counts(third)["failed"] == 3
    assert all(f.parked for f in third.daughters[0].failures)  # 3 runs in a row: parked
    fourth = group.sync()
    assert (group.counts(fourth)["failed"], group.counts(fourth)["skipped"]) == (0, 3)

    parked = engine.parked(group.spec)
    assert sorted(p.key[0] for p in parked) == sorted(BAD)
    assert all(p.daughter == "Noord" and p.message for p in parked)
    warnings = [p for p in engine.check(group.spec).problems if p.level == "warning"]
    assert sum("parked" in w.message for w in warnings) == 3

    group.mother.set("D101", name="Korter")  # the mother changes it: tried again at once
    fifth = group.sync()
    assert group.counts(fifth)["created"] == 1 and noord.row("D101")["name"] == "Korter"
    assert sorted(p.key[0] for p in engine.parked(group.spec)) == ["D102", "D103"]


def test_parked_records_in_history_and_in_the_settings_dialog(
        tmp_path: Path, desktop: Desktop, monkeypatch: pytest.MonkeyPatch) -> None:
    mother = Books(tmp_path / "holding.db", "Holding")
    mother.add("D100", "Bakker", credit=100)
    mother.add("D101", "Een veel te lange naam", credit=100)
    group = Group(tmp_path, mother, [Books(tmp_path / "noord.db", "Noord", STRICT_SQLITE)])
    for _ in range(3):
        group.sync()
    config = tmp_path / "stamsync.toml"
    save(Config(config, group.spec))

    def history(*options: str) -> str:
        done = subprocess.run([sys.executable, "-m", "tray.cli", "history", "--config",
                               str(config), *options], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    said = history()
    assert "Parked records" in said and "Noord, customers ['D101']: " in said
    parked = json.loads(history("--json"))["parked"]
    assert [(p["daughter"], p["key"]) for p in parked] == [("Noord", ["D101"])]
    assert "CHECK constraint failed" in parked[0]["message"]

    monkeypatch.setenv("DISPLAY", desktop.env["DISPLAY"])
    from settings.dialog import SettingsWindow

    window = SettingsWindow(config, tab="history")
    try:
        window.tasks.wait()
        shown = str(window.tabs["history"].parked.cget("text"))  # type: ignore[attr-defined]
        assert shown.startswith("1 record is parked") and "Noord, customers ['D101']" in shown
    finally:
        window.close()
