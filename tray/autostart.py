"""Start at login: the tray for one config, started when the user logs in.

On Windows a value under the user's Run key (HKCU\\Software\\Microsoft\\Windows\\
CurrentVersion\\Run); on Linux and other XDG desktops a `.desktop` file in the user's
autostart folder (`$XDG_CONFIG_HOME/autostart`). Each config has an entry of its own, named
after the config file and a hash of its full path, so two configs never share one.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from engine import StamsyncError
from engine.i18n import N_, _
from tray.desktop import stamsync_command

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
TITLE = N_("Start at login")
"""The title of this module's errors."""
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
"""Characters that make an Exec argument need quotes (Desktop Entry Specification)."""


@dataclass(frozen=True)
class Entry:
    on: bool
    where: str
    """The file or registry value that starts stamsync at login."""
    command: list[str]
    """What it starts (when on), or would start."""
    current: bool = True
    """It starts what `command_for` gives now (False: written by another install)."""


def command_for(config_path: Path) -> list[str]:
    """The command that starts the tray for this config (with this install)."""
    return stamsync_command("tray", "--config", str(config_path.resolve()))


def entry_name(config_path: Path) -> str:
    full = str(config_path.resolve())
    digest = hashlib.sha256(full.encode("utf-8")).hexdigest()[:8]
    return f"stamsync-{config_path.stem}-{digest}"


def status(config_path: Path) -> Entry:
    if sys.platform == "win32":
        return _Registry(config_path).status()
    return _Xdg(config_path).status()


def _unsupported() -> None:
    if sys.platform == "darwin":
        raise StamsyncError(_("Start at login is not available on macOS from stamsync; add "
                              "`stamsync tray --config FILE` to the Login Items in System "
                              "Settings."), title=TITLE)


def enable(config_path: Path) -> Entry:
    """Start the tray for this config at login (rewrites an entry that starts another
    install)."""
    if sys.platform == "win32":
        return _Registry(config_path).enable()
    return _Xdg(config_path).enable()


def disable(config_path: Path) -> Entry:
    if sys.platform == "win32":
        return _Registry(config_path).disable()
    return _Xdg(config_path).disable()


def describe(entry: Entry) -> str:
    """One or two lines for a person."""
    if not entry.on:
        return _("Start at login is off (no entry at {where}).").format(where=entry.where)
    text = _("Start at login is on: {where} starts {command}").format(
        where=entry.where, command=subprocess.list2cmdline(entry.command))
    if not entry.current:
        text += "\n" + _("That entry starts another copy of stamsync than this one; run "
                         "`stamsync autostart on` to point it here.")
    return text


# -- Linux and other XDG desktops ------------------------------------------------------------

def exec_quote(argument: str) -> str:
    """One argument of a desktop entry's Exec key, quoted as the Desktop Entry Specification
    says (and %-escaped), before the key file's own backslash escaping."""
    argument = argument.replace("%", "%%")
    if argument and not _RESERVED.intersection(argument):
        return argument
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in argument)
    return f'"{escaped}"'


def key_file_escape(value: str) -> str:
    """A string value as a desktop entry holds it (backslash, newline, tab, return)."""
    value = value.replace("\\", "\\\\")
    return value.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def exec_line(command: list[str]) -> str:
    """The Exec value as written in the file: quoted arguments, then the key file's string
    escapes."""
    return key_file_escape(" ".join(exec_quote(a) for a in command))


class _Xdg:
    def __init__(self, config_path: Path) -> None:
        _unsupported()
        self.config_path = config_path
        folder = Path(os.environ.get("XDG_CONFIG_HOME") or platformdirs.user_config_dir())
        self.path = folder / "autostart" / f"{entry_name(config_path)}.desktop"

    def status(self) -> Entry:
        wanted = command_for(self.config_path)
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Entry(False, str(self.path), wanted)
        except OSError as error:
            raise StamsyncError(_("{path} cannot be read ({error}).").format(
                path=self.path, error=error), title=TITLE) from error
        keys = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
        on = (keys.get("Hidden", "false") != "true"
              and keys.get("X-GNOME-Autostart-enabled", "true") != "false")
        return Entry(on, str(self.path), wanted, keys.get("Exec") == exec_line(wanted))

    def enable(self) -> Entry:
        from assets import app_png

        command = command_for(self.config_path)
        config = str(self.config_path.resolve())
        text = "\n".join([
            "[Desktop Entry]",
            "Type=Application",
            "Name=stamsync" + ("" if self.config_path.stem == "stamsync"
                               else f" ({self.config_path.stem})"),
            f"Comment={key_file_escape(f'Keeps master data in sync for {config}')}",
            f"Exec={exec_line(command)}",
            f"Icon={key_file_escape(str(app_png()))}",
            "Terminal=false",
            "X-GNOME-Autostart-enabled=true",
            "",
        ])
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(".partial")
            partial.write_text(text, encoding="utf-8")
            partial.replace(self.path)
        except OSError as error:
            raise StamsyncError(_(
                "Start at login could not be switched on: {path} cannot be written ({error}). "
                "Check that folder's permissions.").format(path=self.path, error=error),
                title=TITLE) from error
        return self.status()

    def disable(self) -> Entry:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as error:
            raise StamsyncError(_(
                "Start at login could not be switched off: {path} cannot be removed ({error}). "
                "Remove it by hand.").format(path=self.path, error=error),
                title=TITLE) from error
        return self.status()


# -- Windows ---------------------------------------------------------------------------------

if sys.platform == "win32":  # winreg exists only there
    import winreg

    class _Registry:
        """The value under HKCU's Run key."""

        def __init__(self, config_path: Path) -> None:
            self.config_path = config_path
            self.name = entry_name(config_path)
            self.where = f"HKEY_CURRENT_USER\\{RUN_KEY}\\{self.name}"

        def status(self) -> Entry:
            wanted = command_for(self.config_path)
            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                    value, _ = winreg.QueryValueEx(key, self.name)
            except FileNotFoundError:
                return Entry(False, self.where, wanted)
            except OSError as error:
                raise StamsyncError(_("{path} cannot be read ({error}).").format(
                    path=self.where, error=error), title=TITLE) from error
            return Entry(True, self.where, wanted, value == subprocess.list2cmdline(wanted))

        def enable(self) -> Entry:
            line = subprocess.list2cmdline(command_for(self.config_path))
            try:
                with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                    winreg.SetValueEx(key, self.name, 0, winreg.REG_SZ, line)
            except OSError as error:
                raise StamsyncError(_(
                    "Start at login could not be switched on: {path} cannot be written "
                    "({error}).").format(path=self.where, error=error), title=TITLE) from error
            return self.status()

        def disable(self) -> Entry:
            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0,
                                    winreg.KEY_SET_VALUE) as key:
                    winreg.DeleteValue(key, self.name)
            except FileNotFoundError:
                pass
            except OSError as error:
                raise StamsyncError(_(
                    "Start at login could not be switched off: {path} cannot be removed "
                    "({error}).").format(path=self.where, error=error), title=TITLE) from error
            return self.status()
