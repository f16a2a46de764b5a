"""One value, spelled differently by two engines, is the same value.

SQLite gives 1.5 where PostgreSQL gives Decimal('1.50'); SQL Server pads a CHAR with
spaces; one engine gives a date where another gives '2026-12-03'. `normalize` maps each to
one spelling so that `same()` compares what a person would call equal. 'J'/'N' stay as they
are: they are text, not booleans.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any


def normalize(value: Any) -> Any:
    """The canonical spelling of a database value, for comparison only (never written)."""
    if value is None or type(value) is int:
        return value
    if isinstance(value, str):
        return value.rstrip(" ")
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return value
        return _number(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return value


def _number(value: Decimal) -> int | Decimal:
    try:
        if value == value.to_integral_value():
            return int(value)
    except (InvalidOperation, OverflowError):
        return value
    return value.normalize()


def same(a: Any, b: Any) -> bool:
    """True when two database values are the same value (see the module doc)."""
    kind = type(a)
    if kind is type(b):
        if kind is str:
            return bool(a == b or a.rstrip(" ") == b.rstrip(" "))
        if kind is int or kind is float or kind is bytes:
            return bool(a == b)
        if a == b:
            return True
    return bool(normalize(a) == normalize(b))


def matches(value: Any, wanted: Any) -> bool:
    """Whether a record's `value` is the `select`'s `equals`: the same value, or `wanted`
    written as text for a number, date or time (`equals = "1000"` selects 1000 and 1000.00,
    `"2026-01-31"` that date): a person typing a value does not know the column's type."""
    if same(value, wanted):
        return True
    if not isinstance(wanted, str) or value is None or isinstance(value, str):
        return False
    text = wanted.strip()
    canonical = normalize(value)
    if isinstance(canonical, (int, Decimal)):
        try:
            return bool(_number(Decimal(text)) == canonical)
        except (InvalidOperation, ValueError):
            return False
    return bool(canonical == text)


def normalize_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """Keys are compared and ordered after normalizing (CHAR padding, Decimal scale, ...);
    keys that are already plain text without padding, or whole numbers, pass unchanged."""
    for v in key:
        if type(v) is str:
            if v.endswith(" "):
                return tuple(normalize(v) for v in key)
        elif type(v) is not int:
            return tuple(normalize(v) for v in key)
    return key


def loose_key(key: tuple[Any, ...]) -> tuple[str, ...]:
    """A key as the config spells it: `skip = ["100"]` matches an integer key 100 too."""
    return tuple(str(normalize(v)) for v in key)


_NUMBERS = frozenset({int, float, Decimal, bool, type(None)})
_TEXT = frozenset({str, type(None)})
_DATES = frozenset({str, dt.date, type(None)})


def comparable(column: Sequence[Any]) -> list[Any]:
    """A column's values in a form where `==` between two columns is `same()`, in one pass
    specialised by the kinds of value present (a second engine's column is typically all
    Decimal where the mother's is all float, or all date where the mother's is ISO text).
    Numbers become Decimals or ints (equal by value), text loses its padding, dates become
    ISO text; other mixes take `normalize` value by value."""
    kinds = set(map(type, column))
    if kinds <= {int, type(None)} or kinds == {Decimal}:
        return list(column)
    if len(kinds) == 1:  # one kind, no NULL: a map that runs in C
        (kind,) = kinds
        if kind is float:
            return list(map(Decimal, map(repr, column)))
        if kind is str:
            return list(map(str.rstrip, column, itertools.repeat(" ")))
        if kind is dt.date:
            return list(map(dt.date.isoformat, column))
    if kinds <= _TEXT:
        return [v if v is None else v.rstrip(" ") for v in column]
    if kinds <= _NUMBERS:
        return [Decimal(repr(v)) if type(v) is float else v for v in column]
    if kinds <= _DATES:
        return [v.rstrip(" ") if type(v) is str else v if v is None else v.isoformat()
                for v in column]
    return list(map(normalize, column))


def same_rows(rows: Sequence[tuple[Any, ...]], others: Sequence[tuple[Any, ...]]) -> list[bool]:
    """same() for every field of each pair of rows (of equal width), decided column by column
    so that a whole page costs a few passes rather than a call per value."""
    result = list(map(operator.eq, rows, others))
    if all(result) or not rows:
        return result
    doubt = [i for i, equal in enumerate(result) if not equal]
    if len(doubt) == len(rows):  # another engine's spelling: every row differs as values
        mine, theirs = rows, others
    else:
        mine, theirs = [rows[i] for i in doubt], [others[i] for i in doubt]
    agree: list[bool] | None = None
    for a, b in zip(zip(*mine, strict=True), zip(*theirs, strict=True), strict=True):
        if a == b:
            continue
        equal = map(operator.eq, comparable(a), comparable(b))
        agree = list(equal) if agree is None else list(map(operator.and_, agree, equal))
    if agree is None:
        agree = [True] * len(doubt)
    for i, ok in zip(doubt, agree, strict=True):
        result[i] = ok
    return result
