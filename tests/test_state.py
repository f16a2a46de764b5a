"""The state store keeps bases in bulk (segments plus a delta); whatever order records are
added in, every run lines them up with the mother and the daughters."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

import engine
import engine.state
from engine.storage import open_state
from tests.books import Group, make_group


def _segments_and_deltas(group: Group) -> tuple[int, int]:
    conn = sqlite3.connect(group.spec.state_path)
    try:
        return (conn.execute("SELECT count(*) FROM base_segments").fetchone()[0],
                conn.execute("SELECT count(*) FROM base_delta").fetchone()[0])
    finally:
        conn.close()


def test_records_added_between_others_are_tracked_and_compacted(
        group: Group, monkeypatch: pytest.MonkeyPatch) -> None:
    group.sync()
    assert _segments_and_deltas(group) == (1, 0)  # a first sync appends a segment
    group.mother.add("D1005", "Tussenvoegsel BV", "Gouda")  # sorts between D100 and D101
    group.mother.add("D099", "Vooraan BV", "Delft")
    group.mother.set("D101", city="Harderwijk")
    report = group.sync()
    assert group.counts(report)["created"] == 2 and group.counts(report)["updated"] == 1
    assert _segments_and_deltas(group) == (1, 1)  # changes in the middle go to the delta
    again = group.sync()
    assert group.counts(again)["unchanged"] == 5 and group.counts(again)["conflicts"] == 0
    monkeypatch.setattr(engine.state, "_COMPACT_MIN", 1)
    group.mother.set("D099", city="Rijswijk")
    group.sync()
    assert _segments_and_deltas(group)[1] == 0  # the delta was merged into segments
    group.daughters[0].set("D1005", city="Woerden")  # a local edit is still seen
    final = group.sync()
    assert group.counts(final)["conflicts"] == 1 and group.counts(final)["unchanged"] == 4
    assert group.daughters[0].row("D1005")["city"] == "Gouda"


def test_a_changed_field_list_keeps_the_bases_of_the_other_fields(group: Group) -> None:
    from dataclasses import replace

    group.entity = replace(group.entity, fields=("name", "city"))
    group.sync()
    group.daughters[0].set("D100", city="Bunnik")  # a local edit, not yet synced
    group.entity = replace(group.entity, fields=("name", "city", "credit"))
    report = group.sync()
    # credit was never written (NULL in the daughter) and has no base: adopted as a conflict
    # in all three records; D100's city keeps its base, so its local edit is one too.
    assert group.counts(report)["conflicts"] == 3
    changes = {c.key: c for c in engine.show(group.spec, report.run_id).changes or []}
    assert changes[("D100",)].conflict == ("city", "credit")
    assert changes[("D101",)].conflict == ("credit",)
    assert group.daughters[0].row("D100")["city"] == "Utrecht"
    assert group.counts(group.sync())["conflicts"] == 0


def test_a_state_store_of_another_schema_is_refused_with_what_to_do(group: Group) -> None:
    group.sync()
    conn = sqlite3.connect(group.spec.state_path)
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    with pytest.raises(engine.StamsyncError) as caught:
        group.sync()
    message = str(caught.value)
    assert str(group.spec.state_path) in message and "schema 1" in message
    assert "Move the file aside" in message
    assert group.daughters[0].count() == 3  # nothing else happened


def test_the_mother_values_are_stored_once_for_every_daughter_and_the_journal(
        tmp_path: Path) -> None:
    g = make_group(tmp_path, daughters=3)
    for i in range(50):
        g.mother.add(f"K{i:03d}", f"Klant {i}")
    g.sync()
    conn = sqlite3.connect(g.spec.state_path)
    try:
        packs = conn.execute("SELECT count(*) FROM packs").fetchone()[0]
        segments = conn.execute("SELECT count(DISTINCT pack) FROM base_segments").fetchone()[0]
        creates = conn.execute("SELECT count(DISTINCT creates) FROM journal").fetchone()[0]
    finally:
        conn.close()
    assert packs == segments == creates == 1
    changes = engine.show(g.spec, 1).changes or []
    assert len(changes) == 3 * 50 and {c.daughter for c in changes} == {
        d.name for d in g.daughters}


def test_a_new_state_store_opened_by_several_at_once(tmp_path: Path) -> None:
    """A tray starting beside `stamsync history` may create the same store at the same
    moment: neither may fail (both once did: the schema row twice, WAL refused as locked)."""
    for attempt in range(20):
        path = tmp_path / f"s{attempt}.db"
        start = threading.Barrier(6)
        errors: list[Exception] = []

        def open_it(path: Path = path, start: threading.Barrier = start,
                    errors: list[Exception] = errors) -> None:
            start.wait()
            try:
                open_state(path).close()
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=open_it) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
