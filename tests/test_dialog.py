"""The settings dialog in a real Tk on the test desktop (Xvfb), driven through its widgets'
own API (typing into entries, ticking, pressing buttons), on configs with SQLite and ODBC
administrations; the file written and the keyring are what the tests look at."""

from __future__ import annotations

import sqlite3
import tkinter as tk
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from keyrings.alt.file import PlaintextKeyring

import engine
from engine import MarkRemoved, SelectAll, SelectKeys, SelectWhere
from settings import Config, load, save
from settings.dialog import SettingsWindow
from settings.dialog.checklist import CHECKED, UNCHECKED
from settings.dialog.records import SHOWN_ROWS, Records, plain, shown_columns
from settings.dialog.tab_admins import AdministrationsTab
from settings.dialog.tab_conflicts import ConflictsTab
from settings.dialog.tab_data import DataTab
from settings.dialog.tab_history import HistoryTab
from settings.dialog.tab_schedule import ScheduleTab
from tests.books import Group, ServerBooks
from tests.desktop import Desktop
from tests.servers import SQLITE_DRIVER, Server, odbc_ini

COMMENT = "# our settings -- ask Els first"
DSN = "StamsyncDialogTest"
"""A data source name no other test uses (unixODBC keeps what it read of a DSN for the
rest of the process)."""


