"""The settings dialog (ttkbootstrap): everything in the config file, set up from one window,
so nobody needs to edit the TOML by hand. `stamsync settings` and the tray's Settings...
open it, as a process of its own; the tray picks up what it saves.

`TABS` is read without importing Tk (the command line offers them as `--tab`);
`SettingsWindow` imports ttkbootstrap when it is first asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

TABS = ("administrations", "data", "schedule", "conflicts", "history")

if TYPE_CHECKING:
    from settings.dialog.window import SettingsWindow


def __getattr__(name: str) -> object:
    if name == "SettingsWindow":
        from settings.dialog.window import SettingsWindow

        return SettingsWindow
    raise AttributeError(f"module 'settings.dialog' has no attribute {name!r}")


__all__ = ["TABS", "SettingsWindow"]
