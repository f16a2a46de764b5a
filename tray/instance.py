"""One resident stamsync per config: the tray and `stamsync run` hold a lock beside the
config's state file for as long as they run, so a second one exits with a message."""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from engine import LockHeld
from settings import load


def instance_lock(config_path: Path) -> FileLock:
    """The lock that keeps a second tray or `run` off this config (held until released)."""
    state = load(config_path).spec.state_path
    lock = FileLock(state.with_name(state.name + ".app.lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise LockHeld(
            f"stamsync is already running for '{config_path}' (in the tray or as `stamsync "
            "run`). Use that one, or quit it first.", title="Already running") from None
    return lock
