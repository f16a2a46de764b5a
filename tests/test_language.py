"""stamsync in English and Dutch: every text of the code has its Dutch in the catalog (the
same placeholders, compiled as shipped), the language follows the operating system or the
config's `[interface] language`, and the command line, the tray's menu and notifications
and the settings dialog speak it."""

from __future__ import annotations

import gettext
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from engine import i18n
from engine.i18n import _
from settings import Config, language_setting, load, save
from tests.books import Group
from tests.desktop import STAMSYNC, Desktop
from tray.notify import summarise
from tray.worker import Outcome

ROOT = Path(__file__).resolve().parent.parent
CATALOG = i18n.LOCALES / "nl" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
"""As the README's `pybabel extract` has them."""
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w*)\}")


def dutch(text: str) -> str:
    """`text` as the Dutch catalog has it."""
    return gettext.translation(i18n.DOMAIN, i18n.LOCALES, languages=["nl"]).gettext(text)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    with CATALOG.open("rb") as handle:
        return read_po(handle)


def source_texts() -> dict[str, tuple[str, ...]]:
    """Every text the code marks (its msgid) with its forms, from engine, settings and tray."""
    found: dict[str, tuple[str, ...]] = {}
    for package in ("engine", "settings", "tray"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / package, keywords=KEYWORDS, comment_tags=()):
            forms = (message,) if isinstance(message, str) else tuple(message)
            found[forms[0]] = forms
    return found


# -- the catalog ---------------------------------------------------------------------------

def test_every_text_of_the_code_has_its_dutch(catalog: Catalog) -> None:
    texts = source_texts()
    assert len(texts) > 300
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    missing = [t for t in texts if t not in translated]
    assert missing == [], "not in the Dutch catalog (see the README: Translations)"
    empty = [t for t, m in translated.items()
             if not all(m.string if isinstance(m.string, tuple) else (m.string,))]
    assert empty == []
    assert [t for t, m in translated.items() if m.fuzzy] == []
    assert [t for t in translated if t not in texts] == [], "no longer in the code"


def test_a_translation_has_the_same_placeholders(catalog: Catalog) -> None:
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = (message.id,) if isinstance(message.id, str) else tuple(message.id)
        strings = (message.string,) if isinstance(message.string, str) else message.string
        for index, string in enumerate(strings):
            english = ids[min(index, len(ids) - 1)]
            expected = set(PLACEHOLDER.findall(english)) | (
                set(PLACEHOLDER.findall(ids[-1])) if index else set())
            if not set(PLACEHOLDER.findall(string)) <= expected | set(
                    PLACEHOLDER.findall(ids[-1])) or not set(
                    PLACEHOLDER.findall(english)) <= set(PLACEHOLDER.findall(string)):
                wrong.append((english, string))
    assert wrong == []


def test_the_shipped_catalog_is_compiled_from_the_translations(catalog: Catalog) -> None:
    compiled = gettext.translation(i18n.DOMAIN, i18n.LOCALES, languages=["nl"])
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, message.id
        else:
            assert compiled.ngettext(message.id[0], message.id[1], 1) == message.string[0]
            assert compiled.ngettext(message.id[0], message.id[1], 5) == message.string[1]


# -- which language ------------------------------------------------------------------------

@pytest.fixture
def bare_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch


@pytest.mark.parametrize(("environment", "expected"), [
    ({"LANG": "nl_NL.UTF-8"}, "nl"),
    ({"LANGUAGE": "nl_BE:en", "LANG": "en_US.UTF-8"}, "nl"),
    ({"LANGUAGE": "fy:nl", "LANG": "en_US.UTF-8"}, "nl"),  # the first one spoken
    ({"LANGUAGE": "fy:de"}, "fy"),
    ({"LC_ALL": "C.UTF-8", "LANG": "nl_NL.UTF-8"}, "en"),
    ({"LANG": "de_DE.UTF-8"}, "de"),
    ({}, "en"),
])
def test_the_operating_systems_language(bare_environment: pytest.MonkeyPatch,
                                        environment: dict[str, str], expected: str) -> None:
    for name, value in environment.items():
        bare_environment.setenv(name, value)
    assert i18n.os_language() == expected


def test_the_setting_wins_over_the_system_and_other_languages_are_english(
        bare_environment: pytest.MonkeyPatch) -> None:
    bare_environment.setenv("LANG", "nl_NL.UTF-8")
    assert i18n.use("auto") == "nl" and _("Save") == dutch("Save") != "Save"
    assert i18n.use("en") == "en" and _("Save") == "Save"
    bare_environment.setenv("LANG", "de_DE.UTF-8")
    assert i18n.use("auto") == "en" and _("Save") == "Save"
    assert i18n.use("nl") == "nl" and i18n.number(12500) == "12.500"


