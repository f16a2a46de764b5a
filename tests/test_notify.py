"""Notifications: one per run that failed or met conflicts, summarised (daughters, records,
the first error), as `[notify]` says, and a repeated failure not announced again. Here no
desktop notification service runs, so the log takes over (as it does for the application)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from engine import Policy
from settings import Notify
from tests.books import Group
from tray.notify import Announcer, summarise
from tray.worker import Outcome


def outcome(group: Group) -> Outcome:
    return Outcome("scheduled", group.sync(), None)


def test_a_run_is_summarised_for_a_person(group: Group, tmp_path: Path) -> None:
    assert summarise(outcome(group)).kind == "success"
    group.policy = Policy.SKIP
    group.daughters[0].set("D101", city="Almere")
    conflict = summarise(outcome(group))
    assert conflict.kind == "conflict" and "Conflicts: 1 Daughter1" in conflict.text
    group.daughters[0].path.unlink()
    failure = summarise(outcome(group))
    assert failure.kind == "failure" and failure.title.endswith("needs attention")
    assert failure.text.startswith("Daughter1. ") and "does not exist" in failure.text
    crashed = summarise(Outcome("requested", None, RuntimeError("the state disk is full")))
    assert crashed.kind == "failure" and "the state disk is full" in crashed.text


def test_the_same_failure_is_announced_once(group: Group,
                                            caplog: pytest.LogCaptureFixture) -> None:
    announce = Announcer(lambda: Notify(), senders=())
    caplog.set_level(logging.INFO, logger="stamsync")
    group.daughters[0].path.unlink()
    announce(outcome(group))
    announce(outcome(group))  # the next interval: still failing, the same way
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    repeats = [r.getMessage() for r in caplog.records if "not announced again" in r.getMessage()]
    assert len(warnings) == 1 and "needs attention" in warnings[0] and len(repeats) == 1


def test_notify_settings_choose_what_is_shown(group: Group) -> None:
    shown: list[str] = []

    def shows(title: str, text: str) -> bool:
        shown.append(title)
        return True

    quiet = Announcer(lambda: Notify(on_failure=False, on_conflict=False), senders=(shows,))
    loud = Announcer(lambda: Notify(on_success=True), senders=(shows,))
    ok = outcome(group)
    quiet(ok)
    assert shown == []
    loud(ok)
    assert ok.report is not None
    assert shown == [f"stamsync: run {ok.report.run_id} done"]
