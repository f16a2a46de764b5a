"""The resident application's log: a rotating file per config in the user's log folder
(platformdirs), and standard error for `stamsync run` under a service wrapper."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path
from typing import Any

import platformdirs

FORMAT = "%(asctime)s %(levelname)s %(message)s"
MAX_BYTES = 1_000_000
KEEP = 5


class PrivateLog(logging.handlers.RotatingFileHandler):
    """A rotating log file readable by the user only (it names administrations, tables and
    records), as each file after rotation is too."""

    def _open(self) -> Any:
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if os.name == "posix":
            os.fchmod(descriptor, 0o600)  # a file an older version made readable to others
        return open(descriptor, self.mode, encoding=self.encoding, errors=self.errors)


def log_folder() -> Path:
    return Path(platformdirs.user_log_dir("stamsync", appauthor=False))


def start_logging(config_path: Path, to_stderr: bool) -> Path:
    """Log to `<config name>.log` in the log folder (1 MB, the last 5 kept), once per
    process however often called; the file's path. Each config has a file of its own, so
    two configs running side by side never rotate each other's."""
    folder = log_folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        folder.chmod(0o700)
    path = folder / f"{config_path.stem}.log"
    logger = logging.getLogger("stamsync")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for handler in list(logger.handlers):
        if getattr(handler, "stamsync", False):
            logger.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = [PrivateLog(
        path, maxBytes=MAX_BYTES, backupCount=KEEP, encoding="utf-8")]
    if to_stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.stamsync = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    return path
