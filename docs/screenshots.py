"""Screenshots for the README and the user guide, taken on a virtual desktop so that they
look the same on every machine and can be taken again whenever the dialog or the tray change.

Run from the repository's root:

    .venv/bin/python docs/screenshots.py [--out docs/screenshots] [--language en|nl]

It builds the demo group (`stamsync demo`: a mother and two daughters in SQLite with Dutch
master data) in a temporary folder and syncs it once, so that the History tab has a run;
starts the test desktop of `tests.desktop` (Xvfb, a D-Bus session bus, dunst and trayer);
and takes:

* settings-<tab>.png for every tab of the settings dialog (administrations, data, schedule,
  conflicts, history; on History the newest run is selected, so its changes show);
* settings-records.png: the Data tab's record picker ("Only the records I choose"), with a
  few records ticked; it is closed without OK and the dialog without Save, so the demo's
  config is never written;
* tray-menu.png: the real `stamsync tray` docked in trayer, its menu opened with a right
  click (the icon and the menu);
* notification.png: the real failure notification of `tray/notify.py`, shown by dunst: a
  second demo whose daughter Zuid's database file was deleted, its tray syncing at once.

`--language nl` sets LANGUAGE=nl and LANG=nl_NL.UTF-8 before anything of stamsync is imported
(the dialog and the tray speak the language the environment asks for) and adds "-nl" to the
names; the default, en, sets them to English, so the machine's own locale does not leak in.
Needs the desktop programs of `tests.desktop.PROGRAMS` (and xsetroot, if installed, for a
grey desktop behind the tray menu); without one it says which and exits with status 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

    from settings.dialog import SettingsWindow
    from tests.desktop import Desktop, Tray

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = {"en": ("en", "en_US.UTF-8"), "nl": ("nl", "nl_NL.UTF-8")}
"""--language: (LANGUAGE, LANG)."""
TICKED = 4
"""Records ticked in the record picker's picture."""
MARGIN = 6
"""Pixels of the desktop around the tray menu and the icon."""
BACKGROUND = "#8a9299"
"""The desktop's colour (with xsetroot, where it is installed; else Xvfb's black)."""


class Shots:
    """Where the pictures go and what they are called."""

    def __init__(self, folder: Path, language: str) -> None:
        self.folder = folder
        self.suffix = "" if language == "en" else f"-{language}"
        folder.mkdir(parents=True, exist_ok=True)

    def save(self, image: Image.Image, name: str) -> Path:
        path = self.folder / f"{name}{self.suffix}.png"
        image.save(path)
        print(f"{path} ({image.width}x{image.height})")
        return path


# -- waiting for pictures ------------------------------------------------------------------


def settled_shot(desktop: Desktop, box: tuple[int, int, int, int], what: str) -> Image.Image:
    """The screen in `box` once it has something on it and stopped changing (a window just
    mapped is drawn a moment later)."""
    from tests.desktop import wait_for

    shots: list[Image.Image] = []

    def steady() -> Image.Image | None:
        shots.append(desktop.screenshot(box))
        last = shots[-1]
        blank = last.getcolors(1) is not None  # one colour only
        if len(shots) > 1 and not blank and last.tobytes() == shots[-2].tobytes():
            return last
        return None

    found: Image.Image = wait_for(what, steady, timeout=20)
    return found


def union(*boxes: tuple[int, int, int, int], margin: int = 0) -> tuple[int, int, int, int]:
    """The smallest box holding all `boxes`, `margin` wider, inside the 1024x768 screen."""
    left = max(0, min(x for x, _y, _w, _h in boxes) - margin)
    top = max(0, min(y for _x, y, _w, _h in boxes) - margin)
    right = min(1024, max(x + w for x, _y, w, _h in boxes) + margin)
    bottom = min(768, max(y + h for _x, y, _w, h in boxes) + margin)
    return left, top, right - left, bottom - top


# -- the settings dialog -------------------------------------------------------------------


def settle(window: SettingsWindow) -> None:
    """Until Tk has handled its events and the background work they started has reported."""
    window.root.update()
    while window.tasks.running:
        window.tasks.wait()
        window.root.update()
    window.root.update_idletasks()


