"""The icons in assets/ are what assets/draw_icons.py draws, at the sizes the tray uses, and
the five states differ in shape (not only colour) at 16 px."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path
from types import ModuleType

from PIL import Image, ImageChops, ImageStat

ASSETS = Path(__file__).resolve().parent.parent / "assets"
STATES = ("idle", "syncing", "paused", "attention", "error")


def drawing_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("draw_icons", ASSETS / "draw_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_icons_are_what_the_script_draws(tmp_path: Path) -> None:
    drawn = drawing_script().draw_all(tmp_path)
    assert len(drawn) == 6 * 3 + 1
    for path in drawn:
        kept = ASSETS / path.name
        assert kept.is_file(), f"{kept.name} missing: run python assets/draw_icons.py"
        with Image.open(path) as new, Image.open(kept) as old:
            assert new.size == old.size and new.mode == old.mode
            assert new.tobytes() == old.tobytes(), f"{kept.name} differs from its drawing"


def test_every_state_at_every_size() -> None:
    for state, size in itertools.product((*STATES, "app"), (16, 32, 64)):
        with Image.open(ASSETS / f"{state}-{size}.png") as icon:
            assert icon.size == (size, size) and icon.mode == "RGBA"
    with Image.open(ASSETS / "app.ico") as ico:
        assert (16, 16) in ico.info["sizes"] and (256, 256) in ico.info["sizes"]


def shape(state: str) -> Image.Image:
    """The 16 px icon without its colour: how light each pixel is, over a white tray."""
    with Image.open(ASSETS / f"{state}-16.png") as icon:
        white = Image.new("RGBA", icon.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, icon.convert("RGBA")).convert("L")


def test_the_states_differ_in_shape_at_16_px() -> None:
    for a, b in itertools.combinations(STATES, 2):
        difference = ImageStat.Stat(ImageChops.difference(shape(a), shape(b))).mean[0]
        assert difference > 12, f"{a} and {b} look alike in grey at 16 px ({difference:.1f})"
