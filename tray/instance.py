"""A resident stamsync (the tray, `stamsync run`): one per config, held by a lock beside the
config's state file for as long as it runs, so a second one exits with a message; and how
it stops."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock, Timeout

from engine import LockHeld
from engine.i18n import N_, _
from settings import load

log = logging.getLogger("stamsync")


def instance_lock(config_path: Path) -> FileLock:
    """The lock that keeps a second tray or `run` off this config (held until released)."""
    state = load(config_path).spec.state_path
    lock = FileLock(state.with_name(state.name + ".app.lock"), timeout=0, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise LockHeld(_(
            "stamsync is already running for '{path}' (in the tray or as `stamsync run`). "
            "Use that one, or quit it first.").format(path=config_path),
            title=N_("Already running")) from None
    return lock


class Stopper:
    """Stops a resident stamsync when asked (Quit, a signal): the first time after a running
    sync has finished its transaction; a second time at once (the database rolls back what
    was open; the next run settles the journal)."""

    def __init__(self, stop: Callable[[], None]) -> None:
        self._stop = stop
        self.asked = False

    def __call__(self, why: str) -> None:
        if self.asked:
            log.warning("stopping at once (%s, asked again)", why)
            logging.shutdown()
            os._exit(130)
        self.asked = True
        log.info("stopping (%s); a running sync finishes first (asked again: at once)", why)
        self._stop()
