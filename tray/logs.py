"""The resident application's log: a rotating file in the user's log folder (platformdirs),
and standard error for `stamsync run` under a service wrapper."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

import platformdirs

FORMAT = "%(asctime)s %(levelname)s %(message)s"
MAX_BYTES = 1_000_000
KEEP = 5


def log_folder() -> Path:
    return Path(platformdirs.user_log_dir("stamsync", appauthor=False))


def start_logging(to_stderr: bool) -> Path:
    """Log to `stamsync.log` in the log folder (1 MB, the last 5 kept); the file's path."""
    folder = log_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "stamsync.log"
    logger = logging.getLogger("stamsync")
    logger.setLevel(logging.INFO)
    handlers: list[logging.Handler] = [logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=KEEP, encoding="utf-8")]
    if to_stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
    return path
