"""What happened in a run: counts per daughter and entity, failures, and the changes written.

These are plain data; `to_dict()` gives the JSON shape of DESIGN section 3.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["ok", "attention", "failed", "running"]
"""ok | attention | failed; `running` only in the history, for a run still under way."""
Action = Literal["create", "update", "remove", "delete"]
"""delete: only `undo --delete-created` deletes a record."""


@dataclass
class EntityCounts:
    """Every selected record lands in exactly one of created, updated, unchanged, failed or
    skipped; `conflicts` and `removed` are counted beside them."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    failed: int = 0
    skipped: int = 0
    removed: int = 0
    open_conflicts: int = 0

    def to_dict(self) -> dict[str, int]:
        counts = asdict(self)
        del counts["open_conflicts"]
        return counts


@dataclass(frozen=True)
class RecordFailure:
    """A record one daughter rejected, with the database's own message."""

    entity: str
    key: tuple[Any, ...]
    message: str
    parked: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "key": list(self.key), "message": self.message,
                "parked": self.parked}


@dataclass(frozen=True)
class OpenConflict:
    """A record whose conflict the run left open (policy skip): a person settles it by
    making both sides agree, or by choosing another policy."""

    entity: str
    key: tuple[Any, ...]
    fields: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "key": [_jsonable(v) for v in self.key],
                "fields": list(self.fields)}


@dataclass(frozen=True)
class ParkedRecord:
    """A record a daughter rejected in 3 runs in a row: skipped there until the mother
    changes it."""

    daughter: str
    entity: str
    key: tuple[Any, ...]
    message: str
    """The database's last message about it."""

    def to_dict(self) -> dict[str, Any]:
        return {"daughter": self.daughter, "entity": self.entity, "key": list(self.key),
                "message": self.message}


@dataclass
class DaughterReport:
    name: str
    status: Status = "ok"
    error: str | None = None
    entities: dict[str, EntityCounts] = field(default_factory=dict)
    failures: list[RecordFailure] = field(default_factory=list)
    open_conflicts: list[OpenConflict] = field(default_factory=list)
    """The first records whose conflict is left open (skip), with their fields."""

    def counts(self, entity: str) -> EntityCounts:
        return self.entities.setdefault(entity, EntityCounts())

    def settle(self) -> None:
        """Derive the status from what happened, unless the daughter already failed."""
        if self.status == "failed":
            return
        needs_person = any(c.failed or c.open_conflicts for c in self.entities.values())
        self.status = "attention" if needs_person or self.error else "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "error": self.error,
            "entities": {name: c.to_dict() for name, c in self.entities.items()},
            "failures": [f.to_dict() for f in self.failures],
            "open_conflicts": [c.to_dict() for c in self.open_conflicts],
        }


@dataclass(frozen=True)
class Change:
    """One record written in one daughter: each field's value before and after."""

    daughter: str
    entity: str
    key: tuple[Any, ...]
    action: Action
    fields: dict[str, tuple[Any, Any]]
    conflict: tuple[str, ...] = ()
    status: Literal["confirmed", "unconfirmed", "planned"] = "confirmed"
    """confirmed: written; unconfirmed: the process stopped between journal and commit, so
    it may or may not have reached the daughter; planned: a dry run's, never written."""

    @property
    def confirmed(self) -> bool:
        return self.status == "confirmed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "daughter": self.daughter,
            "entity": self.entity,
            "key": [_jsonable(v) for v in self.key],
            "action": self.action,
            "fields": {
                name: {"before": _jsonable(before), "after": _jsonable(after)}
                for name, (before, after) in self.fields.items()
            },
            "conflict": list(self.conflict),
            "confirmed": self.confirmed,
            "status": self.status,
        }


@dataclass
class RunReport:
    run_id: int
    started_at: str
    finished_at: str | None = None
    dry_run: bool = False
    status: Status = "ok"
    error: str | None = None
    daughters: list[DaughterReport] = field(default_factory=list)
    changes: list[Change] | None = None
    undo_of: int | None = None
    """The run this one undid (`stamsync undo`), if it was an undo."""

    def settle(self) -> None:
        """ok: nothing failed and no conflict left open; attention: something needs a person;
        failed: the run could not start or no daughter could be reached."""
        for daughter in self.daughters:
            daughter.settle()
        if self.error or (self.daughters and all(d.status == "failed" for d in self.daughters)):
            self.status = "failed"
        elif any(d.status != "ok" for d in self.daughters):
            self.status = "attention"
        else:
            self.status = "ok"

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "ok" else 1

    def to_dict(self, *, with_changes: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "dry_run": self.dry_run,
            "status": self.status,
            "error": self.error,
            "daughters": [d.to_dict() for d in self.daughters],
        }
        if self.undo_of is not None:
            data["undo_of"] = self.undo_of
        if with_changes:
            data["changes"] = [c.to_dict() for c in self.changes or []]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunReport:
        report = cls(
            run_id=data["run_id"], started_at=data["started_at"],
            finished_at=data.get("finished_at"), dry_run=data.get("dry_run", False),
            status=data.get("status", "ok"), error=data.get("error"),
            undo_of=data.get("undo_of"),
        )
        for d in data.get("daughters", []):
            daughter = DaughterReport(name=d["name"], status=d["status"], error=d.get("error"))
            for name, counts in d.get("entities", {}).items():
                daughter.entities[name] = EntityCounts(**counts)
            daughter.failures = [
                RecordFailure(f["entity"], tuple(f["key"]), f["message"], f.get("parked", False))
                for f in d.get("failures", [])
            ]
            daughter.open_conflicts = [
                OpenConflict(c["entity"], tuple(c["key"]), tuple(c["fields"]))
                for c in d.get("open_conflicts", [])
            ]
            report.daughters.append(daughter)
        return report


def _jsonable(value: Any) -> Any:
    """JSON has no Decimal, date or bytes: give those as text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)
