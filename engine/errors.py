"""The few kinds of error stamsync raises, each with a message written for the user.

Every message names the thing it is about (file, key, administration, table, column or
record key) and says what to do. The command line maps the kinds to exit codes.
"""

from __future__ import annotations


class StamsyncError(Exception):
    """Root of every error meant for a person: a short title and a message to act on."""

    title = "stamsync"
    exit_code = 1

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class ConfigError(StamsyncError):
    """The config file, the command line or the mother's data cannot be used; nothing written."""

    title = "Invalid configuration"
    exit_code = 2


class DatabaseError(StamsyncError):
    """An administration cannot be reached, or lacks a table or column the config names."""

    title = "Administration problem"
    exit_code = 1

    def __init__(self, message: str, *, administration: str, title: str | None = None) -> None:
        super().__init__(message, title=title)
        self.administration = administration


class RecordError(StamsyncError):
    """A daughter rejected one record (constraint, type, length); the message is the
    database's own. The rest of the batch goes on; the record is tried again next run."""

    title = "Record rejected"
    exit_code = 1


class LockHeld(StamsyncError):
    """Another stamsync process is syncing the same config."""

    title = "Sync already running"
    exit_code = 3
