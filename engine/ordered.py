"""Walking several key-ordered streams side by side.

The mother, each daughter and each base store are read in key order, so one pass lines them
up with constant memory. Streams move a page at a time (list slicing and bisect, so the
work per record stays in C). Each stream checks that its keys really rise: a database that
returned them in another order (a collation we did not expect), or a key that occurs twice,
stops with a clear message instead of a record being mistaken for missing.
"""

from __future__ import annotations

import itertools
import operator
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

from engine.db.values import normalize_key
from engine.errors import DatabaseError
from engine.i18n import _
from engine.model import Key

T = TypeVar("T")

KeysOf = Callable[[list[T]], list[Key]]


def row_keys(width: int) -> KeysOf[tuple[Any, ...]]:
    """The keys of a page of rows whose first `width` columns are the key."""

    take = operator.itemgetter(slice(0, width))
    first = operator.itemgetter(0)

    def keys(page: list[tuple[Any, ...]]) -> list[Key]:
        if width == 1:  # the usual case, done with fewer objects
            values = list(map(first, page))
            found = list(zip(values))
        else:
            found = list(map(take, page))
            values = list(itertools.chain.from_iterable(found))
        kinds = set(map(type, values))
        if kinds == {str}:
            # One join finds a value ending in a space (or, harmlessly, holding " \0").
            padded = " \0" in ("\0".join(values) + "\0")
        elif kinds <= {str, int}:
            padded = any(map(_padded, values))
        else:
            padded = True
        if not padded:
            return found  # the usual case: nothing to normalize, decided in C
        return [normalize_key(k) for k in found]

    return keys


def _padded(value: Any) -> bool:
    return type(value) is str and value.endswith(" ")


def keyed(pages: Iterable[list[T]], keys_of: KeysOf[T]) -> Iterator[tuple[list[Key], list[T]]]:
    """Pages with their keys."""
    for page in pages:
        yield keys_of(page), page


class OrderedStream(Generic[T]):
    """Pages of items in rising key order, with their keys, taken up to a limit key at a
    time."""

    def __init__(self, pages: Iterable[tuple[list[Key], list[T]]], where: str,
                 administration: str) -> None:
        self._pages: Iterator[tuple[list[Key], list[T]]] = iter(pages)
        self._where = where
        self._administration = administration
        self._keys: list[Key] = []
        self._items: list[T] = []
        self._at = 0
        self._last: Key | None = None
        self._done = False

    def take_until(self, limit: Key | None) -> tuple[list[Key], list[T]]:
        """Every remaining item with key <= limit (all of them when limit is None)."""
        keys: list[Key] = []
        items: list[T] = []
        while True:
            if self._at >= len(self._keys) and not self._next_page():
                return keys, items
            try:
                end = (len(self._keys) if limit is None
                       else bisect_right(self._keys, limit, self._at))
            except TypeError:
                empty = next((k for k in self._keys[self._at:] if None in k), None)
                if empty is not None:
                    raise _empty_key(self._administration, self._where) from None
                raise DatabaseError(_(
                    "Administration '{administration}', {where}: key {key} is of another type "
                    "than the mother's key {mother_key}. Give the key column the same type in "
                    "every administration.").format(
                    administration=self._administration, where=self._where,
                    key=repr(self._keys[self._at]), mother_key=repr(limit)),
                    administration=self._administration) from None
            keys.extend(self._keys[self._at:end])
            items.extend(self._items[self._at:end])
            self._at = end
            if end < len(self._keys):
                return keys, items

    def _next_page(self) -> bool:
        if self._done:
            return False
        for keys, page in self._pages:
            if page:
                self._check(keys)
                self._keys, self._items, self._at = keys, page, 0
                return True
        self._done = True
        return False

    def _check(self, keys: list[Key]) -> None:
        ensure_rising(keys, self._last, self._where, self._administration)
        self._last = keys[-1]


def ensure_rising(keys: list[Key], last: Key | None, where: str, administration: str) -> None:
    """DatabaseError unless every key is greater than the one before (and than `last`)."""
    chain = keys if last is None else [last, *keys]
    try:
        rising = all(map(operator.lt, chain, itertools.islice(chain, 1, None)))
    except TypeError:
        rising = False
    if rising:
        return
    if any(None in key for key in chain):
        raise _empty_key(administration, where)
    for before, key in itertools.pairwise(chain):
        try:
            if before < key:
                continue
        except TypeError:
            pass
        if key == before:
            message = _("Administration '{administration}', {where}: key {key} occurs twice. "
                        "The key must be unique and of one type; fix the data or choose another "
                        "key.")
        else:
            message = _("Administration '{administration}', {where}: key {key} came after "
                        "{before}. The key must be unique and of one type; fix the data or "
                        "choose another key.")
        raise DatabaseError(message.format(administration=administration, where=where,
                                           key=repr(key), before=repr(before)),
                            administration=administration)


def _empty_key(administration: str, where: str) -> DatabaseError:
    return DatabaseError(_(
        "Administration '{administration}', {where}: a record has an empty (NULL) key, which "
        "stamsync cannot match to any mother record. Fill in its key or remove the record; "
        "nothing more was synced for this table here.").format(
        administration=administration, where=where), administration=administration)
