"""Which columns take part, as each administration's catalog spells them.

Every name from the config is checked against the catalog before any SQL uses it. A
problem in the mother stops the entity everywhere (ConfigError, exit 2: nothing written);
a problem in a daughter stops that daughter for the entity (DatabaseError).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.db import Database
from engine.db.base import iterate_pages, resolve_column
from engine.db.values import loose_key, matches
from engine.errors import ConfigError, DatabaseError
from engine.i18n import N_, _, ngettext
from engine.model import Administration, Entity, Policy, SelectKeys, SelectWhere
from engine.plan import Rules


@dataclass(frozen=True)
class MotherLayout:
    """What is read from the mother: key, the synced fields, then the select and on_remove
    columns when they are not synced fields themselves."""

    entity: Entity
    table: str
    key: tuple[str, ...]
    fields: tuple[str, ...]
    columns: tuple[str, ...]
    select_index: int | None
    marker_index: int | None


@dataclass(frozen=True)
class DaughterLayout:
    rules: Rules
    table: str
    key: tuple[str, ...]
    names: dict[str, str]  # mother's spelling -> daughter's spelling
    columns: tuple[str, ...]  # read: key, compared fields, then the marker if not a field
    field_index: tuple[int, ...]  # compared fields' positions among the mother's fields

    def spell(self, names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(self.names[n] for n in names)


def mother_layout(db: Database, entity: Entity) -> MotherLayout:
    try:
        catalog = db.columns(entity.table)
        key = tuple(resolve_column(db.administration, entity.table, k, catalog)
                    for k in entity.key)
        if entity.fields is None:
            fields = tuple(c for c in catalog if c not in key)
        else:
            fields = tuple(resolve_column(db.administration, entity.table, f, catalog)
                           for f in entity.fields)
            clash = [f for f in fields if f in key]
            if clash:
                raise ConfigError(_(
                    "Entity '{entity}': field '{field}' is also a key column; "
                    "remove it from `fields`.").format(entity=entity.name, field=clash[0]))
        columns = list(key + fields)
        select_index = None
        if isinstance(entity.select, SelectWhere):
            column = resolve_column(db.administration, entity.table, entity.select.column,
                                    catalog)
            if column not in columns:
                columns.append(column)
            select_index = columns.index(column)
        marker_index = None
        if entity.on_remove is not None:
            folded = {c.lower(): c for c in catalog}
            marker = folded.get(entity.on_remove.column.lower())
            if marker is not None:
                if marker not in columns:
                    columns.append(marker)
                marker_index = columns.index(marker)
        nulls, dupes = db.key_problems(entity.table, key)
    except DatabaseError as error:
        raise ConfigError(_("{error} (This is the mother: nothing was synced.)").format(
            error=error), title=N_("Mother administration problem")) from error
    if nulls:
        raise ConfigError(ngettext(
            "Administration '{administration}' (mother), table '{table}': {n} record(s) have "
            "an empty (NULL) key column {key}. Fill in the key of those records; nothing was "
            "synced for '{entity}'.",
            "Administration '{administration}' (mother), table '{table}': {n} record(s) have "
            "an empty (NULL) key column {key}. Fill in the key of those records; nothing was "
            "synced for '{entity}'.", nulls).format(
            administration=db.administration, table=entity.table, n=nulls, key=", ".join(key),
            entity=entity.name))
    if dupes:
        shown = "; ".join(", ".join(repr(v) for v in d) for d in dupes)
        raise ConfigError(_(
            "Administration '{administration}' (mother), table '{table}': key {key} is not "
            "unique; these values occur more than once: {shown}. Make the key unique or choose "
            "another key for '{entity}'; nothing was synced for it.").format(
            administration=db.administration, table=entity.table, key=", ".join(key),
            shown=shown, entity=entity.name))
    layout = MotherLayout(entity, entity.table, key, fields, tuple(columns), select_index,
                          marker_index)
    if entity.on_remove is not None and not _selects_any(db, layout):
        raise ConfigError(_(
            "Administration '{administration}' (mother), table '{table}': no record is "
            "selected for '{entity}' ({selection}), so on_remove would mark every synced "
            "record in every daughter as removed. Check `select` (and that the table is "
            "filled); nothing was synced.").format(
            administration=db.administration, table=entity.table, entity=entity.name,
            selection=_describe(db, entity)), title=N_("Nothing selected"))
    return layout


def _describe(db: Database, entity: Entity) -> str:
    select = entity.select
    if db.count(entity.table) == 0:
        return _("the table is empty")
    if isinstance(select, SelectWhere):
        return f"select {select.column} = {select.equals!r}"
    if isinstance(select, SelectKeys):
        return f"select keys {sorted(map(list, select.keys), key=repr)}"
    return "select all"


def _selects_any(db: Database, layout: MotherLayout) -> bool:
    """Whether the selection finds at least one mother record (stops at the first)."""
    select = layout.entity.select
    width = len(layout.key)
    if isinstance(select, SelectWhere):
        assert layout.select_index is not None
        columns = (*layout.key, layout.columns[layout.select_index])
        return any(matches(row[width], select.equals)
                   for page in iterate_pages(db, layout.table, columns, layout.key, 5000)
                   for row in page)
    if isinstance(select, SelectKeys):
        wanted = {loose_key(k) for k in select.keys}
        return any(loose_key(row) in wanted
                   for page in iterate_pages(db, layout.table, layout.key, layout.key, 5000)
                   for row in page)
    return db.count(layout.table) > 0


def daughter_layout(db: Database, admin: Administration, mother: MotherLayout,
                    policy: Policy) -> DaughterLayout:
    entity = mother.entity
    catalog = db.columns(entity.table)
    protected = {p.lower() for p in admin.protected(entity.name)}
    for name in admin.protected(entity.name):  # a typo here would let stamsync overwrite
        resolve_column(db.administration, entity.table, name, catalog)
        if name.lower() not in {f.lower() for f in mother.fields}:
            raise DatabaseError(_(
                "Administration '{administration}': protected field '{field}' of '{entity}' "
                "is not one of the synced fields ({fields}); correct `protect` in the config."
            ).format(administration=admin.name, field=name, entity=entity.name,
                     fields=", ".join(mother.fields)), administration=admin.name)

    def spell(name: str) -> str:
        return resolve_column(db.administration, entity.table, name, catalog)

    names = {n: spell(n) for n in mother.key + mother.fields}
    compared = tuple(f for f in mother.fields if f.lower() not in protected)
    columns = [names[n] for n in mother.key + compared]
    marker = entity.on_remove
    if marker is not None:
        marker_column = spell(marker.column)
        names[marker.column] = marker_column
        if marker_column not in columns:
            columns.append(marker_column)
        if marker.column not in compared:
            match = [f for f in compared if f.lower() == marker.column.lower()]
            if match:
                marker = type(marker)(match[0], marker.value)
    rules = Rules(compared, policy, marker)
    index = tuple(mother.fields.index(f) for f in compared)
    return DaughterLayout(rules, entity.table, tuple(names[k] for k in mother.key), names,
                          tuple(columns), index)
