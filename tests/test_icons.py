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
    """The 16 px icon as shape alone: its outline (where it is opaque) and its white sign,
    as two levels of grey, whatever its colour."""
    with Image.open(ASSETS / f"{state}-16.png") as icon:
        rgba = icon.convert("RGBA")
    outline = rgba.getchannel("A").point(lambda a: 128 if a > 127 else 0)
    sign = rgba.convert("L").point(lambda v: 127 if v > 200 else 0)
    opaque = rgba.getchannel("A").point(lambda a: 255 if a > 127 else 0)
    return ImageChops.add(outline, ImageChops.multiply(sign, opaque))


def test_the_states_differ_in_shape_at_16_px() -> None:
    for a, b in itertools.combinations(STATES, 2):
        difference = ImageStat.Stat(ImageChops.difference(shape(a), shape(b))).mean[0]
        # Icons of one shape in two colours give 0; the closest pair here (paused's disc
        # with bars, error's octagon with a cross) gives 6.
        assert difference > 4, f"{a} and {b} have the same shape at 16 px ({difference:.1f})"
