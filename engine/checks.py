"""`check`: every problem with the config's administrations, tables, columns and keys,
listed one per line, with nothing written."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass, field
from typing import Literal

from engine.db import Database, connect
from engine.db.base import ColumnType, resolve_column
from engine.db.dialects import TEXT_TYPES
from engine.errors import ConfigError, DatabaseError
from engine.i18n import _, ngettext
from engine.layout import MotherLayout, daughter_layout, mother_layout
from engine.model import SelectWhere, SyncSpec
from engine.state import parked_records
from engine.storage import open_state


@dataclass(frozen=True)
class Problem:
    level: Literal["error", "warning"]
    scope: Literal["config", "mother", "daughter"]
    administration: str | None
    entity: str | None
    message: str

    def to_dict(self) -> dict[str, str | None]:
        return {"level": self.level, "scope": self.scope, "administration": self.administration,
                "entity": self.entity, "message": self.message}


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 all well (warnings allowed), 1 a daughter has a problem, 2 config or mother."""
        errors = [p for p in self.problems if p.level == "error"]
        if any(p.scope in ("config", "mother") for p in errors):
            return 2
        return 1 if errors else 0

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.exit_code == 0, "checked": self.checked,
                "problems": [p.to_dict() for p in self.problems]}


def check(spec: SyncSpec) -> CheckReport:
    report = CheckReport()
    mother_name = spec.mother.name
    layouts: list[MotherLayout] = []
    mother_types: dict[str, Mapping[str, ColumnType]] = {}
    mother: Database | None = None
    try:
        mother = connect(spec.mother)
        report.checked.append(_("mother '{name}': connected").format(name=mother_name))
    except (DatabaseError, ConfigError) as error:
        report.problems.append(Problem("error", "mother", mother_name, None, str(error)))
    if mother is not None:
        with closing(mother):
            for entity in spec.entities:
                if not entity.enabled:
                    continue
                named = (*entity.key, *(entity.fields or ()),
                         *([entity.select.column] if isinstance(entity.select, SelectWhere)
                           else []))
                missing = _missing_columns(mother, entity.table, named)
                if missing:
                    report.problems.extend(Problem("error", "mother", mother_name, entity.name,
                                                   m) for m in missing)
                    continue
                try:
                    layouts.append(mother_layout(mother, entity))
                    mother_types[entity.name] = mother.column_types(entity.table)
                    report.checked.append(_("mother '{name}': table '{table}' for '{entity}'")
                                          .format(name=mother_name, table=entity.table,
                                                  entity=entity.name))
                except (DatabaseError, ConfigError) as error:
                    report.problems.append(
                        Problem("error", "mother", mother_name, entity.name, str(error)))
    for admin in spec.daughters:
        if not admin.enabled:
            report.checked.append(
                _("daughter '{name}': disabled, not checked").format(name=admin.name))
            continue
        try:
            db = connect(admin)
        except (DatabaseError, ConfigError) as error:
            report.problems.append(Problem("error", "daughter", admin.name, None, str(error)))
            continue
        with closing(db):
            report.checked.append(_("daughter '{name}': connected").format(name=admin.name))
            for layout in layouts:
                entity = layout.entity
                named = (*layout.key, *layout.fields, *admin.protected(entity.name),
                         *([entity.on_remove.column] if entity.on_remove else []))
                missing = _missing_columns(db, layout.table, named)
                if missing:
                    report.problems.extend(Problem("error", "daughter", admin.name,
                                                   entity.name, m) for m in missing)
                    continue
                try:
                    placed = daughter_layout(db, admin, layout, spec.policy)
                    report.checked.append(
                        _("daughter '{name}': table '{table}' for '{entity}'").format(
                            name=admin.name, table=layout.table, entity=layout.entity.name))
                    key_columns = ", ".join(placed.key)
                    if not db.unique_key(placed.table, placed.key):
                        report.problems.append(Problem(
                            "warning", "daughter", admin.name, layout.entity.name,
                            _("Administration '{administration}': table '{table}' has no "
                              "primary key or unique index on {key}, so nothing in the database "
                              "stops a second record with the same key (a person adding it by "
                              "hand, say). Add a unique index on ({key}) to '{table}'.").format(
                                administration=admin.name, table=placed.table, key=key_columns)))
                    nulls, dupes = db.key_problems(placed.table, placed.key)
                    if nulls:
                        report.problems.append(Problem(
                            "error", "daughter", admin.name, entity.name,
                            ngettext(
                                "Administration '{administration}': table '{table}' has {n} "
                                "record(s) with an empty (NULL) key {key}; the sync stops for "
                                "this table there until they have a key (or are removed).",
                                "Administration '{administration}': table '{table}' has {n} "
                                "record(s) with an empty (NULL) key {key}; the sync stops for "
                                "this table there until they have a key (or are removed).",
                                nulls).format(administration=admin.name, table=placed.table,
                                              n=nulls, key=key_columns)))
                    if dupes:
                        shown = "; ".join(", ".join(repr(v) for v in d) for d in dupes)
                        report.problems.append(Problem(
                            "error", "daughter", admin.name, entity.name,
                            _("Administration '{administration}': table '{table}': key {key} "
                              "occurs more than once: {shown}. Remove or renumber the extra "
                              "records; the sync stops for this table there until then.").format(
                                administration=admin.name, table=placed.table, key=key_columns,
                                shown=shown)))
                    theirs = db.column_types(placed.table)
                    for name in layout.fields:
                        ours = mother_types[entity.name].get(name)
                        held = theirs.get(placed.names[name])
                        said = narrower(ours, held) if ours and held else None
                        if ours and said:
                            report.problems.append(Problem(
                                "warning", "daughter", admin.name, entity.name,
                                _("Administration '{administration}': column '{column}' {said} "
                                  "Give it the mother's type ({type}), or leave '{name}' out of "
                                  "`fields`.").format(
                                    administration=admin.name,
                                    column=f"{placed.table}.{placed.names[name]}", said=said,
                                    type=_spelled(ours), name=name)))
                except DatabaseError as error:
                    report.problems.append(Problem(
                        "error", "daughter", admin.name, layout.entity.name, str(error)))
    if spec.state_path.exists():
        conn = open_state(spec.state_path)
        try:
            for daughter, entity_name, key, message in parked_records(conn):
                report.problems.append(Problem(
                    "warning", "daughter", daughter, entity_name,
                    _("Record {key} of '{entity}' is parked in '{daughter}' after 3 failed "
                      "runs: {message}. Fix the record in the mother (or the daughter's rule); "
                      "it is tried again once the mother changes it.").format(
                        key=list(key), entity=entity_name, daughter=daughter,
                        message=message)))
        finally:
            conn.close()
    return report