@pytest.fixture
def display(desktop: Desktop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", desktop.env["DISPLAY"])


@pytest.fixture
def config(group: Group) -> Path:
    path = group.folder / "stamsync.toml"
    save(Config(path, group.spec))
    path.write_text(COMMENT + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.fixture
def window(config: Path, display: None) -> Iterator[SettingsWindow]:
    opened = SettingsWindow(config)
    yield opened
    if _alive(opened):
        opened.tasks.wait()
        opened.close()


def _alive(window: SettingsWindow) -> bool:
    try:
        return bool(window.root.winfo_exists())
    except tk.TclError:
        return False


def type_into(entry: Any, text: str) -> None:
    """As a person types: clear the field, then the text."""
    entry.delete(0, "end")
    entry.insert(0, text)


def settle(window: SettingsWindow) -> None:
    """Until the events are handled and the background work they started has reported."""
    window.root.update()
    while window.tasks.running:
        window.tasks.wait()
        window.root.update()


def tab(window: SettingsWindow, name: str, kind: type[Any]) -> Any:
    page = window.tabs[name]
    assert isinstance(page, kind)
    window.notebook.select(page)
    settle(window)
    return page


def saves(window: SettingsWindow) -> bool:
    return str(window.save_button.cget("state")) == "normal"


# -- the record list without a window ------------------------------------------------------

def test_records_search_choose_and_skip() -> None:
    rows = [(("D100",), ("Bakkerij de Vries", "Utrecht")), (("D101",), ("Café Ĳsselmeer",
                                                                        "Lelystad")),
            (("D102",), ("De Vries Transport", "Venlo"))]
    records = Records(rows, chosen=["D102"], skipped=[])
    records.search("vries")
    assert [records.rows[i][0] for i in records.matching] == [("D100",), ("D102",)]
    records.choose(True)
    records.search("lelystad café")
    assert [records.rows[i][0] for i in records.matching] == [("D101",)]
    records.toggle(("D101",), "skip")
    records.search("")
    records.toggle(("D102",), "sync")
    assert records.result() == (["D100"], ["D101"])
    composite = Records([(("A", 1), ("x",))], chosen=[["A", 1]], skipped=[])
    assert composite.result() == ([["A", 1]], [])
    assert plain(7) == 7 and plain(7.0) == 7 and plain("D1 ") == "D1"
    assert shown_columns(["code", "city", "vat", "name"], ["code"]) == ["name", "city", "vat"]


# -- the window -------------------------------------------------------------------------------

def test_a_valid_config_opens_clean_and_cancel_writes_nothing(
        window: SettingsWindow, config: Path, keyring_file: PlaintextKeyring) -> None:
    before = config.read_bytes()
    assert window.problems == [] and saves(window)
    admins = tab(window, "administrations", AdministrationsTab)
    assert admins.name.get() == "Holding" and admins.kind.get() == "sqlite"
    type_into(admins.name_entry, "Holding BV")
    schedule = tab(window, "schedule", ScheduleTab)
    schedule.day_checks["sat"].invoke()
    settle(window)
    window.cancel_button.invoke()  # changes unsaved: it asks first
    assert _alive(window) and str(window.cancel_button.cget("text")) == "Discard"
    assert "not saved" in str(window.problem_text.cget("text"))
    window.cancel_button.invoke()
    assert not _alive(window)
    assert config.read_bytes() == before
    assert keyring_file.get_password("stamsync", "Holding BV") is None


def odbc_with_password(window: SettingsWindow, password: str) -> AdministrationsTab:
    """The first daughter made an ODBC data source 'Noord', with a password typed."""
    admins: AdministrationsTab = tab(window, "administrations", AdministrationsTab)
    admins.select(("daughters", 0))
    admins.kind_buttons["dsn"].invoke()
    type_into(admins.widgets["dsn"], "Noord")
    type_into(admins.password_entry, password)
    return admins


def test_a_typed_password_is_a_change_and_discard_stores_it_nowhere(
        window: SettingsWindow, config: Path, keyring_file: PlaintextKeyring) -> None:
    odbc_with_password(window, "geheim-7")
    settle(window)
    window.cancel_button.invoke()
    window.cancel_button.invoke()
    assert not _alive(window)
    assert keyring_file.get_password("stamsync", "Daughter1") is None
    assert "Noord" not in config.read_text(encoding="utf-8")


def test_a_password_typed_for_odbc_is_not_stored_once_the_kind_is_sqlite_again(
        window: SettingsWindow, config: Path, keyring_file: PlaintextKeyring) -> None:
    admins = odbc_with_password(window, "geheim-8")
    admins.kind_buttons["sqlite"].invoke()
    type_into(admins.widgets["path"], "d1.db")
    settle(window)
    window.save_button.invoke()
    assert window.saved and keyring_file.get_password("stamsync", "Daughter1") is None

    clean = SettingsWindow(config)
    clean.cancel_button.invoke()
    assert not _alive(clean)


def test_invalid_input_keeps_save_disabled_and_says_why(window: SettingsWindow,
                                                        config: Path) -> None:
    schedule = tab(window, "schedule", ScheduleTab)
    type_into(schedule.entries["until"], "06:00")
    settle(window)
    assert not saves(window)
    mark = schedule.marks[("[schedule]", "until")]
    assert mark.message == "until (06:00) must be after from (07:00)."
    assert str(mark.reason.cget("text")) == mark.message and mark.reason.winfo_ismapped()
    assert window.notebook.tab(schedule, "text").endswith("(1)")
    assert "- Schedule, Until: until (06:00) must be after from (07:00)." in str(
        window.problem_text.cget("text"))  # the bar names the tab and the field
    window.save_button.invoke()  # disabled: nothing happens
    assert "06:00" not in config.read_text(encoding="utf-8")

    type_into(schedule.entries["until"], "24:00")
    settle(window)
    assert saves(window) and not mark.reason.winfo_ismapped()
    assert "07:00-24:00" in str(schedule.summary.cget("text"))

    admins = tab(window, "administrations", AdministrationsTab)
    type_into(admins.name_entry, "")
    settle(window)
    assert not saves(window)
    assert admins.marks[("[mother]", "name")].message == "'name' is required."
    type_into(admins.name_entry, "Daughter1")  # a daughter's name
    settle(window)
    assert "already used" in str(admins.marks[("[mother]", "name")].message) or \
        any("already used" in p.message for p in window.problems)
    type_into(admins.name_entry, "Holding")
    settle(window)
    assert saves(window)


def test_save_keeps_comments_and_the_tray_can_load_it(window: SettingsWindow,
                                                      config: Path) -> None:
    schedule = tab(window, "schedule", ScheduleTab)
    schedule.day_checks["sat"].invoke()
    type_into(schedule.entries["every_minutes"], "30")
    conflicts = tab(window, "conflicts", ConflictsTab)
    conflicts.policy_buttons["skip"].invoke()
    conflicts.switch_checks["on_success"].invoke()
    settle(window)
    window.save_button.invoke()
    assert window.saved
    text = config.read_text(encoding="utf-8")
    assert text.startswith(COMMENT)
    loaded = load(config)
    assert "sat" in loaded.schedule.days and loaded.schedule.every_minutes == 30
    assert loaded.spec.policy.value == "skip" and loaded.notify.on_success


def test_an_odbc_daughter_its_password_to_the_keyring_only(
        group: Group, postgres: Server, display: None,
        keyring_file: PlaintextKeyring) -> None:
    daughter = ServerBooks(postgres, "Noord")
    group.daughters.append(daughter)
    path = group.folder / "stamsync.toml"
    save(Config(path, group.spec))
    window = SettingsWindow(path)
    try:
        admins = tab(window, "administrations", AdministrationsTab)
        admins.select(("daughters", 1))
        assert admins.kind.get() == "driver"
        assert admins.fields["driver"].get() == "PostgreSQL Unicode"
        assert admins.fields["server"].get() == "127.0.0.1"
        assert admins.fields["database"].get() == daughter.database_name
        type_into(admins.password_entry, "geheim-42")
        admins.test_button.invoke()
        settle(window)
        assert str(admins.test_result.cget("text")).startswith("Connected to PostgreSQL")
        assert keyring_file.get_password("stamsync", "Noord") is None  # not before Save
        window.save_button.invoke()
    finally:
        if _alive(window):
            window.close()
    text = path.read_text(encoding="utf-8")
    assert "geheim-42" not in text and "Pwd={password}" in text
    assert keyring_file.get_password("stamsync", "Noord") == "geheim-42"
    assert [d.name for d in load(path).spec.daughters] == ["Daughter1", "Noord"]


def test_a_renamed_administration_keeps_its_password(window: SettingsWindow, config: Path,
                                                     keyring_file: PlaintextKeyring) -> None:
    keyring_file.set_password("stamsync", "Daughter1", "s3cret")
    admins = tab(window, "administrations", AdministrationsTab)
    admins.select(("daughters", 0))
    type_into(admins.name_entry, "Noord BV")
    settle(window)
    window.save_button.invoke()
    assert keyring_file.get_password("stamsync", "Noord BV") == "s3cret"
    assert keyring_file.get_password("stamsync", "Daughter1") is None


def test_daughters_are_added_removed_and_switched_off(window: SettingsWindow, config: Path,
                                                      tmp_path: Path) -> None:
    admins = tab(window, "administrations", AdministrationsTab)
    admins.add_button.invoke()
    settle(window)
    assert not saves(window)  # the new daughter has no database yet
    assert admins.marks[("[[daughters]] #2", "database")].message is not None
    assert "- Administrations, Daughter 2, Connection: " in str(window.problem_text.cget("text"))
    (tmp_path / "zuid.db").touch()
    type_into(admins.widgets["path"], "zuid.db")
    type_into(admins.name_entry, "Zuid")
    settle(window)
    assert saves(window), window.problems
    admins.select(("daughters", 0))
    admins.enabled_check.invoke()
    settle(window)
    window.save_button.invoke()
    spec = load(config).spec
    assert [(d.name, d.enabled) for d in spec.daughters] == [("Daughter1", False),
                                                             ("Zuid", True)]
    assert 'database = "sqlite:zuid.db"' in config.read_text(encoding="utf-8")


def test_the_data_tab_picks_from_the_mothers_catalog(window: SettingsWindow,
                                                     config: Path) -> None:
    data = tab(window, "data", DataTab)
    assert "customers" in data.tables
    assert data.key_list.checked() == ["code"]
    assert data.fields_list.checked() == ["name", "city", "credit", "blocked"]
    data.fields_list.toggle("city")
    data.daughter.set("Daughter1")
    data._show_protected()
    data.protected_list.toggle("credit")
    data.selection_buttons["keys"].invoke()
    settle(window)
    data.choose_button.invoke()
    settle(window)
    picker = data.picker
    assert picker is not None
    assert len(picker.model.rows) == 3
    picker.search.set("ĳsselmeer")
    assert [picker.model.rows[i][0] for i in picker.model.matching] == [("D101",)]
    picker.all_button.invoke()
    picker.search.set("")
    picker.toggle(("D102",), "skip")
    picker.ok_button.invoke()
    settle(window)
    window.save_button.invoke()
    entity = load(config).spec.entities[0]
    assert entity.fields == ("name", "credit", "blocked")
    assert entity.select == SelectKeys(frozenset({("D101",)}))
    assert entity.skip == frozenset({("D102",)})
    assert load(config).spec.daughters[0].protect == {"customers": ("credit",)}


def test_a_new_entity_from_the_catalog(window: SettingsWindow, config: Path,
                                       group: Group) -> None:
    group.mother.execute("CREATE TABLE items (sku TEXT, lot INTEGER, name TEXT, price "
                         "NUMERIC, PRIMARY KEY (lot, sku))")
    data = tab(window, "data", DataTab)
    data.load_tables()
    settle(window)
    data.select("items")
    assert not data.enabled.get()
    data.table.set("items")
    data._write_table()
    settle(window)
    assert data.key_list.checked() == ["lot", "sku"]  # the primary key, in its order
    assert saves(window), window.problems
    window.save_button.invoke()
    items = load(config).spec.entities[1]
    assert (items.name, items.table, items.key, items.fields) == (
        "items", "items", ("lot", "sku"), None)


def test_a_config_with_errors_opens_with_them_marked(config: Path, display: None) -> None:
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[schedule]", "[schedule]\nevery_minute = 5"),
                      encoding="utf-8")
    window = SettingsWindow(config, tab="schedule")
    try:
        assert not saves(window)
        assert "unknown key 'every_minute'" in str(window.problem_text.cget("text"))
        assert "Did you mean 'every_minutes'?" in str(window.problem_text.cget("text"))
        assert window.notebook.select() == str(window.tabs["schedule"])
    finally:
        window.close()


def test_history_shows_runs_their_changes_and_a_preview(group: Group, config: Path,
                                                        display: None) -> None:
    first = engine.sync(load(config).spec)
    group.mother.set("D100", name="Bakkerij de Vries & Zn")
    window = SettingsWindow(config, tab="history")
    try:
        history = tab(window, "history", HistoryTab)
        assert history.runs.get_children() == (str(first.run_id),)
        history.show_run(first.run_id)
        settle(window)
        assert len(history.changes.get_children()) == 3  # three created
        history.preview_button.invoke()
        settle(window)
        settle(window)
        assert "Preview (run 2)" in str(history.status.cget("text"))
        row = history.changes.item(history.changes.get_children()[0])["values"]
        assert "Bakkerij de Vries \u2192 Bakkerij de Vries & Zn" in str(row[-1])
        assert group.daughters[0].row("D100")["name"] == "Bakkerij de Vries"  # nothing written
    finally:
        window.close()



def test_a_failing_result_does_not_stop_the_others(window: SettingsWindow) -> None:
    def broken(result: int) -> None:
        raise RuntimeError("a widget that is gone")

    got: list[int] = []
    window.tasks.run(lambda: 1, broken, lambda error: None)
    settle(window)
    window.tasks.run(lambda: 2, got.append, lambda error: None)
    settle(window)
    assert got == [2]


def test_a_new_config_the_data_tab_reads_the_mother_set_up_meanwhile(
        group: Group, display: None, tmp_path: Path) -> None:
    path = tmp_path / "new" / "stamsync.toml"
    path.parent.mkdir()
    window = SettingsWindow(path)
    try:
        data = tab(window, "data", DataTab)
        assert data.tables == [] and "mother first" in str(data.catalog_state.cget("text"))
        admins = tab(window, "administrations", AdministrationsTab)
        type_into(admins.name_entry, "Holding")
        type_into(admins.widgets["path"], str(group.mother.path))
        admins.add_button.invoke()
        type_into(admins.name_entry, "Noord")
        type_into(admins.widgets["path"], str(group.daughters[0].path))
        settle(window)
        data = tab(window, "data", DataTab)
        assert data.tables == ["customers"]
        assert str(data.catalog_state.cget("text")) == "1 table in the mother"
        assert list(data.daughter_box.cget("values")) == ["Noord"]
        data.table.set("customers")
        data._write_table()
        settle(window)
        assert data.key_list.checked() == ["code"]
        assert saves(window), window.problems
        window.save_button.invoke()
    finally:
        if _alive(window):
            window.close()
    spec = load(path).spec
    assert (spec.mother.name, [d.name for d in spec.daughters]) == ("Holding", ["Noord"])
    assert engine.sync(spec).status == "ok"
    assert set(group.daughters[0].rows()) == {"D100", "D101", "D102"}


def test_select_by_a_columns_value_and_what_leaving_records_get(
        window: SettingsWindow, config: Path, group: Group) -> None:
    group.mother.set("D101", credit=2500)
    group.mother.set("D102", credit=1000)
    data = tab(window, "data", DataTab)
    data.selection_buttons["where"].invoke()
    data.where_column.set("credit")
    type_into(data.where_entry, "1000")
    data.on_remove.set("mark")
    data.remove_column.set("blocked")
    data.remove_value.set("J")
    settle(window)
    window.save_button.invoke()
    entity = load(config).spec.entities[0]
    assert entity.select == SelectWhere("credit", "1000")  # as typed: text
    assert entity.on_remove == MarkRemoved("blocked", "J")
    engine.sync(load(config).spec)
    assert set(group.daughters[0].rows()) == {"D100", "D102"}  # 1000.00 and 1000


def test_untick_all_found_and_the_skip_list_alone(window: SettingsWindow, config: Path) -> None:
    data = tab(window, "data", DataTab)
    data.selection_buttons["keys"].invoke()
    data.choose_button.invoke()
    settle(window)
    picker = data.picker
    assert picker is not None
    picker.all_button.invoke()
    assert [picker.tree.set(i, "sync") for i in picker.tree.get_children()] == [CHECKED] * 3
    picker.search.set("de")  # de Vries, Handel
    picker.none_button.invoke()  # unticks the two found, keeps D101
    assert [picker.tree.set(i, "sync") for i in picker.tree.get_children()] == [UNCHECKED] * 2
    picker.ok_button.invoke()
    settle(window)
    assert data.document.get(("entities", "customers"), "select") == {"keys": ["D101"]}
    data.selection_buttons["all"].invoke()
    settle(window)
    assert str(data.choose_button.cget("text")) == "Skip list..."
    data.choose_button.invoke()
    settle(window)
    skips = data.picker
    assert skips is not None and skips is not picker and not skips.choosing
    skips.toggle(("D100",), "skip")
    skips.ok_button.invoke()
    settle(window)
    window.save_button.invoke()
    entity = load(config).spec.entities[0]
    assert entity.select == SelectAll()
    assert entity.skip == frozenset({("D100",)})


def test_the_record_picker_holds_the_window_and_answers_for_its_own_entity(
        window: SettingsWindow, config: Path) -> None:
    data = tab(window, "data", DataTab)
    data.selection_buttons["keys"].invoke()
    data.choose_button.invoke()
    settle(window)
    picker = data.picker
    assert picker is not None and picker.grab_current() is not None
    data.choose_button.invoke()  # a second click brings the same one forward
    assert data.picker is picker
    picker.toggle(("D102",), "sync")
    assert picker.tree.set("2", "sync") == CHECKED  # the box on the screen follows
    data.select("suppliers")  # whatever the form shows meanwhile
    picker.ok_button.invoke()
    settle(window)
    assert data.document.get(("entities", "customers"), "select") == {"keys": ["D102"]}
    assert "suppliers" not in data.document.entity_names()


def test_thousands_of_records_in_the_picker(window: SettingsWindow, group: Group) -> None:
    rows = [(f"K{n:05}", f"Klant {n}", "Zwolle" if n % 10 == 0 else "Deventer", n, "J", "N")
            for n in range(20_000)]
    with sqlite3.connect(group.mother.path) as conn:
        conn.executemany("INSERT INTO customers (code, name, city, credit, vvsync, blocked) "
                         "VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.close()
    data = tab(window, "data", DataTab)
    data.selection_buttons["keys"].invoke()
    data.choose_button.invoke()
    settle(window)
    picker = data.picker
    assert picker is not None and len(picker.model.rows) == 20_003
    assert len(picker.tree.get_children()) == SHOWN_ROWS
    assert "Showing the first 1,000 of 20,003" in str(picker.counts.cget("text"))
    picker.search.set("zwolle")  # a long list: searched once typing pauses...
    picker.all_button.invoke()  # ...or at once when Tick all is pressed before that
    assert len(picker.model.matching) == 2_000
    assert len(picker.model.chosen) == 2_000  # every match, the ones not shown too
    assert {picker.tree.set(i, "sync") for i in picker.tree.get_children()} == {CHECKED}
    picker.ok_button.invoke()
    settle(window)
    keys = data.document.get(("entities", "customers"), "select")["keys"]
    assert len(keys) == 2_000 and "K19990" in keys


def test_test_connection_says_what_failed_for_the_administration_it_tried(
        window: SettingsWindow, tmp_path: Path) -> None:
    admins = tab(window, "administrations", AdministrationsTab)
    admins.select(("daughters", 0))
    type_into(admins.widgets["path"], str(tmp_path / "nowhere" / "gone.db"))
    admins.test_button.invoke()
    admins.select(("mother",))  # the answer comes while the mother is shown
    settle(window)
    assert str(admins.test_result.cget("text")) == ""
    admins.select(("daughters", 0))
    said = str(admins.test_result.cget("text"))
    assert "gone.db" in said and "does not exist" in said, said
    admins.test_button.invoke()
    settle(window)
    assert str(admins.test_button.cget("state")) == "normal"


def test_a_data_source_picked_from_the_machines_list(
        window: SettingsWindow, config: Path, group: Group, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODBCINI", str(odbc_ini(tmp_path, DSN, group.daughters[0].path)))
    admins = tab(window, "administrations", AdministrationsTab)
    admins._load_odbc_lists()
    settle(window)
    assert DSN in admins.widgets["dsn"].cget("values")
    assert SQLITE_DRIVER in admins.widgets["driver"].cget("values")
    admins.select(("daughters", 0))
    admins.kind_buttons["dsn"].invoke()
    admins.widgets["dsn"].set(DSN)
    admins.widgets["dsn"].event_generate("<<ComboboxSelected>>")
    settle(window)
    admins.test_button.invoke()
    settle(window)
    assert str(admins.test_result.cget("text")).startswith("Connected to SQLite"), \
        admins.test_result.cget("text")
    window.save_button.invoke()
    assert load(config).spec.daughters[0].database == f"odbc:DSN={DSN}"
    assert engine.sync(load(config).spec).status == "ok"


def test_a_new_config_closes_at_once_when_nothing_was_typed(display: None,
                                                            tmp_path: Path) -> None:
    window = SettingsWindow(tmp_path / "stamsync.toml")
    window.cancel_button.invoke()  # once: nothing to lose
    assert not _alive(window) and not (tmp_path / "stamsync.toml").exists()


def test_escape_only_asks_and_discard_keeps_the_problems_in_sight(
        window: SettingsWindow, config: Path) -> None:
    admins = tab(window, "administrations", AdministrationsTab)
    type_into(admins.name_entry, "")
    settle(window)
    window.cancel(ask_only=True)  # Escape
    window.cancel(ask_only=True)  # and again: still only asks
    assert _alive(window) and str(window.cancel_button.cget("text")) == "Discard"
    said = str(window.problem_text.cget("text"))
    assert "- Administrations, Holding (mother)" not in said  # the name is what is wrong
    assert "- Administrations, Mother, Name: 'name' is required." in said
    assert "Fix the problems above and press Save" in said
    window.cancel_button.invoke()
    assert not _alive(window)


def test_settings_that_mean_the_same_are_no_change(window: SettingsWindow) -> None:
    data = tab(window, "data", DataTab)
    data.selection_buttons["keys"].invoke()
    data.selection_buttons["all"].invoke()
    settle(window)
    assert not window.unsaved()
    window.cancel_button.invoke()
    assert not _alive(window)


def test_a_protect_problem_is_the_data_tabs_and_named_as_its_field(
        config: Path, display: None) -> None:
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('name = "Daughter1"',
                                   'name = "Daughter1"\nprotect = { customers = [] }'),
                      encoding="utf-8")
    window = SettingsWindow(config)
    try:
        titles = {name: window.notebook.tab(page, "text")
                  for name, page in window.tabs.items()}
        assert titles["administrations"] == "Administrations"
        assert titles["data"].endswith("(1)")
        assert ("- Data, Daughter1, Fields a daughter keeps as its own: "
                in str(window.problem_text.cget("text")))
    finally:
        window.close()


def test_a_result_that_cannot_be_shown_is_said(window: SettingsWindow) -> None:
    def broken(result: int) -> None:
        raise RuntimeError("a widget that is gone")

    window.tasks.run(lambda: 1, broken, lambda error: None)
    settle(window)
    said = str(window.problem_text.cget("text"))
    assert "Something went wrong while showing a result (a widget that is gone)" in said


def test_history_names_the_records_whose_conflict_is_left_open(group: Group, config: Path,
                                                               display: None) -> None:
    """Under skip a conflict writes nothing: the run still names the record and its fields,
    in the report, in `stamsync show`'s words and on the History tab."""
    group.policy = engine.Policy.SKIP
    save(Config(config, group.spec))
    engine.sync(load(config).spec)
    group.mother.set("D101", name="Café Ĳsselmeer BV")
    group.daughters[0].set("D101", name="Café aan het IJsselmeer")
    report = engine.sync(load(config).spec)
    assert [(c.key, c.fields) for c in report.daughters[0].open_conflicts] == [
        (("D101",), ("name",))]
    assert report.to_dict()["daughters"][0]["open_conflicts"] == [
        {"entity": "customers", "key": ["D101"], "fields": ["name"]}]
    from tray.output import run_summary

    assert ("? Daughter1, customers ['D101']: conflict left open in name"
            in run_summary(engine.show(load(config).spec, report.run_id), {}))
    window = SettingsWindow(config, tab="history")
    try:
        history = tab(window, "history", HistoryTab)
        history.show_run(report.run_id)
        settle(window)
        rows = [history.changes.item(i)["values"] for i in history.changes.get_children()]
        assert any(r[2] == "D101" and r[3] == "conflict left open" for r in rows), rows
    finally:
        window.close()