def window_box(widget: Any) -> tuple[int, int, int, int]:
    return (widget.winfo_rootx(), widget.winfo_rooty(), widget.winfo_width(),
            widget.winfo_height())


def dialog_shots(desktop: Desktop, config: Path, shots: Shots) -> None:
    from engine import i18n
    from settings.dialog import SettingsWindow
    from settings.dialog.tab_history import HistoryTab

    i18n.use()  # as `stamsync settings` does: the language the environment asks for
    window = SettingsWindow(config)
    try:
        settle(window)
        for name, page in window.tabs.items():
            window.notebook.select(page)
            settle(window)
            if isinstance(page, HistoryTab) and page.reports:
                page.show_run(max(int(run) for run in page.reports))
                settle(window)
            shots.save(settled_shot(desktop, window_box(window.root), f"the {name} tab"),
                       f"settings-{name}")
        records_shot(desktop, window, shots)
    finally:
        window.close()  # never Save: the demo's config stays as it was


def records_shot(desktop: Desktop, window: SettingsWindow, shots: Shots) -> None:
    """The record picker of the Data tab's customers, as "Only the records I choose" opens
    it; destroyed without OK, so nothing reaches the document from it."""
    from settings.dialog.tab_data import DataTab

    page = window.tabs["data"]
    assert isinstance(page, DataTab)
    window.notebook.select(page)
    page.selection_buttons["keys"].invoke()  # the dialog's document only; never saved
    settle(window)
    page.choose_button.invoke()
    picker = page.picker
    if picker is None:
        raise SystemExit(f"the record picker did not open: {page.records_state.cget('text')}")
    settle(window)
    for row in picker.model.rows[:TICKED]:
        picker.toggle(row[0], "sync")
    settle(window)
    shots.save(settled_shot(desktop, window_box(picker), "the record picker"),
               "settings-records")
    picker.destroy()
    settle(window)


# -- the tray ------------------------------------------------------------------------------


def tray_shot(desktop: Desktop, config: Path, home: Path, shots: Shots) -> None:
    from tests.desktop import Tray

    runs = runs_so_far(config)  # counted before the tray starts: its first sync may be quick
    tray = Tray(desktop, config, home).start()
    try:
        wait_for_startup_sync(tray, runs)
        icon = tray.icon()
        menu = open_menu(tray)
        shots.save(settled_shot(desktop, union(icon, menu, margin=MARGIN), "the tray menu"),
                   "tray-menu")
        desktop.run("xdotool", "key", "Escape")
    finally:
        tray.stop()


def runs_so_far(config_path: Path) -> int:
    import engine
    from settings import load

    return len(engine.history(load(config_path).spec))


def wait_for_startup_sync(tray: Tray, before: int) -> None:
    """A tray started inside its schedule's window syncs at once: its menu is shown once
    that sync is over (else it says "Syncing now"). `before`: the runs before it started."""
    import engine
    from settings import load
    from settings.schedule import in_window
    from tests.desktop import wait_for

    config = load(tray.config)
    wait_for("the tray's first log line", lambda: "next sync" in tray.log)

    def finished() -> bool:
        runs = engine.history(config.spec)
        return len(runs) > before and runs[0].status != "running"

    if in_window(config.schedule, dt.datetime.now().astimezone()):
        wait_for("the tray's first sync", finished)


