"""Walking several key-ordered streams side by side.

The mother, each daughter and each base store are read in key order, so one pass lines them
up with constant memory. Each stream checks that its keys really rise: a database that
returned them in another order (a collation we did not expect) stops with a clear message
instead of mistaking a record for missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

from engine.errors import DatabaseError
from engine.model import Key

T = TypeVar("T")


class OrderedStream(Generic[T]):
    """Items from an iterator in rising key order, taken up to a limit key at a time."""

    def __init__(self, items: Iterable[T], key: Callable[[T], Key], where: str,
                 administration: str) -> None:
        self._items: Iterator[T] = iter(items)
        self._key = key
        self._where = where
        self._administration = administration
        self._next: tuple[Key, T] | None = None
        self._last: Key | None = None
        self._done = False

    def take_until(self, limit: Key | None) -> list[tuple[Key, T]]:
        """Every remaining item with key <= limit (all of them when limit is None)."""
        taken: list[tuple[Key, T]] = []
        while True:
            if self._next is None:
                if self._done:
                    return taken
                item = next(self._items, _END)
                if item is _END:
                    self._done = True
                    return taken
                self._next = (self._check(self._key(item)), item)
            key = self._next[0]
            if limit is not None and key > limit:
                return taken
            taken.append(self._next)
            self._next = None

    def _check(self, key: Key) -> Key:
        last = self._last
        try:
            rising = last is None or key > last
        except TypeError:
            rising = False
        if not rising:
            what = "occurs twice" if key == last else f"came after {last!r}"
            raise DatabaseError(
                f"Administration '{self._administration}', {self._where}: key {key!r} {what}. "
                "The key must be unique and of one type; fix the data or choose another key.",
                administration=self._administration)
        self._last = key
        return key


_END: Any = object()