def _missing_columns(db: Database, table: str, names: tuple[str, ...]) -> list[str]:
    """One message per configured column the table lacks (or the table's own problem), so
    that `check` lists them all at once where a sync stops at the first."""
    try:
        catalog = db.columns(table)
    except DatabaseError as error:
        return [str(error)]
    problems = []
    for name in dict.fromkeys(names):
        try:
            resolve_column(db.administration, table, name, catalog)
        except DatabaseError as error:
            problems.append(str(error))
    return problems


_EXACT = frozenset({2, 3})  # NUMERIC, DECIMAL
_APPROXIMATE = frozenset({6, 7, 8})  # FLOAT, REAL, DOUBLE
_SINGLE = 7  # REAL: about 7 significant digits
_TIMESTAMPS = frozenset({93, 11})


def narrower(mother: ColumnType, daughter: ColumnType) -> str | None:
    """What a daughter column cannot hold of the mother's values, in words, or None: the
    rest of a sentence that starts with the column ("column 'X.Y' ...")."""
    m, d = mother.sql_type, daughter.sql_type
    if m in TEXT_TYPES and d in TEXT_TYPES:
        if mother.size and daughter.size and daughter.size < mother.size:
            return _("holds at most {size} characters where the mother's holds {mother_size}: "
                     "a longer value is rejected for that record.").format(
                size=daughter.size, mother_size=mother.size)
        return None
    if d in _EXACT and daughter.digits is not None:
        if m in _EXACT and mother.digits is not None and daughter.digits < mother.digits:
            return _("keeps {digits} decimals where the mother's keeps {mother_digits}: a value "
                     "with more is rounded there, so it differs from the mother's at every run "
                     "(a conflict and a rewrite each time).").format(
                digits=daughter.digits, mother_digits=mother.digits)
        if m in _APPROXIMATE:
            return _("keeps {digits} decimals where the mother's is a floating-point column: a "
                     "value with more is rounded there, so it differs from the mother's at every "
                     "run (a conflict and a rewrite each time).").format(digits=daughter.digits)
    if d == _SINGLE and m != _SINGLE and (m in _APPROXIMATE or m in _EXACT):
        return _("is single precision (about 7 digits): a value with more is rounded there, so "
                 "it differs from the mother's at every run (a conflict and a rewrite each "
                 "time).")
    if (m in _TIMESTAMPS and d in _TIMESTAMPS and mother.digits and daughter.digits is not None
            and daughter.digits < mother.digits):  # (a driver that does not tell: not judged)
        return _("keeps {digits} digits of a second where the mother's keeps {mother_digits}: "
                 "a time with more is rounded there, so it differs from the mother's at every "
                 "run (a conflict and a rewrite each time).").format(
            digits=daughter.digits, mother_digits=mother.digits)
    return None


def _spelled(kind: ColumnType) -> str:
    if kind.sql_type in _EXACT and kind.size is not None and kind.digits is not None:
        return f"{kind.name}({kind.size}, {kind.digits})"
    if kind.sql_type in TEXT_TYPES and kind.size:
        return f"{kind.name}({kind.size})"
    return kind.name
