"""The tray's rules without a display: what the icon, status lines and tooltip say; the menu
that can and cannot act; Start at login's entries; `stamsync tray` where there is no
desktop or no config; and importing the tray without a display."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine
from engine import RunReport
from settings import Config, save
from settings.schedule import when
from tests.books import Group
from tests.desktop import STAMSYNC, Desktop, wait_for
from tray import autostart
from tray.cli import main
from tray.scheduler import Pause
from tray.status import TOOLTIP_MAX, Last, look
from tray.worker import Outcome

NOW = dt.datetime(2026, 12, 3, 10, 0)  # a Thursday


def test_when_reads_as_a_person_says_it() -> None:
    assert when(NOW.replace(hour=10, minute=30), NOW) == "10:30"
    assert when(NOW + dt.timedelta(days=1), NOW) == "tomorrow 10:00"
    assert when(NOW - dt.timedelta(days=1), NOW) == "yesterday 10:00"
    assert when(NOW + dt.timedelta(days=4), NOW) == "Mon 10:00"
    assert when(NOW + dt.timedelta(days=10), NOW) == "2026-12-13 10:00"


def report(status: str, run_id: int = 7) -> RunReport:
    return RunReport(run_id, "2026-12-03T09:45:00+00:00", status=status)  # type: ignore[arg-type]


def test_the_icon_follows_the_last_run_and_what_is_going_on() -> None:
    def state(**changes: object) -> str:
        given: dict[str, object] = {"now": NOW, "name": "Holding -> Noord", "busy": False,
                                    "pause": None, "next_due": NOW, "last": None}
        given.update(changes)
        return look(**given).state  # type: ignore[arg-type]

    failed = Last(NOW, "failed", None)
    assert state() == "idle"
    assert state(last=Last(NOW, "ok", 1)) == "idle"
    assert state(last=Last(NOW, "attention", 1)) == "attention"
    assert state(last=failed) == "error"
    assert state(last=failed, pause=Pause(None)) == "paused"
    assert state(last=failed, pause=Pause(NOW - dt.timedelta(minutes=1))) == "error"  # over
    assert state(last=failed, pause=Pause(None), busy=True) == "syncing"


def test_the_status_lines_and_tooltip() -> None:
    last = Last.of(Outcome("scheduled", report("attention"), None), NOW.replace(minute=0))
    seen = look(now=NOW, name="Holding -> Noord, Zuid", busy=False, pause=None,
                next_due=NOW.replace(minute=15), last=last)
    assert seen.last == "Last sync 10:00: needs attention (run 7)"
    assert seen.ahead == "Next sync 10:15"
    assert seen.tooltip == ("stamsync: Holding -> Noord, Zuid\n"
                            "Last sync 10:00: needs attention (run 7)\nNext sync 10:15")
    could_not_start = Last.of(Outcome("scheduled", None, OSError("disk full")), NOW)
    paused = look(now=NOW, name="H", busy=False, pause=Pause(NOW + dt.timedelta(hours=2)),
                  next_due=None, last=could_not_start)
    assert (paused.last, paused.ahead) == ("Last sync 10:00: failed", "Paused until 12:00")
    until_resumed = look(now=NOW, name="H", busy=False, pause=Pause(None), next_due=None,
                         last=None)
    assert (until_resumed.last, until_resumed.ahead) == ("No sync yet", "Paused until resumed")
    stopping = look(now=NOW, name="H", busy=True, pause=None, next_due=None, last=None,
                    stopping=True)
    assert stopping.ahead == "Stopping after the running sync"
    many = look(now=NOW, name="Holding -> " + ", ".join(f"Dochter {n}" for n in range(40)),
                busy=False, pause=None, next_due=NOW, last=None)
    assert len(many.tooltip) == TOOLTIP_MAX


@pytest.fixture
def amsterdam(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Amsterdam")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_run_from_the_history_is_shown_in_local_time(amsterdam: None) -> None:
    done = RunReport(3, "2026-12-03T09:00:00+00:00", "2026-12-03T09:01:00+00:00",
                     status="ok")
    last = Last.from_history(done)
    assert last.at.utcoffset() == dt.timedelta(hours=1)  # CET in December
    assert when(last.at, dt.datetime(2026, 12, 3, 12, 0).astimezone()) == "10:01"
    assert (last.status, last.run_id) == ("ok", 3)


@pytest.fixture
def config(group: Group) -> Path:
    path = group.folder / "stamsync.toml"
    save(Config(path, group.spec))
    return path


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "autostart"


@pytest.mark.parametrize(("argument", "quoted"), [
    ("/usr/bin/stamsync", "/usr/bin/stamsync"),
    ("/srv/Groep A/stamsync.toml", '"/srv/Groep A/stamsync.toml"'),
    ("/srv/100%/x.toml", "/srv/100%%/x.toml"),
    ('/srv/"q"$`\\/x', '"/srv/\\"q\\"\\$\\`\\\\/x"'),
    ("", '""'),
])
def test_exec_arguments_are_quoted_as_the_desktop_entry_spec_says(argument: str,
                                                                  quoted: str) -> None:
    assert autostart.exec_quote(argument) == quoted


def test_autostart_on_status_off(config: Path, xdg: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["autostart", "status", "--config", str(config)]) == 0
    assert "Start at login is off" in capsys.readouterr().out
    assert main(["autostart", "on", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    [entry] = xdg.glob("*.desktop")
    assert f"Start at login is on: {entry} starts" in out and str(config.resolve()) in out
    text = entry.read_text()
    assert "Type=Application" in text and f"--config {config.resolve()}" in text
    assert f"Exec={autostart.exec_line(autostart.command_for(config))}" in text
    subprocess.run(["desktop-file-validate", str(entry)], check=True)
    assert main(["autostart", "on", "--config", str(config)]) == 0  # twice: still one
    assert len(list(xdg.glob("*.desktop"))) == 1
    assert main(["autostart", "off", "--config", str(config)]) == 0
    assert "Start at login is off" in capsys.readouterr().out.splitlines()[-1]
    assert not entry.exists()


def test_an_entry_from_another_install_is_pointed_out(config: Path, xdg: Path) -> None:
    entry = autostart.enable(config)
    path = Path(entry.where)
    path.write_text(path.read_text().replace("Exec=", "Exec=/opt/old/"))
    stale = autostart.status(config)
    assert stale.on and not stale.current
    assert "run `stamsync autostart on` to point it here" in autostart.describe(stale)
    assert autostart.enable(config).current


def test_two_configs_have_an_entry_each(group: Group, xdg: Path, tmp_path: Path) -> None:
    first = group.folder / "stamsync.toml"
    second = tmp_path / "other" / "stamsync.toml"
    save(Config(first, group.spec))
    save(Config(second, group.spec))
    assert autostart.enable(first).where != autostart.enable(second).where
    assert len(list(xdg.glob("*.desktop"))) == 2
    autostart.disable(first)
    assert not autostart.status(first).on and autostart.status(second).on


def test_a_path_with_a_newline_stays_on_the_exec_line() -> None:
    line = autostart.exec_line(["/opt/stamsync", "--config", "/srv/a\nb\\c.toml"])
    assert "\n" not in line
    assert line == '/opt/stamsync --config "/srv/a\\nb\\\\\\\\c.toml"'


def test_autostart_for_a_config_that_cannot_run_is_refused(tmp_path: Path, xdg: Path,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    path = tmp_path / "stamsync.toml"
    path.write_text("[mother]\nname = 'H'\n")
    assert main(["autostart", "on", "--config", str(path)]) == 2
    assert "stamsync.toml" in capsys.readouterr().err
    assert not xdg.exists()


@pytest.fixture
def no_display(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    yield


@pytest.mark.parametrize("argv", [["tray"], []])
def test_without_a_desktop_the_tray_points_to_run(argv: list[str], config: Path,
                                                  no_display: None,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--config", str(config)] if argv else ["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "no desktop session" in err and "`stamsync run`" in err


def test_without_a_config_the_tray_opens_the_settings_and_says_when_none_was_saved(
        tmp_path: Path, desktop: Desktop) -> None:
    """The first start: the settings dialog opens to make the config; closed without saving,
    the tray says so, also as a notification (started at login there is no terminal)."""
    before = len(desktop.notifications())
    missing = tmp_path / "nothing-here.toml"
    tray = subprocess.Popen([STAMSYNC, "tray", "--config", str(missing)],
                            env={**os.environ, **desktop.env}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        window = wait_for("the settings window", lambda: desktop.run(
            "xdotool", "search", "--onlyvisible", "--name", missing.name, check=False).split())[0]
        desktop.run("xdotool", "windowfocus", "--sync", window, "key", "Escape")
        _, err = tray.communicate(timeout=60)
    finally:
        if tray.poll() is None:
            tray.kill()
    assert tray.returncode == 2
    assert "No config yet" in err and str(missing) in err
    assert not missing.exists()
    shown = wait_for("the notification", lambda: desktop.notifications()[before:])
    assert shown[0]["summary"] == "stamsync: No config yet"
    assert str(missing) in shown[0]["body"]


def test_the_tray_imports_without_a_display() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    code = ("import sys, tray.app, tray.cli, tray.status, tray.autostart, tray.desktop; "
            "assert 'pystray' not in sys.modules and 'gi' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_menu_offers_only_what_can_act(config: Path, desktop: Desktop,
                                           monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    """The menu as pystray builds it (its gtk backend on the test desktop)."""
    for key, value in desktop.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    from tray import desktop as session
    from tray.app import TrayApp

    session.choose_backend()
    saturday = dt.datetime(2026, 12, 5, 10, 0).astimezone()
    app = TrayApp(config, clock=lambda: saturday)
    try:
        def items() -> dict[str, tuple[bool, bool | None]]:
            menu = app.menu()
            return {str(i.text): (i.enabled, i.checked) for i in menu.items if i.text}

        shown = items()
        assert list(shown)[:3] == ["Sync now", "Pause", "Resume"]
        assert shown["Sync now"] == (True, None) and shown["Pause"][0]
        assert not shown["Resume"][0]
        assert shown["Start at login"] == (True, False)
        assert shown["Settings..."][0] is session.dialog_available()
        status = [t for t, (enabled, _) in shown.items() if t.startswith(("No sync", "Next"))]
        assert status == ["No sync yet", "Next sync Mon 07:00"]
        assert not shown["No sync yet"][0] and not shown["Next sync Mon 07:00"][0]

        app.service.pause_for(None)
        shown = items()
        assert not shown["Pause"][0] and shown["Resume"][0]
        assert "Paused until resumed" in shown

        app._toggle_autostart(None, None)
        assert items()["Start at login"] == (True, True)
        assert autostart.status(config).on
        app._toggle_autostart(None, None)
        assert not autostart.status(config).on

        app.service.resume()
        release = threading.Event()
        real = engine.sync

        def slow(*args: object, **kwargs: object) -> RunReport:
            release.wait(60)
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(engine, "sync", slow)
        app.menu()(None)  # a left click: the default item, Sync now
        assert app.worker.busy
        assert not items()["Sync now"][0]
        requested = []
        monkeypatch.setattr(app.service, "sync_now", lambda: requested.append(1))
        app.menu()(None)  # clicked again while it runs: nothing asked
        assert requested == []
        release.set()
        assert app.worker.wait_idle(60)
        assert len(engine.history(app.service.config.spec)) == 1

        app.stop("the test")
        shown = items()
        assert not shown["Quit"][0] and not shown["Sync now"][0]
    finally:
        app.service.stop()
        app.worker.stop()
