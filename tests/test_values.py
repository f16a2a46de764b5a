"""A value two engines spell differently is the same value: never rewritten."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.db.values import normalize_key, same, same_rows
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


# Values as the engines spell them: numbers as int, float, Decimal and bool; text with and
# without CHAR padding; dates and datetimes as objects and as ISO text; NULL.
_NUMBER = st.one_of(
    st.integers(-1000, 1000), st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.decimals(allow_nan=False, places=2, min_value=-1000, max_value=1000),
    st.sampled_from([0.1, Decimal("0.10"), 1.5, Decimal("1.50"), 2.0, Decimal("2"), -0.0]))
_DAY = st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))
_TEXT = st.one_of(st.sampled_from(["", " ", "J", "J ", "Café", "Ĳsselmeer  ", "1.5"]),
                  st.text(max_size=4))
_VALUE = st.one_of(st.none(), _NUMBER, _TEXT, _DAY, _DAY.map(dt.date.isoformat),
                   st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2030, 1, 1)),
                   st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2030, 1, 1))
                   .map(lambda v: v.isoformat(sep=" ")))
_PAIRS = st.lists(st.tuples(_VALUE, _VALUE), min_size=1, max_size=4)


@given(st.lists(_PAIRS, min_size=1, max_size=6).filter(
    lambda rows: len({len(r) for r in rows}) == 1))
def test_rows_compared_column_by_column_agree_with_same(rows: list[list[tuple[object, object]]],
                                                        ) -> None:
    mine = [tuple(a for a, _ in row) for row in rows]
    theirs = [tuple(b for _, b in row) for row in rows]
    expected = [all(same(a, b) for a, b in row) for row in rows]
    assert same_rows(mine, theirs) == expected


def test_a_page_in_another_engines_spelling_is_the_same_page() -> None:
    mother = [("A1", 12.5, "2026-01-02", "J"), ("A2", 0.1, None, "N")]
    daughter = [("A1", Decimal("12.50"), dt.date(2026, 1, 2), "J   "),
                ("A2", Decimal("0.10"), None, "N")]
    assert same_rows(mother, daughter) == [True, True]
    daughter[1] = ("A2", Decimal("0.11"), None, "N")
    assert same_rows(mother, daughter) == [True, False]
