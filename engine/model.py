"""What to sync: the administrations, the entities and the rules, as plain frozen dataclasses.

The config loader builds these from the TOML file; the engine never reads the file itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

Key = tuple[Any, ...]
"""A record's key: one value per key column, in the order the entity lists them."""


class Policy(StrEnum):
    """What a conflict (both sides changed a field) resolves to."""

    MOTHER_WINS = "mother-wins"
    DAUGHTER_WINS = "daughter-wins"
    SKIP = "skip"


@dataclass(frozen=True)
class Administration:
    """One set of books: the mother or a daughter.

    `database` is `sqlite:/absolute/path.db` or `odbc:<connection string>`.
    `protect` maps an entity name to the fields this daughter owns (written only on create).
    The timeouts (seconds) apply to ODBC connections: logging in, and each statement.
    """

    name: str
    database: str
    enabled: bool = True
    protect: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    connect_timeout: int = 15
    query_timeout: int = 120

    def protected(self, entity: str) -> tuple[str, ...]:
        return self.protect.get(entity, ())


@dataclass(frozen=True)
class SelectAll:
    """Every mother record takes part."""


@dataclass(frozen=True)
class SelectWhere:
    """Records whose `column` equals `equals` take part (e.g. VVSYNC = 'J')."""

    column: str
    equals: Any


@dataclass(frozen=True)
class SelectKeys:
    """Only the records with these keys take part."""

    keys: frozenset[Key]


Selection = SelectAll | SelectWhere | SelectKeys


@dataclass(frozen=True)
class MarkRemoved:
    """on_remove: set `column` to `value` in a daughter when a synced record leaves."""

    column: str
    value: Any


@dataclass(frozen=True)
class Entity:
    """One kind of master data (customers, suppliers, items, ...) and how it is synced.

    `fields` None means every column of the mother's table except the key.
    """

    name: str
    table: str
    key: tuple[str, ...]
    fields: tuple[str, ...] | None = None
    label: str | None = None
    select: Selection = SelectAll()
    skip: frozenset[Key] = frozenset()
    on_remove: MarkRemoved | None = None
    enabled: bool = True

    @property
    def display_name(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class SyncSpec:
    """Everything the engine needs for a run; `state_path` is the state store beside the config."""

    mother: Administration
    daughters: tuple[Administration, ...]
    entities: tuple[Entity, ...]
    state_path: Path
    policy: Policy = Policy.MOTHER_WINS
