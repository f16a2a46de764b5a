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

from engine.i18n import _, ngettext
from settings import Notify
from tray.worker import Outcome

log = logging.getLogger("stamsync")

Sender = Callable[[str, str], bool]
"""Shows (title, message); False when it could not."""


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    kinds: frozenset[str]
    """failure, conflict or success: the `[notify]` switches that may show it."""


def summarise(outcome: Outcome) -> Message:
    """What a run comes down to, for a person: which daughters failed and how many records,
    the first error, and which daughters met conflicts."""
    if outcome.error is not None:
        return Message(_("stamsync: sync failed"), f"{outcome.error}", frozenset({"failure"}))
    report = outcome.report
    assert report is not None
    failed = [d for d in report.daughters if d.error or d.failures or d.status == "failed"]
    conflicts = {d.name: sum(c.conflicts for c in d.entities.values())
                 for d in report.daughters}
    parts: list[str] = []
    kinds: set[str] = set()
    if report.status == "failed" or failed:
        kinds.add("failure")
        records = sum(len(d.failures) for d in failed)
        first = report.error or next((d.error or d.failures[0].message for d in failed), "")
        who = ", ".join(d.name for d in failed) or _("the mother")
        counted = ngettext(" ({n} record rejected)", " ({n} records rejected)", records).format(
            n=records) if records else ""
        parts.append(_("Failed: {who}{counted}. {first}").format(who=who, counted=counted,
                                                                 first=first))
    if any(conflicts.values()):
        kinds.add("conflict")
        listed = ", ".join(f"{name} {n}" for name, n in conflicts.items() if n)
        parts.append(_("Conflicts: {listed}.").format(listed=listed))
    if not kinds:
        return Message(_("stamsync: run {run} done").format(run=report.run_id),
                       _("All daughters are up to date."), frozenset({"success"}))
    title = (_("stamsync: run {run} needs attention") if "failure" in kinds
             else _("stamsync: run {run} met conflicts")).format(run=report.run_id)
    return Message(title, " ".join(parts) + f" (stamsync show {report.run_id})",
                   frozenset(kinds))


def plyer_send(title: str, text: str) -> bool:
    try:
        from plyer import notification

        notification.notify(app_name="stamsync", title=title, message=text, timeout=10)
    except Exception as error:  # no notification service, no backend for this platform
        log.info("desktop notification not shown (%s)", error)
        return False
    return True


def send(title: str, text: str, senders: Sequence[Sender]) -> bool:
    """Shows it with the first sender that can; False when none could."""
    return any(sender(title, text) for sender in senders)


class Announcer:
    """Called with every sync's outcome; notifies as `[notify]` says, at most once for a
    failure or conflict that repeats unchanged (until a run goes well)."""

    def __init__(self, settings: Callable[[], Notify],
                 senders: Sequence[Sender] = (plyer_send,)) -> None:
        self._settings = settings
        self._senders = senders
        self._last: str | None = None
        """The last failure or conflict announced, without its run number."""

    def __call__(self, outcome: Outcome) -> None:
        message = summarise(outcome)
        settings = self._settings()
        switches = {"failure": settings.on_failure, "conflict": settings.on_conflict,
                    "success": settings.on_success}
        if "success" in message.kinds:
            self._last = None  # all well again: the next failure or conflict is news
            log.info("%s: %s", message.title, message.text)
        else:
            same = _without_run(message.text)
            if same == self._last:
                log.info("the same again; not announced again: %s", message.text)
                return
            self._last = same
            log.warning("%s: %s", message.title, message.text)
        if any(switches[kind] for kind in message.kinds):
            send(message.title, message.text, self._senders)


def _without_run(text: str) -> str:
    """A message without its run number, to tell a repeat from news."""
    return text.rsplit(" (stamsync show", 1)[0]
