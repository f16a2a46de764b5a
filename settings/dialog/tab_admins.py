"""The Administrations tab: the mother and the daughters (add, remove, rename, take part),
how each is reached (a SQLite file, an ODBC data source, or an ODBC driver with server and
database), its password (to the OS keyring only, never shown) and Test connection."""

from __future__ import annotations

import functools
import logging
import tkinter as tk
from pathlib import Path
from tkinter import filedialog
from typing import Any

import ttkbootstrap as ttk

import engine
from engine import Administration, StamsyncError, secrets
from engine.i18n import N_, _
from settings.config import MAX_TIMEOUT, ConfigProblem
from settings.connection import Connection, compose, parse
from settings.dialog.base import HEADING, PAD, Tab, browsing
from settings.document import Where, label

LABELS = 160
"""The width of the labels' column, in pixels (the same in every part of the form)."""
KINDS = (("sqlite", N_("SQLite file")), ("dsn", N_("ODBC data source (DSN)")),
         ("driver", N_("ODBC driver")))
DRIVER_FIELDS = (("server", N_("Server")), ("port", N_("Port")), ("database", N_("Database")),
                 ("user", N_("User")), ("extra", N_("Other options")))
TIMEOUTS = (("connect_timeout", N_("connecting")), ("query_timeout", N_("a statement")))

log = logging.getLogger("stamsync")


