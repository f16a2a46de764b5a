"""Which records take part: select by column value or by keys, skip, composite keys,
on_remove, and dry runs that write nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import engine
from engine import Entity, MarkRemoved, SelectKeys, SelectWhere
from tests.books import Group, make_group


def test_select_by_column_value_j_n(group: Group) -> None:
    group.mother.set("D101", vvsync="N")
    group.entity = replace(group.entity, select=SelectWhere("VVSYNC", "J"))
    report = group.sync()
    assert set(group.daughters[0].rows()) == {"D100", "D102"}
    assert group.counts(report)["created"] == 2


def test_a_value_typed_as_text_selects_the_number_it_spells(group: Group) -> None:
    """The settings dialog writes what a person typed, as text; a number column is matched
    by the number ("1000" selects 1000 and 1000.00, never 10000)."""
    group.mother.set("D101", credit=2500)
    group.mother.set("D102", credit=10000)
    group.entity = replace(group.entity, select=SelectWhere("credit", "1000"))
    group.sync()
    assert set(group.daughters[0].rows()) == {"D100"}
    group.entity = replace(group.entity, select=SelectWhere("credit", "2500.00"))
    report = group.sync()
    assert "D101" in group.daughters[0].rows() and "D102" not in group.daughters[0].rows()
    assert group.counts(report)["created"] == 1


def test_select_by_keys(group: Group) -> None:
    group.entity = replace(group.entity, select=SelectKeys(frozenset({("D100",), ("D102",)})))
    group.sync()
    assert set(group.daughters[0].rows()) == {"D100", "D102"}


def test_skip_is_never_synced_whatever_select_says(group: Group) -> None:
    group.entity = replace(group.entity, skip=frozenset({("D101",)}))
    report = group.sync()
    assert set(group.daughters[0].rows()) == {"D100", "D102"}
    assert group.counts(report)["skipped"] == 1
    group.mother.set("D101", name="Changed")
    assert group.counts(group.sync())["skipped"] == 1
    assert "D101" not in group.daughters[0].rows()


def test_unselected_records_are_never_written(group: Group) -> None:
    group.entity = replace(group.entity, select=SelectWhere("vvsync", "J"))
    group.mother.set("D101", vvsync="N")
    group.daughters[0].add("D101", "Lokale naam", "Almere")
    group.sync()
    assert group.daughters[0].row("D101")["name"] == "Lokale naam"


def test_on_remove_marks_a_record_that_leaves_and_unmarks_it_when_it_returns(
        group: Group) -> None:
    group.entity = replace(group.entity, select=SelectWhere("vvsync", "J"),
                           on_remove=MarkRemoved("blocked", "J"))
    group.sync()
    group.mother.set("D100", vvsync="N")  # leaves the selection
    group.mother.delete("D102")  # leaves the mother
    report = group.sync()
    assert group.counts(report)["removed"] == 2
    rows = group.daughters[0].rows()
    assert rows["D100"]["blocked"] == "J" and rows["D102"]["blocked"] == "J"
    assert rows["D101"]["blocked"] == "N"
    assert group.counts(group.sync())["removed"] == 0  # marked once
    group.mother.set("D100", vvsync="J")  # comes back
    report = group.sync()
    assert group.daughters[0].row("D100")["blocked"] == "N"
    assert group.counts(report)["conflicts"] == 0


def test_on_remove_when_a_record_enters_skip(group: Group) -> None:
    group.entity = replace(group.entity, on_remove=MarkRemoved("blocked", "J"))
    group.sync()
    group.entity = replace(group.entity, skip=frozenset({("D101",)}))
    report = group.sync()
    assert group.counts(report)["removed"] == 1
    assert group.daughters[0].row("D101")["blocked"] == "J"


def test_on_remove_keep_leaves_the_daughter_as_it_is(group: Group) -> None:
    group.sync()
    group.mother.delete("D100")
    report = group.sync()
    assert group.daughters[0].row("D100")["blocked"] == "N"
    assert group.counts(report)["removed"] == 0


COMPOSITE = """
CREATE TABLE prices (
    item TEXT NOT NULL, pricelist INTEGER NOT NULL, price NUMERIC, valid_from TEXT,
    PRIMARY KEY (item, pricelist))
"""


def test_composite_keys(tmp_path: Path) -> None:
    g = make_group(tmp_path, schema=COMPOSITE)
    g.entity = Entity("prices", "prices", ("item", "pricelist"), None,
                      skip=frozenset({("A1", 2)}))
    for item, pricelist, price in [("A1", 1, 9.95), ("A1", 2, 8.5), ("A2", 1, 12.0),
                                   ("A10", 1, 1.25)]:
        g.mother.execute("INSERT INTO prices VALUES (?, ?, ?, '2026-01-01')",
                         (item, pricelist, price))
    g.daughters[0].execute("INSERT INTO prices VALUES ('A2', 1, 11.0, '2026-01-01')")
    report = g.sync()
    counts = g.counts(report)
    assert counts["created"] == 2 and counts["skipped"] == 1 and counts["conflicts"] == 1
    g.mother.execute("UPDATE prices SET price = 10.5 WHERE item = 'A1' AND pricelist = 1")
    report = g.sync()
    assert g.counts(report)["updated"] == 1
    conn_rows = sorted(_all(g, "prices"))
    assert conn_rows == [("A1", 1, 10.5, "2026-01-01"), ("A10", 1, 1.25, "2026-01-01"),
                         ("A2", 1, 12, "2026-01-01")]


def _all(g: Group, table: str) -> list[tuple[object, ...]]:
    import sqlite3

    conn = sqlite3.connect(g.daughters[0].path)
    try:
        return conn.execute(f"SELECT * FROM {table}").fetchall()
    finally:
        conn.close()


def test_dry_run_writes_nothing_and_advances_no_base(group: Group) -> None:
    group.daughters[0].add("D100", "Bakkerij de Vries", "Bunnik")
    before = group.daughters[0].path.read_bytes()
    report = group.sync(dry_run=True)
    assert report.dry_run and group.counts(report)["created"] == 2
    assert group.counts(report)["conflicts"] == 1
    assert group.daughters[0].path.read_bytes() == before
    planned = engine.show(group.spec, report.run_id).changes or []
    assert {(c.key, c.action, c.status) for c in planned} == {
        (("D100",), "update", "planned"), (("D101",), "create", "planned"),
        (("D102",), "create", "planned")}
    # No base advanced: the real run sees exactly the same.
    real = group.sync()
    assert group.counts(real) == group.counts(report)
    assert [r.dry_run for r in engine.history(group.spec)] == [False, True]
