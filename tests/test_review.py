"""Traps found by reading the engine as a reviewer and by using it as a new user: each now
gets a clear message or the right result, never a silent overwrite or a traceback."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

import engine
import engine.db.sqlite
from engine import ConfigError, Entity, MarkRemoved, SelectWhere
from settings import Config, save
from tests.books import Books, Group, make_group
from tray.cli import main
from tray.demo import build_demo


def test_demo_never_overwrites_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "stamsync.toml").write_text("# my production config\n")
    with pytest.raises(ConfigError, match="not made by `stamsync demo`"):
        build_demo(tmp_path, 5)
    assert (tmp_path / "stamsync.toml").read_text() == "# my production config\n"
    build_demo(tmp_path / "demo", 5)
    build_demo(tmp_path / "demo", 5)  # its own folder is rebuilt


def test_a_misspelt_protected_field_stops_that_daughter(group: Group) -> None:
    group.protect = {"Daughter1": {"customers": ("credti",)}}
    report = group.sync()
    assert report.daughters[0].status == "attention"
    assert "no column 'credti'" in (report.daughters[0].error or "")
    assert "Did you mean 'credit'?" in (report.daughters[0].error or "")
    assert group.daughters[0].count() == 0
    assert engine.check(group.spec).exit_code == 1


INT_KEY = "CREATE TABLE customers (code INTEGER PRIMARY KEY, name TEXT)"
TEXT_KEY = "CREATE TABLE customers (code TEXT PRIMARY KEY, name TEXT)"


def test_key_types_that_differ_between_mother_and_daughter_are_named(tmp_path: Path) -> None:
    g = make_group(tmp_path, schema=INT_KEY)
    g.daughters[0].path.unlink()
    g.daughters[0] = Books(g.daughters[0].path, "Daughter1", TEXT_KEY)
    g.entity = Entity("customers", "customers", ("code",), ("name",))
    for code in (1, 2, 10):
        g.mother.execute("INSERT INTO customers VALUES (?, ?)", (code, f"Klant {code}"))
    g.sync()
    report = g.sync()
    assert report.daughters[0].status == "attention"
    assert "another type" in (report.daughters[0].error or "")
    assert g.daughters[0].count() == 3


def test_a_real_key_is_written_as_the_database_has_it(tmp_path: Path) -> None:
    schema = "CREATE TABLE customers (code REAL PRIMARY KEY, name TEXT)"
    g = make_group(tmp_path, schema=schema)
    g.entity = Entity("customers", "customers", ("code",), ("name",))
    g.mother.execute("INSERT INTO customers VALUES (1.5, 'Anderhalf')")
    g.sync()
    g.mother.execute("UPDATE customers SET name = 'Nieuw' WHERE code = 1.5")
    report = g.sync()
    assert report.status == "ok" and g.counts(report)["updated"] == 1
    assert g.daughters[0].rows()[1.5]["name"] == "Nieuw"


def test_char_padded_keys_are_the_same_key(tmp_path: Path) -> None:
    g = make_group(tmp_path, schema=TEXT_KEY)
    g.entity = Entity("customers", "customers", ("code",), ("name",))
    g.mother.execute("INSERT INTO customers VALUES ('A1    ', 'Klant')")
    g.daughters[0].execute("INSERT INTO customers VALUES ('A1', 'Klant')")
    report = g.sync()
    assert g.daughters[0].count() == 1 and g.counts(report)["unchanged"] == 1


def test_mixed_key_types_in_the_mother_stop_before_anything_is_written(tmp_path: Path) -> None:
    schema = TEXT_KEY + "; CREATE TABLE items (code NUMERIC, name TEXT)"
    g = make_group(tmp_path, schema=schema)
    g.mother.execute("INSERT INTO customers VALUES ('D1', 'Klant')")
    g.mother.execute("INSERT INTO items VALUES (1, 'Een')")
    g.mother.execute("INSERT INTO items VALUES ('X2', 'Twee')")
    spec = replace(g.spec, entities=(
        Entity("customers", "customers", ("code",), ("name",)),
        Entity("items", "items", ("code",), ("name",))))
    with pytest.raises(ConfigError, match="different types"):
        engine.sync(spec)
    assert g.daughters[0].count() == 0


def test_a_record_coming_back_journals_the_daughters_marker(group: Group) -> None:
    group.entity = replace(group.entity, fields=("name", "city"),
                           select=SelectWhere("vvsync", "J"),
                           on_remove=MarkRemoved("blocked", "J"))
    group.sync()
    group.mother.set("D100", vvsync="N")
    group.sync()
    assert group.daughters[0].row("D100")["blocked"] == "J"
    group.mother.set("D100", vvsync="J")
    report = group.sync()
    assert group.daughters[0].row("D100")["blocked"] == "N"
    (change,) = engine.show(group.spec, report.run_id).changes or []
    assert change.fields == {"blocked": ("J", "N")}


def test_a_protected_marker_column_is_restored_when_the_record_returns(group: Group) -> None:
    group.entity = replace(group.entity, select=SelectWhere("vvsync", "J"),
                           on_remove=MarkRemoved("blocked", "J"))
    group.protect = {"Daughter1": {"customers": ("blocked",)}}
    group.sync()
    group.mother.set("D101", vvsync="N")
    group.sync()
    assert group.daughters[0].row("D101")["blocked"] == "J"
    group.mother.set("D101", vvsync="J")
    group.sync()
    assert group.daughters[0].row("D101")["blocked"] == "N"


def test_a_chunk_the_daughter_rolled_back_leaves_no_journal_entry(
        group: Group, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    group.daughters.append(Books(tmp_path / "d2.db", "Daughter2"))
    group.sync()
    group.mother.set("D100", city="Zeist")
    monkeypatch.setattr(engine.db.sqlite, "BUSY_TIMEOUT_SECONDS", 0.2)
    holder = sqlite3.connect(group.daughters[1].path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds Daughter2's write lock
    try:
        report = group.sync()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert report.daughters[0].status == "ok"
    assert report.daughters[1].status == "attention"
    assert "Debiteuren (table 'customers')" in (report.daughters[1].error or "")
    changes = engine.show(group.spec, report.run_id).changes or []
    assert [(c.daughter, c.confirmed) for c in changes] == [("Daughter1", True)]
    assert group.daughters[1].row("D100")["city"] == "Utrecht"
    again = group.sync()
    assert group.counts(again, 1)["updated"] == 1


def test_config_before_or_after_the_command(group: Group,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = group.folder / "stamsync.toml"
    save(Config(path, group.spec))
    assert main(["--config", str(path), "sync"]) == 0
    assert main(["history", "--config", str(path)]) == 0
    assert "Daughter1" in capsys.readouterr().out


def test_a_selection_matching_nothing_never_marks_everything_removed(group: Group) -> None:
    group.entity = replace(group.entity, select=SelectWhere("vvsync", "J"),
                           on_remove=MarkRemoved("blocked", "J"))
    group.sync()
    group.entity = replace(group.entity, select=SelectWhere("vvsync", "j"))  # a typo
    with pytest.raises(ConfigError, match=r"no record is selected .*vvsync = 'j'"):
        group.sync()
    assert {r["blocked"] for r in group.daughters[0].rows().values()} == {"N"}
    group.entity = replace(group.entity, select=SelectWhere("vvsync", "J"))
    group.mother.execute("DELETE FROM customers")  # an emptied mother table
    with pytest.raises(ConfigError, match="the table is empty"):
        group.sync()
    assert {r["blocked"] for r in group.daughters[0].rows().values()} == {"N"}


def test_the_nothing_selected_message_copes_with_keys_of_mixed_types(group: Group) -> None:
    from engine import SelectKeys

    group.entity = replace(group.entity, select=SelectKeys(frozenset({(100,), ("D999",)})),
                           on_remove=MarkRemoved("blocked", "J"))
    with pytest.raises(ConfigError, match="no record is selected"):
        group.sync()
