"""What the tabs share: the background tasks that keep database work off the Tk thread,
the base class of a tab, and the marks that show a problem on its field."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
import tkinter as tk
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import ttkbootstrap as ttk

from settings.config import ConfigProblem
from settings.document import ConfigDocument, Where, label

if TYPE_CHECKING:
    from settings.dialog.window import SettingsWindow

T = TypeVar("T")
PAD = 8
"""The space between widgets, in pixels."""
DANGER = "danger"


class Tasks:
    """Runs slow work (connecting, reading a catalog, a dry run) in a thread of its own and
    hands the result to the Tk thread: only the Tk thread touches widgets."""

    def __init__(self, root: tk.Misc) -> None:
        self.root = root
        self._done: queue.Queue[tuple[Callable[[Any], None], Any]] = queue.Queue()
        self.running = 0
        self._job = ""
        self._poll()

    def run(self, work: Callable[[], T], done: Callable[[T], None],
            failed: Callable[[Exception], None]) -> None:
        self.running += 1

        def target() -> None:
            try:
                result = work()
            except Exception as error:
                self._done.put((failed, error))
            else:
                self._done.put((done, result))

        threading.Thread(target=target, name="stamsync-dialog-task", daemon=True).start()

    def wait(self, timeout: float = 60) -> None:
        """Until every task has reported (for tests and for closing)."""
        deadline = time.monotonic() + timeout
        while self.running and time.monotonic() < deadline:
            self.root.update()
            time.sleep(0.01)
        self.root.update()

    def _poll(self) -> None:
        while True:
            try:
                callback, value = self._done.get_nowait()
            except queue.Empty:
                break
            self.running -= 1
            callback(value)
        self._job = self.root.after(40, self._poll)

    def stop(self) -> None:
        """No more polling (the window closes); work still running reports to no one."""
        with contextlib.suppress(tk.TclError):
            self.root.after_cancel(self._job)


class Tab(ttk.Frame):
    """One tab of the dialog: shows the document and writes every change straight into it
    (nothing reaches the file before Save)."""

    title = ""
    sections: tuple[str, ...] = ()
    """The problems' sections this tab fixes: "[mother]", "[[daughters]]", ..."""

    def __init__(self, window: SettingsWindow) -> None:
        super().__init__(window.notebook, padding=PAD * 2)
        self.window = window
        self.marks: dict[tuple[str, str | None], Mark] = {}
        self._loading = False

    @property
    def document(self) -> ConfigDocument:
        return self.window.document

    def owns(self, problem: ConfigProblem) -> bool:
        return any(problem.where.startswith(s) for s in self.sections)

    def show_problems(self, problems: list[ConfigProblem]) -> None:
        """Mark each problem on its field (where this tab shows it now); clear the others."""
        placed: dict[tuple[str, str | None], str] = {}
        for problem in problems:
            placed.setdefault((problem.where, problem.key), problem.message)
        for spot, mark in self.marks.items():
            mark.show(placed.get(spot))

    def changed(self) -> None:
        """The document changed: check it again (unless the tab is filling its widgets)."""
        if not self._loading:
            self.window.changed()

    def watch(self, variable: tk.Variable, write: Callable[[], None]) -> None:
        """Call `write` (which puts the value into the document) whenever the user changes
        `variable`."""
        def on_write(*_: object) -> None:
            if not self._loading:
                write()
                self.changed()
        variable.trace_add("write", on_write)

    def loading(self) -> _Loading:
        """`with self.loading():` fills widgets without writing them back."""
        return _Loading(self)

    def mark(self, where: Where | str, key: str | None, widget: tk.Widget,
             row: int, column: int, columnspan: int = 1) -> Mark:
        """Shows the problem about (where, key), if any, on `widget`, and its reason in a
        line under it, at (row, column) of the widget's grid."""
        name = where if isinstance(where, str) else label(where)
        mark = Mark(widget, ttk.Label(widget.master, text="", bootstyle=DANGER,
                                      wraplength=420, justify="left"), row, column, columnspan)
        self.marks[(name, key)] = mark
        return mark

    def refresh(self) -> None:
        """Fill the widgets from the document (after it changed elsewhere)."""


class _Loading:
    def __init__(self, tab: Tab) -> None:
        self.tab = tab

    def __enter__(self) -> None:
        self.tab._loading = True

    def __exit__(self, *_: object) -> None:
        self.tab._loading = False


class Mark:
    """A field's problem: the field in the danger style, and the reason under it."""

    def __init__(self, widget: tk.Widget, reason: ttk.Label, row: int, column: int,
                 columnspan: int) -> None:
        self.widget = widget
        self.reason = reason
        self.grid = {"row": row, "column": column, "columnspan": columnspan}
        self.message: str | None = None

    def show(self, message: str | None) -> None:
        if message == self.message:
            return
        self.message = message
        with contextlib.suppress(tk.TclError):  # a frame or check list: the reason says it
            self.widget.configure(bootstyle=DANGER if message else "default")  # type: ignore[call-arg]
        if message:
            self.reason.configure(text=message)
            self.reason.grid(row=self.grid["row"], column=self.grid["column"],
                             columnspan=self.grid["columnspan"], sticky="w", pady=(0, PAD // 2))
        else:
            self.reason.grid_remove()
