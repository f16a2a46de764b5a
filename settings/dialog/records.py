"""Choosing records: the mother's records of one entity in a searchable list, each with a
Sync and a Skip box; select all or none of the records the search shows; the skip list
(opt-out) whatever the selection says. Tens of thousands of records stay quick: the search
runs over the whole list in memory, the window shows the first matches."""

from __future__ import annotations

import decimal
import tkinter as tk
from collections.abc import Callable, Sequence
from typing import Any

import ttkbootstrap as ttk

from engine import Administration
from engine.i18n import _, ngettext, number
from settings.dialog.base import PAD, browsing
from settings.dialog.checklist import CHECKED, UNCHECKED

SKIPPED = "\u26d4"
"""The Never column of a record that is never synced."""

SEARCH_DELAY = 150
"""Milliseconds after the last key press before a long list is searched."""
INSTANT = 5000
"""Lists up to this long are searched at every key press."""
SHOWN_ROWS = 1000
"""How many matching records the list shows at once (the search narrows the rest)."""
MOST = 200_000
"""Records read from the mother at most."""
LIKELY = ("name", "naam", "omschrijving", "description", "city", "plaats", "woonplaats")

Key = tuple[Any, ...]
Done = Callable[[list[Any], list[Any]], None]


def plain(value: Any) -> Any:
    """A key value as the config writes it: a whole number stays one, the rest is text."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, (float, decimal.Decimal)) and value == int(value):
        return int(value)
    return str(value).rstrip() if isinstance(value, str) else str(value)


def plain_key(key: Key) -> Key:
    """`plain` of each value of a key (quick for the usual one text or number)."""
    if len(key) == 1:
        value = key[0]
        if type(value) is str:
            return (value.rstrip(),)
        if type(value) is int:
            return key
    return tuple(plain(v) for v in key)


def as_key(value: Any) -> Key:
    """A key from the config (a plain value, or a list for a composite key)."""
    values = value if isinstance(value, list) else [value]
    return tuple(plain(v) for v in values)


def as_config(key: Key) -> Any:
    return key[0] if len(key) == 1 else list(key)


def shown_columns(columns: Sequence[str], key: Sequence[str], most: int = 3) -> list[str]:
    """The columns that let a person recognise a record: names and places first."""
    rest = [c for c in columns if c not in key]
    likely = [c for word in LIKELY for c in rest if c.lower() == word]
    return (likely + [c for c in rest if c not in likely])[:most]


class Records:
    """The records and what the user chose, without any widget (tests use it directly)."""

    def __init__(self, rows: list[tuple[Key, tuple[Any, ...]]], chosen: list[Any],
                 skipped: list[Any]) -> None:
        self.rows = [(plain_key(key), values) for key, values in rows]
        self.text = [" ".join(map(str, key + values)).lower() for key, values in self.rows]
        self.chosen = {as_key(v) for v in chosen}
        self.skipped = {as_key(v) for v in skipped}
        self.matching: list[int] = list(range(len(self.rows)))

    def search(self, text: str) -> None:
        """Narrow to the records whose key or shown values contain every word of `text`."""
        words = text.lower().split()
        if not words:
            self.matching = list(range(len(self.rows)))
            return
        every = self.text
        found = [i for i, t in enumerate(every) if words[0] in t]
        for word in words[1:]:  # each next word narrows what the one before found
            found = [i for i in found if word in every[i]]
        self.matching = found

    def choose(self, on: bool) -> None:
        """Sync all (or none) of the matching records."""
        keys = {self.rows[i][0] for i in self.matching}
        self.chosen = self.chosen | keys if on else self.chosen - keys

    def toggle(self, key: Key, which: str) -> None:
        group = self.chosen if which == "sync" else self.skipped
        if key in group:
            group.discard(key)
        else:
            group.add(key)

    def result(self) -> tuple[list[Any], list[Any]]:
        """(chosen, skipped) as the config writes them, in key order; chosen keys the mother
        no longer has are kept (the sync reports them)."""
        def ordered(keys: set[Key]) -> list[Any]:
            return [as_config(k) for k in sorted(keys, key=lambda k: [str(v) for v in k])]
        return ordered(self.chosen), ordered(self.skipped)


class RecordPicker(ttk.Toplevel):
    def __init__(self, master: tk.Misc, mother: Administration, table: str, key: list[str],
                 columns: list[str], chosen: list[Any], skipped: list[Any],
                 done: Done, choosing: bool = True, typed: str = "") -> None:
        """`choosing`: the entity syncs only chosen records (a Sync box per record);
        otherwise only the skip list is edited here. `typed`: the mother's password as typed
        on the Administrations tab and not saved yet, if any."""
        super().__init__(title=_("Choose records") if choosing else _("Records never synced"),
                         transient=master.winfo_toplevel(), size=(900, 620),
                         minsize=(700, 480))
        self.choosing = choosing
        self.done = done
        self.key = key
        self.shown = shown_columns(columns, key)
        self.model = Records([], chosen, skipped)
        self._said: dict[str, str] = {}
        """What each counting label says now (a label is configured only when it changes)."""

        def work() -> tuple[bool, Records]:
            """The records read and indexed for searching: all off the Tk thread, while the
            window is built."""
            with browsing(mother, typed) as browser:
                found = browser.records(table, key, self.shown, MOST)
            return found.truncated, Records(found.rows, chosen, skipped)

        master.window.tasks.run(work, self._read, self._failed)  # type: ignore[attr-defined]
        self.columnconfigure(0, weight=1)
        self.rowconfigure(2, weight=1)

        top = ttk.Frame(self, padding=(PAD * 2, PAD * 2, PAD * 2, PAD))
        top.grid(row=0, column=0, sticky="ew")
        ttk.Label(top, text=_("Search")).pack(side="left")
        self.search = tk.StringVar(self)
        self.search_entry = ttk.Entry(top, textvariable=self.search, width=30)
        self.search_entry.pack(side="left", padx=PAD)
        self.search.trace_add("write", lambda *_a: self._search_soon())
        self._search_job = ""
        self.all_button = ttk.Button(top, text=_("Tick all"), bootstyle="secondary",
                                     command=lambda: self._choose(True))
        self.none_button = ttk.Button(top, text=_("Untick all"),
                                      bootstyle="secondary-outline",
                                      command=lambda: self._choose(False))
        if choosing:
            self.all_button.pack(side="left", padx=(PAD, 0))
            self.none_button.pack(side="left", padx=(PAD // 2, 0))
        self.status = ttk.Label(self, text=_("Reading the records from the mother..."),
                               bootstyle="secondary", padding=(PAD * 2, 0))
        self.status.grid(row=1, column=0, sticky="ew")

        body = ttk.Frame(self, padding=(PAD * 2, PAD))
        body.grid(row=2, column=0, sticky="nsew")
        headings = ["sync", "skip", *key, *self.shown]
        self.tree = ttk.Treeview(body, columns=headings, show="headings", selectmode="none")
        self.tree.heading("sync", text=_("Sync"))
        self.tree.heading("skip", text=_("Never"))
        self.tree.column("sync", width=60, anchor="center", stretch=False)
        self.tree.column("skip", width=60, anchor="center", stretch=False)
        for index, name in enumerate([*key, *self.shown]):
            self.tree.heading(name, text=name, anchor="w")
            width = 110 if name in key else 260 if index == len(key) else 170  # a name: wider
            self.tree.column(name, width=width, minwidth=60)
        if not choosing:
            self.tree.configure(displaycolumns=headings[1:])
        bar = ttk.Scrollbar(body, orient="vertical", command=self.tree.yview)
        self.tree.configure(yscrollcommand=bar.set)
        bar.pack(side="right", fill="y")  # first, so the list cannot squeeze it out
        self.tree.pack(side="left", fill="both", expand=True)
        self.tree.bind("<Button-1>", self._clicked)

        bottom = ttk.Frame(self, padding=(PAD * 2, PAD, PAD * 2, PAD * 2))
        bottom.grid(row=3, column=0, sticky="ew")
        self.counts = ttk.Label(bottom, text="")
        self.counts.pack(side="left")
        self.ok_button = ttk.Button(bottom, text=_("OK"), bootstyle="primary", width=10,
                                    command=self.ok)
        self.ok_button.pack(side="right")
        ttk.Button(bottom, text=_("Cancel"), bootstyle="secondary", width=10,
                   command=self.destroy).pack(side="right", padx=PAD)
        self.ok_button.configure(state="disabled")

        self.search_entry.focus_set()
        self.after_idle(self._hold)

    def _hold(self) -> None:
        """Modal: the settings window waits until OK or Cancel (so what is chosen here
        cannot land on another entity meanwhile)."""
        try:
            self.grab_set()
        except tk.TclError:  # not on the screen yet
            if self.winfo_exists():
                self.after(50, self._hold)

    def _read(self, found: tuple[bool, Records]) -> None:
        if not self.winfo_exists():
            return
        truncated, self.model = found
        if self.search.get().strip():  # typed while the records were read
            self.model.search(self.search.get())
        count = len(self.model.rows)
        said = (_("The first {n} records of the mother (the table has more).") if truncated
                else ngettext("{n} record in the mother.", "{n} records in the mother.", count))
        self.status.configure(text=said.format(n=number(count)) + " " + (
            _("Tick Sync for the records that take part; tick Never for a record that must "
              "never be synced.") if self.choosing else
            _("Tick Never for a record that must never be synced, whatever the selection.")))
        self.ok_button.configure(state="normal")
        self._draw()

    def _failed(self, error: Exception) -> None:
        if self.winfo_exists():
            self.status.configure(text=str(error), bootstyle="danger")

    def _search_soon(self) -> None:
        """Search at once in a short list, else once the typing pauses (a search runs over
        every record)."""
        if self._search_job:
            self.after_cancel(self._search_job)
            self._search_job = ""
        if len(self.model.rows) <= INSTANT:
            self._searched()
        else:
            self._search_job = self.after(SEARCH_DELAY, self._searched)

    def _searched(self) -> None:
        self._search_job = ""
        self.model.search(self.search.get())
        self._draw()

    def _choose(self, on: bool) -> None:
        if self._search_job:  # typed, and the search waits for a pause: it counts first
            self.after_cancel(self._search_job)
            self._searched()
        self.model.choose(on)
        self._mark_shown("sync")
        self._counts()

    def _boxes(self, key: Key) -> tuple[str, str]:
        """What a record's Sync and Never columns show."""
        return (CHECKED if key in self.model.chosen else UNCHECKED,
                SKIPPED if key in self.model.skipped else "")

    def _draw(self) -> None:
        """The list drawn again: the first matching records."""
        self.tree.delete(*self.tree.get_children())
        rows, insert = self.model.rows, self.tree.insert
        for index in self.model.matching[:SHOWN_ROWS]:
            key, values = rows[index]
            insert("", "end", iid=str(index), values=(
                *self._boxes(key), *key, *("" if v is None else v for v in values)))
        self._counts()

    def _mark_shown(self, which: str, only: int | None = None) -> None:
        """The `which` box ("sync" or "skip") of the records shown, or of record `only`, as
        chosen now; the rest of the list stays as drawn (the rows shown are the first
        matching ones: every search draws them anew)."""
        shown = self.model.matching[:SHOWN_ROWS] if only is None else [only]
        rows, column = self.model.rows, 0 if which == "sync" else 1
        for index in shown:
            self.tree.set(str(index), which, self._boxes(rows[index][0])[column])

    def _counts(self) -> None:
        matching = len(self.model.matching)
        shown = _("Showing the first {shown} of {n} matching; search to narrow them.").format(
            shown=number(SHOWN_ROWS), n=number(matching)) + "  " if matching > SHOWN_ROWS \
            else ""
        counted = (_("{chosen} to sync, {skipped} never synced") if self.choosing
                   else _("{skipped} never synced"))
        self._say(self.all_button, _("Tick all {n} found").format(n=number(matching)))
        self._say(self.none_button, _("Untick all {n} found").format(n=number(matching)))
        self._say(self.counts, shown + counted.format(
            chosen=number(len(self.model.chosen)), skipped=number(len(self.model.skipped))))

    def _say(self, widget: tk.Widget, text: str) -> None:
        if self._said.get(str(widget)) != text:
            self._said[str(widget)] = text
            widget.configure(text=text)  # type: ignore[call-arg]

    def _clicked(self, event: tk.Event[tk.Misc]) -> None:
        row = self.tree.identify_row(event.y)
        column = self.tree.identify_column(event.x)
        boxes = ("sync", "skip") if self.choosing else ("skip",)
        index = int(column.lstrip("#") or 0) - 1
        if not row or not 0 <= index < len(boxes):
            return
        self.toggle(self.model.rows[int(row)][0], boxes[index], int(row))

    def toggle(self, key: Key, which: str, index: int | None = None) -> None:
        """Tick or untick a record's Sync or Skip box, as a click does (`index`: its row,
        when known)."""
        self.model.toggle(key, which)
        if index is None:
            rows = self.model.rows
            index = next((i for i in self.model.matching[:SHOWN_ROWS] if rows[i][0] == key),
                         None)
        if index is not None:
            self._mark_shown(which, index)
        self._counts()

    def ok(self) -> None:
        chosen, skipped = self.model.result()
        self.destroy()
        self.done(chosen, skipped)
