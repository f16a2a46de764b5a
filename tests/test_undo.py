"""`stamsync undo RUN`: what a run wrote is put back where nobody changed it since, and the
rest is reported; records it created are listed, and deleted only with --delete-created
and only when unchanged; the undo is a run of its own (history, journal, undoable in turn);
a value put back stays until the mother changes it; a dry run writes nothing; changes a run
could not confirm are not undone."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import engine
from engine import ConfigError
from settings import Config, save
from tests.books import Group, ServerBooks, make_group
from tests.conftest import fill, postgres_to_mariadb
from tests.servers import Server


def mistaken_run(group: Group) -> int:
    """A first sync, then a run that wrote two mistakes from the mother into each daughter
    and, in the second daughter, overwrote a local name (mother-wins)."""
    group.sync()
    group.mother.set("D100", name="Fout", city="Nergens")
    group.mother.set("D101", name="Ook fout")
    group.daughters[1].set("D101", name="Lokaal")
    report = group.sync()
    assert group.counts(report, 1)["conflicts"] == 1
    return report.run_id


@pytest.fixture
def two(tmp_path: Path) -> Group:
    return fill(make_group(tmp_path, daughters=2))


def test_undo_puts_back_what_the_run_wrote_and_leaves_what_changed_since(two: Group) -> None:
    run = mistaken_run(two)
    noord, zuid = two.daughters
    noord.set("D100", city="Handmatig")  # someone changed it since
    result = engine.undo(two.spec, run)
    assert result.run.undo_of == run and result.run.run_id == run + 1
    assert noord.row("D100")["name"] == "Bakkerij de Vries"
    assert noord.row("D100")["city"] == "Handmatig"  # left as it is, and said
    assert [(x.daughter, x.key, x.field, x.now, x.wrote) for x in result.changed_since] == [
        ("Daughter1", ("D100",), "city", "Handmatig", "Nergens")]
    assert noord.row("D101")["name"] == "Café Ĳsselmeer"
    assert (zuid.row("D100")["name"], zuid.row("D100")["city"]) == ("Bakkerij de Vries",
                                                                     "Utrecht")
    assert zuid.row("D101")["name"] == "Lokaal"  # the local value mother-wins had replaced
    assert result.exit_code == 1 and not result.complete  # something was left

    shown = engine.show(two.spec, result.run.run_id)  # journalled like a sync
    names = {(c.daughter, c.key): c.fields for c in shown.changes or []}
    assert names[("Daughter2", ("D101",))] == {"name": ("Ook fout", "Lokaal")}
    assert engine.history(two.spec)[0].undo_of == run


def test_the_next_sync_treats_a_value_put_back_as_a_daughters_edit(two: Group) -> None:
    """The policy decides: mother-wins writes the mother's value again (the mother is right
    unless it is put right too), daughter-wins keeps what was put back."""
    run = mistaken_run(two)
    engine.undo(two.spec, run)
    again = two.sync()  # mother-wins
    assert two.counts(again, 1)["conflicts"] == 2
    assert two.daughters[1].row("D101")["name"] == "Ook fout"

    two.policy = engine.Policy.DAUGHTER_WINS
    undone = engine.undo(two.spec, again.run_id)
    assert undone.complete
    kept = two.sync()
    assert two.counts(kept, 1)["updated"] == 0
    assert two.daughters[1].row("D101")["name"] == "Lokaal"
    two.mother.set("D101", name="Nieuw")  # the mother moves on: synced again
    two.sync()
    assert [d.row("D101")["name"] for d in two.daughters] == ["Nieuw", "Nieuw"]


def test_an_undo_can_be_undone(two: Group) -> None:
    run = mistaken_run(two)
    first = engine.undo(two.spec, run)
    again = engine.undo(two.spec, first.run.run_id)
    assert again.complete
    assert [d.row("D100")["name"] for d in two.daughters] == ["Fout", "Fout"]
    assert two.daughters[1].row("D101")["name"] == "Ook fout"


def test_created_records_are_listed_and_deleted_only_when_asked_and_unchanged(
        two: Group) -> None:
    first = two.sync()
    two.daughters[0].set("D101", city="Almere")  # changed since the create
    listed = engine.undo(two.spec, first.run_id)
    assert sorted((c.daughter, c.key[0]) for c in listed.created) == [
        (d, k) for d in ("Daughter1", "Daughter2") for k in ("D100", "D101", "D102")]
    assert all(d.count() == 3 for d in two.daughters)  # nothing deleted without asking

    deleted = engine.undo(two.spec, first.run_id, delete_created=True)
    assert sorted((c.daughter, c.key[0]) for c in deleted.deleted) == [
        ("Daughter1", "D100"), ("Daughter1", "D102"),
        ("Daughter2", "D100"), ("Daughter2", "D101"), ("Daughter2", "D102")]
    assert [(c.daughter, c.key[0], c.now) for c in deleted.created] == [
        ("Daughter1", "D101", "changed")]
    assert sorted(two.daughters[0].rows()) == ["D101"]
    shown = engine.show(two.spec, deleted.run.run_id)
    assert {c.action for c in shown.changes or []} == {"delete"}  # values kept: journalled
    assert two.counts(two.sync())["created"] == 2  # the mother still selects them


def test_a_dry_run_undo_writes_nothing(two: Group) -> None:
    run = mistaken_run(two)
    planned = engine.undo(two.spec, run, dry_run=True)
    assert len(planned.restored) == 4 and planned.run.dry_run
    assert [d.row("D100")["name"] for d in two.daughters] == ["Fout", "Fout"]
    assert all(c.status == "planned"
               for c in engine.show(two.spec, planned.run.run_id).changes or [])
    assert engine.undo(two.spec, run).complete  # still all there to undo


def test_unknown_runs_dry_runs_and_unconfirmed_changes(two: Group) -> None:
    run = mistaken_run(two)
    with pytest.raises(ConfigError, match="There is no run 99"):
        engine.undo(two.spec, 99)
    dry = two.sync(dry_run=True)
    with pytest.raises(ConfigError, match=f"Run {dry.run_id} was a dry run"):
        engine.undo(two.spec, dry.run_id)
    conn = sqlite3.connect(two.spec.state_path)  # as a run killed before it confirmed
    with conn:
        conn.execute("UPDATE journal SET status = 'unconfirmed' WHERE run_id = ? AND "
                     "daughter = 'Daughter2'", (run,))
    conn.close()
    result = engine.undo(two.spec, run)
    assert {c.daughter for c in result.not_undone} == {"Daughter2"}
    assert two.daughters[1].row("D100")["name"] == "Fout"  # not touched
    assert two.daughters[0].row("D100")["name"] == "Bakkerij de Vries"


def test_undo_on_the_command_line(two: Group) -> None:
    run = mistaken_run(two)
    config = two.folder / "stamsync.toml"
    save(Config(config, two.spec))

    def stamsync(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tray.cli", *arguments, "--config",
                               str(config)], capture_output=True, text=True, timeout=120)

    planned = stamsync("undo", str(run), "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert f"Undo of run {run}, as a dry run" in planned.stdout
    assert "Daughter2, customers ['D101']: name 'Ook fout' -> 'Lokaal'" in planned.stdout
    done = stamsync("undo", str(run), "--json")
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    assert said["undo_of"] == run and len(said["restored"]) == 4
    history = stamsync("history")
    assert f"(undo of run {run})" in history.stdout
    unknown = stamsync("undo", "99")
    assert unknown.returncode == 2 and "There is no run 99" in unknown.stderr


def test_undo_on_database_servers(tmp_path: Path, postgres: Server, mariadb: Server) -> None:
    """A PostgreSQL mother, a MariaDB daughter: put back, and deleted, over ODBC."""
    group = fill(postgres_to_mariadb(tmp_path, postgres, mariadb))
    run = mistaken_run_one(group)
    daughter = group.daughters[0]
    assert isinstance(daughter, ServerBooks)
    result = engine.undo(group.spec, run)
    assert result.complete, result.to_dict()
    assert daughter.row("D100")["name"] == "Bakkerij de Vries"
    created = engine.undo(group.spec, 1, delete_created=True)
    assert len(created.deleted) == 3 and daughter.count() == 0


def mistaken_run_one(group: Group) -> int:
    group.sync()
    group.mother.set("D100", name="Fout")
    return group.sync().run_id


def test_an_undo_a_kill_left_unconfirmed_is_settled_without_moving_the_bases(
        two: Group) -> None:
    """A kill after the daughter committed the undo, before the state store confirmed it:
    the next sync confirms the undo's writes but leaves the bases as the undo does, so
    daughter-wins keeps what was put back."""
    two.policy = engine.Policy.DAUGHTER_WINS
    run = mistaken_run(two)
    undone = engine.undo(two.spec, run)
    conn = sqlite3.connect(two.spec.state_path)
    with conn:
        conn.execute("UPDATE journal SET status = 'unconfirmed' WHERE run_id = ?",
                     (undone.run.run_id,))
    conn.close()
    two.sync()
    assert two.daughters[0].row("D100")["name"] == "Bakkerij de Vries"  # kept (daughter-wins)
    assert all(c.status == "confirmed"
               for c in engine.show(two.spec, undone.run.run_id).changes or [])


def test_changes_that_no_longer_fit_the_config_are_not_undone_and_said(two: Group) -> None:
    run = mistaken_run(two)
    two.entity = replace(two.entity, fields=("name", "credit", "blocked"))  # city left out
    result = engine.undo(two.spec, run)
    assert ("Daughter2", ("D100",)) in {(c.daughter, c.key) for c in result.not_undone}
    assert "no longer fit" in (result.run.daughters[1].error or "")
    assert two.daughters[1].row("D100")["city"] == "Nergens"  # not touched
    assert two.daughters[0].row("D101")["name"] == "Café Ĳsselmeer"  # the rest put back
    assert result.exit_code == 1


def test_refusing_a_dry_run_records_nothing(two: Group) -> None:
    dry = two.sync(dry_run=True)
    before = len(engine.history(two.spec))
    with pytest.raises(ConfigError):
        engine.undo(two.spec, dry.run_id)
    assert len(engine.history(two.spec)) == before
