"""The settings dialog (ttkbootstrap): everything in the config file, set up from one window,
so nobody needs to edit the TOML by hand. `stamsync settings` and the tray's Settings...
open it, as a process of its own; the tray picks up what it saves."""

from __future__ import annotations

from settings.dialog.window import TABS, SettingsWindow

__all__ = ["TABS", "SettingsWindow"]
