"""What the tray shows, as plain functions of the moment: the icon's state, the menu's
status line and the tooltip. No pystray here, so the rules are tested without a display."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from engine import RunReport
from engine.i18n import N_, _
from settings.schedule import when
from tray.scheduler import Pause
from tray.worker import Outcome

TOOLTIP_MAX = 127
"""Windows keeps 127 characters of a tray icon's tooltip."""

WORDS = {"ok": N_("all up to date"), "attention": N_("needs attention"), "failed": N_("failed")}
"""A run's status in the status line."""


@dataclass(frozen=True)
class Last:
    """The last sync that ended: when, how, and its run (None when it could not start)."""

    at: dt.datetime
    status: str
    """ok, attention or failed, as in the report."""
    run_id: int | None

    @classmethod
    def of(cls, outcome: Outcome, at: dt.datetime) -> Last:
        report = outcome.report
        if report is None:
            return cls(at, "failed", None)
        return cls(at, report.status, report.run_id)

    @classmethod
    def from_history(cls, report: RunReport) -> Last:
        """A run from the journal (an earlier session): its end, in local time."""
        at = dt.datetime.fromisoformat(report.finished_at or report.started_at).astimezone()
        return cls(at, report.status, report.run_id)


@dataclass(frozen=True)
class Look:
    state: str
    """idle, syncing, paused, attention or error: the icon to show."""
    last: str
    """The menu's status lines: the last sync, ..."""
    ahead: str
    """... and what comes next."""
    tooltip: str


def look(*, now: dt.datetime, name: str, busy: bool, pause: Pause | None,
         next_due: dt.datetime | None, last: Last | None, stopping: bool = False) -> Look:
    """The icon, status lines and tooltip for this moment."""
    paused = pause is not None and pause.holds(now)
    if busy:
        state = "syncing"
    elif paused:
        state = "paused"
    elif last is not None and last.status == "failed":
        state = "error"
    elif last is not None and last.status == "attention":
        state = "attention"
    else:
        state = "idle"

    if last is None:
        done = _("No sync yet")
    else:
        words = {"when": when(last.at, now), "status": _(WORDS.get(last.status, last.status))}
        done = (_("Last sync {when}: {status}").format(**words) if last.run_id is None else
                _("Last sync {when}: {status} (run {run})").format(**words, run=last.run_id))
    if stopping:
        ahead = _("Stopping after the running sync") if busy else _("Stopping")
    elif busy:
        ahead = _("Syncing now")
    elif paused and pause is not None:
        ahead = (_("Paused until resumed") if pause.until is None
                 else _("Paused until {when}").format(when=when(pause.until, now)))
    elif next_due is None:
        ahead = _("No sync planned")
    else:
        ahead = (_("Next sync now") if next_due <= now
                 else _("Next sync {when}").format(when=when(next_due, now)))
    tooltip = f"stamsync: {name}\n{done}\n{ahead}"
    return Look(state, done, ahead, tooltip[:TOOLTIP_MAX])
