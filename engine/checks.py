"""`check`: every problem with the config's administrations, tables, columns and keys,
listed one per line, with nothing written."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from typing import Literal

from engine.db import Database, connect
from engine.db.base import resolve_column
from engine.errors import ConfigError, DatabaseError
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
    mother: Database | None = None
    try:
        mother = connect(spec.mother)
        report.checked.append(f"mother '{mother_name}': connected")
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
                    report.checked.append(
                        f"mother '{mother_name}': table '{entity.table}' for '{entity.name}'")
                except (DatabaseError, ConfigError) as error:
                    report.problems.append(
                        Problem("error", "mother", mother_name, entity.name, str(error)))
    for admin in spec.daughters:
        if not admin.enabled:
            report.checked.append(f"daughter '{admin.name}': disabled, not checked")
            continue
        try:
            db = connect(admin)
        except (DatabaseError, ConfigError) as error:
            report.problems.append(Problem("error", "daughter", admin.name, None, str(error)))
            continue
        with closing(db):
            report.checked.append(f"daughter '{admin.name}': connected")
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
                        f"daughter '{admin.name}': table '{layout.table}' for "
                        f"'{layout.entity.name}'")
                    if not db.unique_key(placed.table, placed.key):
                        report.problems.append(Problem(
                            "warning", "daughter", admin.name, layout.entity.name,
                            f"Administration '{admin.name}': table '{placed.table}' has no "
                            f"primary key or unique index on {', '.join(placed.key)}, so "
                            "nothing in the database stops a second record with the same key "
                            "(a person adding it by hand, say). Add a unique index on "
                            f"({', '.join(placed.key)}) to '{placed.table}'."))
                except DatabaseError as error:
                    report.problems.append(Problem(
                        "error", "daughter", admin.name, layout.entity.name, str(error)))
    if spec.state_path.exists():
        conn = open_state(spec.state_path)
        try:
            for daughter, entity_name, key, message in parked_records(conn):
                report.problems.append(Problem(
                    "warning", "daughter", daughter, entity_name,
                    f"Record {list(key)} of '{entity_name}' is parked in '{daughter}' after 3 "
                    "failed "
                    f"runs: {message}. Fix the record in the mother (or the daughter's rule); "
                    "it is tried again once the mother changes it."))
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
