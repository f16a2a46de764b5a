"""When the resident application syncs (DESIGN sections 2 and 6), and the loop that does it.

The window's rules are plain functions of the time (`settings.schedule`); here: nothing
runs while paused (until a moment, or until resumed), resuming inside the window runs one
sync at once, and "Sync now" runs whatever the window or the pause says.

`Service` is the loop: a private `schedule.Scheduler` ticks every few seconds; each tick
reads the clock, picks up a changed config file, and hands a due sync to the one engine
worker through its queue (`tray.worker`), so syncs never overlap.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import schedule

from engine import ConfigError, i18n
from settings import Config, load
from settings.schedule import in_window, next_run
from tray.worker import Worker

log = logging.getLogger("stamsync")

Clock = Callable[[], dt.datetime]
TICK_SECONDS = 5
"""How often the loop looks at the clock and the config file."""

@dataclass
class Pause:
    """No scheduled sync until `until` (None: until resumed)."""

    until: dt.datetime | None

    def holds(self, now: dt.datetime) -> bool:
        return self.until is None or now < self.until


@dataclass
class Service:
    """The scheduling loop of `stamsync tray` and `stamsync run`, around one engine worker."""

    config_path: Path
    worker: Worker
    clock: Clock = field(default=lambda: dt.datetime.now().astimezone())
    config: Config = field(init=False)
    last_run: dt.datetime | None = None
    pause: Pause | None = None
    _mtime: float = field(default=0.0, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False)

    def __post_init__(self) -> None:
        self.config = load(self.config_path)
        self._mtime = self._modified()
        self.worker.use(self.config)

    # -- what the menu and signals call (from any thread) --------------------------------

    def sync_now(self) -> None:
        """A sync at once, paused or not, inside the window or not."""
        with self._lock:
            self._start_sync("requested")

    def pause_for(self, minutes: int | None) -> None:
        """No scheduled syncs for `minutes` (None: until resumed)."""
        with self._lock:
            now = self.clock()
            self.pause = Pause(None if minutes is None else now + dt.timedelta(minutes=minutes))
        log.info("paused %s", "until resumed" if minutes is None else f"for {minutes} minutes")

    def resume(self) -> None:
        """Scheduled syncs again; inside the window one runs at once."""
        with self._lock:
            self.pause = None
            log.info("resumed")
            if in_window(self.config.schedule, self.clock()):
                self._start_sync("resumed")

    def next_due(self) -> dt.datetime | None:
        """When the next scheduled sync runs (None while paused until resumed)."""
        with self._lock:
            now, pause, rules = self.clock(), self.pause, self.config.schedule
            if pause is None or not pause.holds(now):
                return next_run(rules, now, self.last_run)
            if pause.until is None:
                return None
            return max(next_run(rules, pause.until, None), pause.until)

    def log_start(self, kind: str, log_path: Path) -> None:
        """The first line in the log: which config, the log, and when the first sync runs."""
        due = self.next_due()
        log.info("stamsync %s: config %s, log %s; next sync %s", kind, self.config_path,
                 log_path, due.strftime("%a %H:%M") if due else "when resumed")

    # -- the loop --------------------------------------------------------------------------

    def tick(self) -> None:
        """One look at the clock and the config file; starts a sync when one is due."""
        self._reload_if_changed()
        with self._lock:
            now, pause = self.clock(), self.pause
            if pause is not None and not pause.holds(now):
                self.pause = pause = None
                log.info("pause over")
                if in_window(self.config.schedule, now):  # as a resume: one at once
                    self._start_sync("pause over")
                    return
            if pause is not None or self.worker.busy:
                return
            if in_window(self.config.schedule, now) and next_run(
                    self.config.schedule, now, self.last_run) <= now:
                self._start_sync("scheduled")

    def run(self) -> None:
        """Tick until stop(); returns once the worker has finished its sync."""
        jobs = schedule.Scheduler()  # private: never the module's global one
        jobs.every(TICK_SECONDS).seconds.do(self._safe_tick)
        try:
            if not self._stop.is_set():
                self._safe_tick()  # starting inside the window syncs at once
            while not self._stop.is_set():
                idle = jobs.idle_seconds
                if idle is not None and idle > 2 * TICK_SECONDS:  # the clock went back
                    jobs.clear()
                    jobs.every(TICK_SECONDS).seconds.do(self._safe_tick)
                jobs.run_pending()
                self._stop.wait(1)
        finally:
            self.worker.stop()

    def stop(self) -> None:
        """Stop the loop; a running sync finishes its transaction first."""
        self._stop.set()

    def _safe_tick(self) -> None:
        try:
            self.tick()
        except Exception:  # the loop must outlive any one tick
            log.exception("the scheduler's tick failed; the next one goes ahead")

    def _start_sync(self, reason: str) -> None:
        if self.worker.request_sync(reason):
            self.last_run = self.clock()

    def _modified(self) -> float:
        try:
            return self.config_path.stat().st_mtime
        except OSError:
            return 0.0

    def _reload_if_changed(self) -> None:
        modified = self._modified()
        if modified == self._mtime:
            return
        self._mtime = modified
        try:
            config = load(self.config_path)
        except ConfigError as error:
            log.error("the changed config is not used (the previous one stays): %s", error)
            return
        with self._lock:
            if config.language != self.config.language:
                i18n.use(config.language)
            self.config = config
            self.worker.use(config)
        log.info("config reloaded from %s", self.config_path)
