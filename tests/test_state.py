"""The state store keeps bases in bulk (segments plus a delta); whatever order records are
added in, every run lines them up with the mother and the daughters."""

from __future__ import annotations

import sqlite3

import pytest

import engine
import engine.state
from tests.books import Group


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
