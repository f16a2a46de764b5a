"""`stamsync run`: the scheduler without an icon, for a scheduled task or a service wrapper.

One instance per config (a second one exits with a message, exit code 3). Ctrl-C and
SIGTERM stop the loop; a sync that is running finishes first. Asked a second time, it stops
at once (the database rolls back a transaction left open; the next run settles the journal).
"""

from __future__ import annotations

import logging
import signal
from pathlib import Path

from tray.instance import Stopper, instance_lock
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

        stop = Stopper(service.stop)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda signum, frame: stop(f"signal {signum}"))
        service.log_start("run", path)
        service.run()
        log.info("stopped")
        return 0
    finally:
        lock.release()
