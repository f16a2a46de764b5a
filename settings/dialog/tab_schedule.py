"""The Schedule tab: the days of the week, from and until, every N minutes, and the
schedule in words with its next run."""

from __future__ import annotations

import datetime as dt
import functools
import tkinter as tk
from typing import Any

import ttkbootstrap as ttk

from engine import ConfigError
from engine.i18n import N_, _
from settings.config import DAYS, Schedule
from settings.dialog.base import HEADING, PAD, Tab
from settings.schedule import describe

DAY_LABELS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
              N_("Saturday"), N_("Sunday"))
FIELDS = (("from", N_("From"), N_("HH:MM, e.g. 07:00")),
          ("until", N_("Until"), N_("HH:MM; 24:00 is the end of the day")),
          ("every_minutes", N_("Every (minutes)"), N_("1 to 1440")))
WHERE = ("schedule",)
MINUTE_MS = 60_000
"""How often the next run in words is said again."""


class ScheduleTab(Tab):
    title = N_("Schedule")
    sections = ("[schedule]",)

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.columnconfigure(1, weight=1)
        ttk.Label(self, text=_("stamsync syncs on these days, inside this window, every so "
                               "many minutes (local time). Outside it nothing runs; Sync now "
                               "in the tray works at any time."),
                  wraplength=760, justify="left").grid(row=0, column=0, columnspan=3,
                                                       sticky="w", pady=(0, PAD * 2))
        ttk.Label(self, text=_("Days")).grid(row=1, column=0, sticky="nw", padx=(0, PAD))
        days = ttk.Frame(self)
        days.grid(row=1, column=1, sticky="w")
        self.days = {day: tk.BooleanVar(self) for day in DAYS}
        self.day_checks = {}
        for column, (day, text) in enumerate(zip(DAYS, DAY_LABELS, strict=True)):
            check = ttk.Checkbutton(days, text=_(text), variable=self.days[day])
            check.grid(row=0, column=column, sticky="w", padx=(0, PAD * 2))
            self.day_checks[day] = check
            self.watch(self.days[day], self._write_days)
        self.mark(WHERE, "days", days, 2, 1)

        self.values = {key: tk.StringVar(self) for key in ("from", "until", "every_minutes")}
        self.entries: dict[str, ttk.Entry] = {}
        for row, (key, text, hint) in enumerate(FIELDS, start=1):
            ttk.Label(self, text=_(text)).grid(row=row * 2 + 1, column=0, sticky="w",
                                               padx=(0, PAD), pady=(PAD, 0))
            entry = ttk.Entry(self, textvariable=self.values[key], width=8)
            entry.grid(row=row * 2 + 1, column=1, sticky="w", pady=(PAD, 0))
            ttk.Label(self, text=_(hint), bootstyle="secondary").grid(
                row=row * 2 + 1, column=1, sticky="w", padx=(90, 0), pady=(PAD, 0))
            self.entries[key] = entry
            self.mark(WHERE, key, entry, row * 2 + 2, 1)
            self.watch(self.values[key], functools.partial(self._write, key))

        self.summary = ttk.Label(self, text="", font=HEADING)
        self.summary.grid(row=9, column=0, columnspan=3, sticky="w", pady=(PAD * 3, 0))
        self.refresh()
        self.after(MINUTE_MS, self._keep_describing)

    def refresh(self) -> None:
        defaults = Schedule()
        with self.loading():
            days = self.document.get(WHERE, "days", list(defaults.days))
            for day, variable in self.days.items():
                variable.set(isinstance(days, list) and day in days)
            self.values["from"].set(str(self.document.get(WHERE, "from", "07:00")))
            self.values["until"].set(str(self.document.get(WHERE, "until", "19:00")))
            self.values["every_minutes"].set(
                str(self.document.get(WHERE, "every_minutes", defaults.every_minutes)))
        self._describe()

    def show_problems(self, problems: list[Any]) -> None:
        super().show_problems(problems)
        self._describe()

    def _write_days(self) -> None:
        self.document.set(WHERE, "days", [d for d in DAYS if self.days[d].get()])

    def _write(self, key: str) -> None:
        text = self.values[key].get().strip()
        value: Any = text
        if key == "every_minutes" and text.isdigit():
            value = int(text)
        self.document.set(WHERE, key, value if text else None)

    def _describe(self) -> None:
        if any(p.where == "[schedule]" for p in self.window.problems):
            self.summary.configure(text="")
            return
        rules: Schedule | None
        try:
            rules = self.window.document.config().schedule
        except ConfigError:  # another tab's problem: the schedule alone still reads
            rules = _schedule_alone(self)
        if rules is None:
            self.summary.configure(text="")
            return
        last = self.window.last_run
        self.summary.configure(text=describe(rules, dt.datetime.now().astimezone(), last))

    def shown(self) -> None:
        self._describe()

    def _keep_describing(self) -> None:
        """The next run in words moves on with the clock (and with the last run, once the
        history has been read)."""
        self._describe()
        self.after(MINUTE_MS, self._keep_describing)


def _schedule_alone(tab: ScheduleTab) -> Schedule | None:
    """The schedule as the tab shows it, when the rest of the config does not load yet."""
    try:
        days = tuple(d for d in DAYS if tab.days[d].get())
        start = dt.time.fromisoformat(tab.values["from"].get().strip())
        until_text = tab.values["until"].get().strip()
        until = None if until_text == "24:00" else dt.time.fromisoformat(until_text)
        return Schedule(days, start, until, int(tab.values["every_minutes"].get()))
    except ValueError:
        return None
