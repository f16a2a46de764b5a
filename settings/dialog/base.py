"""What the tabs share: the background tasks that keep database work off the Tk thread,
the base class of a tab, and the marks that show a problem on its field."""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
import tkinter as tk
import tkinter.font as tkfont
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import ttkbootstrap as ttk

import engine
from engine import Administration, Browser, secrets
from settings.config import ConfigProblem
from settings.document import ConfigDocument, Where, label

if TYPE_CHECKING:
    from settings.dialog.window import SettingsWindow

T = TypeVar("T")
log = logging.getLogger("stamsync")
PAD = 8
"""The space between widgets, in pixels."""
DANGER = "danger"
POLL_MS = 20
"""How often the Tk thread looks for results of the background work, in milliseconds."""
HEADING = "StamsyncHeading"
"""The font of a section's heading: the dialog's own font, in bold (made by `fonts()`)."""


def fonts(root: tk.Misc) -> None:
    """The named fonts the tabs use, made once per window."""
    if HEADING in root.tk.splitlist(root.tk.call("font", "names")):
        return
    options = {**tkfont.nametofont("TkDefaultFont", root=root).actual(), "weight": "bold"}
    root.tk.call("font", "create", HEADING,
                 *(part for name, value in options.items() for part in (f"-{name}", value)))


class Tasks:
    """Runs slow work (connecting, reading a catalog, a dry run) in a thread of its own and
    hands the result to the Tk thread: only the Tk thread touches widgets."""

    def __init__(self, root: tk.Misc,
                 on_error: Callable[[Exception], None] | None = None) -> None:
        self.root = root
        self.on_error = on_error
        """Told when a result could not be shown (a bug: the log has its traceback)."""
        self._done: queue.Queue[tuple[Callable[[Any], None], Any]] = queue.Queue()
        self.running = 0
        self._job = ""
        self._stopped = False
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
        try:
            while not self._stopped:
                try:
                    callback, value = self._done.get_nowait()
                except queue.Empty:
                    break
                self.running -= 1
                try:
                    callback(value)
                except Exception as error:  # one failed hand-over must not stop the others
                    log.exception("the settings dialog could not show a result")
                    if self.on_error is not None and not self._stopped:
                        self.on_error(error)
        finally:
            if not self._stopped:
                self._job = self.root.after(POLL_MS, self._poll)

    def stop(self) -> None:
        """No more polling (the window closes); work still running reports to no one."""
        self._stopped = True
        with contextlib.suppress(tk.TclError):
            self.root.after_cancel(self._job)


@contextlib.contextmanager
def browsing(admin: Administration, typed: str = "") -> Iterator[Browser]:
    """`engine.browse(admin)` with the password typed in the dialog, if any (not saved
    yet: tried, never stored). Called in a background task."""
    tried = secrets.trying(admin.name, typed) if typed else contextlib.nullcontext()
    with tried, engine.browse(admin) as browser:
        yield browser


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
        """The fields that show a problem, by the problem's (section, key)."""
        self._placed: dict[tuple[str, int, int], Mark] = {}
        self._loading = False

    @property
    def document(self) -> ConfigDocument:
        return self.window.document

    def owns(self, problem: ConfigProblem) -> bool:
        return any(problem.where.startswith(s) for s in self.sections)

    def show_problems(self, problems: list[ConfigProblem]) -> None:
        """Mark each problem on its field (where this tab shows it now); clear the others.
        A field that stands for several keys shows all of their problems."""
        placed: dict[tuple[str, str | None], str] = {}
        for problem in problems:
            placed.setdefault((problem.where, problem.key), problem.message)
        said: dict[Mark, list[str]] = {mark: [] for mark in self.marks.values()}
        for spot, mark in self.marks.items():
            if spot in placed:
                said[mark].append(placed[spot])
        for mark, messages in said.items():
            mark.show("\n".join(messages) or None)

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

    def mark(self, where: Where | str, key: str | None, widget: tk.Widget, row: int,
             column: int, columnspan: int = 1, parent: tk.Misc | None = None) -> Mark:
        """Shows the problem about (where, key), if any, on `widget`, and its reason in a
        line at (row, column) of `parent`'s grid (default: the widget's own parent). A place
        keeps its one reason line, whichever record the form shows."""
        name = where if isinstance(where, str) else label(where)
        spot = (str(widget), row, column)
        mark = self._placed.get(spot)
        if mark is None:
            reason = ttk.Label(parent if parent is not None else widget.master, text="",
                               bootstyle=DANGER, wraplength=560, justify="left")
            mark = self._placed[spot] = Mark(widget, reason, row, column, columnspan)
        self.marks[(name, key)] = mark
        return mark

    def forget_marks(self) -> None:
        """The form is about to show another administration or entity: its marks go, to be
        placed again for what it shows."""
        for mark in self.marks.values():
            mark.show(None)
        self.marks.clear()

    def side_list(self, height: int, width: int) -> tuple[ttk.Frame, ttk.Treeview]:
        """The list at the tab's left (its administrations or entities) in a frame with
        room for buttons under it; picking one calls `picked`."""
        left = ttk.Frame(self)
        left.grid(row=0, column=0, sticky="nsw", padx=(0, PAD * 2))
        left.rowconfigure(0, weight=1)
        listed = ttk.Treeview(left, show="tree", selectmode="browse", height=height)
        listed.column("#0", width=width)
        listed.grid(row=0, column=0, columnspan=2, sticky="nsew")
        listed.bind("<<TreeviewSelect>>", lambda _e: self.picked())
        return left, listed

    def picked(self) -> None:
        """One was picked in the side list."""

    def refresh(self) -> None:
        """Fill the widgets from the document (after it changed elsewhere)."""

    def shown(self) -> None:
        """The tab was brought to the front: bring what it shows up to date with what the
        other tabs changed meanwhile."""


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
