"""The settings window: one ttkbootstrap window with a tab per part of the config, the
problems still to fix, and Save (disabled while anything is invalid) and Cancel (writes
nothing)."""

from __future__ import annotations

import datetime as dt
import logging
import tkinter as tk
from pathlib import Path

import ttkbootstrap as ttk

import assets
from engine import ConfigError, StamsyncError, secrets
from engine.i18n import N_, _
from settings.config import BUILT_IN_ENTITIES, Config, ConfigProblem
from settings.dialog import TABS
from settings.dialog.base import PAD, Tab, Tasks, fonts
from settings.document import ConfigDocument

log = logging.getLogger("stamsync")

THEME = "bootstrap-light"
FIELDS = {
    "name": N_("Name"), "database": N_("Connection"), "enabled": N_("Takes part in the sync"),
    "connect_timeout": N_("Timeouts (seconds)"), "query_timeout": N_("Timeouts (seconds)"),
    "label": N_("Name shown"), "table": N_("Table in the mother"),
    "key": N_("Key (identifies a record everywhere)"), "fields": N_("Fields that are synced"),
    "select": N_("Records that take part"), "column": N_("Column"),
    "skip": N_("Records never synced"),
    "on_remove": N_("When a record leaves the mother or the selection"),
    "days": N_("Days"), "from": N_("From"), "until": N_("Until"),
    "every_minutes": N_("Every (minutes)"), "language": N_("Language"),
}
"""The dialog's label of a config key, for the problems listed under the tabs."""
PARTS = {
    "select": N_("Records that take part"), "skip": N_("Records never synced"),
    "on_remove": N_("When a record leaves the mother or the selection"),
    "protect": N_("Fields a daughter keeps as its own"),
}
"""The dialog's label of a part of a section ("[entities.items] on_remove": its own
heading), for the same."""
SHOWN_PROBLEMS = 4
"""How many problems the bar under the tabs lists by name."""


