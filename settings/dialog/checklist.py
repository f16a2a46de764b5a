"""A scrolling list of names with a check box each (a table's columns), optionally with an
"everything" switch above it that stands for all of them, now and later."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable

import ttkbootstrap as ttk

from settings.dialog.base import PAD

CHECKED, UNCHECKED = "\u2611", "\u2610"

Changed = Callable[[list[str] | None], None]
"""Told the checked names in the order they were checked (None: everything)."""


class CheckList(ttk.Frame):
    def __init__(self, master: tk.Misc, height: int, on_change: Changed,
                 everything: str | None = None) -> None:
        super().__init__(master)
        self.on_change = on_change
        self.items: list[str] = []
        self._checked: list[str] = []
        self.all = tk.BooleanVar(self, value=False)
        self.all_check: ttk.Checkbutton | None = None
        body = ttk.Frame(self)
        body.pack(fill="both", expand=True)
        if everything is not None:  # under the list, so lists side by side start level
            self.all_check = ttk.Checkbutton(self, text=everything, variable=self.all,
                                             command=self._all_toggled)
            self.all_check.pack(anchor="w", pady=(PAD // 2, 0))
        self.tree = ttk.Treeview(body, show="tree", selectmode="none", height=height)
        bar = ttk.Scrollbar(body, orient="vertical", command=self.tree.yview)
        self.tree.configure(yscrollcommand=bar.set)
        self.tree.pack(side="left", fill="both", expand=True)
        bar.pack(side="right", fill="y")
        self.tree.bind("<Button-1>", self._clicked)
        self.tree.bind("<space>", lambda _e: self._toggle_focus())

    def show(self, items: list[str], checked: list[str] | None) -> None:
        """Show `items`, with `checked` ticked (None: the everything switch, when there is
        one, else nothing)."""
        self.items = list(items)
        self.all.set(checked is None and self.all_check is not None)
        self._checked = [c for c in (checked or []) if c in self.items]
        self._draw()

    def checked(self) -> list[str] | None:
        if self.all.get():
            return None
        return list(self._checked)

    def toggle(self, item: str) -> None:
        """Tick or untick one name, as a click does."""
        if self.all.get() or item not in self.items:
            return
        if item in self._checked:
            self._checked.remove(item)
        else:
            self._checked.append(item)
        self._draw()
        self.on_change(self.checked())

    def set_everything(self, on: bool) -> None:
        self.all.set(on)
        self._all_toggled()

    def _all_toggled(self) -> None:
        if not self.all.get() and not self._checked:
            self._checked = list(self.items)
        self._draw()
        self.on_change(self.checked())

    def _draw(self) -> None:
        self.tree.delete(*self.tree.get_children())
        everything = self.all.get()
        for item in self.items:
            mark = CHECKED if everything or item in self._checked else UNCHECKED
            self.tree.insert("", "end", iid=item, text=f"{mark}  {item}",
                             tags=("off",) if everything else ())
        self.tree.tag_configure("off", foreground="gray")

    def _clicked(self, event: tk.Event[tk.Misc]) -> None:
        item = self.tree.identify_row(event.y)
        if item:
            self.tree.focus(item)
            self.toggle(item)

    def _toggle_focus(self) -> None:
        item = self.tree.focus()
        if item:
            self.toggle(item)
