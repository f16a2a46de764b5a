"""Telling a person when a sync needs one: one notification per run that failed or had
conflicts (as `[notify]` says), summarising which daughters, how many records and the first
error; never one per record, and the same failure not again at every interval.

Notifications go through plyer; where it cannot show one (no notification service), the
next sender takes over (the tray's own balloon, once there is a tray), and the log always
gets the text, so the application keeps running whatever the desktop offers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from settings import Notify
from tray.worker import Outcome

log = logging.getLogger("stamsync")

Sender = Callable[[str, str], bool]
"""Shows (title, message); False when it could not."""


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    kind: str
    """failure, conflict or success: which `[notify]` switch governs it."""


def summarise(outcome: Outcome) -> Message:
    """What a run comes down to, for a person: which daughters, how many records, the first
    error."""
    if outcome.error is not None:
        return Message("stamsync: sync failed", f"{outcome.error}", "failure")
    report = outcome.report
    assert report is not None
    failed = [d for d in report.daughters if d.status != "ok"]
    if report.status == "failed" or any(d.error or d.failures for d in failed):
        records = sum(c.failed for d in report.daughters for c in d.entities.values())
        first = report.error or next(
            (d.error or d.failures[0].message for d in failed if d.error or d.failures), "")
        who = ", ".join(d.name for d in failed) or "the mother"
        counted = f"; {records} record(s) rejected" if records else ""
        return Message(f"stamsync: run {report.run_id} needs attention",
                       f"{who}{counted}. {first} (stamsync show {report.run_id})", "failure")
    conflicts = {d.name: sum(c.conflicts for c in d.entities.values())
                 for d in report.daughters}
    if any(conflicts.values()):
        listed = ", ".join(f"{n} {name}" for name, n in conflicts.items() if n)
        return Message(f"stamsync: run {report.run_id} met conflicts",
                       f"Conflicts: {listed}. See stamsync show {report.run_id}.", "conflict")
    return Message(f"stamsync: run {report.run_id} done", "All daughters are up to date.",
                   "success")


def plyer_send(title: str, text: str) -> bool:
    try:
        from plyer import notification

        notification.notify(app_name="stamsync", title=title, message=text, timeout=10)
    except Exception as error:  # no notification service, no backend for this platform
        log.info("desktop notification not shown (%s)", error)
        return False
    return True


class Announcer:
    """Called with every sync's outcome; notifies as `[notify]` says, at most once for a
    failure that repeats unchanged."""

    def __init__(self, settings: Callable[[], Notify],
                 senders: Sequence[Sender] = (plyer_send,)) -> None:
        self._settings = settings
        self._senders = senders
        self._last_failure: str | None = None

    def __call__(self, outcome: Outcome) -> None:
        message = summarise(outcome)
        settings = self._settings()
        wanted = {"failure": settings.on_failure, "conflict": settings.on_conflict,
                  "success": settings.on_success}[message.kind]
        if message.kind == "failure":
            same = _without_run(message.text)
            if same == self._last_failure:
                log.info("the same failure again; not announced again: %s", message.text)
                return
            self._last_failure = same
        else:
            self._last_failure = None  # it worked again: a new failure is news
        log.log(logging.WARNING if message.kind != "success" else logging.INFO,
                "%s: %s", message.title, message.text)
        if wanted:
            for send in self._senders:
                if send(message.title, message.text):
                    break


def _without_run(text: str) -> str:
    """A failure's text without its run number, to tell a repeat from a new failure."""
    return text.rsplit(" (stamsync show", 1)[0]
