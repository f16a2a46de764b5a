"""Notifications: one per run that failed or met conflicts, summarised (daughters, records,
the first error), as `[notify]` says, and a repeated failure not announced again. Here no
desktop notification service runs, so the log takes over (as it does for the application)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import Policy
from settings import Notify
from tests.books import Books, Group
from tray.notify import Announcer, summarise
from tray.worker import Outcome


def outcome(group: Group) -> Outcome:
    return Outcome("scheduled", group.sync(), None)


def test_a_run_is_summarised_for_a_person(group: Group, tmp_path: Path) -> None:
    assert summarise(outcome(group)).kinds == {"success"}
    group.policy = Policy.SKIP
    group.daughters[0].set("D101", city="Almere")
    conflict = summarise(outcome(group))
    assert conflict.kinds == {"conflict"} and "Conflicts: Daughter1 1." in conflict.text
    group.daughters.append(Books(tmp_path / "d2.db", "Daughter2"))
    group.daughters[1].path.unlink()  # one daughter gone, the other still in conflict
    both = summarise(outcome(group))
    assert both.kinds == {"failure", "conflict"} and both.title.endswith("needs attention")
    assert both.text.startswith("Failed: Daughter2. ") and "does not exist" in both.text
    assert "Conflicts: Daughter1 1." in both.text
    crashed = summarise(Outcome("requested", None, RuntimeError("the state disk is full")))
    assert crashed.kinds == {"failure"} and "the state disk is full" in crashed.text


def test_the_same_failure_or_conflict_is_announced_once(group: Group) -> None:
    shown: list[str] = []
    announce = Announcer(lambda: Notify(), senders=(lambda title, text: bool(
        shown.append(title)) or True,))
    group.policy = Policy.SKIP
    group.sync()
    group.daughters[0].set("D101", city="Almere")  # an open conflict, met at every run
    for _ in range(3):
        announce(outcome(group))
    assert len(shown) == 1 and shown[0].endswith("met conflicts")
    group.daughters[0].set("D101", city="Lelystad")  # resolved: all well again
    announce(outcome(group))
    group.daughters[0].path.unlink()
    announce(outcome(group))
    announce(outcome(group))  # the next interval: still failing, the same way
    assert len(shown) == 2 and shown[1].endswith("needs attention")


@pytest.mark.parametrize(("settings", "expected"), [
    (Notify(on_failure=True, on_conflict=False, on_success=False), {"needs attention"}),
    (Notify(on_failure=False, on_conflict=True, on_success=False), {"met conflicts"}),
    (Notify(on_failure=False, on_conflict=False, on_success=True), {"done"}),
])
def test_notify_settings_choose_what_is_shown(group: Group, settings: Notify,
                                              expected: set[str]) -> None:
    shown: list[str] = []

    def shows(title: str, text: str) -> bool:
        shown.append(title)
        return True

    announce = Announcer(lambda: settings, senders=(shows,))
    announce(outcome(group))  # all well
    group.policy = Policy.SKIP
    group.daughters[0].set("D101", city="Almere")
    announce(outcome(group))  # a conflict
    group.daughters[0].set("D101", city="Lelystad")
    announce(outcome(group))  # all well again
    group.daughters[0].path.unlink()
    announce(outcome(group))  # a failure
    endings = ("needs attention", "met conflicts", "done")
    assert {next(e for e in endings if t.endswith(e)) for t in shown} == expected


def test_the_first_sender_that_can_show_it_is_the_only_one(group: Group) -> None:
    tried: list[str] = []
    announce = Announcer(lambda: Notify(on_success=True), senders=(
        lambda t, m: bool(tried.append("plyer")),  # no notification service: False
        lambda t, m: bool(tried.append("tray")) or True,
        lambda t, m: bool(tried.append("never")) or True))
    announce(outcome(group))
    assert tried == ["plyer", "tray"]
