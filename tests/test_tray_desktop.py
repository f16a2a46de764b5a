"""The real tray on a real desktop: `stamsync tray` docked in trayer under Xvfb (pystray's
gtk backend), its menu opened with a right click and driven with the keyboard through
xdotool, its notifications read back from dunst, its icon read back from the screen."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

import engine
from settings import Config, Schedule, load, save
from settings.schedule import DAY_NAMES
from tests.books import Group, make_group
from tests.conftest import fill
from tests.desktop import STAMSYNC, Desktop, Tray, wait_for

COLOURS = {"idle": (46, 139, 87), "syncing": (30, 110, 200), "paused": (120, 124, 130),
           "attention": (230, 160, 20), "error": (200, 40, 40)}
ALWAYS = Schedule(days=DAY_NAMES, start=dt.time(0), until=None, every_minutes=60)


def closed_now() -> Schedule:
    """A window that is shut today and tomorrow: only Sync now syncs."""
    today = dt.date.today().weekday()
    days = tuple(d for i, d in enumerate(DAY_NAMES) if i not in (today, (today + 1) % 7))
    return Schedule(days=days, start=dt.time(7), until=dt.time(19), every_minutes=15)


def write_config(group: Group, schedule: Schedule, **spec_changes: object) -> Path:
    path = group.folder / "stamsync.toml"
    save(Config(path, dataclasses.replace(group.spec, **spec_changes), schedule))  # type: ignore[arg-type]
    return path


def shows(image: Image.Image, state: str) -> float:
    """The share of the icon's pixels in `state`'s colour."""
    target = COLOURS[state]
    data = image.tobytes()
    pixels = [data[i:i + 3] for i in range(0, len(data), 3)]
    near = sum(1 for p in pixels if sum(abs(a - b) for a, b in zip(p, target, strict=True)) < 60)
    return near / len(pixels)


def runs(config: Path) -> list[engine.RunReport]:
    return engine.history(load(config).spec)


@pytest.fixture
def tray(desktop: Desktop, tmp_path: Path) -> Iterator[Tray]:
    tray = Tray(desktop, tmp_path / "unset.toml", tmp_path / "home")
    try:
        yield tray
    finally:
        if tray.process is not None and tray.process.poll() is None:
            tray.stop(signal.SIGKILL)


def test_sync_now_from_the_menu_then_quit(group: Group, tray: Tray) -> None:
    tray.config = write_config(group, closed_now())
    tray.start()
    assert shows(tray.icon_colours(), "idle") > 0.05
    assert runs(tray.config) == []  # outside the window: nothing by itself
    tray.pick("Down", "Return")  # the first item: Sync now
    done = wait_for("the requested sync", lambda: [r for r in runs(tray.config)
                                                    if r.status != "running"])
    assert [r.status for r in done] == ["ok"]
    assert group.daughters[0].count() == 3
    assert "sync started (requested)" in tray.log
    tray.pick("Up", "Return")  # the last item: Quit
    assert tray.wait() == 0
    assert "stopped" in tray.log


def test_a_daughter_that_fails_is_announced_once_and_shown(tmp_path: Path, tray: Tray,
                                                           desktop: Desktop) -> None:
    group = fill(make_group(tmp_path, daughters=2))
    broken = dataclasses.replace(group.daughters[1].admin, name="Zuid-unreachable",
                                 database=f"sqlite:{tmp_path / 'gone' / 'zuid.db'}")
    tray.config = write_config(group, ALWAYS,
                               daughters=(group.daughters[0].admin, broken))
    before = len(desktop.notifications())
    tray.start()  # inside the window: a sync at once
    wait_for("the first run", lambda: [r for r in runs(tray.config) if r.status != "running"])
    shown = wait_for("the notification", lambda: desktop.notifications()[before:])
    assert len(shown) == 1
    assert shown[0]["summary"] == "stamsync: run 1 needs attention"
    assert "Zuid-unreachable" in shown[0]["body"] and "stamsync show 1" in shown[0]["body"]
    assert group.daughters[0].count() == 3  # the other daughter went ahead
    wait_for("the attention icon", lambda: shows(tray.icon_colours(), "attention") > 0.05)
    tray.pick("Down", "Return")  # Sync now: the same failure again, not announced again
    wait_for("the second run", lambda: len([r for r in runs(tray.config)
                                            if r.status != "running"]) == 2)
    wait_for("the log line", lambda: "not announced again" in tray.log)
    assert desktop.notifications()[before:] == shown
    assert tray.stop() == 0


def test_a_mother_that_cannot_be_reached_shows_the_error_icon(group: Group, tray: Tray,
                                                              desktop: Desktop) -> None:
    mother = dataclasses.replace(group.mother.admin, database="sqlite:/nonexistent/holding.db")
    tray.config = write_config(group, ALWAYS, mother=mother)
    before = len(desktop.notifications())
    tray.start()
    wait_for("the error icon", lambda: shows(tray.icon_colours(), "error") > 0.05)
    shown = wait_for("the notification", lambda: desktop.notifications()[before:])
    assert "Holding" in shown[0]["body"], shown
    assert tray.process is not None and tray.process.poll() is None  # the icon lives on
    assert tray.stop() == 0


def test_pause_resume_and_the_log_folder_from_the_menu(group: Group, tray: Tray,
                                                       tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "xdg-open").write_text(f'#!/bin/sh\necho "$@" > {opened}\n')
    (bin_dir / "xdg-open").chmod(0o755)
    tray.desktop = dataclasses.replace(
        tray.desktop, env={**tray.desktop.env, "PATH": f"{bin_dir}:{os.environ['PATH']}"})
    tray.config = write_config(group, closed_now())
    tray.start()
    tray.pick("Down", "Down", "Right", "Return")  # Pause > For 30 minutes
    wait_for("the pause", lambda: "paused for 30 minutes" in tray.log)
    wait_for("the paused icon", lambda: shows(tray.icon_colours(), "paused") > 0.05)
    tray.pick("Down", "Down", "Return")  # Pause is disabled now: the second item is Resume
    wait_for("the resume", lambda: "resumed" in tray.log)
    wait_for("the idle icon", lambda: shows(tray.icon_colours(), "idle") > 0.05)
    assert runs(tray.config) == []  # resumed outside the window: no sync
    tray.pick("Up", "Up", "Up", "Return")  # Open log folder
    folder = wait_for("xdg-open", lambda: opened.exists() and opened.read_text().strip())
    assert Path(folder) == tray.home / "state" / "stamsync" / "log"
    assert tray.stop() == 0


def test_start_at_login_from_the_menu_starts_the_tray_at_login(
        tmp_path: Path, tray: Tray, desktop: Desktop) -> None:
    folder = tmp_path / "Groep 100% & co"
    folder.mkdir()
    group = fill(make_group(folder))
    tray.config = write_config(group, closed_now())
    tray.start()
    tray.pick("Up", "Up", "Return")  # Start at login
    autostart = tray.home / "config" / "autostart"
    entry = wait_for("the autostart entry", lambda: list(autostart.glob("*.desktop")))[0]
    subprocess.run(["desktop-file-validate", str(entry)], check=True)
    assert tray.stop() == 0
    # what a desktop does at login: launch the entry; the tray comes up for this config
    subprocess.run(["gio", "launch", str(entry)], env=tray.env, check=True, timeout=60)
    pid = wait_for("the tray started at login", lambda: subprocess.run(
        ["pgrep", "-f", f"tray --config {tray.config}"], capture_output=True,
        text=True).stdout.split())
    tray.process = None
    wait_for("its icon", lambda: desktop.windows(int(pid[0])))
    os.kill(int(pid[0]), signal.SIGTERM)
    wait_for("its exit", lambda: "stopped" in tray.log.split("stamsync tray:")[-1])
    tray.start()
    tray.pick("Up", "Up", "Return")  # Start at login again: off
    wait_for("the entry removed", lambda: not entry.exists())
    assert tray.stop() == 0


@pytest.mark.parametrize("how", ["Quit", "SIGTERM", "SIGINT"])
def test_quit_lets_a_running_sync_finish(how: str, group: Group, tray: Tray) -> None:
    """Quit from the menu, a logout (SIGTERM), Ctrl-C (SIGINT): the sync finishes first.
    The sync is held up by someone else's lock on the daughter, released once asked."""
    tray.config = write_config(group, closed_now())
    tray.start()
    someone = sqlite3.connect(group.daughters[0].path, isolation_level=None)
    someone.execute("BEGIN EXCLUSIVE")
    try:
        tray.pick("Down", "Return")  # Sync now
        wait_for("the sync to start", lambda: "sync started" in tray.log)
        if how == "Quit":
            tray.pick("Up", "Return")  # the last item; Sync now is disabled meanwhile
        else:
            tray.process.send_signal(getattr(signal, how))  # type: ignore[union-attr]
        wait_for("the stop to be asked", lambda: "stopping" in tray.log)
        assert tray.process is not None and tray.process.poll() is None  # waits for the sync
    finally:
        someone.execute("ROLLBACK")
        someone.close()
    assert tray.wait() == 0
    log = tray.log
    assert log.index("stopping") < log.index("sync requested: run 1, status ok"), log
    assert [r.status for r in runs(tray.config)] == ["ok"]
    assert group.daughters[0].count() == 3


def test_a_second_tray_for_the_same_config_exits_with_a_message(group: Group, tray: Tray,
                                                                desktop: Desktop) -> None:
    tray.config = write_config(group, closed_now())
    tray.start()
    before = len(desktop.notifications())
    second = subprocess.run([STAMSYNC, "tray", "--config", str(tray.config)], env=tray.env,
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 3
    assert "already running" in second.stderr
    shown = wait_for("the notification", lambda: desktop.notifications()[before:])
    assert shown[0]["summary"] == "stamsync: Already running"
    assert str(tray.config) in shown[0]["body"]
    assert tray.stop() == 0
