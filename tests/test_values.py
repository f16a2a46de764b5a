"""A value two engines spell differently is the same value: never rewritten."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from engine.db.values import normalize_key, same
from tests.books import Group


@pytest.mark.parametrize("a, b", [
    (Decimal("1.50"), 1.5),
    (Decimal("10.00"), 10),
    (0.1, Decimal("0.10")),
    ("Utrecht   ", "Utrecht"),
    (dt.date(2026, 12, 3), "2026-12-03"),
    (dt.datetime(2026, 12, 3, 10, 30), "2026-12-03 10:30:00"),
    (True, 1),
    (b"\x00\x01", memoryview(b"\x00\x01")),
    (None, None),
])
def test_same_value_spelled_differently(a: object, b: object) -> None:
    assert same(a, b) and same(b, a)


@pytest.mark.parametrize("a, b", [
    ("J", "N"), ("j", "J"), (1.5, 1.51), ("Utrecht", " Utrecht"), (None, ""), (0, None),
    (Decimal("1.5"), "1.50x"),
])
def test_different_values(a: object, b: object) -> None:
    assert not same(a, b)


def test_keys_are_normalized_only_when_needed() -> None:
    key = ("D100", 7)
    assert normalize_key(key) is key
    assert normalize_key(("D100  ", Decimal("7.0"))) == ("D100", 7)


def test_an_unchanged_record_spelled_differently_is_never_rewritten(group: Group) -> None:
    group.sync()
    group.daughters[0].set("D100", credit="1000.00", city="Utrecht  ")
    report = group.sync()
    assert group.counts(report)["unchanged"] == 3 and group.counts(report)["conflicts"] == 0
    assert group.daughters[0].row("D100")["city"] == "Utrecht  "  # left as the daughter has it


def test_text_with_diacritics_round_trips_exactly(group: Group) -> None:
    group.mother.add("D200", "Ĳsbrand Øster — Café «Zoë»", "Łódź")
    group.sync()
    row = group.daughters[0].row("D200")
    assert (row["name"], row["city"]) == ("Ĳsbrand Øster — Café «Zoë»", "Łódź")
