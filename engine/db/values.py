"""One value, spelled differently by two engines, is the same value.

SQLite gives 1.5 where PostgreSQL gives Decimal('1.50'); SQL Server pads a CHAR with
spaces; one engine gives a date where another gives '2026-12-03'. `normalize` maps each to
one spelling so that `same()` compares what a person would call equal. 'J'/'N' stay as they
are: they are text, not booleans.
"""

from __future__ import annotations

import datetime as dt
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
