"""The one engine worker (DESIGN section 6): a thread that owns every sync, taking commands
from a queue, so syncs never overlap. A sync that raises never ends the worker: the error
is handed to `on_done` like a report, and the next sync goes ahead."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

import engine
from engine import LockHeld, RunReport
from settings import Config

log = logging.getLogger("stamsync")


@dataclass(frozen=True)
class Outcome:
    """How a sync ended: its report, or the error that stopped it before it could report."""

    reason: str
    report: RunReport | None
    error: Exception | None


Done = Callable[[Outcome], None]
Started = Callable[[str], None]
Idle = Callable[[], None]
_STOP = object()


class Worker:
    def __init__(self, on_done: Done = lambda outcome: None,
                 on_start: Started = lambda reason: None,
                 on_idle: Idle = lambda: None) -> None:
        self.on_done = on_done
        """Called in the worker's thread with every sync's outcome."""
        self.on_start = on_start
        """Called in the worker's thread as a sync starts, with its reason."""
        self.on_idle = on_idle
        """Called in the worker's thread once a sync is over and `busy` is False again."""
        self._queue: queue.Queue[object] = queue.Queue()
        self._config: Config | None = None
        self._asking = threading.Lock()
        self._idle = threading.Event()  # clear while a sync is queued or running
        self._idle.set()
        self._thread = threading.Thread(target=self._loop, name="stamsync-worker", daemon=True)
        self._thread.start()

    @property
    def busy(self) -> bool:
        """A sync is queued or running."""
        return not self._idle.is_set()

    def use(self, config: Config) -> None:
        """The config for the next sync (a sync already running keeps its own)."""
        self._config = config

    def request_sync(self, reason: str) -> bool:
        """Queue a sync unless one is queued or running already (then False)."""
        with self._asking:  # the menu's thread and the loop's may ask at once
            if not self._idle.is_set():
                return False
            self._idle.clear()
        self._queue.put(reason)
        return True

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until no sync is queued or running; False when `timeout` passed first."""
        return self._idle.wait(timeout)

    def stop(self) -> None:
        """Let a running sync finish (its transaction commits or rolls back), then end."""
        self._queue.put(_STOP)
        self._thread.join()

    def _loop(self) -> None:
        while True:
            reason = self._queue.get()
            if reason is _STOP:
                return
            try:
                self._sync(str(reason))
            finally:
                self._idle.set()
            try:
                self.on_idle()
            except Exception:
                log.exception("showing that the sync is over failed")

    def _sync(self, reason: str) -> None:
        config = self._config
        if config is None:
            return
        log.info("sync started (%s)", reason)
        try:
            self.on_start(reason)
        except Exception:  # a broken display must not stop the sync
            log.exception("showing that a sync started failed")
        try:
            report = engine.sync(config.spec)
        except LockHeld as held:  # a `stamsync sync` by hand: this one waits for the next tick
            log.info("sync skipped: %s", held)
            return
        except Exception as error:  # never the end of the worker: reported, next run goes on
            log.error("sync failed: %s", error)
            outcome = Outcome(reason, None, error)
        else:
            log.info("sync %s: run %s, status %s", reason, report.run_id, report.status)
            outcome = Outcome(reason, report, None)
        try:
            self.on_done(outcome)
        except Exception:  # a broken notifier must not stop the syncs either
            log.exception("reporting the sync's outcome failed")
