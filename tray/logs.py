"""The resident application's log: a rotating file per config in the user's log folder
(platformdirs), and standard error for `stamsync run` under a service wrapper."""

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


def start_logging(config_path: Path, to_stderr: bool) -> Path:
    """Log to `<config name>.log` in the log folder (1 MB, the last 5 kept), once per
    process however often called; the file's path. Each config has a file of its own, so
    two configs running side by side never rotate each other's."""
    folder = log_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{config_path.stem}.log"
    logger = logging.getLogger("stamsync")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for handler in list(logger.handlers):
        if getattr(handler, "stamsync", False):
            logger.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = [logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=KEEP, encoding="utf-8")]
    if to_stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.stamsync = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    return path
