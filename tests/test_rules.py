"""The rule table of DESIGN section 4, row by row, for each conflict policy, on real
administrations: SQLite files, and a PostgreSQL mother with a MariaDB daughter over ODBC."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine
from engine import Policy
from tests.books import Group, make_group
from tests.conftest import fill, postgres_to_mariadb
from tests.servers import ready

ALL_POLICIES = list(Policy)


@pytest.fixture(params=["sqlite", "postgres-to-mariadb"])
def group(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Group]:
    """A mother with three customers and one empty daughter, on each pair of engines."""
    if request.param == "sqlite":
        yield fill(make_group(tmp_path))
        return
    postgres, mariadb = ready("postgres"), ready("mariadb")
    try:
        yield fill(postgres_to_mariadb(tmp_path, postgres, mariadb))
    finally:
        postgres.drop_databases()
        mariadb.drop_databases()


@pytest.fixture(params=ALL_POLICIES, ids=[p.value for p in ALL_POLICIES])
def synced(group: Group, request: pytest.FixtureRequest) -> Group:
    """The group after a first sync, under each policy."""
    group.policy = request.param
    group.sync()
    return group


def test_missing_record_is_created_with_every_field(group: Group) -> None:
    report = group.sync()
    assert group.counts(report)["created"] == 3
    assert group.daughters[0].row("D101") == group.mother.row("D101")
    assert report.status == "ok"


def test_same_and_same_is_nothing(synced: Group) -> None:
    before = synced.daughters[0].rows()
    report = synced.sync()
    assert synced.counts(report) == {"created": 0, "updated": 0, "unchanged": 3, "conflicts": 0,
                                      "failed": 0, "skipped": 0, "removed": 0}
    assert synced.daughters[0].rows() == before
    assert engine.show(synced.spec, report.run_id).changes == []


def test_mother_changed_daughter_same_updates_the_daughter(synced: Group) -> None:
    synced.mother.set("D100", city="Amersfoort")
    report = synced.sync()
    assert synced.counts(report)["updated"] == 1
    assert synced.counts(report)["conflicts"] == 0
    assert synced.daughters[0].row("D100")["city"] == "Amersfoort"
    (change,) = engine.show(synced.spec, report.run_id).changes or []
    assert change.key == ("D100",) and change.action == "update"
    assert change.fields == {"city": ("Utrecht", "Amersfoort")}


def test_daughter_already_equal_to_mother_writes_nothing_and_base_advances(synced: Group) -> None:
    synced.mother.set("D100", city="Zeist")
    synced.daughters[0].set("D100", city="Zeist")
    report = synced.sync()
    assert synced.counts(report)["unchanged"] == 3
    assert synced.counts(report)["conflicts"] == 0
    # The base moved to Zeist: a later mother change is a plain update, not a conflict.
    synced.mother.set("D100", city="Baarn")
    report = synced.sync()
    assert synced.counts(report)["updated"] == 1
    assert synced.counts(report)["conflicts"] == 0
    assert synced.daughters[0].row("D100")["city"] == "Baarn"


def test_local_edit_in_daughter_is_a_conflict(synced: Group) -> None:
    synced.daughters[0].set("D101", city="Almere")
    report = synced.sync()
    counts = synced.counts(report)
    assert counts["conflicts"] == 1
    city = synced.daughters[0].row("D101")["city"]
    if synced.policy is Policy.MOTHER_WINS:
        assert city == "Lelystad"
        assert counts["updated"] == 1 and report.status == "ok"
        (change,) = engine.show(synced.spec, report.run_id).changes or []
        assert change.fields == {"city": ("Almere", "Lelystad")}  # the local value journalled
        assert change.conflict == ("city",)
    elif synced.policy is Policy.DAUGHTER_WINS:
        assert city == "Almere"
        assert counts["unchanged"] == 3 and report.status == "ok"
    else:
        assert city == "Almere"
        assert report.status == "attention" and report.exit_code == 1


def test_conflict_is_reported_again_only_under_skip(synced: Group) -> None:
    synced.daughters[0].set("D101", city="Almere")
    synced.sync()
    again = synced.sync()
    expected = 1 if synced.policy is Policy.SKIP else 0
    assert synced.counts(again)["conflicts"] == expected
    assert again.status == ("attention" if synced.policy is Policy.SKIP else "ok")


def test_both_changed_differently_is_a_conflict(synced: Group) -> None:
    synced.mother.set("D102", city="Roermond")
    synced.daughters[0].set("D102", city="Weert")
    report = synced.sync()
    assert synced.counts(report)["conflicts"] == 1
    city = synced.daughters[0].row("D102")["city"]
    assert city == {Policy.MOTHER_WINS: "Roermond", Policy.DAUGHTER_WINS: "Weert",
                    Policy.SKIP: "Weert"}[synced.policy]


def test_daughter_wins_keeps_both_sides_as_the_base(group: Group) -> None:
    group.policy = Policy.DAUGHTER_WINS
    group.sync()
    group.daughters[0].set("D100", city="Almere")
    assert group.counts(group.sync())["conflicts"] == 1
    assert group.counts(group.sync())["conflicts"] == 0  # not reported again
    group.daughters[0].set("D100", city="Amsterdam")  # the daughter side changes again
    assert group.counts(group.sync())["conflicts"] == 1
    # The mother changes while the daughter stays as agreed: by the table, a plain update.
    group.mother.set("D100", city="Nieuwegein")
    report = group.sync()
    assert group.counts(report)["conflicts"] == 0 and group.counts(report)["updated"] == 1
    assert group.daughters[0].row("D100")["city"] == "Nieuwegein"


def test_fields_are_decided_one_by_one(synced: Group) -> None:
    synced.mother.set("D100", name="Bakkerij de Vries & Zn")
    synced.daughters[0].set("D100", city="Houten")
    report = synced.sync()
    row = synced.daughters[0].row("D100")
    assert row["name"] == "Bakkerij de Vries & Zn"  # a plain update under every policy
    assert synced.counts(report)["conflicts"] == 1
    assert row["city"] == ("Utrecht" if synced.policy is Policy.MOTHER_WINS else "Houten")


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=[p.value for p in ALL_POLICIES])
def test_no_base_yet_and_values_differ_is_adopted_as_a_conflict_once(
        group: Group, policy: Policy) -> None:
    group.policy = policy
    group.daughters[0].add("D100", "Bakkerij de Vries", "Bunnik", 1000)
    group.daughters[0].add("D101", "Café Ĳsselmeer", "Lelystad", 2500)  # equal: adopted quietly
    report = group.sync()
    counts = group.counts(report)
    assert counts["created"] == 1 and counts["conflicts"] == 1
    city = group.daughters[0].row("D100")["city"]
    assert city == ("Utrecht" if policy is Policy.MOTHER_WINS else "Bunnik")
    again = group.counts(group.sync())
    assert again["conflicts"] == (1 if policy is Policy.SKIP else 0)


def test_record_deleted_in_daughter_is_created_again(synced: Group) -> None:
    synced.daughters[0].delete("D102")
    report = synced.sync()
    assert synced.counts(report)["created"] == 1
    assert synced.daughters[0].row("D102")["name"] == "Łódź Handel BV"


def test_protected_fields_are_written_on_create_only(group: Group) -> None:
    group.protect = {"Daughter1": {"customers": ("credit",)}}
    group.sync()
    assert group.daughters[0].row("D100")["credit"] == 1000
    group.daughters[0].set("D100", credit=99)
    group.mother.set("D100", credit=5000, city="Bunnik")
    report = group.sync()
    row = group.daughters[0].row("D100")
    assert row["credit"] == 99 and row["city"] == "Bunnik"
    assert group.counts(report)["conflicts"] == 0


def test_columns_outside_fields_are_never_written(group: Group) -> None:
    group.sync()
    group.mother.set("D100", vvsync="N")
    group.daughters[0].set("D101", vvsync="X")
    group.sync()
    assert group.daughters[0].row("D100")["vvsync"] == "J"  # the daughter's default
    assert group.daughters[0].row("D101")["vvsync"] == "X"


def test_records_only_in_the_daughter_are_left_alone(synced: Group) -> None:
    synced.daughters[0].add("D900", "Eigen klant", "Breda")
    report = synced.sync()
    assert synced.daughters[0].row("D900")["name"] == "Eigen klant"
    assert synced.counts(report)["removed"] == 0


def test_an_agreed_daughter_wins_value_is_not_stored_again_every_run(group: Group) -> None:
    group.policy = Policy.DAUGHTER_WINS
    group.sync()
    group.daughters[0].set("D100", city="Almere")
    group.sync()

    def deltas() -> int:
        conn = sqlite3.connect(group.spec.state_path)
        try:
            return int(conn.execute("SELECT count(*) FROM base_delta").fetchone()[0])
        finally:
            conn.close()

    before = deltas()
    for _ in range(3):
        assert group.counts(group.sync())["unchanged"] == 3
    assert deltas() == before  # nothing moved, so no base was written
