"""`stamsync run`: the scheduler without an icon, for a scheduled task or a service wrapper.

One instance per config (a second one exits with a message, exit code 3). Ctrl-C and
SIGTERM stop the loop; a sync that is running finishes first. Asked a second time, it stops
at once (the database rolls back a transaction left open; the next run settles the journal).
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path
from types import FrameType

from tray.instance import instance_lock
from tray.logs import start_logging
from tray.notify import Announcer
from tray.scheduler import Service
from tray.worker import Worker

log = logging.getLogger("stamsync")


def run(config_path: Path) -> int:
    lock = instance_lock(config_path)
    try:
        path = start_logging(config_path, to_stderr=True)
        worker = Worker()
        service = Service(config_path, worker)
        worker.on_done = Announcer(lambda: service.config.notify)  # follows a reloaded config

        signals: list[int] = []

        def stop(signum: int, frame: FrameType | None) -> None:
            if signals:  # asked twice: now, whatever runs (the database rolls it back)
                log.warning("stopping at once (signal %s again)", signum)
                logging.shutdown()
                os._exit(130)
            signals.append(signum)
            log.info("stopping (signal %s); a running sync finishes first (again: at once)",
                     signum)
            service.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        due = service.next_due()
        log.info("stamsync run: config %s, log %s; next sync %s", config_path, path,
                 due.strftime("%a %H:%M") if due else "when resumed")
        service.run()
        log.info("stopped")
        return 0
    finally:
        lock.release()