class AdministrationsTab(Tab):
    title = N_("Administrations")
    sections = ("[mother]", "[[daughters]]")

    def owns(self, problem: ConfigProblem) -> bool:
        """A daughter's protected fields are set on the Data tab."""
        return super().owns(problem) and not problem.where.endswith(" protect")

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.columnconfigure(1, weight=1)
        self.rowconfigure(0, weight=1)
        self.selected: Where = ("mother",)
        self.originals: dict[int, str] = {}
        """Each administration's name at opening, by the identity of its table."""
        self.typed: dict[int, str] = {}
        """Passwords typed and not saved yet, by the identity of the administration's table."""
        self.stored: dict[str, bool] = {}
        """Whether the keyring has a password under a name (asked once per name: a keyring
        may be slow or ask to be unlocked)."""
        self.results: dict[int, tuple[str, str]] = {}
        """The last Test connection of each administration: its text and style."""
        self.lists_problem = ""
        """Why the machine's data sources and drivers could not be listed, if so."""

        left, self.list = self.side_list(height=14, width=230)
        self.add_button = ttk.Button(left, text=_("Add daughter"), command=self.add_daughter,
                                     bootstyle="secondary")
        self.remove_button = ttk.Button(left, text=_("Remove"), command=self.remove_daughter,
                                        bootstyle="secondary-outline")
        self.add_button.grid(row=1, column=0, sticky="ew", pady=(PAD, 0))
        self.remove_button.grid(row=1, column=1, sticky="ew", pady=(PAD, 0), padx=(PAD, 0))

        form = self.form = ttk.Frame(self)
        form.grid(row=0, column=1, sticky="nsew")
        form.columnconfigure(0, minsize=LABELS)
        form.columnconfigure(1, weight=1)
        self.labels: dict[str, ttk.Label] = {}
        self.role = ttk.Label(form, text="", font=HEADING)
        self.role.grid(row=0, column=0, columnspan=3, sticky="w", pady=(0, PAD))

        self.name = tk.StringVar(self)
        self.name_entry = self._row(_("Name"), ttk.Entry(form, textvariable=self.name), 1)
        self.enabled = tk.BooleanVar(self, value=True)
        self.enabled_check = ttk.Checkbutton(form, text=_("Takes part in the sync"),
                                             variable=self.enabled, bootstyle="round-toggle")
        self.enabled_check.grid(row=3, column=1, sticky="w", pady=(0, PAD))

        self.kind = tk.StringVar(self, value="sqlite")
        kinds = ttk.Frame(form)
        self._row(_("Connection"), kinds, 4)
        self.kind_buttons = {}
        for value, text in KINDS:
            button = ttk.Radiobutton(kinds, text=_(text), value=value, variable=self.kind)
            button.pack(side="left", padx=(0, PAD * 2))
            self.kind_buttons[value] = button

        self.fields: dict[str, tk.StringVar] = {
            name: tk.StringVar(self) for name in
            ("path", "dsn", "driver", "server", "port", "database", "user", "extra")}
        self.boxes: dict[str, ttk.Frame] = {}
        self.widgets: dict[str, tk.Widget] = {}

        sqlite = self.boxes["sqlite"] = ttk.Frame(form)
        sqlite.columnconfigure(0, minsize=LABELS)
        sqlite.columnconfigure(1, weight=1)
        self.widgets["path"] = self._row(_("File"), ttk.Entry(sqlite, textvariable=self.fields[
            "path"]), 0)
        ttk.Button(sqlite, text=_("Browse..."), command=self._browse,
                   bootstyle="secondary-outline").grid(row=0, column=2, padx=(PAD, 0))

        dsn = self.boxes["dsn"] = ttk.Frame(form)
        dsn.columnconfigure(0, minsize=LABELS)
        dsn.columnconfigure(1, weight=1)
        self.widgets["dsn"] = self._row(_("Data source"), ttk.Combobox(
            dsn, textvariable=self.fields["dsn"]), 0)
        self._row(_("User"), ttk.Entry(dsn, textvariable=self.fields["user"]), 2)

        driver = self.boxes["driver"] = ttk.Frame(form)
        driver.columnconfigure(0, minsize=LABELS)
        driver.columnconfigure(1, weight=1)
        self.widgets["driver"] = self._row(_("Driver"), ttk.Combobox(
            driver, textvariable=self.fields["driver"]), 0)
        for row, (name, text) in enumerate(DRIVER_FIELDS, start=1):
            self.widgets[name] = self._row(_(text), ttk.Entry(
                driver, textvariable=self.fields[name]), row * 2)
        for box in self.boxes.values():
            box.grid(row=6, column=0, columnspan=3, sticky="ew")

        self.password = tk.StringVar(self)
        self.password_entry = self._row(_("Password"), ttk.Entry(
            form, textvariable=self.password, show="\u2022"), 8)
        self.password_note = ttk.Label(form, text="", bootstyle="secondary", wraplength=520,
                                       justify="left")
        self.password_note.grid(row=9, column=1, columnspan=2, sticky="w", pady=(0, PAD))

        self.timeouts = {name: tk.StringVar(self) for name in ("connect_timeout",
                                                                "query_timeout")}
        times = self.times = ttk.Frame(form)
        self._row(_("Timeouts (seconds)"), times, 10)
        self.timeout_boxes: dict[str, ttk.Spinbox] = {}
        for name, text in TIMEOUTS:
            ttk.Label(times, text=_(text)).pack(side="left")
            spin = self.timeout_boxes[name] = ttk.Spinbox(
                times, from_=1, to=MAX_TIMEOUT, width=6, textvariable=self.timeouts[name])
            spin.pack(side="left", padx=(PAD // 2, PAD * 2))

        test = ttk.Frame(form)
        test.grid(row=12, column=1, columnspan=2, sticky="ew", pady=(PAD, 0))
        self.test_button = ttk.Button(test, text=_("Test connection"), command=self.test,
                                      bootstyle="primary-outline")
        self.test_button.pack(side="left")
        self.test_result = ttk.Label(test, text="", wraplength=480, justify="left")
        self.test_result.pack(side="left", padx=PAD, fill="x")

        self.watch(self.name, self._write_name)
        self.watch(self.enabled, lambda: self.document.set(
            self.selected, "enabled", None if self.enabled.get() else False))
        self.watch(self.kind, self._write_connection)
        for variable in self.fields.values():
            self.watch(variable, self._write_connection)
        self.watch(self.password, self._write_password)
        for name, variable in self.timeouts.items():
            self.watch(variable, functools.partial(self._write_timeout, name))

        self._remember_names()
        self.refresh()
        self._load_odbc_lists()

    # -- the list --------------------------------------------------------------------------

    def refresh(self) -> None:
        self.list.delete(*self.list.get_children())
        self.list.insert("", "end", iid="mother", text=self._title(("mother",)))
        for index in range(len(self.document.daughters())):
            self.list.insert("", "end", iid=f"d{index}", text=self._title(("daughters", index)))
        if self.selected[0] == "daughters" and int(self.selected[1]) >= len(
                self.document.daughters()):
            self.selected = ("mother",)
        self.list.selection_set(self._iid(self.selected))
        self._show()

    def _title(self, where: Where) -> str:
        name = self.document.get(where, "name") or _("(no name yet)")
        if where[0] == "mother":
            return _("{name} (mother)").format(name=name)
        off = self.document.get(where, "enabled", True) is False
        return _("{name} (off)").format(name=name) if off else str(name)

    def _iid(self, where: Where) -> str:
        return "mother" if where[0] == "mother" else f"d{where[1]}"

    def picked(self) -> None:
        chosen = self.list.selection()
        if not chosen:
            return
        iid = chosen[0]
        where: Where = ("mother",) if iid == "mother" else ("daughters", int(iid[1:]))
        if where != self.selected:
            self.selected = where
            self._show()

    def select(self, where: Where) -> None:
        """Show this administration in the form (as a click in the list does)."""
        self.selected = where
        self.list.selection_set(self._iid(where))
        self._show()

    def add_daughter(self) -> None:
        names = {str(self.document.get(("daughters", i), "name", "")).lower()
                 for i in range(len(self.document.daughters()))}
        number = len(names) + 1
        while _("Daughter {n}").format(n=number).lower() in names:
            number += 1
        index = self.document.add_daughter(_("Daughter {n}").format(n=number))
        self.originals[self._identity(("daughters", index))] = ""  # new: nothing to move
        self.refresh()
        self.select(("daughters", index))
        self.changed()
        self.name_entry.focus_set()

    def remove_daughter(self) -> None:
        if self.selected[0] != "daughters":
            return
        identity = self._identity()
        self.typed.pop(identity, None)
        self.originals.pop(identity, None)
        self.document.remove_daughter(int(self.selected[1]))
        self.selected = ("mother",)
        self.refresh()
        self.changed()

    # -- the form --------------------------------------------------------------------------

    def _show(self) -> None:
        where = self.selected
        daughter = where[0] == "daughters"
        with self.loading():
            self.role.configure(text=_("Daughter administration") if daughter
                                else _("Mother administration: the records come from here"))
            self.name.set(str(self.document.get(where, "name", "")))
            self.enabled.set(self.document.get(where, "enabled", True) is not False)
            connection = parse(str(self.document.get(where, "database", "")))
            self.kind.set(connection.kind)
            for name, variable in self.fields.items():
                variable.set(str(getattr(connection, name)))
            self.password.set(self.typed.get(self._identity(), ""))
            for name, variable in self.timeouts.items():
                variable.set(str(self.document.get(where, name, getattr(Administration, name))))
        if daughter:  # the mother always takes part
            self.enabled_check.grid()
        else:
            self.enabled_check.grid_remove()
        self.remove_button.configure(state="normal" if daughter else "disabled")
        self._show_kind()
        self._password_note()
        self._show_result()
        self.forget_marks()
        self.mark(where, "name", self.name_entry, 2, 1, 2)
        self._mark_database()
        for key, spin in self.timeout_boxes.items():
            self.mark(where, key, spin, 11, 1, 2, parent=self.form)
        self.show_problems(self.window.problems)

    def _mark_database(self) -> None:
        """The database's problem goes on the main field of the kind of connection shown
        (the file, the data source or the driver), in the line under it."""
        main = self.widgets["path" if self.kind.get() == "sqlite" else self.kind.get()]
        self.mark(self.selected, "database", main, 1, 1, 2)

    def _show_kind(self) -> None:
        """The fields of this kind of connection; a password and timeouts only for ODBC."""
        for kind, box in self.boxes.items():
            if kind == self.kind.get():
                box.grid()
            else:
                box.grid_remove()
        odbc = self.kind.get() != "sqlite"
        for widget in (self.password_entry, self.password_note, self.times):
            for shown in (widget, self.labels.get(str(widget))):
                if shown is not None:
                    shown.grid() if odbc else shown.grid_remove()
        self._show_result()

    def _show_result(self) -> None:
        """The last Test connection of the administration shown, or why the ODBC lists are
        empty."""
        text, style = self.results.get(self._identity(), ("", "default"))
        testing = style == "secondary"  # this administration's test is still connecting
        self.test_button.configure(state="disabled" if testing else "normal")
        if not text and self.kind.get() != "sqlite" and self.lists_problem:
            text, style = self.lists_problem, "secondary"
        self.test_result.configure(text=text, bootstyle=style)

    def login(self, where: Where) -> tuple[str, str]:
        """The name an administration's password is stored under now (its name at opening:
        a rename moves it on Save) and the password typed for it, if any."""
        name = str(self.document.get(where, "name", "")).strip()
        identity = self._identity(where)
        return self.originals.get(identity, name) or name, self.typed.get(identity, "")

    def _row(self, text: str, widget: Any, row: int) -> Any:
        label = ttk.Label(widget.master, text=text)
        label.grid(row=row, column=0, sticky="w", padx=(0, PAD), pady=(0, PAD // 2))
        widget.grid(row=row, column=1, sticky="ew", pady=(0, PAD // 2))
        self.labels[str(widget)] = label
        return widget

    def _connection(self) -> Connection:
        values = {name: variable.get() for name, variable in self.fields.items()}
        stored = parse(str(self.document.get(self.selected, "database", "")))
        wants_password = stored.password or bool(self.password.get())
        return Connection(self.kind.get(), password=wants_password, **values)  # type: ignore[arg-type]

    def _write_connection(self) -> None:
        self._show_kind()
        connection = self._connection()
        database = compose(connection)
        if connection.kind == "sqlite" and database:
            database = self.document_database(database)
        self.document.set_database(self.selected, database)
        self._show_marks_again()

    def document_database(self, database: str) -> str:
        """A SQLite path as typed: relative ones are taken from the config's folder."""
        path = Path(database.removeprefix("sqlite:")).expanduser()
        if not path.is_absolute():
            path = self.document.path.resolve().parent / path
        return f"sqlite:{path}"

    def _write_name(self) -> None:
        self.document.set(self.selected, "name", self.name.get().strip() or None)
        self.list.item(self._iid(self.selected), text=self._title(self.selected))
        self._password_note()

    def _write_password(self) -> None:
        if self.password.get():
            self.typed[self._identity()] = self.password.get()
            if self.kind.get() != "sqlite":
                self._write_connection()
        else:
            self.typed.pop(self._identity(), None)
        self._password_note()

    def _write_timeout(self, name: str) -> None:
        text = self.timeouts[name].get().strip()
        default = getattr(Administration, name)
        number: Any = int(text) if text.isdigit() else (text or None)
        self.document.set(self.selected, name, None if number == default else number)

    def _identity(self, where: Where | None = None) -> int:
        """The administration's table, whatever its name or place becomes meanwhile."""
        return id(self.document.section(where or self.selected))

    def _admins(self) -> list[Where]:
        return [("mother",), *(("daughters", i) for i in range(len(self.document.daughters())))]

    def _remember_names(self) -> None:
        """Each administration's name as the file has it at opening (before renames)."""
        for where in self._admins():
            self.originals.setdefault(self._identity(where),
                                      str(self.document.get(where, "name", "")))

    def password_plan(self) -> tuple[dict[str, str], list[tuple[str, str]]]:
        """At Save: the typed passwords by administration name, and the renamed ones whose
        stored password moves to the new name (old, new)."""
        store: dict[str, str] = {}
        moves: list[tuple[str, str]] = []
        for where in self._admins():
            identity = self._identity(where)
            name = str(self.document.get(where, "name", "")).strip()
            if not name:
                continue
            sqlite = str(self.document.get(where, "database", "")).startswith("sqlite:")
            if identity in self.typed and not sqlite:  # a SQLite file has no password
                store[name] = self.typed[identity]
            elif self.originals.get(identity, name) not in ("", name):
                moves.append((self.originals[identity], name))
        return store, moves

    def _password_note(self) -> None:
        if self.kind.get() == "sqlite":
            text = _("A SQLite file needs no password.")
        elif self.password.get():
            text = _("Will be stored in the OS keyring when you save; never in the file.")
        elif self._stored():
            text = _("A password is stored in the OS keyring. Type a new one to replace it.")
        else:
            text = _("No password stored. If the database asks for one, type it here: it "
                     "goes to the OS keyring when you save, never into the file.")
        self.password_note.configure(text=text)
        self.password_entry.configure(state="disabled" if self.kind.get() == "sqlite"
                                      else "normal")

    def _stored(self) -> bool:
        """Whether a password is stored for the administration shown: under its name at
        opening (a rename moves it on Save); a new one has none yet (so no look-up per key
        typed in its name)."""
        name = self.originals.get(self._identity())
        if not name:
            return False
        if name not in self.stored:
            try:
                secrets.password(name)
            except StamsyncError:
                self.stored[name] = False
            else:
                self.stored[name] = True
        return self.stored[name]

    def _show_marks_again(self) -> None:
        """The database's mark follows the kind of connection shown."""
        mark = self.marks.get((label(self.selected), "database"))
        main = self.widgets["path" if self.kind.get() == "sqlite" else self.kind.get()]
        if mark is not None and mark.widget is not main:
            mark.show(None)
            self._mark_database()

    def _browse(self) -> None:
        chosen = filedialog.askopenfilename(
            parent=self, title=_("The administration's SQLite file"),
            initialdir=str(self.document.path.resolve().parent),
            filetypes=[(_("SQLite files"), "*.db *.sqlite *.sqlite3"), (_("All files"), "*")])
        if chosen:
            self.fields["path"].set(chosen)

    # -- talking to the database (in the background) -----------------------------------------

    def test(self) -> None:
        """Connect with what the form says now (and the typed password), in words."""
        name, typed = self.login(self.selected)
        database = compose(self._connection())
        if self.kind.get() == "sqlite" and database:
            database = self.document_database(database)
        if not database:
            self.test_result.configure(text=_("Fill in the connection first."),
                                       bootstyle="danger")
            return
        seconds = {k: int(v.get()) if v.get().isdigit() else getattr(Administration, k)
                   for k, v in self.timeouts.items()}
        admin = Administration(name or "?", database,
                               connect_timeout=seconds["connect_timeout"],
                               query_timeout=seconds["query_timeout"])
        identity = self._identity()
        self._result(identity, _("Connecting..."), "secondary")

        def work() -> str:
            with browsing(admin, typed) as browser:
                return browser.describe()

        def failed(error: Exception) -> None:
            self._result(identity, str(error), "danger")

        self.window.tasks.run(work, lambda text: self._result(identity, text, "success"),
                              failed)

    def _result(self, identity: int, text: str, style: str) -> None:
        """A Test connection's result (or that it runs) for the administration it was run
        for: shown when that one is shown, now or when it is picked again."""
        self.results[identity] = (text, style)
        self._show_result()

    def _load_odbc_lists(self) -> None:
        def work() -> tuple[list[str], list[str]]:
            return sorted(engine.odbc_data_sources()), engine.odbc_drivers()

        def done(found: tuple[list[str], list[str]]) -> None:
            sources, drivers = found
            self.widgets["dsn"].configure(values=sources)  # type: ignore[call-arg]
            self.widgets["driver"].configure(values=drivers)  # type: ignore[call-arg]
            if not sources and not drivers:
                self.lists_problem = _(
                    "No ODBC data sources or drivers are set up on this machine (ODBC Data "
                    "Sources on Windows, odbc.ini and odbcinst.ini elsewhere); type the name, "
                    "or install the database's ODBC driver first.")
                self._show_result()

        def failed(error: Exception) -> None:
            log.warning("the ODBC data sources and drivers could not be listed: %s", error)
            self.lists_problem = _("The ODBC data sources and drivers could not be listed "
                                   "({error}); type the name.").format(error=error)
            self._show_result()

        self.window.tasks.run(work, done, failed)
