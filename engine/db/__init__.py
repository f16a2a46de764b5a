"""One small, DB-API shaped interface to an administration's database.

`connect()` picks the implementation from the administration's `database` string:
`sqlite:PATH` uses Python's sqlite3, `odbc:...` pyodbc with the dialect of the DBMS the
driver reports. Everything above this package speaks only `Database`.
"""

from __future__ import annotations

from engine.db.base import Database, quote_identifier
from engine.db.odbc import OdbcDatabase
from engine.db.sqlite import SQLiteDatabase
from engine.errors import ConfigError
from engine.i18n import _
from engine.model import Administration

__all__ = ["Database", "OdbcDatabase", "SQLiteDatabase", "connect", "quote_identifier"]


def connect(admin: Administration) -> Database:
    """Open the administration's database, or raise DatabaseError naming it."""
    kind, _colon, target = admin.database.partition(":")
    if kind == "sqlite":
        return SQLiteDatabase(admin.name, target)
    if kind == "odbc":
        return OdbcDatabase(admin.name, target, login_timeout=admin.connect_timeout,
                            query_timeout=admin.query_timeout)
    raise ConfigError(_(
        "Administration '{administration}': database '{database}' must start with "
        "'sqlite:' or 'odbc:'.").format(administration=admin.name, database=admin.database))
