"""The History tab: the recent runs (when, how it went, what each daughter got), every
change of the selected run with each field before and after, and Preview: a dry run of the
settings as they stand, showing what the next sync would do without writing anything."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ttkbootstrap as ttk

import engine
from engine import RunReport
from engine.i18n import N_, _
from settings.dialog.base import PAD, Tab

RUNS = 50
STATUS = {"ok": N_("ok"), "attention": N_("needs attention"), "failed": N_("failed"),
          "running": N_("running")}


def counts(report: RunReport) -> str:
    """What each daughter got, in a few words."""
    parts = []
    for daughter in report.daughters:
        if daughter.status == "failed" and daughter.error:
            parts.append(f"{daughter.name}: " + _("failed"))
            continue
        total: dict[str, int] = {}
        for entity in daughter.entities.values():
            for name in ("created", "updated", "conflicts", "failed"):
                total[name] = total.get(name, 0) + getattr(entity, name)
        said = [_("{n} {what}").format(n=n, what=_(name)) for name, n in total.items() if n]
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
        self.rowconfigure(3, weight=1)
        top = ttk.Frame(self)
        top.grid(row=0, column=0, sticky="ew", pady=(0, PAD))
        ttk.Label(top, text=_("Recent runs"), font="-weight bold").pack(side="left")
        self.preview_button = ttk.Button(top, text=_("Preview the next sync"),
                                         bootstyle="info", command=self.preview)
        self.preview_button.pack(side="right")
        ttk.Button(top, text=_("Refresh"), bootstyle="secondary-outline",
                   command=self.load).pack(side="right", padx=PAD)
        self.status = ttk.Label(top, text="", bootstyle="secondary")
        self.status.pack(side="left", padx=PAD * 2)

        self.runs = ttk.Treeview(self, columns=("run", "when", "status", "what"),
                                 show="headings", selectmode="browse", height=8)
        for name, text, width in (("run", "Run", 60), ("when", "Started", 140),
                                  ("status", "Status", 130), ("what", "What it did", 560)):
            self.runs.heading(name, text=_(text), anchor="w")
            self.runs.column(name, width=width, stretch=name == "what")
        self.runs.grid(row=1, column=0, sticky="nsew")
        self.runs.bind("<<TreeviewSelect>>", lambda _e: self.show_run())

        ttk.Label(self, text=_("Changes of the selected run (field: before \u2192 after)"),
                  font="-weight bold").grid(row=2, column=0, sticky="w", pady=(PAD * 2, PAD))
        self.changes = ttk.Treeview(self, columns=("daughter", "entity", "key", "action",
                                                   "fields"),
                                    show="headings", selectmode="none", height=10)
        for name, text, width in (("daughter", "Daughter", 110), ("entity", "Entity", 100),
                                  ("key", "Record", 100), ("action", "Action", 90),
                                  ("fields", "Fields", 480)):
            self.changes.heading(name, text=_(text), anchor="w")
            self.changes.column(name, width=width, stretch=name == "fields")
        self.changes.grid(row=3, column=0, sticky="nsew")
        self.reports: dict[str, RunReport] = {}
        self.load()

    def spec(self) -> engine.SyncSpec | None:
        try:
            return self.document.config().spec
        except Exception:
            return None

    def load(self) -> None:
        spec = self.spec()
        if spec is None:
            self.status.configure(text=_("The history shows once the settings are valid."))
            return
        self.status.configure(text="", bootstyle="secondary")
        self.window.tasks.run(lambda: engine.history(spec, RUNS), self._loaded, self._failed)

    def _loaded(self, runs: list[RunReport]) -> None:
        self.runs.delete(*self.runs.get_children())
        self.reports = {}
        for report in runs:
            iid = str(report.run_id)
            self.reports[iid] = report
            status = _(STATUS.get(report.status, report.status))
            if report.dry_run:
                status += " " + _("(preview)")
            self.runs.insert("", "end", iid=iid, values=(
                report.run_id, local(report.started_at), status, counts(report)))
        done = [r for r in runs if not r.dry_run and r.status != "running"]
        if done:
            self.window.last_run = dt.datetime.fromisoformat(done[0].started_at).astimezone()
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
        for index, change in enumerate(report.changes or []):
            fields = "; ".join(f"{name}: {_value(before)} \u2192 {_value(after)}"
                               for name, (before, after) in change.fields.items())
            self.changes.insert("", "end", iid=str(index), values=(
                change.daughter, change.entity, " / ".join(str(k) for k in change.key),
                _(change.action), fields))
        if not report.changes:
            self.changes.insert("", "end", iid="none", values=(
                "", "", "", "", _("This run changed nothing.")))

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
    return "(empty)" if value is None else str(value)
