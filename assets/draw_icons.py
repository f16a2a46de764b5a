"""Draws the tray's state icons and the app icon into this folder (run it after a change:
`python assets/draw_icons.py`); the PNG and ICO files beside it are what it drew.

Each state has a shape of its own as well as a colour, so it can be told at 16 px and by
people who do not tell red from green:

    idle       green disc with a check mark
    syncing    blue disc with a ring of two arrows
    paused     grey disc with two bars
    attention  amber triangle with an exclamation mark
    error      red octagon with a cross

The app icon: a dark blue rounded square with one block above two, joined (the mother and
her daughters). Drawn four times larger and scaled down, so the edges are smooth.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

SIZES = (16, 32, 64)
SCALE = 4
BASE = 64 * SCALE
WHITE = (255, 255, 255, 255)
COLOURS = {
    "idle": (46, 139, 87, 255),
    "syncing": (30, 110, 200, 255),
    "paused": (120, 124, 130, 255),
    "attention": (230, 160, 20, 255),
    "error": (200, 40, 40, 255),
    "app": (25, 55, 110, 255),
}

Draw = Callable[[ImageDraw.ImageDraw, int], None]


def _disc(draw: ImageDraw.ImageDraw, colour: tuple[int, int, int, int], n: int) -> None:
    pad = n // 16
    draw.ellipse((pad, pad, n - pad, n - pad), fill=colour)


def idle(draw: ImageDraw.ImageDraw, n: int) -> None:
    _disc(draw, COLOURS["idle"], n)
    draw.line([(n * 0.27, n * 0.52), (n * 0.44, n * 0.69), (n * 0.74, n * 0.34)], fill=WHITE,
              width=n // 8, joint="curve")


def syncing(draw: ImageDraw.ImageDraw, n: int) -> None:
    _disc(draw, COLOURS["syncing"], n)
    box = (n * 0.24, n * 0.24, n * 0.76, n * 0.76)
    width = n // 10
    for start in (20, 200):
        draw.arc(box, start, start + 130, fill=WHITE, width=width)
        angle = math.radians(start + 130)
        cx, cy, r = n / 2, n / 2, n * 0.26 - width / 2
        tip = (cx + r * math.cos(angle), cy + r * math.sin(angle))
        ahead = math.radians(start + 130 + 90)
        side = (math.cos(ahead), math.sin(ahead))
        out = (math.cos(angle), math.sin(angle))
        size = n * 0.12
        draw.polygon([
            (tip[0] + side[0] * size, tip[1] + side[1] * size),
            (tip[0] + out[0] * size, tip[1] + out[1] * size),
            (tip[0] - out[0] * size, tip[1] - out[1] * size),
        ], fill=WHITE)


def paused(draw: ImageDraw.ImageDraw, n: int) -> None:
    _disc(draw, COLOURS["paused"], n)
    for left in (0.33, 0.55):
        draw.rectangle((n * left, n * 0.28, n * (left + 0.12), n * 0.72), fill=WHITE)


def attention(draw: ImageDraw.ImageDraw, n: int) -> None:
    draw.polygon([(n / 2, n * 0.04), (n * 0.97, n * 0.93), (n * 0.03, n * 0.93)],
                 fill=COLOURS["attention"])
    draw.rectangle((n * 0.445, n * 0.33, n * 0.555, n * 0.66), fill=WHITE)
    draw.rectangle((n * 0.445, n * 0.73, n * 0.555, n * 0.84), fill=WHITE)


def error(draw: ImageDraw.ImageDraw, n: int) -> None:
    r = n * 0.47
    points = [(n / 2 + r * math.cos(math.radians(22.5 + 45 * i)),
               n / 2 + r * math.sin(math.radians(22.5 + 45 * i))) for i in range(8)]
    draw.polygon(points, fill=COLOURS["error"])
    width = n // 8
    draw.line([(n * 0.32, n * 0.32), (n * 0.68, n * 0.68)], fill=WHITE, width=width)
    draw.line([(n * 0.68, n * 0.32), (n * 0.32, n * 0.68)], fill=WHITE, width=width)


def app(draw: ImageDraw.ImageDraw, n: int) -> None:
    draw.rounded_rectangle((n * 0.04, n * 0.04, n * 0.96, n * 0.96), radius=n * 0.18,
                           fill=COLOURS["app"])
    block = n * 0.24
    top = (n / 2 - block / 2, n * 0.16)
    lows = [(n * 0.2, n * 0.6), (n * 0.8 - block, n * 0.6)]
    for x, y in lows:
        draw.line([(n / 2, top[1] + block), (n / 2, n * 0.5), (x + block / 2, n * 0.5),
                   (x + block / 2, y)], fill=WHITE, width=n // 22)
    for x, y in [top, *lows]:
        draw.rectangle((x, y, x + block, y + block), fill=WHITE)


STATES: dict[str, Draw] = {"idle": idle, "syncing": syncing, "paused": paused,
                           "attention": attention, "error": error}


def render(draw_icon: Draw, size: int) -> Image.Image:
    big = Image.new("RGBA", (BASE, BASE), (0, 0, 0, 0))
    draw_icon(ImageDraw.Draw(big), BASE)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def draw_all(folder: Path) -> list[Path]:
    """Every icon into `folder`: <state>-<size>.png, app-<size>.png and app.ico."""
    written = []
    for name, draw_icon in [*STATES.items(), ("app", app)]:
        for size in SIZES:
            path = folder / f"{name}-{size}.png"
            render(draw_icon, size).save(path, optimize=True)
            written.append(path)
    ico = folder / "app.ico"
    render(app, 256).save(ico, sizes=[(16, 16), (32, 32), (48, 48), (64, 64), (256, 256)])
    written.append(ico)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent
    for path in draw_all(target):
        print(path)
