"""An administration's `database` string taken apart into what the settings dialog asks for
(a SQLite file; an ODBC data source; or an ODBC driver with server, port, database and
user), and put together again. Attributes the dialog does not ask for are kept as they were
written, in their order. The password is never here: only the `{password}` placeholder,
filled from the OS keyring when connecting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.db.odbc import pairs

Kind = Literal["sqlite", "dsn", "driver"]

PASSWORD = "{password}"
_ASKED = {"dsn": "dsn", "driver": "driver", "server": "server", "servername": "server",
          "port": "port", "database": "database", "uid": "user", "user": "user",
          "username": "user", "pwd": "password", "password": "password"}
"""Attribute names (lower case) and what the dialog calls them."""


@dataclass
class Connection:
    kind: Kind = "sqlite"
    path: str = ""
    dsn: str = ""
    driver: str = ""
    server: str = ""
    port: str = ""
    database: str = ""
    user: str = ""
    password: bool = False
    """The string asks for the stored password (`Pwd={password}`)."""
    extra: str = ""
    """Other attributes, as written: "BoolsAsChar=0;Protocol=7.4"."""


def parse(database: str) -> Connection:
    """The dialog's view of a `database` string (an unknown one reads as an empty SQLite)."""
    kind, _, target = database.partition(":")
    if kind == "sqlite":
        return Connection("sqlite", path=target)
    if kind != "odbc":
        return Connection()
    found = Connection("driver")
    extra: list[str] = []
    for name, value in pairs(target):
        asked = _ASKED.get(name.lower())
        if asked is None:
            extra.append(f"{name}={value}")
        elif asked == "password":
            found.password = True  # a literal password is refused by the config's check
        elif asked == "dsn":
            found.kind, found.dsn = "dsn", _unbraced(value)
        else:
            setattr(found, asked, _unbraced(value))
    found.extra = ";".join(extra)
    return found


def compose(connection: Connection) -> str:
    """The `database` string for the config ("" when the essential part is missing)."""
    if connection.kind == "sqlite":
        return f"sqlite:{connection.path.strip()}" if connection.path.strip() else ""
    parts: list[str] = []
    if connection.kind == "dsn":
        if not connection.dsn.strip():
            return ""
        parts.append(f"DSN={_braced(connection.dsn.strip())}")
    else:
        if not connection.driver.strip():
            return ""
        parts.append(f"Driver={{{connection.driver.strip()}}}")
        for name, value in (("Server", connection.server), ("Port", connection.port),
                            ("Database", connection.database)):
            if value.strip():
                parts.append(f"{name}={_braced(value.strip())}")
    if connection.user.strip():
        parts.append(f"Uid={_braced(connection.user.strip())}")
    if connection.password:
        parts.append(f"Pwd={PASSWORD}")
    parts.extend(p.strip() for p in connection.extra.split(";") if p.strip())
    return "odbc:" + ";".join(parts)


def _braced(value: str) -> str:
    """A value in braces when it holds a character that would end it."""
    if any(c in value for c in ";{}=") or value != value.strip():
        return "{" + value.replace("}", "}}") + "}"
    return value


def _unbraced(value: str) -> str:
    if value.startswith("{") and value.endswith("}"):
        return value[1:-1].replace("}}", "}")
    return value
