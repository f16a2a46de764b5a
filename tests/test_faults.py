"""Bad input gets a clear error and nothing is lost: rejected records, unreachable or
broken daughters, bad keys in the mother, missing tables and columns, the lock."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from filelock import FileLock

import engine
from engine import ConfigError, Entity, LockHeld
from tests.books import CUSTOMERS, Books, Group, make_group, variant

STRICT = variant(CUSTOMERS, "name VARCHAR(100),",
                 "name VARCHAR(100) CHECK (length(name) <= 20),")


def test_a_rejected_record_fails_alone_with_the_databases_message(tmp_path: Path) -> None:
    g = make_group(tmp_path)
    g.daughters[0].path.unlink()
    g.daughters[0] = Books(g.daughters[0].path, "Daughter1", STRICT)
    g.mother.add("D100", "Kort")
    g.mother.add("D101", "Een veel te lange naam voor deze dochter")
    g.mother.add("D102", "Ook kort")
    report = g.sync()
    assert g.counts(report)["created"] == 2 and g.counts(report)["failed"] == 1
    assert set(g.daughters[0].rows()) == {"D100", "D102"}
    (failure,) = report.daughters[0].failures
    assert failure.key == ("D101",) and "CHECK constraint failed" in failure.message
    assert report.status == "attention" and report.exit_code == 1
    # The journal keeps only what was written.
    changes = engine.show(g.spec, report.run_id).changes or []
    assert {c.key for c in changes} == {("D100",), ("D102",)}


def test_a_record_failing_three_runs_in_a_row_is_parked_until_the_mother_changes_it(
        tmp_path: Path) -> None:
    g = make_group(tmp_path)
    g.daughters[0].path.unlink()
    g.daughters[0] = Books(g.daughters[0].path, "Daughter1", STRICT)
    g.mother.add("D101", "Een veel te lange naam voor deze dochter")
    for _ in range(3):
        assert g.counts(g.sync())["failed"] == 1
    assert g.counts(g.sync(dry_run=True))["skipped"] == 1
    parked = g.sync()
    assert g.counts(parked)["skipped"] == 1 and g.counts(parked)["failed"] == 0
    warnings = [p for p in engine.check(g.spec).problems if p.level == "warning"]
    assert len(warnings) == 1 and "parked" in warnings[0].message
    g.mother.set("D101", name="Nu wel kort")
    report = g.sync()
    assert g.counts(report)["created"] == 1
    assert g.daughters[0].row("D101")["name"] == "Nu wel kort"
    assert not [p for p in engine.check(g.spec).problems if p.level == "warning"]


def test_dry_runs_do_not_count_towards_parking(tmp_path: Path) -> None:
    g = make_group(tmp_path)
    g.daughters[0].path.unlink()
    g.daughters[0] = Books(g.daughters[0].path, "Daughter1", STRICT)
    g.mother.add("D101", "Een veel te lange naam voor deze dochter")
    for _ in range(4):
        g.sync(dry_run=True)
    assert g.counts(g.sync())["failed"] == 1


def test_a_missing_daughter_fails_alone(group: Group, tmp_path: Path) -> None:
    group.daughters.append(Books(tmp_path / "d2.db", "Daughter2"))
    group.daughters[0].path.unlink()
    report = group.sync()
    first, second = report.daughters
    assert first.status == "failed" and "does not exist" in (first.error or "")
    assert str(group.daughters[0].path) in (first.error or "")
    assert not group.daughters[0].path.exists()  # never created by the sync
    assert second.status == "ok" and group.counts(report, 1)["created"] == 3
    assert report.status == "attention" and report.exit_code == 1


def test_a_daughter_that_is_not_a_database_fails_alone(group: Group, tmp_path: Path) -> None:
    group.daughters.append(Books(tmp_path / "d2.db", "Daughter2"))
    group.daughters[0].path.write_bytes(b"this is a spreadsheet, not a database" * 100)
    report = group.sync()
    assert report.daughters[0].status == "failed"
    assert "Daughter1" in (report.daughters[0].error or "")
    assert report.daughters[1].status == "ok"


def test_no_daughter_reachable_is_a_failed_run(group: Group) -> None:
    group.daughters[0].path.unlink()
    report = group.sync()
    assert report.status == "failed" and report.exit_code == 1


def test_an_unreachable_mother_fails_the_run(group: Group) -> None:
    group.mother.path.unlink()
    report = group.sync()
    assert report.status == "failed" and "Holding" in (report.error or "")
    assert group.daughters[0].count() == 0


LOOSE = variant(CUSTOMERS, "code VARCHAR(20) PRIMARY KEY", "code VARCHAR(20)")
# A unique index that holds for some rows only does not make the key unique.
PARTIAL = LOOSE + "; CREATE UNIQUE INDEX some_codes ON customers (code) WHERE city IS NOT NULL"


@pytest.mark.parametrize("schema, bad_code, words", [
    (LOOSE, None, "empty (NULL) key"),
    (CUSTOMERS, None, "empty (NULL) key"),  # SQLite lets a TEXT primary key be NULL
    (LOOSE, "D100", "not unique"),
    (PARTIAL, "D100", "not unique"),
])
def test_bad_keys_in_the_mother_stop_everything_for_the_entity(
        tmp_path: Path, schema: str, bad_code: str | None, words: str) -> None:
    g = make_group(tmp_path, schema=schema)
    for i in range(100, 110):
        g.mother.add(f"D{i}", f"Klant {i}")
    g.mother.execute("INSERT INTO customers (code, name) VALUES (?, 'Dubbel')", (bad_code,))
    with pytest.raises(ConfigError) as caught:
        g.sync()
    message = str(caught.value)
    assert words in message and "Holding" in message and "customers" in message
    if bad_code:
        assert "'D100'" in message
    assert g.daughters[0].count() == 0
    assert engine.history(g.spec)[0].status == "failed"


def test_a_missing_column_in_the_mother_names_a_close_match(group: Group) -> None:
    group.entity = replace(group.entity, fields=("name", "citty"))
    with pytest.raises(ConfigError) as caught:
        group.sync()
    assert "'citty'" in str(caught.value) and "Did you mean 'city'?" in str(caught.value)
    assert group.daughters[0].count() == 0


def test_a_missing_table_in_the_mother_lists_the_tables_there(group: Group) -> None:
    group.entity = Entity("customers", "klanten", ("code",))
    with pytest.raises(ConfigError) as caught:
        group.sync()
    assert "'klanten' does not exist" in str(caught.value) and "customers" in str(caught.value)


def test_a_missing_table_in_one_daughter_stops_that_daughter_only(
        group: Group, tmp_path: Path) -> None:
    other = tmp_path / "d2.db"
    group.daughters.append(Books(other, "Daughter2", "CREATE TABLE other (x)"))
    report = group.sync()
    assert report.daughters[0].status == "ok"
    assert report.daughters[1].status == "attention"
    assert "table 'customers' does not exist" in (report.daughters[1].error or "")
    assert report.exit_code == 1
    problems = engine.check(group.spec).problems
    assert [(p.administration, p.scope) for p in problems] == [("Daughter2", "daughter")]
    assert engine.check(group.spec).exit_code == 1


def test_a_second_sync_while_one_runs_is_refused_and_writes_nothing(group: Group) -> None:
    lock = FileLock(str(group.spec.state_path) + ".lock")
    with lock, pytest.raises(LockHeld) as caught:
        group.sync()
    assert caught.value.exit_code == 3
    assert group.daughters[0].count() == 0
    assert engine.history(group.spec) == []


def test_keys_equal_under_the_columns_collation_are_duplicates(tmp_path: Path) -> None:
    # Unique in binary (the index) but not as `=` compares them (NOCASE): writing by key
    # would update both daughter rows, so the mother is refused.
    schema = (variant(CUSTOMERS, "code VARCHAR(20) PRIMARY KEY",
                      "code VARCHAR(20) COLLATE NOCASE")
              + "; CREATE UNIQUE INDEX binary_codes ON customers (code COLLATE BINARY)")
    g = make_group(tmp_path, schema=schema)
    g.mother.add("a", "Klein")
    g.mother.add("A", "Groot")
    with pytest.raises(ConfigError, match="not unique"):
        g.sync()
    assert g.daughters[0].count() == 0


def test_a_schema_qualified_table_name_works(group: Group) -> None:
    group.entity = replace(group.entity, table="main.customers")
    report = group.sync()
    assert report.status == "ok" and group.counts(report)["created"] == 3


def test_check_lists_every_missing_column_of_the_mother_on_its_own_line(group: Group) -> None:
    group.entity = Entity("customers", "customers", ("code",), ("name", "town", "credit_limit"))
    report = engine.check(group.spec)
    messages = [p.message for p in report.problems if p.scope == "mother"]
    assert len(messages) == 2, messages
    assert "no column 'town'" in messages[0] and "no column 'credit_limit'" in messages[1]
    assert report.exit_code == 2


def test_a_daughter_record_without_a_key_is_named_as_such(tmp_path: Path) -> None:
    g = make_group(tmp_path, schema=LOOSE)
    g.mother.add("D100", "Bakkerij de Vries")
    g.daughters[0].execute("INSERT INTO customers (code, name) VALUES (NULL, 'Zonder code')")
    report = g.sync()
    error = report.daughters[0].error or ""
    assert "a record has an empty (NULL) key" in error and "Daughter1" in error


def test_a_read_that_does_not_get_past_a_key_stops_instead_of_looping(
        group: Group, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.db import SQLiteDatabase, connect
    from engine.db.base import iterate_pages

    original = SQLiteDatabase.read_page
    monkeypatch.setattr(SQLiteDatabase, "read_page",  # a key the database cannot match
                        lambda self, t, c, k, after, n: original(self, t, c, k, None, n))
    db = connect(group.mother.admin)
    try:
        with pytest.raises(engine.DatabaseError, match="does not get past key"):
            for _ in iterate_pages(db, "customers", ["code"], ["code"], 2):
                pass
    finally:
        db.close()