def open_menu(tray: Tray) -> tuple[int, int, int, int]:
    """Right-clicks the icon (as `Tray.pick` does); where the menu window is."""
    from tests.desktop import wait_for

    assert tray.process is not None
    pid, desktop = tray.process.pid, tray.desktop
    x, y, w, h = tray.icon()
    before = set(desktop.windows(pid))
    desktop.run("xdotool", "mousemove", str(x + w // 2), str(y + h // 2), "click", "3")
    new: set[str] = wait_for("the menu", lambda: set(desktop.windows(pid)) - before)
    boxes = [desktop.geometry(window) for window in new]
    return max(boxes, key=lambda box: box[2] * box[3])


# -- a notification ------------------------------------------------------------------------


def broken_demo(folder: Path) -> Path:
    """A second demo whose daughter Zuid's database file is gone, with a schedule open all
    day: its tray syncs at once, and the run fails for Zuid."""
    from settings import Schedule, load, save
    from settings.schedule import DAY_NAMES
    from tray.demo import build_demo

    config = load(build_demo(folder))
    zuid = Path(config.spec.daughters[-1].database.removeprefix("sqlite:"))
    zuid.unlink()
    always = Schedule(days=DAY_NAMES, start=dt.time(0), until=None, every_minutes=60)
    save(dataclasses.replace(config, schedule=always))
    return config.path


def notification_shot(desktop: Desktop, folder: Path, home: Path, shots: Shots) -> None:
    from tests.desktop import Tray, wait_for

    desktop.run("dunstctl", "close-all")
    tray = Tray(desktop, broken_demo(folder), home).start()
    try:
        def shown() -> list[str]:
            return desktop.run("xdotool", "search", "--onlyvisible", "--class", "Dunst",
                               check=False).split()

        window = wait_for("the notification", shown)[0]
        box = desktop.geometry(window)
        shots.save(settled_shot(desktop, box, "the notification"), "notification")
        desktop.run("dunstctl", "close-all")
    finally:
        tray.stop()


# -- the whole ---------------------------------------------------------------------------


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"),
                        help="folder for the PNG files (default: docs/screenshots)")
    parser.add_argument("--language", choices=sorted(LANGUAGES), default="en",
                        help="the language of the dialog and the tray (default: en)")
    return parser.parse_args(argv)


def use_language(language: str) -> None:
    """Before anything of stamsync is imported: its texts follow the environment."""
    os.environ["LANGUAGE"], os.environ["LANG"] = LANGUAGES[language]


def require_programs() -> None:
    from tests.desktop import PROGRAMS, STAMSYNC

    missing = [p for p in PROGRAMS if shutil.which(p) is None]
    if missing:
        raise SystemExit(f"screenshots: the desktop programs {', '.join(missing)} are missing "
                         "(apt-get install xvfb dbus dunst trayer xdotool imagemagick)")
    if not Path(STAMSYNC).exists():
        raise SystemExit(f"screenshots: {STAMSYNC} is missing; install the project into "
                         "this Python (pip install -e .[dev])")


@contextmanager
def desktop_session() -> Iterator[Desktop]:
    """The test desktop; its DISPLAY and bus are this process's from here on (Tk uses them)."""
    from tests.desktop import start_desktop

    with contextmanager(start_desktop)() as desktop:  # then stops them all again
        os.environ.update(desktop.env)
        if shutil.which("xsetroot"):  # a grey desktop around the tray menu, not black
            desktop.run("xsetroot", "-solid", BACKGROUND)
        yield desktop


def demo(folder: Path) -> Path:
    """The demo group, synced once (as `stamsync demo` does), so History has a run."""
    import engine
    from settings import load
    from tray.demo import build_demo

    config = build_demo(folder)
    engine.sync(load(config).spec)
    return config


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    use_language(args.language)
    sys.path.insert(0, str(ROOT))  # tests.desktop
    require_programs()
    shots = Shots(args.out.resolve(), args.language)
    try:
        take(shots)
    except AssertionError as error:  # tests.desktop.wait_for gave up
        raise SystemExit(f"screenshots: {error}") from error
    return 0


def take(shots: Shots) -> None:
    with tempfile.TemporaryDirectory(prefix="stamsync-") as scratch:
        work = Path(scratch)
        os.environ["XDG_CONFIG_HOME"] = str(work / "home" / "config")  # not the user's own
        os.environ["XDG_STATE_HOME"] = str(work / "home" / "state")
        config = demo(work / "stamsync-demo")
        with desktop_session() as desktop:
            dialog_shots(desktop, config, shots)
            tray_shot(desktop, config, work / "home", shots)
            notification_shot(desktop, work / "broken-demo", work / "home-broken", shots)


if __name__ == "__main__":
    sys.exit(main())
