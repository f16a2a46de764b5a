"""The History tab: the recent runs (when, how it went, what each daughter got), every
change of the selected run with each field before and after, and Preview: a dry run of the
settings as they stand, showing what the next sync would do without writing anything."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ttkbootstrap as ttk

import engine
from engine import ConfigError, ParkedRecord, RunReport
from engine.i18n import N_, _, ngettext, number
from settings.dialog.base import HEADING, PAD, Tab

RUNS = 50
SHOWN_PARKED = 5
"""Parked records listed by name on the tab (the rest counted)."""
STATUS = {"ok": N_("ok"), "attention": N_("needs attention"), "failed": N_("failed"),
          "running": N_("running")}


COUNTED = {
    "created": lambda n: ngettext("{n} created", "{n} created", n),
    "updated": lambda n: ngettext("{n} updated", "{n} updated", n),
    "conflicts": lambda n: ngettext("{n} conflict", "{n} conflicts", n),
    "failed": lambda n: ngettext("{n} rejected", "{n} rejected", n),
    "removed": lambda n: ngettext("{n} marked as removed", "{n} marked as removed", n),
}
"""A count of a run in words (what "nothing to do" leaves out)."""
ACTIONS = {"create": N_("created"), "update": N_("updated"), "remove": N_("marked as removed")}


def counts(report: RunReport) -> str:
    """What each daughter got, in a few words."""
    parts = []
    for daughter in report.daughters:
        if daughter.status == "failed" and daughter.error:
            parts.append(_("{daughter}: failed").format(daughter=daughter.name))
            continue
        total: dict[str, int] = dict.fromkeys(COUNTED, 0)
        for entity in daughter.entities.values():
            for name in COUNTED:
                total[name] += getattr(entity, name)
        said = [COUNTED[name](n).format(n=number(n)) for name, n in total.items() if n]
        parts.append(f"{daughter.name}: " + (", ".join(said) or _("up to date")))
    return "; ".join(parts) or (report.error or "")


def local(moment: str | None) -> str:
    if not moment:
        return ""
    return dt.datetime.fromisoformat(moment).astimezone().strftime("%Y-%m-%d %H:%M")


class HistoryTab(Tab):
    title = N_("History")

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.columnconfigure(0, weight=1)
        self.rowconfigure(1, weight=1)
        self.rowconfigure(4, weight=1)
        top = ttk.Frame(self)
        top.grid(row=0, column=0, sticky="ew", pady=(0, PAD))
        ttk.Label(top, text=_("Recent runs"), font=HEADING).pack(side="left")
        self.preview_button = ttk.Button(top, text=_("Preview the next sync"),
                                         bootstyle="primary", command=self.preview)
        self.preview_button.pack(side="right")
        ttk.Button(top, text=_("Refresh"), bootstyle="secondary-outline",
                   command=self.load).pack(side="right", padx=PAD)
        self.status = ttk.Label(top, text="", bootstyle="secondary")
        self.status.pack(side="left", padx=PAD * 2)

        self.runs = _scrolled(self, 1, columns=RUN_COLUMNS, selectmode="browse", height=8)
        self.runs.bind("<<TreeviewSelect>>", lambda _e: self.show_run())

        self.changes_title = ttk.Label(self, text=_("Changes of the selected run"),
                                       font=HEADING)
        self.parked = ttk.Label(self, text="", bootstyle="warning", justify="left",
                                wraplength=900)
        self.parked.grid(row=2, column=0, sticky="w", pady=(PAD, 0))
        self.changes_title.grid(row=3, column=0, sticky="w", pady=(PAD * 2, PAD))
        self.changes = _scrolled(self, 4, columns=CHANGE_COLUMNS, selectmode="none", height=10)
        self.reports: dict[str, RunReport] = {}
        self.load()

    def spec(self) -> engine.SyncSpec | None:
        try:
            return self.document.config().spec
        except ConfigError:  # not valid yet: its problems are marked on their tabs
            return None

    def load(self) -> None:
        spec = self.spec()
        if spec is None:
            self.status.configure(text=_("The history shows once the settings are valid."))
            return
        self.status.configure(text="", bootstyle="secondary")
        self.window.tasks.run(lambda: engine.history(spec, RUNS), self._loaded, self._failed)
        self.window.tasks.run(lambda: engine.parked(spec), self._parked, self._failed)

    def _parked(self, parked: list[ParkedRecord]) -> None:
        """The records parked in the daughters, each with the database's last message."""
        if not parked:
            self.parked.configure(text="")
            self.parked.grid_remove()
            return
        lines = [ngettext(
            "{n} record is parked: a daughter rejected it 3 runs in a row; it is tried again "
            "once the mother changes it.",
            "{n} records are parked: a daughter rejected each 3 runs in a row; each is tried "
            "again once the mother changes it.", len(parked)).format(n=number(len(parked)))]
        lines += [f"{p.daughter}, {p.entity} {list(p.key)}: {p.message}"
                  for p in parked[:SHOWN_PARKED]]
        if len(parked) > SHOWN_PARKED:
            lines.append(_("... and {n} more (stamsync history lists them all)").format(
                n=number(len(parked) - SHOWN_PARKED)))
        self.parked.configure(text="\n".join(lines))
        self.parked.grid()

    def _loaded(self, runs: list[RunReport]) -> None:
        self.runs.delete(*self.runs.get_children())
        self.reports = {}
        for report in runs:
            iid = str(report.run_id)
            self.reports[iid] = report
            status = _(STATUS.get(report.status, report.status))
            if report.dry_run:
                status += " " + _("(preview)")
            if report.undo_of is not None:
                status += " " + _("(undo of run {run})").format(run=report.undo_of)
            self.runs.insert("", "end", iid=iid, values=(
                report.run_id, local(report.started_at), status, counts(report)))
        done = [r for r in runs if not r.dry_run and r.status != "running"]
        if done:
            self.window.last_run = dt.datetime.fromisoformat(done[0].started_at).astimezone()
            self.window.tabs["schedule"].shown()  # its next run follows the last one
        if not runs:
            self.status.configure(text=_("No runs yet."), bootstyle="secondary")

    def _failed(self, error: Exception) -> None:
        self.status.configure(text=str(error), bootstyle="danger")
        self.preview_button.configure(state="normal")

    def show_run(self, run_id: int | None = None) -> None:
        if run_id is not None:
            self.runs.selection_set(str(run_id))
            return
        chosen = self.runs.selection()
        spec = self.spec()
        if not chosen or spec is None:
            return
        number = int(chosen[0])
        self.window.tasks.run(lambda: engine.show(spec, number), self._show_changes,
                              self._failed)

    def _show_changes(self, report: RunReport) -> None:
        self.changes.delete(*self.changes.get_children())
        changes = report.changes or []
        spec = self.spec()
        labels = {e.name: e.display_name for e in spec.entities} if spec is not None else {}
        for index, change in enumerate(changes[:SHOWN_CHANGES]):
            if change.action == "create":
                fields = "; ".join(f"{name} = {_value(after)}"
                                   for name, (_before, after) in change.fields.items())
            else:
                fields = "; ".join(f"{name}: {_value(before)} \u2192 {_value(after)}"
                                   for name, (before, after) in change.fields.items())
            action = _(ACTIONS.get(change.action, change.action))
            if change.conflict:
                action += " " + _("(conflict)")
            self.changes.insert("", "end", iid=str(index), values=(
                change.daughter, labels.get(change.entity, change.entity),
                " / ".join(str(k) for k in change.key), action, fields))
        for daughter in report.daughters:  # conflicts left open (skip): nothing written
            for at, conflict in enumerate(daughter.open_conflicts):
                self.changes.insert("", "end", iid=f"open-{daughter.name}-{at}", values=(
                    daughter.name, labels.get(conflict.entity, conflict.entity),
                    " / ".join(str(k) for k in conflict.key), _("conflict left open"),
                    _("{fields}: make both sides agree, or choose another policy").format(
                        fields=", ".join(conflict.fields))))
        title = (_("Changes of run {run}: what it would write (a preview)") if report.dry_run
                 else _("Changes of run {run}"))
        more = (" " + _("(the first {shown} of {n})").format(
            shown=number(SHOWN_CHANGES), n=number(len(changes)))
            if len(changes) > SHOWN_CHANGES else "")
        self.changes_title.configure(text=title.format(run=report.run_id) + more)
        if not changes:
            self.changes.insert("", "end", iid="none", values=(
                "", "", "", "", _("This run would write nothing.") if report.dry_run
                else _("This run changed nothing.")))


    def preview(self) -> None:
        """A dry run with the settings as they stand (saved or not): writes nothing."""
        spec = self.spec()
        if spec is None:
            self.status.configure(text=_("Fix the problems first; then Preview can run."))
            return
        self.preview_button.configure(state="disabled")
        self.status.configure(text=_("Previewing: reading the mother and the daughters..."),
                             bootstyle="secondary")
        self.window.tasks.run(lambda: engine.sync(spec, dry_run=True), self._previewed,
                              self._failed)

    def _previewed(self, report: RunReport) -> None:
        self.preview_button.configure(state="normal")
        self.status.configure(text=_("Preview (run {n}): {what}").format(
            n=report.run_id, what=counts(report) or _("nothing to do")), bootstyle="info")
        def loaded(runs: list[RunReport]) -> None:
            self._loaded(runs)
            self.show_run(report.run_id)

        self.window.tasks.run(lambda: engine.history(self.spec_or_fail(), RUNS), loaded,
                              self._failed)

    def spec_or_fail(self) -> engine.SyncSpec:
        spec = self.spec()
        if spec is None:
            raise engine.ConfigError(_("The settings changed and are not valid now."))
        return spec


