"""Passwords, kept in the OS keyring only (service `stamsync`, user = the administration's
name): Windows Credential Manager, macOS Keychain, the Secret Service on a Linux desktop.

The engine reads a password when it connects; the settings dialog stores and removes them
through `store` and `forget`; so does `stamsync password NAME` on the command line. A
password is never written to the config, a log, the journal or a message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import keyring
import keyring.errors

from engine.errors import DatabaseError
from engine.i18n import _

SERVICE = "stamsync"
_trying: dict[str, str] = {}
"""Passwords typed in the settings dialog and not saved yet, for its Test connection."""


@contextlib.contextmanager
def trying(administration: str, secret: str) -> Iterator[None]:
    """Connections made meanwhile (in any thread) use `secret` for this administration
    instead of the stored password: the settings dialog's Test connection, before Save."""
    _trying[administration] = secret
    try:
        yield
    finally:
        _trying.pop(administration, None)


def password(administration: str) -> str:
    """The stored password, or DatabaseError saying how to store one."""
    if administration in _trying:
        return _trying[administration]
    try:
        secret = keyring.get_password(SERVICE, administration)
    except keyring.errors.KeyringError as error:
        raise DatabaseError(_(
            "Administration '{administration}': its connection asks for {{password}}, but "
            "the OS keyring cannot be read ({kind}: {error}). On Linux the "
            "keyring is the Secret Service of a desktop session: run stamsync in the session "
            "of the user who stored the password (see the README, 'Passwords').").format(
            administration=administration, kind=type(error).__name__, error=error),
            administration=administration) from None
    if secret is None:
        raise DatabaseError(_(
            "Administration '{administration}': its connection asks for {{password}}, but no "
            "password is stored in the OS keyring for it (service '{service}', user "
            "'{administration}'). Store it in the settings dialog (Administrations, "
            "Password) or with: stamsync password \"{administration}\"").format(
            administration=administration, service=SERVICE),
            administration=administration)
    return secret


def store(administration: str, secret: str) -> None:
    keyring.set_password(SERVICE, administration, secret)


def forget(administration: str) -> None:
    with contextlib.suppress(keyring.errors.PasswordDeleteError):
        keyring.delete_password(SERVICE, administration)
