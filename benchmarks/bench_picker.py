"""Benchmark: the settings dialog's record picker ("Only the records I choose") on a mother
with N customers (default 50,000), against the floor of the same work done by the simplest
plain code, in the same process, on the same display.

What it measures (issue 5: "thousands of records stay responsive"):

* Data: a SQLite mother with N customers (code 'K0000001', name, city, street; seeded, never
  timed) and an empty daughter, and a config with the entity `customers`.
* Through the real dialog (`SettingsWindow` on a virtual X display; Xvfb is started when
  DISPLAY is not set): the Data tab, "Only the records I choose", Choose records...; then:
  1. open: from the click until the picker shows its list (the mother's records read in the
     background, the search index built, the first rows drawn);
  2. search: one word that matches a tenth of the records (the search over every record,
     the list drawn again), as when typing pauses;
  3. click: ticking one record's Sync box (the list drawn again);
  4. tick all: Tick all on the empty search (every record chosen, the list drawn again).
* Floors, by the simplest code doing the same I/O and drawing:
  - open: a new window with a bare ttk.Treeview, plain sqlite3 reading the same columns in
    key order (fetchall), their text lower-cased for searching, and the first 1,000 rows
    given to the Treeview;
  - search: a list comprehension over the records' lower-cased text and the bare Treeview
    drawn again with the first 1,000 matches;
  - click: one row's box set in the bare Treeview;
  - tick all: a set of every key, and the box of each of the 1,000 rows shown set;
  and in each a label under the list says the new count, as the picker's does.
  Each phase and its floor are measured side by side, `--repeat` times (default 5); the best
  counts. Drawing is counted up to `update_idletasks` (Tk has laid the rows out).

Targets (reported, never asserted; see TARGETS for why): open <= 3x its floor, search <=
1.5x, a click <= 3x, Tick all <= 2x; beside the ratios the times themselves, in milliseconds
(a click under 100 ms feels instant).

Run (from the repository root, with the project installed):

    python benchmarks/bench_picker.py                 # N=50,000
    python benchmarks/bench_picker.py --records 200000

This is not a test: pytest never collects it (it lives outside `tests/`).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import tkinter as tk
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DEFAULT_RECORDS = 50_000
SEED = 20261204
SHOWN = 1000
"""Rows the floors draw: as many as the picker shows (records.SHOWN_ROWS)."""
TARGETS = {"open": 3.0, "search": 1.5, "click": 3.0, "tick all": 2.0}
"""Ours. Opening reads through the engine (keyset pages in binary key order, values
normalised) where the floor does one fetchall, and builds a window of a dozen widgets; a
click and Tick all relayout that window where the floor's holds a list and a label."""
CITIES = ("Deventer", "Zwolle", "Utrecht", "Almere", "Venlo", "Lelystad", "Breda", "Assen",
          "Delft", "Gouda")
WORDS = ("Bakkerij", "Transport", "Groep", "Installatie", "Holding", "Adviseurs", "Techniek",
         "Handel", "Bouw", "Zorg", "Media", "Logistiek")


def build(folder: Path, records: int) -> Path:
    """The mother, an empty daughter and the config; the config's path."""
    rng = random.Random(SEED)
    schema = ("CREATE TABLE customers (code TEXT PRIMARY KEY, name TEXT, city TEXT, "
              "street TEXT, credit NUMERIC)")
    rows = ((f"K{n:07}", f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}", CITIES[n % 10],
             f"Dorpsstraat {rng.randint(1, 400)}", rng.randint(0, 10_000))
            for n in range(records))
    for name in ("mother", "noord"):
        with sqlite3.connect(folder / f"{name}.db") as conn:
            conn.execute(schema)
            if name == "mother":
                conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?)", rows)
        conn.close()
    config = folder / "stamsync.toml"
    config.write_text(
        '[mother]\nname = "Holding"\ndatabase = "sqlite:mother.db"\n\n'
        '[[daughters]]\nname = "Noord"\ndatabase = "sqlite:noord.db"\n\n'
        '[entities.customers]\ntable = "customers"\nkey = ["code"]\n', encoding="utf-8")
    return config


