"""When the resident application syncs (DESIGN sections 2 and 6), and the loop that does it.

The rules are plain functions of the time, so tests give them any moment:

* a sync runs on the configured days, inside [from, until), every N minutes;
* starting or resuming inside the window runs one sync at once;
* nothing runs outside the window, or while paused (until a moment, or until resumed);
  "Sync now" runs whatever the window or the pause says.

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

from engine import ConfigError
from settings import Config, Schedule, load
from tray.worker import Worker

log = logging.getLogger("stamsync")

Clock = Callable[[], dt.datetime]
TICK_SECONDS = 5
"""How often the loop looks at the clock and the config file."""

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def in_window(rules: Schedule, now: dt.datetime) -> bool:
    """Whether `now` (local time) lies inside the window: a listed day, from <= t < until."""
    if DAY_NAMES[now.weekday()] not in rules.days:
        return False
    moment = now.time()
    return rules.start <= moment and (rules.until is None or moment < rules.until)


def window_opens(rules: Schedule, now: dt.datetime) -> dt.datetime:
    """The next moment at or after `now` when the window is open."""
    if in_window(rules, now):
        return now
    for ahead in range(8):
        day = now.date() + dt.timedelta(days=ahead)
        opens = dt.datetime.combine(day, rules.start, tzinfo=now.tzinfo)
        if opens >= now and in_window(rules, opens):
            return opens
    raise ValueError("the schedule lists no day")  # the config loader refuses this


def next_run(rules: Schedule, now: dt.datetime, last: dt.datetime | None) -> dt.datetime:
    """When the next scheduled sync is due: inside the window, `every_minutes` after the last
    run (at once when the last run was before the window opened today); else when the
    window next opens."""
    if in_window(rules, now):
        if last is None or last < window_start(rules, now):
            return now
        due = last + dt.timedelta(minutes=rules.every_minutes)
        return due if in_window(rules, due) else window_opens(rules, due)
    return window_opens(rules, now)


def window_start(rules: Schedule, now: dt.datetime) -> dt.datetime:
    """When today's window opened (for a moment inside it)."""
    return dt.datetime.combine(now.date(), rules.start, tzinfo=now.tzinfo)


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

    def __post_init__(self) -> None:
        self.config = load(self.config_path)
        self._mtime = self._modified()
        self.worker.use(self.config)

    # -- what the menu and signals call --------------------------------------------------

    def sync_now(self) -> None:
        """A sync at once, paused or not, inside the window or not."""
        self._start_sync("requested")

    def pause_for(self, minutes: int | None) -> None:
        """No scheduled syncs for `minutes` (None: until resumed)."""
        now = self.clock()
        self.pause = Pause(None if minutes is None else now + dt.timedelta(minutes=minutes))
        log.info("paused %s", "until resumed" if minutes is None else f"for {minutes} minutes")

    def resume(self) -> None:
        """Scheduled syncs again; inside the window one runs at once."""
        self.pause = None
        log.info("resumed")
        if in_window(self.config.schedule, self.clock()):
            self._start_sync("resumed")

    def next_due(self) -> dt.datetime | None:
        """When the next scheduled sync runs (None while paused until resumed)."""
        now = self.clock()
        due = next_run(self.config.schedule, now, self.last_run)
        if self.pause is not None and self.pause.holds(now):
            if self.pause.until is None:
                return None
            due = next_run(self.config.schedule, self.pause.until, self.last_run)
        return due

    # -- the loop --------------------------------------------------------------------------

    def tick(self) -> None:
        """One look at the clock and the config file; starts a sync when one is due."""
        self._reload_if_changed()
        now = self.clock()
        if self.pause is not None and not self.pause.holds(now):
            self.pause = None
            log.info("pause over")
        if self.pause is not None or self.worker.busy:
            return
        if in_window(self.config.schedule, now) and next_run(
                self.config.schedule, now, self.last_run) <= now:
            self._start_sync("scheduled")

    def run(self) -> None:
        """Tick until stop(); returns once the worker has finished its sync."""
        jobs = schedule.Scheduler()  # private: never the module's global one
        jobs.every(TICK_SECONDS).seconds.do(self.tick)
        self.tick()  # starting inside the window syncs at once
        while not self._stop.is_set():
            jobs.run_pending()
            self._stop.wait(1)
        self.worker.stop()

    def stop(self) -> None:
        """Stop the loop; a running sync finishes its transaction first."""
        self._stop.set()

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
        self.config = config
        self.worker.use(config)
        log.info("config reloaded from %s", self.config_path)