class SettingsWindow:
    """The dialog for one config file. `run()` shows it until Save or Cancel."""

    def __init__(self, path: Path, tab: str | None = None,
                 document: ConfigDocument | None = None) -> None:
        self.path = path
        self.document = document if document is not None else ConfigDocument.open(path)
        self.saved = False
        self.root = ttk.App(title=_("stamsync settings") + f" - {path}", theme=THEME,
                            size=(1000, 720), minsize=(900, 660))
        self.root.iconphoto(True, tk.PhotoImage(master=self.root, file=str(assets.app_png())))
        self.root.protocol("WM_DELETE_WINDOW", self.cancel)
        self.root.bind("<Escape>", lambda _e: self.cancel(ask_only=True))
        fonts(self.root)
        self.tasks = Tasks(self.root, self._task_failed)
        self.problems: list[ConfigProblem] = self.document.problems()
        self.last_run: dt.datetime | None = None
        """When the last sync started (from the history), for the schedule's next run."""
        self._pending = False
        self._opened: tuple[str, Config | None] = ("", None)
        """The document as the window showed it first (its text, and its settings when
        valid), to tell whether anything changed."""
        self._leaving = False
        """Cancel was asked once with changes unsaved: asked again, it discards them."""

        self.notebook = ttk.Notebook(self.root)
        self.notebook.pack(fill="both", expand=True, padx=PAD * 2, pady=(PAD * 2, PAD))
        from settings.dialog import tab_admins, tab_conflicts, tab_data, tab_history, tab_schedule

        pages = (tab_admins.AdministrationsTab, tab_data.DataTab, tab_schedule.ScheduleTab,
                 tab_conflicts.ConflictsTab, tab_history.HistoryTab)
        self.tabs: dict[str, Tab] = {name: page(self)
                                     for name, page in zip(TABS, pages, strict=True)}
        for page in self.tabs.values():
            self.notebook.add(page, text=_(page.title))

        bar = ttk.Frame(self.root, padding=(PAD * 2, 0, PAD * 2, PAD * 2))
        bar.pack(fill="x")
        self.problem_text = ttk.Label(bar, text="", bootstyle="danger", justify="left",
                                      wraplength=700)
        self.problem_text.pack(side="left", fill="x", expand=True)
        self.save_button = ttk.Button(bar, text=_("Save"), bootstyle="primary",
                                      command=self.save, width=10)
        self.cancel_button = ttk.Button(bar, text=_("Cancel"), bootstyle="secondary",
                                        command=self.cancel, width=10)
        self.save_button.pack(side="right")
        self.cancel_button.pack(side="right", padx=PAD)
        if tab in self.tabs:
            self.notebook.select(self.tabs[tab])
        self.notebook.bind("<<NotebookTabChanged>>", lambda _e: self._tab_shown())
        self.check()
        self._opened = self._now()  # as the tabs filled it in (a new one: defaults)

    # -- checking --------------------------------------------------------------------------

    def changed(self) -> None:
        """Something was edited: check the document once the Tk thread is idle."""
        if self._leaving:  # an edit after Cancel: the question is off
            self._leaving = False
            self.cancel_button.configure(text=_("Cancel"), bootstyle="secondary")
        if not self._pending:
            self._pending = True
            self.root.after_idle(self.check)

    def check(self) -> None:
        self._pending = False
        self.problems = self.document.problems()
        for page in self.tabs.values():
            page.show_problems(self.problems)
            mine = [p for p in self.problems if page.owns(p)]
            self.notebook.tab(page, text=_(page.title) + (f"  ({len(mine)})" if mine else ""))
        self.save_button.configure(state="disabled" if self.problems else "normal")
        self.problem_text.configure(text=self._problems_said())

    def _problems_said(self) -> str:
        """The bar under the tabs: the problems to fix, and what Discard does once asked."""
        lines = []
        if self.problems:
            lines.append(_("Fix these before saving:"))
            lines += [f"- {self.in_words(p)}" for p in self.problems[:SHOWN_PROBLEMS]]
            more = len(self.problems) - SHOWN_PROBLEMS
            if more > 0:
                lines.append(_("... and {n} more (see the tabs marked with a number)").format(
                    n=more))
        if self._leaving:
            lines.append(_(
                "Your changes are not saved. Fix the problems above and press Save to keep "
                "them, or press Discard to close without them.") if self.problems else _(
                "Your changes are not saved. Press Save to keep them, or Discard to close "
                "without them."))
        return "\n".join(lines)

    def in_words(self, problem: ConfigProblem) -> str:
        """A problem as the dialog names its place: the tab, the administration or entity
        by its name, and the field by its label ("Administrations, Zuid, Connection: ...")."""
        page = next((p for p in self.tabs.values() if p.owns(problem)), None)
        if page is None:
            return str(problem)
        parts = [_(page.title)]
        section = problem.where
        document = self.document
        if section.startswith("[[daughters]] #"):
            number = int(section.split("#")[1].split()[0])
            name = document.get(("daughters", number - 1), "name", "") if number <= len(
                document.daughters()) else ""
            parts.append(str(name or _("Daughter {n}").format(n=number)))
        elif section.startswith("[mother]"):
            name = document.get(("mother",), "name", "")
            parts.append(_("{name} (mother)").format(name=name) if name else _("Mother"))
        elif section.startswith("[entities."):
            entity = section.removeprefix("[entities.").split("]")[0]
            shown = document.get(("entities", entity), "label") if entity in (
                document.entity_names()) else None
            parts.append(str(shown or BUILT_IN_ENTITIES.get(entity, entity)))
        part = section.split("] ", 1)[1] if "] " in section else ""  # "#2 protect", "select"
        if part.startswith("#"):
            part = part.partition(" ")[2]
        field = PARTS.get(part.split(".")[0]) if part else FIELDS.get(problem.key or "")
        if field:
            parts.append(_(field))
        return ", ".join(parts) + ": " + problem.message

    def _task_failed(self, error: Exception) -> None:
        """A background result could not be shown (the log has the details)."""
        self.problem_text.configure(text=_(
            "Something went wrong while showing a result ({error}). The log has the details; "
            "try again, or close and reopen the settings.").format(error=error))

    def _tab_shown(self) -> None:
        page = self.root.nametowidget(self.notebook.select())
        if isinstance(page, Tab):
            page.shown()

    # -- closing ---------------------------------------------------------------------------

    def save(self) -> None:
        """Write the file (atomically, comments kept) and the typed passwords, then close."""
        self.check()
        if self.problems:
            return
        from settings.dialog.tab_admins import AdministrationsTab

        admins = self.tabs["administrations"]
        assert isinstance(admins, AdministrationsTab)
        store, moves = admins.password_plan()
        try:
            self.document.save()
        except (ConfigError, OSError) as error:
            self.problem_text.configure(text=_("Not saved: {error}").format(error=error))
            return
        self._opened = self._now()
        try:
            for old, new in moves:
                _move_password(old, new)
            for name, password in store.items():
                secrets.store(name, password)
        except Exception as error:  # any keyring backend's refusal: the file is saved
            log.warning("a password could not be stored in the OS keyring: %s", error)
            self.problem_text.configure(text=_(
                "The settings are saved, but the password could not be stored in the OS "
                "keyring ({error}). Store it later with: stamsync password NAME").format(
                    error=error))
            return
        log.info("settings saved to %s", self.path)
        self.saved = True
        self.close()

    def _now(self) -> tuple[str, Config | None]:
        try:
            return self.document.text(), self.document.config()
        except ConfigError:
            return self.document.text(), None

    def unsaved(self) -> bool:
        """Whether anything was changed and not saved: the settings (what they mean, not how
        the file spells them), or a password typed that Save would store."""
        from settings.dialog.tab_admins import AdministrationsTab

        admins = self.tabs["administrations"]
        if isinstance(admins, AdministrationsTab) and admins.password_plan()[0]:
            return True
        text, config = self._now()
        was_text, was = self._opened
        return config != was if config is not None and was is not None else text != was_text

    def cancel(self, ask_only: bool = False) -> None:
        """Close without writing anything. With changes unsaved, the first Cancel says so
        and becomes Discard, which closes; Escape (`ask_only`) never discards."""
        if self.unsaved() and (ask_only or not self._leaving):
            self._leaving = True
            self.cancel_button.configure(text=_("Discard"), bootstyle="danger")
            self.problem_text.configure(text=self._problems_said())
            return
        self.close()

    def close(self) -> None:
        self.tasks.stop()
        self.root.update_idletasks()  # Tk's own pending work (a theme change) first
        self.root.destroy()

    def run(self) -> bool:
        """Show the window until Save or Cancel; whether it saved."""
        self.root.mainloop()
        return self.saved


def _move_password(old: str, new: str) -> None:
    """An administration was renamed: its password is stored under the new name."""
    try:
        stored = secrets.password(old)
    except StamsyncError:
        return  # none stored under the old name
    secrets.store(new, stored)
    secrets.forget(old)