@contextmanager
def display() -> Iterator[None]:
    """A display for Tk: the one DISPLAY names, else an Xvfb of our own."""
    if os.environ.get("DISPLAY"):
        yield
        return
    number = next(n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1280x1024x24",
                               "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("bench_picker: Xvfb did not start (apt-get install xvfb)")
            time.sleep(0.05)
        os.environ["DISPLAY"] = f":{number}"
        yield
    finally:
        server.terminate()
        server.wait()


def timed(action: Callable[[], None], root: tk.Misc) -> float:
    """Seconds from the action until Tk has laid out what it drew (what was pending before
    is drawn first, so it does not count)."""
    root.update()
    start = time.perf_counter()
    action()
    root.update_idletasks()
    return time.perf_counter() - start


class Floor:
    """The plain code each phase is compared with: a bare Treeview in the same window."""

    def __init__(self, root: tk.Misc, mother: Path) -> None:
        self.root = root
        self.mother = mother
        self.top: tk.Toplevel | None = None
        self.rows: list[tuple[Any, ...]] = []
        self.text: list[str] = []

    def window(self) -> None:
        """A window of its own with a bare list, as the picker opens one."""
        from tkinter import ttk

        if self.top is not None:
            self.top.destroy()
        self.top = tk.Toplevel(self.root)
        self.tree = ttk.Treeview(self.top, columns=("sync", "skip", "code", "name", "city",
                                                    "street"), show="headings")
        self.tree.pack(fill="both", expand=True)
        self.counts = ttk.Label(self.top, text="")
        self.counts.pack()

    def draw(self, rows: Sequence[tuple[Any, ...]]) -> None:
        self.tree.delete(*self.tree.get_children())
        for index, row in enumerate(rows[:SHOWN]):
            self.tree.insert("", "end", iid=str(index), values=("\u2610", "", *row))
        self.say(f"{len(rows):,} found")

    def say(self, text: str) -> None:
        self.counts.configure(text=text)

    def open(self) -> None:
        self.window()
        with sqlite3.connect(self.mother) as conn:
            self.rows = conn.execute(
                "SELECT code, name, city, street FROM customers ORDER BY code").fetchall()
        conn.close()
        self.text = [" ".join(map(str, row)).lower() for row in self.rows]
        self.draw(self.rows)

    def search(self, word: str) -> None:
        found = [self.rows[i] for i, text in enumerate(self.text) if word in text]
        self.draw(found)

    def click(self) -> None:
        self.tree.set("0", "sync", "\u2611")
        self.say("1 to sync")

    def tick_all(self) -> None:
        chosen = {row[0] for row in self.rows}
        assert len(chosen) == len(self.rows)
        for index in range(min(SHOWN, len(self.rows))):
            self.tree.set(str(index), "sync", "\u2611")
        self.say(f"{len(chosen):,} to sync")


def measure(config: Path, records: int, repeat: int) -> dict[str, tuple[float, float]]:
    """Best seconds of each phase and of its floor."""
    from settings.dialog import SettingsWindow
    from settings.dialog.tab_data import DataTab

    window = SettingsWindow(config, tab="data")
    root = window.root
    data = window.tabs["data"]
    assert isinstance(data, DataTab)
    window.tasks.wait()
    data.selection_buttons["keys"].invoke()
    root.update()
    floor = Floor(root, config.with_name("mother.db"))
    best: dict[str, list[float]] = {phase: [] for phase in TARGETS}
    floors: dict[str, list[float]] = {phase: [] for phase in TARGETS}
    for _round in range(repeat):
        picker: Any = None

        def open_picker() -> None:
            nonlocal picker
            data.picker = None
            data.choose_button.invoke()
            picker = data.picker
            while window.tasks.running:  # as Tk's loop waits: the reading thread runs
                root.update()
                time.sleep(0.001)
            assert picker is not None and len(picker.model.rows) == records, "not all read"

        best["open"].append(timed(open_picker, root))
        floors["open"].append(timed(floor.open, root))

        def search(picker: Any = picker) -> None:
            picker.search.set("zwolle")
            picker._searched()  # as when typing pauses
            assert len(picker.model.matching) == records // 10

        best["search"].append(timed(search, root))
        floors["search"].append(timed(lambda: floor.search("zwolle"), root))
        floor.draw(floor.rows)
        picker.search.set("")
        picker._searched()
        first = picker.model.rows[0][0]
        best["click"].append(timed(lambda p=picker, k=first: p.toggle(k, "sync"), root))
        floors["click"].append(timed(floor.click, root))

        def tick_all(picker: Any = picker) -> None:
            picker.all_button.invoke()
            assert len(picker.model.chosen) == records

        best["tick all"].append(timed(tick_all, root))
        floors["tick all"].append(timed(floor.tick_all, root))
        picker.destroy()
        root.update()
    window.close()
    return {phase: (min(best[phase]), min(floors[phase])) for phase in TARGETS}


def render(records: int, result: dict[str, tuple[float, float]]) -> tuple[str, bool]:
    lines = [f"stamsync record picker benchmark: N={records:,} customers, "
             f"Tk {tk.TkVersion}, Python {sys.version.split()[0]}", "",
             f"{'phase':<10} {'stamsync':>9} {'floor':>9} {'ratio':>7}  {'target':<12} result"
             "   (milliseconds)"]
    met = True
    for phase, (seconds, floor) in result.items():
        ratio = seconds / floor if floor else float("inf")
        ok = ratio <= TARGETS[phase]
        met = met and ok
        lines.append(f"{phase:<10} {seconds * 1000:>9.1f} {floor * 1000:>9.1f} {ratio:>6.2f}x"
                     f"  <= {TARGETS[phase]}x floor  {'PASS' if ok else 'FAIL'}")
    lines.append("all targets met" if met else "targets MISSED: see FAIL above")
    return "\n".join(lines), met


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS,
                        help=f"customers in the mother (default {DEFAULT_RECORDS:,})")
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the best counts")
    args = parser.parse_args(argv)
    if args.records < 10 or args.records % 10:
        parser.error("--records must be a multiple of 10")
    with tempfile.TemporaryDirectory(prefix="stamsync-bench-") as scratch, display():
        config = build(Path(scratch), args.records)
        text, _met = render(args.records, measure(config, args.records, args.repeat))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
