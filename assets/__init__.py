"""The tray's state icons and the app icon (drawn by `assets/draw_icons.py`), shipped with
the package so an installed stamsync finds them."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from PIL import Image

STATES = ("idle", "syncing", "paused", "attention", "error")
"""The tray's states, each with an icon of its own."""


def image(name: str, size: int) -> Image.Image:
    """The icon `name` (a state, or "app") at `size` (16, 32 or 64) px, loaded."""
    with as_file(files(__name__) / f"{name}-{size}.png") as path, Image.open(path) as icon:
        icon.load()
        return icon.copy()


def app_ico() -> Path:
    """The app icon as a Windows .ico file (16-256 px)."""
    return Path(str(files(__name__) / "app.ico"))


def app_png() -> Path:
    """The app icon as a 64 px PNG (for a desktop entry)."""
    return Path(str(files(__name__) / "app-64.png"))
