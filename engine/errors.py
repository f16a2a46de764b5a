"""The few kinds of error stamsync raises, each with a message written for the user.

Every message names the thing it is about (file, key, administration, table, column or
record key) and says what to do. The command line maps the kinds to exit codes.
"""

from __future__ import annotations

from engine.i18n import N_, _


class StamsyncError(Exception):
    """Root of every error meant for a person: a short title and a message to act on."""

    title = N_("stamsync")
    """The kind's own title, in English (marked for the catalog); an instance's `title` is
    in the language chosen when it was raised."""
    exit_code = 1

    def __init__(self, message: str, *, title: str | None = None) -> None:
        """`message` is said as it is (translated where it is made); `title` (or the kind's
        own) is marked with `N_` and translated here."""
        super().__init__(message)
        self.message = message
        self.title = _(title if title is not None else type(self).title)

    def __str__(self) -> str:
        return self.message


class ConfigError(StamsyncError):
    """The config file, the command line or the mother's data cannot be used; nothing written."""

    title = N_("Invalid configuration")
    exit_code = 2


class DatabaseError(StamsyncError):
    """An administration cannot be reached, or lacks a table or column the config names."""

    title = N_("Administration problem")
    exit_code = 1

    def __init__(self, message: str, *, administration: str, title: str | None = None) -> None:
        super().__init__(message, title=title)
        self.administration = administration


class RecordError(StamsyncError):
    """A daughter rejected one record (constraint, type, length); the message is the
    database's own. The rest of the batch goes on; the record is tried again next run."""

    title = N_("Record rejected")
    exit_code = 1


class LockHeld(StamsyncError):
    """Another stamsync process is syncing the same config."""

    title = N_("Sync already running")
    exit_code = 3
