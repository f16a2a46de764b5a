"""The rule table of DESIGN section 4, as pure functions: a record's rows and base in, what
to write and the new base out. Nothing here touches a database.

Per field, with m/d the mother's and daughter's value now and bm/bd their base:

    m equals d                      -> nothing to write; the base advances to m
    no base yet (and m != d)        -> adopt: a conflict, the first time only
    m changed, d as its base        -> update the daughter
    m as its base, d changed        -> conflict (a local edit in the daughter)
    both changed, differently       -> conflict

A conflict is resolved by the policy: mother-wins writes m (both bases become m);
daughter-wins keeps d (bases become m and d, so it is not reported again until one side
changes); skip writes nothing and advances nothing, so it is reported at every run.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from engine.db.values import same
from engine.model import Key, MarkRemoved, Policy
from engine.state import MISSING, Base, Entry, decode

T = TypeVar("T")

Outcome = Literal["created", "updated", "unchanged", "removed", "none"]


@dataclass(frozen=True)
class Rules:
    """How one daughter syncs one entity: its compared fields (the entity's fields less the
    ones this daughter protects), the conflict policy and the on_remove marker."""

    fields: tuple[str, ...]
    policy: Policy
    marker: MarkRemoved | None = None

    @property
    def marker_index(self) -> int | None:
        if self.marker is None or self.marker.column not in self.fields:
            return None
        return self.fields.index(self.marker.column)


@dataclass(slots=True)
class RecordPlan:
    """What to do with one record in one daughter."""

    key: Key
    outcome: Outcome
    columns: tuple[str, ...] = ()
    before: tuple[Any, ...] | None = None
    after: tuple[Any, ...] = ()
    conflicts: tuple[str, ...] = ()
    open_conflict: bool = False
    base: Base | None = None  # the new base once written; None: leave the base as it is
    entry: Entry | None = None  # `base` packed, when it is the mother's values on both sides
    mother: bytes = b""  # the mother's compared values, packed (parking compares it)
    raw_key: Key | None = None  # the key as the database spells it, for writing (else `key`)


def plan_existing(rules: Rules, key: Key, mother: tuple[Any, ...], packed: bytes,
                  daughter: tuple[Any, ...], entry: Entry | None,
                  mother_marker: Any = MISSING, daughter_marker: Any = None) -> RecordPlan:
    """A selected record that exists in both. `packed` is `mother` packed; `mother_marker`
    and `daughter_marker` the two sides' values of the on_remove column (MISSING when the
    mother has no such column)."""
    if entry is not None and entry[2] is None and entry[1] == packed and daughter == mother:
        return RecordPlan(key, "unchanged")  # the common case (the runner decides it per page)
    base = decode(entry, rules.fields) if entry is not None else Base(
        [MISSING] * len(mother), [MISSING] * len(mother), False)
    columns: list[str] = []
    before: list[Any] = []
    after: list[Any] = []
    came_back = base.removed
    if came_back:  # the record came back: the marker gets the mother's value again
        base.removed = False
        index = rules.marker_index
        if index is not None:  # as if only the mother had moved: her value flows back
            base.mother[index], base.daughter[index] = MISSING, daughter[index]
        elif (rules.marker is not None and mother_marker is not MISSING
              and not same(mother_marker, daughter_marker)):
            columns.append(rules.marker.column)
            before.append(daughter_marker)
            after.append(mother_marker)
    conflicts: list[str] = []
    open_conflict = False
    plain = not came_back  # the new base is the mother's values on both sides
    new_m = list(base.mother)
    new_d = list(base.daughter)
    for i, name in enumerate(rules.fields):
        m, d, bm, bd = mother[i], daughter[i], base.mother[i], base.daughter[i]
        if m is d or (type(m) is type(d) and m == d) or same(m, d):
            new_m[i] = new_d[i] = m
            continue
        mother_moved = bm is MISSING or not same(m, bm)
        daughter_moved = bd is MISSING or not same(d, bd)
        if not mother_moved and not daughter_moved:
            plain = False
            continue  # as agreed before (daughter-wins kept the daughter's value)
        if daughter_moved:
            conflicts.append(name)
            if rules.policy is Policy.SKIP:
                open_conflict, plain = True, False
                continue
            if rules.policy is Policy.DAUGHTER_WINS:
                new_m[i], new_d[i] = m, d
                plain = False
                continue
        columns.append(name)
        before.append(d)
        after.append(m)
        new_m[i] = new_d[i] = m
    new_base = Base(new_m, new_d, False)
    packed_base = (key, packed, None) if plain else None
    if not columns:
        changed_base = entry is None or came_back or not all(
            a is b or (type(a) is type(b) and a == b)
            for a, b in zip(new_m + new_d, base.mother + base.daughter, strict=True))
        if not changed_base:
            return RecordPlan(key, "unchanged", conflicts=tuple(conflicts),
                              open_conflict=open_conflict, mother=packed)
        return RecordPlan(key, "unchanged", conflicts=tuple(conflicts),
                          open_conflict=open_conflict, base=new_base, entry=packed_base,
                          mother=packed)
    return RecordPlan(key, "updated", tuple(columns), tuple(before), tuple(after),
                      tuple(conflicts), open_conflict, new_base, packed_base, mother=packed)


@dataclass(frozen=True, slots=True)
class CreatePart:
    """Records of one mother page to create: parallel lists in key order, shared by every
    daughter that lacks them (nobody changes them)."""

    keys: list[Key]
    rows: list[tuple[Any, ...]]  # to insert: key, then fields
    values: list[tuple[Any, ...]]  # the fields
    packed: list[bytes]  # the compared values packed: the new base


@dataclass(slots=True)
class Creates:
    """Selected records missing in the daughter, to be created with every field (protected
    ones too). Kept as lists per mother page, not a plan per record, so a first sync moves
    through C-level list operations, and the daughters' journals and bases of one page are
    one pack in the state store."""

    parts: list[CreatePart] = field(default_factory=list)

    @classmethod
    def of(cls, keys: list[Key], rows: list[tuple[Any, ...]], values: list[tuple[Any, ...]],
           packed: list[bytes]) -> Creates:
        return cls([CreatePart(keys, rows, values, packed)] if keys else [])

    def __len__(self) -> int:
        return sum(len(part.keys) for part in self.parts)

    @property
    def keys(self) -> list[Key]:
        return _joined([part.keys for part in self.parts])

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        return _joined([part.rows for part in self.parts])

    @property
    def values(self) -> list[tuple[Any, ...]]:
        return _joined([part.values for part in self.parts])

    @property
    def packed(self) -> list[bytes]:
        return _joined([part.packed for part in self.parts])

    def pick(self, positions: list[int]) -> Creates:
        """The records at these positions (of all parts, in order)."""
        keys, rows, values, packed = self.keys, self.rows, self.values, self.packed
        if len(positions) == len(keys):
            return self
        return Creates.of([keys[i] for i in positions], [rows[i] for i in positions],
                          [values[i] for i in positions], [packed[i] for i in positions])

    def extend(self, other: Creates) -> None:
        self.parts.extend(other.parts)

    def split(self, size: int) -> tuple[Creates, Creates]:
        """The first `size` records, and the rest."""
        head: list[CreatePart] = []
        rest = list(self.parts)
        while rest and size > 0:
            part = rest.pop(0)
            if len(part.keys) <= size:
                head.append(part)
                size -= len(part.keys)
                continue
            head.append(CreatePart(part.keys[:size], part.rows[:size], part.values[:size],
                                   part.packed[:size]))
            rest.insert(0, CreatePart(part.keys[size:], part.rows[size:],
                                      part.values[size:], part.packed[size:]))
            size = 0
        return Creates(head), Creates(rest)


def _joined(lists: list[list[T]]) -> list[T]:
    """One list of several (the list itself when there is one: not to be changed)."""
    if len(lists) == 1:
        return lists[0]
    return list(itertools.chain.from_iterable(lists))


def plan_leave(rules: Rules, key: Key, daughter: tuple[Any, ...] | None,
               marker_value: Any, entry: Entry) -> RecordPlan | None:
    """A record stamsync synced left the mother or the selection (or entered skip):
    with on_remove set, mark it in the daughter once."""
    if rules.marker is None or daughter is None:
        return None
    base = decode(entry, rules.fields)
    if base.removed:
        return None
    base.removed = True
    target = rules.marker.value
    if same(marker_value, target):
        return RecordPlan(key, "none", base=base)
    return RecordPlan(key, "removed", (rules.marker.column,), (marker_value,), (target,),
                      base=base)
