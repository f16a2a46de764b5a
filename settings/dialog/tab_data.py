"""The Data tab: per entity (Debiteuren, Crediteuren, Artikelen, and any other) whether it
takes part, its table and key picked from the mother's catalog, the fields as a check list,
the fields each daughter keeps as its own, which records take part, and what happens when
a record leaves the mother."""

from __future__ import annotations

import tkinter as tk
from typing import Any

import ttkbootstrap as ttk

from engine import Administration
from engine.i18n import N_, _, ngettext
from settings.config import BUILT_IN_ENTITIES, ConfigProblem
from settings.dialog.base import HEADING, PAD, Tab, browsing
from settings.dialog.checklist import CheckList
from settings.dialog.records import RecordPicker
from settings.dialog.tab_admins import AdministrationsTab
from settings.document import Where

LABEL_WIDTH = 20
"""The labels' column, in characters."""
SELECTIONS = (("all", N_("All records")), ("where", N_("Records where a column has a value")),
              ("keys", N_("Only the records I choose")))


class DataTab(Tab):
    title = N_("Data")
    sections = ("[entities", "[[daughters]] #")

    def owns(self, problem: ConfigProblem) -> bool:
        return problem.where.startswith("[entities") or problem.where.endswith(" protect")

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.columnconfigure(1, weight=1)
        self.rowconfigure(0, weight=1)
        self.catalog: dict[str, tuple[list[str], list[str]]] = {}
        """table -> (columns, primary key), read from the mother."""
        self.tables: list[str] = []
        self.catalog_of: str | None = None
        """The mother's database the catalog is (being) read from (None: not read)."""
        self.entity = "customers"
        self.picker: RecordPicker | None = None

        left, self.list = self.side_list(height=12, width=200)
        self.new_name = tk.StringVar(self)
        ttk.Entry(left, textvariable=self.new_name, width=14).grid(
            row=1, column=0, sticky="ew", pady=(PAD, 0))
        self.add_button = ttk.Button(left, text=_("Add"), command=self.add_entity,
                                     bootstyle="secondary")
        self.add_button.grid(row=1, column=1, sticky="ew", pady=(PAD, 0), padx=(PAD // 2, 0))
        self.remove_button = ttk.Button(left, text=_("Remove"), command=self.remove_entity,
                                        bootstyle="secondary-outline")
        self.remove_button.grid(row=2, column=0, columnspan=2, sticky="ew", pady=(PAD // 2, 0))

        form = self.form = ttk.Frame(self)
        form.grid(row=0, column=1, sticky="nsew")
        form.columnconfigure(0, weight=1, uniform="half")
        form.columnconfigure(1, weight=1, uniform="half")
        self.enabled = tk.BooleanVar(self)
        self.enabled_check = ttk.Checkbutton(form, text="", variable=self.enabled,
                                             bootstyle="round-toggle")
        self.enabled_check.grid(row=0, column=0, columnspan=2, sticky="w", pady=(0, PAD))
        self.watch(self.enabled, self._write_enabled)

        names = self.names_box = ttk.Frame(form)
        names.grid(row=1, column=0, columnspan=2, sticky="ew")
        names.columnconfigure(1, weight=1)
        self.label = tk.StringVar(self)
        self.label_entry = self._row(_("Name shown"), ttk.Entry(names, textvariable=self.label),
                                     0)
        self.watch(self.label, lambda: self._set("label", self.label.get().strip() or None))
        self.table = tk.StringVar(self)
        self.table_box = self._row(_("Table in the mother"), ttk.Combobox(
            names, textvariable=self.table), 2)
        self.table_box.bind("<<ComboboxSelected>>", lambda _e: self._write_table())
        self.table_box.bind("<FocusOut>", lambda _e: self._write_table())
        self.catalog_state = ttk.Label(names, text="", bootstyle="secondary")
        self.catalog_state.grid(row=2, column=2, sticky="w", padx=(PAD, 0))

        self._heading(form, _("Key (identifies a record everywhere)"), 2, 0)
        self._heading(form, _("Fields that are synced"), 2, 1)
        self.key_list = CheckList(form, height=6, on_change=self._write_key)
        self.key_list.grid(row=3, column=0, sticky="nsew", padx=(0, PAD))
        self.fields_list = CheckList(form, height=6, on_change=self._write_fields,
                                     everything=_("Every column (also ones added later)"))
        self.fields_list.grid(row=3, column=1, sticky="nsew", padx=(PAD, 0))

        self._heading(form, _("Fields a daughter keeps as its own"), 5, 0, 2)
        ttk.Label(form, text=_("A protected field is written only when stamsync creates the "
                               "record in that daughter; after that the daughter owns it."),
                  bootstyle="secondary", wraplength=640, justify="left").grid(
            row=6, column=0, columnspan=2, sticky="w", pady=(0, PAD // 2))
        owner = ttk.Frame(form)
        owner.grid(row=7, column=0, sticky="new", padx=(0, PAD))
        owner.columnconfigure(0, weight=1)
        self.daughter = tk.StringVar(self)
        self.daughter_box = ttk.Combobox(owner, textvariable=self.daughter, state="readonly")
        self.daughter_box.grid(row=0, column=0, sticky="ew")
        self.daughter_box.bind("<<ComboboxSelected>>", lambda _e: self._show_protected())
        self.protected_state = ttk.Label(owner, text="", bootstyle="secondary",
                                         wraplength=300, justify="left")
        self.protected_state.grid(row=1, column=0, sticky="w", pady=(PAD // 2, 0))
        self.protected_list = CheckList(form, height=4, on_change=self._write_protected)
        self.protected_list.grid(row=7, column=1, sticky="nsew", padx=(PAD, 0))

        self._heading(form, _("Records that take part"), 9, 0, 2)
        self.selection = tk.StringVar(self, value="all")
        choices = ttk.Frame(form)
        choices.grid(row=10, column=0, columnspan=2, sticky="w")
        self.selection_buttons = {}
        for value, text in SELECTIONS:
            button = ttk.Radiobutton(choices, text=_(text), value=value,
                                     variable=self.selection)
            button.pack(side="left", padx=(0, PAD * 2))
            self.selection_buttons[value] = button
        self.watch(self.selection, self._write_selection)
        where = ttk.Frame(form)
        where.grid(row=11, column=0, columnspan=2, sticky="w", pady=(PAD // 2, 0))
        self.where_column = tk.StringVar(self)
        self.where_value = tk.StringVar(self)
        ttk.Label(where, text=_("Column")).pack(side="left")
        self.where_box = ttk.Combobox(where, textvariable=self.where_column, width=18)
        self.where_box.pack(side="left", padx=PAD // 2)
        ttk.Label(where, text=_("equals")).pack(side="left")
        self.where_entry = ttk.Entry(where, textvariable=self.where_value, width=12)
        self.where_entry.pack(side="left", padx=PAD // 2)
        self.choose_button = ttk.Button(where, text=_("Choose records..."),
                                        command=self.choose_records, bootstyle="primary-outline")
        self.choose_button.pack(side="left", padx=(PAD * 2, 0))
        self.records_state = ttk.Label(where, text="", bootstyle="secondary")
        self.records_state.pack(side="left", padx=PAD)
        for variable in (self.where_column, self.where_value):
            self.watch(variable, self._write_selection)

        self._heading(form, _("When a record leaves the mother or the selection"), 13, 0, 2)
        removed = ttk.Frame(form)
        removed.grid(row=14, column=0, columnspan=2, sticky="w")
        self.on_remove = tk.StringVar(self, value="keep")
        self.remove_column = tk.StringVar(self)
        self.remove_value = tk.StringVar(self)
        ttk.Radiobutton(removed, text=_("Keep it in the daughters as it is"), value="keep",
                        variable=self.on_remove).pack(side="left", padx=(0, PAD * 2))
        ttk.Radiobutton(removed, text=_("Set"), value="mark",
                        variable=self.on_remove).pack(side="left")
        self.remove_box = ttk.Combobox(removed, textvariable=self.remove_column, width=16)
        self.remove_box.pack(side="left", padx=PAD // 2)
        ttk.Label(removed, text=_("to")).pack(side="left")
        ttk.Entry(removed, textvariable=self.remove_value, width=8).pack(side="left",
                                                                       padx=PAD // 2)
        for variable in (self.on_remove, self.remove_column, self.remove_value):
            self.watch(variable, self._write_on_remove)

        self.refresh()
        self.load_tables()

    # -- which entity ------------------------------------------------------------------------

    def names(self) -> list[str]:
        extra = [n for n in self.document.entity_names() if n not in BUILT_IN_ENTITIES]
        return [*BUILT_IN_ENTITIES, *extra]

    @property
    def where(self) -> Where:
        return ("entities", self.entity)

    def refresh(self) -> None:
        self.list.delete(*self.list.get_children())
        for name in self.names():
            self.list.insert("", "end", iid=name, text=self._title(name))
        if self.entity not in self.names():
            self.entity = "customers"
        self.list.selection_set(self.entity)
        self._show()

    def _title(self, name: str) -> str:
        on = name in self.document.entity_names() and self.document.get(
            ("entities", name), "enabled", True) is not False
        shown = self.document.get(("entities", name), "label") if on or (
            name in self.document.entity_names()) else None
        text = str(shown or BUILT_IN_ENTITIES.get(name, name))
        return ("\u2713 " if on else "\u2003 ") + text

    def picked(self) -> None:
        chosen = self.list.selection()
        if chosen and chosen[0] != self.entity:
            self.entity = chosen[0]
            self._show()

    def select(self, name: str) -> None:
        self.entity = name
        self.list.selection_set(name)
        self._show()

    def add_entity(self) -> None:
        name = self.new_name.get().strip()
        if not name or not name.replace("_", "").isalnum() or name in self.names():
            self.catalog_state.configure(text=_(
                "Type a new name of letters, digits and _ (e.g. projects) to add an entity."),
                bootstyle="danger")
            return
        self.document.add_entity(name)
        self.new_name.set("")
        self.entity = name
        self.refresh()
        self.changed()

    def remove_entity(self) -> None:
        if self.entity in BUILT_IN_ENTITIES:
            return
        self.document.remove_entity(self.entity)
        self.entity = "customers"
        self.refresh()
        self.changed()

    # -- the form --------------------------------------------------------------------------

    def _present(self) -> bool:
        return self.entity in self.document.entity_names()

    def _get(self, key: str, default: Any = None) -> Any:
        return self.document.get(self.where, key, default) if self._present() else default

    def _set(self, key: str, value: Any) -> None:
        if value is None and not self._present():
            return
        self.document.set(self.where, key, value)

    def _show(self) -> None:
        table = str(self._get("table", ""))
        columns = self.catalog.get(table, ([], []))[0]
        key = list(self._get("key", []) or [])
        fields = self._get("fields")
        with self.loading():
            default_label = BUILT_IN_ENTITIES.get(self.entity, self.entity)
            self.enabled_check.configure(text=_("Synchronise {label}").format(
                label=self._get("label") or default_label))
            self.enabled.set(self._present() and self._get("enabled", True) is not False)
            self.label.set(str(self._get("label", default_label if self.entity in
                                         BUILT_IN_ENTITIES else "")))
            self.table.set(table)
            self.key_list.show(_with(columns, key), key)
            self.fields_list.show(_without(_with(columns, fields or []), key),
                                  None if fields is None else list(fields))
            select = self._get("select", "all")
            if isinstance(select, dict) and "keys" in select:
                self.selection.set("keys")
            elif isinstance(select, dict):
                self.selection.set("where")
                self.where_column.set(str(select.get("column", "")))
                self.where_value.set(str(select.get("equals", "")))
            else:
                self.selection.set("all")
                self.where_column.set("")
                self.where_value.set("")
            removed = self._get("on_remove", "keep")
            self.on_remove.set("mark" if isinstance(removed, dict) else "keep")
            if isinstance(removed, dict):
                self.remove_column.set(str(removed.get("column", "")))
                self.remove_value.set(str(removed.get("value", "")))
            self.table_box.configure(values=self.tables)
            for box in (self.where_box, self.remove_box):
                box.configure(values=columns)
            daughters = self._daughters()
            self.daughter_box.configure(values=[name for name, _where in daughters])
            if self.daughter.get() not in [name for name, _where in daughters]:
                self.daughter.set(daughters[0][0] if daughters else "")
        self.remove_button.configure(
            state="disabled" if self.entity in BUILT_IN_ENTITIES else "normal")
        self._show_protected()
        self._records_state()
        self.forget_marks()
        label = f"[entities.{self.entity}]"
        form = self.form
        self.mark(label, "table", self.table_box, 3, 1)
        self.mark(label, "key", self.key_list, 4, 0)
        self.mark(label, "fields", self.fields_list, 4, 1)
        spots: list[tuple[str, str | None]] = [
            (label, "select"), (f"{label} select.keys", None), (f"{label} skip", None)]
        for section, name in spots:
            self.mark(section, name, self.choose_button, 12, 0, 2, parent=form)
        self.mark(f"{label} select", "column", self.where_box, 12, 0, 2, parent=form)
        for section, name in ((label, "on_remove"), (f"{label} on_remove", "column")):
            self.mark(section, name, self.remove_box, 15, 0, 2, parent=form)
        for _name, where in self._daughters():
            self.mark(f"[[daughters]] #{int(where[1]) + 1} protect", self.entity,
                      self.protected_list, 8, 1)
        self.show_problems(self.window.problems)
        if table and table not in self.catalog:
            self.load_columns(table)

    def _row(self, text: str, widget: Any, row: int) -> Any:
        ttk.Label(widget.master, text=text, width=LABEL_WIDTH).grid(
            row=row, column=0, sticky="w", padx=(0, PAD), pady=(0, PAD // 2))
        widget.grid(row=row, column=1, sticky="ew", pady=(0, PAD // 2))
        return widget

    def _heading(self, form: tk.Misc, text: str, row: int, column: int, span: int = 1) -> None:
        ttk.Label(form, text=text, font=HEADING).grid(
            row=row, column=column, columnspan=span, sticky="w", pady=(PAD, PAD // 2),
            padx=(PAD, 0) if column else (0, 0))

    def _daughters(self) -> list[tuple[str, Where]]:
        found: list[tuple[str, Where]] = []
        for index in range(len(self.document.daughters())):
            where: Where = ("daughters", index)
            found.append((str(self.document.get(where, "name", "") or f"#{index + 1}"), where))
        return found

    def _write_enabled(self) -> None:
        if self.enabled.get() and not self._present():
            self.document.add_entity(self.entity)
        self._set("enabled", None if self.enabled.get() else False)
        self.list.item(self.entity, text=self._title(self.entity))
        self.enabled_check.configure(text=_("Synchronise {label}").format(
            label=self._get("label") or BUILT_IN_ENTITIES.get(self.entity, self.entity)))

    def _write_table(self) -> None:
        table = self.table.get().strip()
        if table == str(self._get("table", "")):
            return
        if not self._present():
            self.document.add_entity(self.entity)
            with self.loading():
                self.enabled.set(True)
        self._set("table", table or None)
        self._set("key", None)
        self._set("fields", None)
        self.list.item(self.entity, text=self._title(self.entity))
        self.changed()
        self._show()

    def _write_key(self, chosen: list[str] | None) -> None:
        self._set("key", chosen or None)
        fields = self._get("fields")
        if fields:
            self._set("fields", [f for f in fields if f not in (chosen or [])] or None)
        self.fields_list.show(_without(self.key_list.items, chosen or []),
                              self.fields_list.checked())
        self.changed()

    def _write_fields(self, chosen: list[str] | None) -> None:
        self._set("fields", chosen)
        self.changed()

    def _show_protected(self) -> None:
        where = dict(self._daughters()).get(self.daughter.get())
        fields = self._get("fields")
        table = str(self._get("table", ""))
        columns = self.catalog.get(table, ([], []))[0]
        candidates = list(fields) if fields else _without(columns, list(self._get("key", [])
                                                                        or []))
        protected: list[str] = []
        if where is not None:
            protect = self.document.get(where, "protect", {}) or {}
            protected = list(protect.get(self.entity, []) if isinstance(protect, dict) else [])
        shown = [*protected, *(c for c in candidates if c not in protected)]  # ticked first
        self.protected_list.show(shown, protected)
        self._protected_state(protected)

    def _protected_state(self, protected: list[str]) -> None:
        name = self.daughter.get()
        if not name:
            text = _("Add a daughter on the Administrations tab first.")
        elif protected:
            text = _("{daughter} keeps its own {fields}.").format(
                daughter=name, fields=", ".join(protected))
        else:
            text = _("{daughter} gets every synced field from the mother.").format(
                daughter=name)
        self.protected_state.configure(text=text)

    def _write_protected(self, chosen: list[str] | None) -> None:
        where = dict(self._daughters()).get(self.daughter.get())
        if where is None:
            return
        protect = dict(self.document.get(where, "protect", {}) or {})
        if chosen:
            protect[self.entity] = chosen
        else:
            protect.pop(self.entity, None)
        self.document.set(where, "protect", protect or None)
        self._protected_state(chosen or [])
        self.changed()

    def _write_selection(self) -> None:
        choice = self.selection.get()
        if choice == "all":
            self._set("select", None)
        elif choice == "where":
            value: Any = self.where_value.get()
            self._set("select", {"column": self.where_column.get().strip(), "equals": value})
        else:
            current = self._get("select")
            keys = current.get("keys", []) if isinstance(current, dict) else []
            self._set("select", {"keys": keys})
        self._records_state()

    def _write_on_remove(self) -> None:
        if self.on_remove.get() == "keep":
            self._set("on_remove", None)
        else:
            value: Any = self.remove_value.get()
            digits = value.lstrip("-")
            if digits.isdigit() and (digits == "0" or not digits.startswith("0")):
                value = int(value)  # a whole number (not a code such as 007)
            self._set("on_remove", {"column": self.remove_column.get().strip(), "value": value})

    def _records_state(self) -> None:
        select = self._get("select")
        chosen = len(select.get("keys", [])) if isinstance(select, dict) else 0
        skipped = len(self._get("skip", []) or [])
        parts = []
        if self.selection.get() == "keys":
            parts.append(_("{n} chosen").format(n=chosen))
        if skipped:
            parts.append(_("{n} never synced (skip)").format(n=skipped))
        self.records_state.configure(text=", ".join(parts))
        self.choose_button.configure(text=_("Choose records...")
                                     if self.selection.get() == "keys" else _("Skip list..."))
        self.where_box.configure(state="normal" if self.selection.get() == "where"
                                 else "disabled")
        self.where_entry.configure(state="normal" if self.selection.get() == "where"
                                   else "disabled")

    # -- the mother's catalog (in the background) ---------------------------------------------

    def login(self) -> tuple[str, str]:
        """The name the mother's password is stored under, and the password typed for it
        on the Administrations tab (not saved yet), if any."""
        admins = getattr(self.window, "tabs", {}).get("administrations")
        if isinstance(admins, AdministrationsTab):
            return admins.login(("mother",))
        return str(self.document.get(("mother",), "name", "")), ""

    def mother(self) -> Administration | None:
        """The mother as the document has it now, or None while it is incomplete."""
        name = self.login()[0] or "mother"
        database = str(self.document.get(("mother",), "database", "") or "")
        if ":" not in database:
            return None
        kind, _sep, target = database.partition(":")
        if kind == "sqlite":
            from pathlib import Path

            path = Path(target).expanduser()
            if not path.is_absolute():
                path = self.document.path.resolve().parent / path
            database = f"sqlite:{path}"
        return Administration(name, database)

    def shown(self) -> None:
        """Brought to the front: the mother may have been set up or changed, daughters
        added or renamed on the Administrations tab meanwhile."""
        mother = self.mother()
        if (mother.database if mother else None) != self.catalog_of:
            self.catalog.clear()
            self.tables = []
            self.load_tables()
        self._show()

    def load_tables(self) -> None:
        mother = self.mother()
        self.catalog_of = mother.database if mother else None
        if mother is None:
            self.catalog_state.configure(text=_("Set up the mother first (Administrations)."),
                                         bootstyle="secondary")
            return
        self.catalog_state.configure(text=_("Reading the mother's tables..."),
                                     bootstyle="secondary")
        typed = self.login()[1]

        def work() -> list[str]:
            with browsing(mother, typed) as browser:
                return browser.tables()

        def done(tables: list[str]) -> None:
            if self.catalog_of == mother.database:  # not another mother's, read meanwhile
                self._tables_read(tables)

        def failed(error: Exception) -> None:
            if self.catalog_of == mother.database:  # else a later read answers
                self.catalog_of = None  # tried again when the tab is shown again
                self._catalog_failed(error)

        self.window.tasks.run(work, done, failed)

    def _tables_read(self, tables: list[str]) -> None:
        self.tables = tables
        self.table_box.configure(values=tables)
        counted = ngettext("{n} table in the mother", "{n} tables in the mother", len(tables))
        self.catalog_state.configure(text=counted.format(n=len(tables)), bootstyle="secondary")

    def load_columns(self, table: str) -> None:
        mother = self.mother()
        if mother is None:
            return

        typed = self.login()[1]

        def work() -> tuple[list[str], list[str]]:
            with browsing(mother, typed) as browser:
                return browser.columns(table), browser.primary_key(table)

        def done(found: tuple[list[str], list[str]]) -> None:
            if self.catalog_of != mother.database:
                return  # the mother changed meanwhile: read again when shown
            self.catalog[table] = found
            if not self._get("key") and found[1] and str(self._get("table", "")) == table:
                self._set("key", found[1])  # the primary key, until the user picks another
                self.changed()
            if str(self._get("table", "")) == table:
                self._show()

        self.window.tasks.run(work, done, self._catalog_failed)

    def _catalog_failed(self, error: Exception) -> None:
        self.catalog_state.configure(text=str(error), bootstyle="danger")

    def choose_records(self) -> None:
        if self.picker is not None and self.picker.winfo_exists():
            self.picker.lift()
            return
        mother = self.mother()
        table = str(self._get("table", ""))
        key = list(self._get("key", []) or [])
        if mother is None or not table or not key:
            self.records_state.configure(text=_("Pick the table and key first."))
            return
        select = self._get("select")
        chosen = select.get("keys", []) if isinstance(select, dict) else []
        choosing = self.selection.get() == "keys"
        entity = self.entity

        def done(chosen: list[Any], skipped: list[Any]) -> None:
            self._records_chosen(entity, choosing, chosen, skipped)

        self.picker = RecordPicker(self, mother, table, key, self.catalog.get(table, ([], []))[0],
                                   chosen, list(self._get("skip", []) or []), done, choosing,
                                   typed=self.login()[1])

    def _records_chosen(self, entity: str, choosing: bool, chosen: list[Any],
                        skipped: list[Any]) -> None:
        """The picker's OK, for the entity (and the kind of selection) it was opened for."""
        where: Where = ("entities", entity)
        if choosing:
            self.document.set(where, "select", {"keys": chosen})
        if skipped or entity in self.document.entity_names():
            self.document.set(where, "skip", skipped or None)
        if entity == self.entity:
            self._records_state()
        self.changed()


def _with(columns: list[str], chosen: list[str]) -> list[str]:
    """The catalog's columns, and any chosen one it does not have (the file may name it)."""
    return list(columns) + [c for c in chosen if c not in columns]


def _without(columns: list[str], key: list[str]) -> list[str]:
    return [c for c in columns if c not in key]
