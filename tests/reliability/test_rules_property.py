"""The rules of DESIGN section 4 as properties, on real SQLite files: random edits in the
mother and in two daughters, interleaved with syncs under each policy and with undos of
random earlier runs (hypothesis, stateful). After every sync:

- mother-wins: every selected record is in each daughter with the synced fields equal;
- daughter-wins and skip: a field edited in a daughter (or put back by an undo) is not
  overwritten by the next sync (under skip: not until both sides agree);
- a protected field is written only when its record is created;
- a skipped record is never touched;
- every value a sync changed in a daughter is in that run's journal, before and after, and
  nothing changed that is not.

After every undo of a run: exactly the fields that still held what that run wrote are put
back to their value before it, each field changed since is reported and left alone, and
nothing else changes.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import engine
from engine import Policy, RunReport
from engine.db.values import same
from tests.books import Group, make_group

KEYS = ("D1", "D2", "D3", "D4", "D5")
SKIPPED = "D5"
FIELDS = ("name", "city", "blocked")
PROTECTED = "credit"
TEXT = st.sampled_from(["A", "B", "C"])
Rows = dict[Any, dict[str, Any]]


def snapshot(group: Group) -> list[Rows]:
    return [d.rows() for d in group.daughters]


class Rules(RuleBasedStateMachine):
    policy = Policy.MOTHER_WINS

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="stamsync-rules-"))
        self.group = make_group(self.folder, daughters=2)
        self.group.policy = self.policy
        self.group.entity = engine.Entity(
            "customers", "customers", ("code",), (*FIELDS, PROTECTED), "Debiteuren",
            skip=frozenset({(SKIPPED,)}))
        self.group.protect = {d.name: {"customers": (PROTECTED,)} for d in self.group.daughters}
        self.runs: list[int] = []
        self.edited: set[tuple[int, str, str]] = set()
        """(daughter, key, field) edited in a daughter since the last sync, or put back."""

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    @initialize(names=st.lists(TEXT, min_size=len(KEYS), max_size=len(KEYS)))
    def mother(self, names: list[str]) -> None:
        for key, name in zip(KEYS, names, strict=True):
            self.group.mother.add(key, name, "Utrecht", 100)

    # -- edits -----------------------------------------------------------------------------

    @rule(key=st.sampled_from(KEYS), name=st.sampled_from([*FIELDS, PROTECTED]), value=TEXT)
    def edit_mother(self, key: str, name: str, value: str) -> None:
        self.group.mother.set(key, **{name: value if name != PROTECTED else len(value)})

    @rule(daughter=st.integers(0, 1), key=st.sampled_from(KEYS),
          name=st.sampled_from([*FIELDS, PROTECTED]), value=TEXT)
    def edit_daughter(self, daughter: int, key: str, name: str, value: str) -> None:
        books = self.group.daughters[daughter]
        rows = books.rows()
        if key in rows:
            new = value if name != PROTECTED else len(value)
            books.set(key, **{name: new})
            if name in FIELDS and not same(rows[key][name], new):
                self.edited.add((daughter, key, name))

    # -- syncs -----------------------------------------------------------------------------

    @rule()
    def sync(self) -> None:
        before = snapshot(self.group)
        report = self.group.sync()
        assert report.status != "failed", report.error
        self.runs.append(report.run_id)
        after = snapshot(self.group)
        changes = _changes(self.group, report.run_id)
        mother = self.group.mother.rows()
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            name = self.group.daughters[index].name
            assert set(old) <= set(new)  # nothing lost
            assert SKIPPED not in new or old.get(SKIPPED) == new[SKIPPED]  # never touched
            for key, row in new.items():
                change = changes.get((name, key))
                if key not in old:  # created: every field from the mother, protected too
                    assert change is not None and change.action == "create"
                    assert all(same(row[f], mother[key][f]) for f in (*FIELDS, PROTECTED))
                    continue
                assert same(row[PROTECTED], old[key][PROTECTED])  # protected: create only
                moved = {f for f in FIELDS if not same(row[f], old[key][f])}
                journalled = set(change.fields) if change is not None else set()
                assert moved == journalled, (key, moved, journalled)
                for f in moved:
                    assert change is not None
                    assert change.fields[f] == (old[key][f], row[f])
            if self.policy is Policy.MOTHER_WINS:
                for key in set(mother) - {SKIPPED}:
                    assert all(same(new[key][f], mother[key][f]) for f in FIELDS), key
            else:  # a daughter's own edit is kept
                for at, key, f in self.edited:
                    if at == index:
                        assert same(new[key][f], old[key][f]), (key, f)
        if self.policy is Policy.SKIP:  # the conflict stays until both sides agree
            self.edited = {(at, key, f) for at, key, f in self.edited
                           if not same(after[at][key][f], mother[key][f])}
        else:
            self.edited.clear()

    # -- undo ------------------------------------------------------------------------------

    @precondition(lambda self: bool(self.runs))
    @rule(data=st.data())
    def undo(self, data: st.DataObject) -> None:
        run = data.draw(st.sampled_from(self.runs))
        before = snapshot(self.group)
        result = engine.undo(self.group.spec, run)
        self.runs.append(result.run.run_id)
        after = snapshot(self.group)
        restored = {(c.daughter, c.key[0]): c for c in result.restored}
        names = [d.name for d in self.group.daughters]
        self.edited |= {(names.index(c.daughter), c.key[0], f)
                        for c in result.restored for f in c.fields if f in FIELDS}
        left = {(x.daughter, x.key[0], x.field) for x in result.changed_since}
        wrote = _changes(self.group, run)
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            name = self.group.daughters[index].name
            assert set(old) == set(new)  # undo deletes only with --delete-created
            for key, row in new.items():
                change = wrote.get((name, key))
                back = restored.get((name, key))
                for f in (*FIELDS, PROTECTED):
                    if back is not None and f in back.fields:
                        assert change is not None
                        assert same(old[key][f], change.fields[f][1])  # held what it wrote
                        assert same(row[f], change.fields[f][0])  # put back
                    else:
                        assert same(row[f], old[key][f])  # nothing else changes
                        if (change is not None and change.action == "update"
                                and f in change.fields):
                            assert (name, key, f) in left  # changed since: said
                            assert not same(old[key][f], change.fields[f][1])

    @invariant()
    def no_duplicates(self) -> None:
        for books in self.group.daughters:
            codes = [r["code"] for r in books.query("SELECT code FROM customers")]
            assert len(codes) == len(set(codes))


def _changes(group: Group, run: int) -> dict[tuple[str, Any], Any]:
    shown: RunReport = engine.show(group.spec, run)
    return {(c.daughter, c.key[0]): c for c in shown.changes or []}


def machine(policy: Policy) -> type[Rules]:
    return type(f"Rules_{policy.name}", (Rules,), {"policy": policy})


@pytest.mark.parametrize("policy", list(Policy), ids=lambda p: p.value)
def test_the_rules_hold_under_random_edits_syncs_and_undos(policy: Policy) -> None:
    state_machine = machine(policy)
    state_machine.TestCase.settings = settings(
        max_examples=30, stateful_step_count=20, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow])
    state_machine.TestCase().runTest()
