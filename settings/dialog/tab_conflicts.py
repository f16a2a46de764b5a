"""The Conflicts and notifications tab: the conflict policy, with what each one does, and
when stamsync shows a desktop notification."""

from __future__ import annotations

import functools
import tkinter as tk
from typing import Any

import ttkbootstrap as ttk

from engine import Policy, i18n
from engine.i18n import N_, _
from settings.dialog.base import HEADING, PAD, Tab

POLICIES = (
    (Policy.MOTHER_WINS, N_("The mother wins"),
     N_("A field changed in both the mother and a daughter gets the mother's value; the "
        "daughter's value it replaced is kept in the run's history.")),
    (Policy.DAUGHTER_WINS, N_("The daughter wins"),
     N_("The daughter keeps its own value. The conflict is reported once and not again "
        "until one side changes that field.")),
    (Policy.SKIP, N_("Leave it for a person"),
     N_("Nothing is written for that field; the conflict is reported at every run until "
        "someone makes both sides agree.")),
)
LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands"}
"""Each language in its own words, as a person looks for it."""
LANGUAGES = (("auto", N_("As the system ({system})")), ("en", LANGUAGE_NAMES["en"]),
             ("nl", LANGUAGE_NAMES["nl"]))
SWITCHES = (
    ("on_failure", N_("When a sync fails (a daughter cannot be reached, a record is "
                      "refused)")),
    ("on_conflict", N_("When a sync meets conflicts")),
    ("on_success", N_("When a sync went well")),
)


class ConflictsTab(Tab):
    title = N_("Conflicts and notifications")
    sections = ("[conflicts]", "[notify]", "[interface]")

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.columnconfigure(0, weight=1)
        ttk.Label(self, text=_("A conflict: a field was changed in a daughter since the last "
                               "sync, and the mother has another value for it."),
                  wraplength=760, justify="left").grid(row=0, column=0, sticky="w",
                                                       pady=(0, PAD * 2))
        self.policy = tk.StringVar(self)
        self.policy_buttons = {}
        row = 1
        for policy, title, sentence in POLICIES:
            button = ttk.Radiobutton(self, text=_(title), value=policy.value,
                                     variable=self.policy)
            button.grid(row=row, column=0, sticky="w")
            ttk.Label(self, text=_(sentence), bootstyle="secondary", wraplength=720,
                      justify="left").grid(row=row + 1, column=0, sticky="w",
                                           padx=(PAD * 3, 0), pady=(0, PAD))
            self.policy_buttons[policy.value] = button
            row += 2
        self.mark(("conflicts",), "policy", self.policy_buttons[Policy.MOTHER_WINS.value],
                  row, 0)
        self.watch(self.policy, lambda: self.document.set(
            ("conflicts",), "policy", self.policy.get()))

        ttk.Separator(self).grid(row=row + 1, column=0, sticky="ew", pady=PAD * 2)
        ttk.Label(self, text=_("Show a desktop notification"), font=HEADING).grid(
            row=row + 2, column=0, sticky="w", pady=(0, PAD))
        self.switches = {key: tk.BooleanVar(self) for key, _text in SWITCHES}
        self.switch_checks = {}
        for offset, (key, text) in enumerate(SWITCHES):
            check = ttk.Checkbutton(self, text=_(text), variable=self.switches[key],
                                    bootstyle="round-toggle")
            check.grid(row=row + 3 + offset, column=0, sticky="w", pady=(0, PAD // 2))
            self.switch_checks[key] = check
            self.watch(self.switches[key], functools.partial(self._write_switch, key))
        ttk.Label(self, text=_("One notification per run, never one per record; the same "
                               "failure is not announced again at every interval."),
                  bootstyle="secondary", wraplength=720, justify="left").grid(
            row=row + 6, column=0, sticky="w", pady=(PAD, 0))

        row += 7
        ttk.Separator(self).grid(row=row, column=0, sticky="ew", pady=PAD * 2)
        ttk.Label(self, text=_("Language"), font=HEADING).grid(
            row=row + 1, column=0, sticky="w", pady=(0, PAD))
        self.language = tk.StringVar(self)
        self.language_buttons = {}
        choices = ttk.Frame(self)
        choices.grid(row=row + 2, column=0, sticky="w")
        system = LANGUAGE_NAMES.get(i18n.os_language(), LANGUAGE_NAMES["en"])  # or English
        for value, text in LANGUAGES:
            shown = _(text).format(system=system) if value == "auto" else text
            button = ttk.Radiobutton(choices, text=shown, value=value, variable=self.language)
            button.pack(side="left", padx=(0, PAD * 3))
            self.language_buttons[value] = button
        self.mark(("interface",), "language", choices, row + 3, 0)
        ttk.Label(self, text=_("For this window, the tray's menu and notifications and the "
                               "command line; the tray follows as soon as you save, this "
                               "window the next time it opens."),
                  bootstyle="secondary", wraplength=720, justify="left").grid(
            row=row + 4, column=0, sticky="w", pady=(PAD // 2, 0))
        self.watch(self.language, lambda: self.document.set(
            ("interface",), "language",
            None if self.language.get() == "auto" else self.language.get()))
        self.refresh()

    def _write_switch(self, key: str) -> None:
        self.document.set(("notify",), key, self.switches[key].get())

    def refresh(self) -> None:
        with self.loading():
            self.policy.set(str(self.document.get(("conflicts",), "policy",
                                                  Policy.MOTHER_WINS.value)))
            defaults = {"on_failure": True, "on_conflict": True, "on_success": False}
            for key, variable in self.switches.items():
                variable.set(self.document.get(("notify",), key, defaults[key]) is True)
            self.language.set(str(self.document.get(("interface",), "language", "auto")))
