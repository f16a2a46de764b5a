"""A real desktop for the tray's tests: an X server (Xvfb), a D-Bus session bus, a
notification daemon (dunst) and a tray host (trayer), started once per test session; and the
real `stamsync tray` program running in it, driven with xdotool as a person would.

Without these programs the tests skip, or fail where STAMSYNC_REQUIRE_SERVERS=1 (CI).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image

from tests.servers import unavailable

PROGRAMS = ("Xvfb", "dbus-daemon", "dunst", "dunstctl", "trayer", "xdotool", "import")
TRAYER = ["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width",
          "200", "--height", "48", "--SetDockType", "true", "--transparent", "false",
          "--tint", "0x444444"]
STAMSYNC = str(Path(sys.executable).with_name("stamsync"))
"""The installed program, as a user starts it."""


def wait_for(what: str, check: Callable[[], Any], timeout: float = 30) -> Any:
    """Polls `check` until it returns something truthy; fails naming `what` after `timeout`
    seconds (a wait for a window or a file, not a speed limit)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


@dataclass
class Desktop:
    env: dict[str, str]
    """DISPLAY and DBUS_SESSION_BUS_ADDRESS of this desktop."""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def run(self, *command: str, check: bool = True) -> str:
        done = subprocess.run(command, env={**os.environ, **self.env}, capture_output=True,
                              text=True, timeout=60)
        if check and done.returncode != 0:
            raise AssertionError(f"{command} failed: {done.stderr}")
        return done.stdout

    def windows(self, pid: int) -> list[str]:
        """The visible windows of process `pid`."""
        return self.run("xdotool", "search", "--onlyvisible", "--pid", str(pid),
                        check=False).split()

    def geometry(self, window: str) -> tuple[int, int, int, int]:
        values = dict(line.split("=", 1) for line in
                      self.run("xdotool", "getwindowgeometry", "--shell", window).split())
        return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])

    def screenshot(self, box: tuple[int, int, int, int]) -> Image.Image:
        x, y, w, h = box
        png = subprocess.run(["import", "-window", "root", "-crop", f"{w}x{h}+{x}+{y}", "png:-"],
                             env={**os.environ, **self.env}, capture_output=True, check=True,
                             timeout=60).stdout
        return Image.open(BytesIO(png)).convert("RGB")

    def notifications(self) -> list[dict[str, str]]:
        """Every notification dunst has shown (summary, body, appname), oldest first; shown
        ones are closed first so that its history holds them."""
        self.run("dunstctl", "close-all")
        history = json.loads(self.run("dunstctl", "history"))["data"][0]
        shown = [{k: n[k]["data"] for k in ("summary", "body", "appname")} for n in history]
        return list(reversed(shown))

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def start_desktop() -> Iterator[Desktop]:
    missing = [p for p in PROGRAMS if shutil.which(p) is None]
    if missing:
        unavailable(f"the desktop tests need {', '.join(missing)} (apt-get install xvfb dbus "
                    "dunst trayer xdotool imagemagick)")
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24",
                             "-nolisten", "tcp"], pass_fds=[write],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    desktop = Desktop({"DISPLAY": f":{number}"}, [xvfb])
    try:
        bus = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1",
                              "--print-pid=1"], env={**os.environ, **desktop.env},
                             capture_output=True, text=True, check=True, timeout=30)
        address, pid = bus.stdout.split()
        desktop.env["DBUS_SESSION_BUS_ADDRESS"] = address
        env = {**os.environ, **desktop.env}
        desktop.processes.append(subprocess.Popen(["dunst"], env=env, stdout=subprocess.DEVNULL,
                                                  stderr=subprocess.DEVNULL))
        desktop.processes.append(subprocess.Popen(TRAYER, env=env, stdout=subprocess.DEVNULL,
                                                  stderr=subprocess.DEVNULL))
        wait_for("dunst", lambda: desktop.run("dunstctl", "is-paused", check=False))
        wait_for("trayer", lambda: desktop.run("xdotool", "search", "--class", "trayer",
                                               check=False))
        yield desktop
    finally:
        desktop.stop()
        if "DBUS_SESSION_BUS_ADDRESS" in desktop.env:
            os.kill(int(pid), signal.SIGTERM)


@dataclass
class Tray:
    """`stamsync tray --config CONFIG` running on the desktop."""

    desktop: Desktop
    config: Path
    home: Path
    """XDG folders of the test's user (logs, autostart) live here."""
    process: subprocess.Popen[str] | None = None

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, **self.desktop.env,
                "XDG_CONFIG_HOME": str(self.home / "config"),
                "XDG_STATE_HOME": str(self.home / "state"),
                "XDG_CACHE_HOME": str(self.home / "cache")}

    @property
    def log(self) -> str:
        path = self.home / "state" / "stamsync" / "log" / f"{self.config.stem}.log"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def start(self) -> Tray:
        self.process = subprocess.Popen([STAMSYNC, "tray", "--config", str(self.config)],
                                        env=self.env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.icon()
        return self

    def icon(self) -> tuple[int, int, int, int]:
        """Where the icon sits in the tray host (waits for it to dock)."""
        assert self.process is not None
        process = self.process

        def docked() -> tuple[int, int, int, int] | None:
            if process.poll() is not None:
                raise AssertionError(f"the tray exited ({process.returncode}): "
                                     f"{process.stderr.read() if process.stderr else ''}")
            for window in self.desktop.windows(process.pid):
                x, y, w, h = self.desktop.geometry(window)
                if y < 48 and w >= 16:  # inside trayer's panel at the top
                    return x, y, w, h
            return None

        found: tuple[int, int, int, int] = wait_for("the tray icon", docked)
        return found

    def pick(self, *keys: str) -> None:
        """Right-clicks the icon, waits for its menu, and presses `keys` in it (Down from
        the top, Up from the bottom; separators and disabled items are passed over)."""
        assert self.process is not None
        x, y, w, h = self.icon()
        before = set(self.desktop.windows(self.process.pid))
        self.desktop.run("xdotool", "mousemove", str(x + w // 2), str(y + h // 2), "click", "3")
        wait_for("the menu", lambda: set(self.desktop.windows(self.process.pid)) - before
                 if self.process else None)
        time.sleep(0.3)  # the menu takes the keyboard once it is mapped
        self.desktop.run("xdotool", "key", *keys)

    def icon_colours(self) -> Image.Image:
        return self.desktop.screenshot(self.icon())

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60) -> int:
        """Sends `signum` (a still running tray) and returns its exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.process.wait(timeout)

    def wait(self, timeout: float = 60) -> int:
        assert self.process is not None
        return self.process.wait(timeout)
