"""Writing one chunk of planned changes into a daughter, in one short transaction.

Creates go in as one batched INSERT, updates as one batched UPDATE per set of changed
columns. When the daughter rejects a row, the chunk is rolled back and written again row by
row, each in a savepoint, so one bad record is reported with the database's message and the
rest of the chunk still commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from engine.db import Database
from engine.errors import DatabaseError
from engine.layout import DaughterLayout
from engine.model import Key
from engine.plan import RecordPlan


@dataclass
class Applied:
    rejected: dict[Key, str] = field(default_factory=dict)


class RolledBack(DatabaseError):
    """The daughter failed before it committed the chunk: nothing of it was written."""


def write_chunk(db: Database, layout: DaughterLayout, plans: list[RecordPlan]) -> Applied:
    """Write the plans and commit. RolledBack when the daughter failed before the commit;
    DatabaseError when the commit itself failed (whether it landed is then unknown)."""
    result = Applied()
    try:
        db.begin()
        try:
            _write(db, layout, plans)
        except Exception as error:
            if not db.is_record_error(error):
                raise
            db.rollback()
            db.begin()
            for plan in plans:
                db.savepoint()
                try:
                    _write(db, layout, [plan])
                except Exception as row_error:
                    if not db.is_record_error(row_error):
                        raise
                    db.rollback_savepoint()
                    result.rejected[plan.key] = str(row_error)
                else:
                    db.release_savepoint()
    except DatabaseError as error:
        db.rollback()
        raise RolledBack(error.message, administration=error.administration) from error
    except BaseException:
        db.rollback()
        raise
    db.commit()
    return result


def _write(db: Database, layout: DaughterLayout, plans: list[RecordPlan]) -> None:
    creates = [(plan.raw_key or plan.key) + plan.after for plan in plans
               if plan.outcome == "created"]
    if creates:
        first = next(p for p in plans if p.outcome == "created")
        db.insert(layout.table, layout.key + layout.spell(first.columns), creates)
    updates: dict[tuple[str, ...], list[tuple[object, ...]]] = defaultdict(list)
    for plan in plans:
        if plan.outcome in ("updated", "removed"):
            updates[plan.columns].append(plan.after + (plan.raw_key or plan.key))
    for columns, rows in updates.items():
        db.update(layout.table, layout.spell(columns), layout.key, rows)
