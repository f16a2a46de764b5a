"""Writing one chunk of planned changes into a daughter, in one short transaction.

Creates go in as one batched INSERT, updates as one batched UPDATE per set of changed
columns. When the daughter rejects a row, the chunk is rolled back and written again row by
row, each in a savepoint, so one bad record is reported with the database's message and the
rest of the chunk still commits.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.db import Database
from engine.errors import DatabaseError
from engine.layout import DaughterLayout
from engine.model import Key
from engine.plan import Creates, RecordPlan


@dataclass
class Applied:
    rejected: dict[Key, str] = field(default_factory=dict)


class RolledBack(DatabaseError):
    """The daughter failed before it committed the chunk: nothing of it was written."""


def write_chunk(db: Database, layout: DaughterLayout, columns: tuple[str, ...],
                creates: Creates, plans: list[RecordPlan]) -> Applied:
    """Insert the creates (with `columns`, the entity's fields), write the plans and commit.
    RolledBack when the daughter failed before the commit; DatabaseError when the commit
    itself failed (whether it landed is then unknown)."""
    result = Applied()
    insert = layout.key + layout.spell(columns)
    try:
        db.begin()
        try:
            if creates:
                db.insert(layout.table, insert, creates.rows)
            _write(db, layout, plans)
        except Exception as error:
            if not db.is_record_error(error):
                raise
            db.rollback()
            db.begin()
            for key, row in zip(creates.keys, creates.rows, strict=True):
                isolated(db, result.rejected, key,
                         functools.partial(db.insert, layout.table, insert, [row]))
            for plan in plans:
                isolated(db, result.rejected, plan.key,
                         functools.partial(_write, db, layout, [plan]))
    except DatabaseError as error:
        db.rollback()
        raise RolledBack(error.message, administration=error.administration) from error
    except BaseException:
        db.rollback()
        raise
    db.commit()
    return result


def isolated(db: Database, rejected: dict[Key, str], key: Key,
             write: Callable[[], None]) -> None:
    """One record's write in a savepoint: a record error rolls back that record only (and
    is kept in `rejected` with the database's message)."""
    db.savepoint()
    try:
        write()
    except Exception as error:
        if not db.is_record_error(error):
            raise
        db.rollback_savepoint()
        rejected[key] = str(error)
    else:
        db.release_savepoint()


def _write(db: Database, layout: DaughterLayout, plans: list[RecordPlan]) -> None:
    updates: dict[tuple[str, ...], list[tuple[object, ...]]] = defaultdict(list)
    for plan in plans:
        updates[plan.columns].append(plan.after + (plan.raw_key or plan.key))
    for columns, rows in updates.items():
        db.update(layout.table, layout.spell(columns), layout.key, rows)
