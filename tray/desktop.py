"""The desktop around the tray: whether there is a session to show an icon in, opening a
folder in the file manager, and starting the settings dialog as a process of its own."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from engine import ConfigError, StamsyncError
from engine.i18n import N_, _

log = logging.getLogger("stamsync")


def stamsync_command(*arguments: str) -> list[str]:
    """The command line that runs `stamsync ARGUMENTS` with this install: the built program
    (on Windows its console-less stamsyncw.exe), else on Windows pythonw (no console window
    opens), else the `stamsync` script beside this Python, else this Python with
    `-m tray.cli`."""
    if getattr(sys, "frozen", False):  # the PyInstaller build (build.spec)
        windowless = Path(sys.executable).with_name("stamsyncw.exe")
        if sys.platform == "win32" and windowless.exists():
            return [str(windowless), *arguments]
        return [sys.executable, *arguments]
    bindir = Path(sys.executable).parent
    if sys.platform == "win32" and (bindir / "pythonw.exe").exists():
        return [str(bindir / "pythonw.exe"), "-m", "tray.cli", *arguments]
    script = bindir / "stamsync"
    found = str(script) if script.exists() else shutil.which("stamsync")
    if found:
        return [found, *arguments]
    return [sys.executable, "-m", "tray.cli", *arguments]


def require_session() -> None:
    """Refuses (exit 2) where no desktop session can show a tray icon. On Linux the icon
    needs X11 (an XEmbed tray; under Wayland, XWayland gives DISPLAY)."""
    if sys.platform in ("win32", "darwin") or os.environ.get("DISPLAY"):
        return
    raise ConfigError(_(
        "There is no desktop session with an X display here (DISPLAY is not set), so there "
        "is no tray for the icon. Use `stamsync run` to sync on the schedule without an "
        "icon, or start stamsync from a desktop session."), title=N_("No desktop"))


def choose_backend() -> None:
    """pystray's backend on Linux: gtk (the only one with a menu here), which needs PyGObject.
    A backend the user chose through PYSTRAY_BACKEND is kept."""
    if not sys.platform.startswith("linux") or os.environ.get("PYSTRAY_BACKEND"):
        return
    if importlib.util.find_spec("gi") is None:
        raise StamsyncError(_(
            "The tray icon's menu needs PyGObject on Linux, which is not installed. Install it "
            "with `apt-get install libgirepository1.0-dev libcairo2-dev pkg-config "
            "gir1.2-gtk-3.0`, then `pip install PyGObject<3.51` in stamsync's environment (the "
            "`tray` extra), or use `stamsync run` to sync without an icon."),
            title=N_("Tray not available"))
    os.environ["PYSTRAY_BACKEND"] = "gtk"
    os.environ.setdefault("GDK_BACKEND", "x11")  # the status icon lives in an X11 tray


def folder_opener() -> list[str] | None:
    """The command that opens a folder in the file manager (None: there is none)."""
    if sys.platform == "win32":
        return ["explorer"]
    if sys.platform == "darwin":
        return ["open"]
    found = shutil.which("xdg-open")
    return [found] if found else None


def open_folder(folder: Path) -> None:
    opener = folder_opener()
    if opener is None:
        raise StamsyncError(_("No program to open folders is installed; the folder is "
                              "{folder}.").format(folder=folder), title=N_("Open folder"))
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.Popen([*opener, str(folder)], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def dialog_available() -> bool:
    """Whether this install has the settings dialog (`stamsync settings`)."""
    return importlib.util.find_spec("settings.dialog") is not None


def open_settings(config_path: Path, tab: str | None = None) -> None:
    """The settings dialog for this config, as a process of its own (its own Tk thread);
    the tray picks up what it saves from the file."""
    command = stamsync_command("settings", "--config", str(config_path),
                               *(["--tab", tab] if tab else []))
    log.info("opening the settings dialog%s", f" ({tab})" if tab else "")
    subprocess.Popen(command, stdin=subprocess.DEVNULL)