def _value(value: Any) -> str:
    return _("(empty)") if value is None else str(value)


RUN_COLUMNS = (("run", N_("Run"), 60), ("when", N_("Started"), 140),
               ("status", N_("Status"), 150), ("what", N_("What it did"), 560))
CHANGE_COLUMNS = (("daughter", N_("Daughter"), 110), ("entity", N_("Entity"), 130),
                  ("key", N_("Record"), 90), ("action", N_("Action"), 120),
                  ("fields", N_("Fields"), 900))
SHOWN_CHANGES = 5000
"""Changes of one run listed at most (a first sync creates every record)."""


def _scrolled(tab: ttk.Frame, row: int, columns: tuple[tuple[str, str, int], ...],
              **options: Any) -> ttk.Treeview:
    """A list with headings and both scroll bars, at `row` of the tab's grid; the last column
    takes the rest of the width, and scrolls sideways when its text is longer."""
    frame = ttk.Frame(tab)
    frame.grid(row=row, column=0, sticky="nsew")
    frame.columnconfigure(0, weight=1)
    frame.rowconfigure(0, weight=1)
    tree = ttk.Treeview(frame, columns=[c[0] for c in columns], show="headings", **options)
    for name, text, width in columns:
        tree.heading(name, text=_(text), anchor="w")
        tree.column(name, width=width, minwidth=40, stretch=name == columns[-1][0])
    down = ttk.Scrollbar(frame, orient="vertical", command=tree.yview)
    across = ttk.Scrollbar(frame, orient="horizontal", command=tree.xview)
    tree.configure(yscrollcommand=down.set, xscrollcommand=across.set)
    tree.grid(row=0, column=0, sticky="nsew")
    down.grid(row=0, column=1, sticky="ns")
    across.grid(row=1, column=0, sticky="ew")
    return tree