def test_the_config_names_its_language(group: Group, tmp_path: Path) -> None:
    path = tmp_path / "stamsync.toml"
    save(Config(path, group.spec, language="nl"))
    assert load(path).language == "nl" and language_setting(path) == "nl"
    text = path.read_text(encoding="utf-8").replace('language = "nl"', 'language = "fr"')
    path.write_text(text, encoding="utf-8")
    assert language_setting(path) == "auto"
    with pytest.raises(Exception, match="language 'fr' is not one of auto, en, nl"):
        load(path)
    assert language_setting(tmp_path / "none.toml") == "auto"


# -- speaking it ---------------------------------------------------------------------------

def run(*arguments: str, language: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANGUAGE": language, "LANG": "C.UTF-8"}
    return subprocess.run([STAMSYNC, *arguments], env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_command_line_speaks_the_users_language(group: Group, tmp_path: Path) -> None:
    path = tmp_path / "stamsync.toml"
    save(Config(path, group.spec))
    checked = run("check", "--config", str(path), language="nl")
    assert checked.returncode == 0
    assert dutch("All is well.") in checked.stdout and "All is well." not in checked.stdout
    synced = run("sync", "--config", str(path), language="nl")
    assert dutch("created") in synced.stdout and dutch("daughter") in synced.stdout
    assert dutch("{n} customers, suppliers and items each") not in synced.stdout  # not demo

    save(Config(path, group.spec, language="en"))  # the setting wins over the system
    assert "All is well." in run("check", "--config", str(path), language="nl").stdout


def test_a_config_problem_is_told_in_dutch(group: Group, tmp_path: Path) -> None:
    path = tmp_path / "stamsync.toml"
    save(Config(path, group.spec))
    text = path.read_text(encoding="utf-8").replace("[schedule]", "[schedule]\nevery_minute = 5")
    path.write_text(text, encoding="utf-8")
    done = run("sync", "--config", str(path), language="nl")
    assert done.returncode == 2
    assert "every_minute" in done.stderr and "every_minutes" in done.stderr
    unknown = dutch("unknown key '{name}'.").format(name="every_minute")
    assert unknown != "unknown key 'every_minute'." and unknown in done.stderr
    assert dutch("Invalid configuration") in done.stderr


def test_a_notification_in_dutch(group: Group) -> None:
    i18n.use("nl")
    import engine

    report = engine.sync(group.spec.__class__(**{**group.spec.__dict__, "daughters": (
        group.spec.daughters[0].__class__("Zuid", f"sqlite:{group.folder / 'missing.db'}"),)}))
    message = summarise(Outcome("scheduled", report, None))
    assert message.title == dutch("stamsync: run {run} needs attention").format(
        run=report.run_id)
    assert message.text.startswith(dutch("Failed: {who}{counted}. {first}").split("{")[0])
    assert "missing.db" in message.text


def test_the_settings_dialog_in_dutch(config_path: Path, desktop: Desktop,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", desktop.env["DISPLAY"])
    from settings.dialog import SettingsWindow

    i18n.use("nl")
    window = SettingsWindow(config_path)
    try:
        assert str(window.save_button.cget("text")) == dutch("Save") != "Save"
        titles = [window.notebook.tab(t, "text") for t in window.notebook.tabs()]
        assert titles[0] == dutch("Administrations") and titles[2] == dutch("Schedule")
        schedule = window.tabs["schedule"]
        summary = str(schedule.summary.cget("text"))  # type: ignore[attr-defined]
        assert summary.startswith(dutch("Weekdays")) and dutch("Weekdays") != "Weekdays"
    finally:
        window.close()


def test_the_tray_menu_follows_the_language_of_the_config(
        config_path: Path, desktop: Desktop, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in desktop.env.items():
        monkeypatch.setenv(key, value)
    from tray import desktop as session
    from tray.app import TrayApp

    session.choose_backend()
    app = TrayApp(config_path)
    try:
        texts = [str(item.text) for item in app.menu().items if item.text]
        assert texts[0] == "Sync now" and "Quit" in texts
        config = load(config_path)
        save(Config(config_path, config.spec, config.schedule, config.notify, "nl"))
        os.utime(config_path, (os.path.getmtime(config_path) + 5,) * 2)
        app.service.tick()
        texts = [str(item.text) for item in app.menu().items if item.text]
        assert texts[0] == dutch("Sync now") != "Sync now"
        assert dutch("Quit") in texts and dutch("Start at login") in texts
        assert any(t.startswith(dutch("No sync yet")) for t in texts)
    finally:
        app.service.stop()
        app.worker.stop()


@pytest.fixture
def config_path(group: Group, tmp_path: Path) -> Path:
    path = tmp_path / "stamsync.toml"
    save(Config(path, group.spec))
    return path


def test_a_missing_catalog_is_english_not_a_crash(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    monkeypatch.setattr(i18n, "LOCALES", tmp_path)
    assert i18n.use("nl") == "en" and _("Save") == "Save"
