"""An administration in a database server, reached through ODBC with pyodbc.

`odbc:DSN=Noord` or `odbc:Driver={PostgreSQL Unicode};Server=...;Database=...;Uid=...;
Pwd={password}`: the password comes from the OS keyring (`engine.secrets`). The DBMS the
driver reports picks the dialect (`dialects.py`): quoting, binary key order, parameter
limits and the fastest safe way to write many rows.

Reads run in autocommit (each page its own short statement, no transaction held open);
writes run in the explicit transactions `apply.py` opens. A row the database rejects
(SQLSTATE class 22 or 23: constraint, type, length) raises RecordError with the database's
own message; anything else is the administration being unreachable (DatabaseError).
pyodbc is imported on first use, so a machine without an ODBC driver manager still runs
SQLite administrations.
"""

from __future__ import annotations

import configparser
import contextlib
import datetime as dt
import difflib
import functools
import itertools
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from engine import secrets
from engine.db.base import ColumnType, Row
from engine.db.dialects import SQLITE, TEXT_TYPES, TIME_TYPES, WIDE_TYPES, Dialect, dialect_for
from engine.errors import DatabaseError, RecordError
from engine.i18n import _, ngettext

LOGIN_TIMEOUT_SECONDS = 15
QUERY_TIMEOUT_SECONDS = 120

DRIVER_OPTIONS = {
    "postgres": {
        "BoolsAsChar": "0",  # booleans as booleans, not the text '1'/'0'
        "Protocol": "7.4-0",  # no rollback of its own on an error: stamsync's savepoints do it
    },
    "mariadb": {  # ODBC's login timeout is reset to 'none' by this driver: its own options
        "CONN_TIMEOUT": "{login}",  # connecting, and the server's greeting
        "READ_TIMEOUT": "{read}",  # a server that stops answering (a statement ends first)
        "WRITE_TIMEOUT": "{read}",
        "CHARSET": "utf8mb4",  # text travels as UTF-8 (see UTF8_FAMILIES)
    },
    "sqlite": {
        "BigInt": "1",  # integers of 2**31 and more read whole, not cut to 32 bits
    },
}
"""Connection options stamsync adds for a driver family, unless the connection string sets
them itself; {login} and {read} are seconds."""

UTF8_FAMILIES = frozenset({"mariadb"})
"""Drivers that get text as UTF-8 rather than pyodbc's default UTF-16: MariaDB
Connector/ODBC (3.1) stores a string with a character whose UTF-16 low byte is 0xD8-0xDB
(Ø, Ù, Ú, Û, ...) followed by another with a NUL appended, and reads one back a character
short."""

SORTED_READ_ROWS = 50_000
"""Rows per read where the database sorts the whole table for each page (a text key under a
language or case-insensitive collation, read in binary order): fewer, larger reads."""

RECORD_STATES = frozenset({"P0001", "45000"})
"""A trigger or rule refusing the row (PostgreSQL RAISE EXCEPTION, MariaDB/SQL Server
SIGNAL/THROW 45000): that record is rejected, not the administration unreachable."""

_FAMILIES = {"postgres": ("postgres", "psqlodbc"), "mariadb": ("mariadb", "maodbc"),
             "sqlite": ("sqlite",)}


def driver_family(driver: str) -> str | None:
    """The family of a driver, by its name or library path (psqlodbcw.so, libmaodbc.so)."""
    folded = driver.lower()
    for family, words in _FAMILIES.items():
        if any(w in folded for w in words):
            return family
    return None


def with_options(connection: str, family: str | None, seconds: dict[str, int]) -> str:
    """The connection string with the family's options it does not set itself."""
    options = DRIVER_OPTIONS.get(family or "", {})
    given = attributes(connection)
    return connection.rstrip("; ") + "".join(
        f";{name}={value.format(**seconds)}" for name, value in options.items()
        if name.lower() not in given)


_PAIR = re.compile(r"\s*([^=;]+?)\s*=\s*(\{(?:[^}]|\}\})*\}|[^;]*)\s*(?:;|$)")
_TAG = re.compile(
    r"\[(?:[0-9A-Z]{5}|ma-[^\]]*|[0-9.]+-MariaDB[^\]]*|unixODBC|Driver Manager|Microsoft|"
    r"ODBC Driver[^\]]*|SQL Server|FreeTDS|MySQL[^\]]*|SQLite|PostgreSQL[^\]]*)\]\s*")
"""The tags drivers put before a message (SQLSTATE, driver and server); the database's own
text after them, brackets and all, is kept."""
_CALL = re.compile(r"\s*(\(\d+\)\s*)*\(SQL\w+\)\s*$")


def pairs(connection: str) -> list[tuple[str, str]]:
    """The attributes of an ODBC connection string in order, as written (braces kept)."""
    return [(name.strip(), value.strip()) for name, value in _PAIR.findall(connection)]


def attributes(connection: str) -> dict[str, str]:
    """The attributes of an ODBC connection string, names lower-cased, braces removed."""
    found: dict[str, str] = {}
    for name, value in pairs(connection):
        if value.startswith("{") and value.endswith("}"):
            value = value[1:-1].replace("}}", "}")
        else:
            value = value.strip()
        found[name.strip().lower()] = value
    return found


def _braced(value: str) -> str:
    return "{" + value.replace("}", "}}") + "}"


def _pyodbc(administration: str) -> ModuleType:
    try:
        import pyodbc
    except ImportError as error:  # the module, or the driver manager it links (libodbc)
        raise DatabaseError(_(
            "Administration '{administration}': ODBC is not available on this machine "
            "({error}). Install the ODBC driver manager (Windows has it; Debian: apt-get "
            "install unixodbc) and the database's ODBC driver.").format(
            administration=administration, error=error),
            administration=administration) from None
    module: ModuleType = pyodbc
    return module


@dataclass(frozen=True)
class _Table:
    quoted: str
    """The name as the catalog spells it, quoted for SQL."""
    where: dict[str, str]
    """The catalog functions' arguments that find it: table, and schema or catalog."""
    columns: list[str]
    declared: dict[str, ColumnType]

    @functools.cached_property
    def types(self) -> dict[str, int]:
        """Each column's ODBC SQL type."""
        return {name: kind.sql_type for name, kind in self.declared.items()}


def driver_message(error: Exception, secret: str | None = None) -> str:
    """The driver's own words, without pyodbc's tuple and call-name decoration."""
    args: tuple[Any, ...] = getattr(error, "args", ())
    text = str(args[1]) if len(args) > 1 else str(error)
    text = _CALL.sub("", text).strip()
    while (tag := _TAG.match(text)) is not None:  # [08001] [ma-3.1.15][10.11.19-MariaDB-..]
        text = text[tag.end():]
    if secret:
        text = text.replace(_braced(secret), "***").replace(secret, "***")
    text = re.sub(r";?\s*Error while (executing the query|preparing parameters)$", "",
                  text.strip())
    return " ".join(text.split()).rstrip(".")  # the messages built on it add their own


def _time(value: bytes | None) -> dt.time | str | None:
    """A TIME column's text as a time; MariaDB's durations ('-01:00:00', '838:59:59') as the
    text itself."""
    if value is None:
        return None
    text = value.decode("ascii").strip()
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        return text


def _library(driver: str) -> bool:
    """Whether a Driver= value names a driver library (a path, or a file name the driver
    manager finds on its library path, as odbcinst.ini itself does)."""
    return os.path.isfile(driver) or driver.lower().endswith((".so", ".dll", ".dylib"))


def driver_library(name: str) -> str:
    """The library file registered for a driver name (odbcinst.ini, or the Windows
    registry), or '' when it cannot be told."""
    if _library(name):
        return name
    if sys.platform == "win32":
        import winreg

        with contextlib.suppress(OSError), winreg.OpenKey(
                winreg.HKEY_LOCAL_MACHINE, rf"SOFTWARE\ODBC\ODBCINST.INI\{name}") as key:
            return str(winreg.QueryValueEx(key, "Driver")[0])
        return ""
    folder = os.environ.get("ODBCSYSINI", "/etc")
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    with contextlib.suppress(OSError, configparser.Error):
        parser.read([os.path.join(folder, "odbcinst.ini"),
                     os.path.expanduser("~/.odbcinst.ini")], encoding="utf-8")
    for section in parser.sections():
        if section.lower() == name.lower():
            return parser[section].get("Driver", "")
    return ""


def _sqlstate(error: Exception) -> str:
    args = getattr(error, "args", ())
    return str(args[0]) if args else ""


class OdbcDatabase:
    """One administration over one ODBC connection. One thread uses one instance."""

    dialect: Dialect
    dbms: str
    version: str
    """The DBMS's version as the driver reports it (SQL_DBMS_VER), or ''."""
    database: str

    def __init__(self, administration: str, connection: str, *,
                 login_timeout: int = LOGIN_TIMEOUT_SECONDS,
                 query_timeout: int = QUERY_TIMEOUT_SECONDS) -> None:
        self.administration = administration
        self.query_timeout = query_timeout
        pyodbc = _pyodbc(administration)
        self._errors: tuple[type[Exception], ...] = (pyodbc.Error,)
        attrs = attributes(connection)
        driver = attrs.get("driver")
        installed = pyodbc.drivers()
        if (driver is not None and driver.lower() not in {d.lower() for d in installed}
                and not _library(driver)):
            raise self._error(_(
                "the ODBC driver '{driver}' is not installed on this machine. Installed "
                "drivers: {drivers}. Install the driver, or correct "
                "Driver={{...}} in the config.").format(
                driver=driver, drivers=", ".join(installed) or _("none")))
        if driver is None and "dsn" in attrs:
            sources = pyodbc.dataSources()
            match = {d.lower(): d for d in sources}.get(attrs["dsn"].lower())
            if match is None:
                raise self._error(_(
                    "the ODBC data source (DSN) '{dsn}' is not defined on this "
                    "machine. Defined: {sources}. Create it in "
                    "the ODBC Data Source Administrator (Windows) or odbc.ini, or correct the "
                    "DSN in the config.").format(
                    dsn=attrs["dsn"], sources=", ".join(sorted(sources)) or _("none")))
            driver = sources[match]
        secret = None
        if "{password}" in connection:
            secret = secrets.password(administration)
            connection = connection.replace("{password}", _braced(secret))
        seconds = {"login": login_timeout, "read": login_timeout + query_timeout}
        family = driver_family(driver or "") or driver_family(driver_library(driver or ""))
        self.conn = self._connect(pyodbc, with_options(connection, family, seconds), family,
                                  login_timeout, secret)
        actual = driver_family(str(self.conn.getinfo(pyodbc.SQL_DRIVER_NAME)))
        if actual != family and actual in DRIVER_OPTIONS:  # a DSN naming its driver otherwise
            self.conn.close()
            self.conn = self._connect(pyodbc, with_options(connection, actual, seconds), actual,
                                      login_timeout, secret)
        charset = attributes(connection).get("charset", "utf8mb4").lower()
        if actual in UTF8_FAMILIES and charset.startswith("utf8"):  # else the user's own
            for sql_type in (pyodbc.SQL_CHAR, pyodbc.SQL_WCHAR):
                self.conn.setdecoding(sql_type, encoding="utf-8")
            self.conn.setencoding(encoding="utf-8")
        try:
            self._prepare_session(pyodbc, query_timeout)
        except BaseException:
            self.close()
            raise

    def _prepare_session(self, pyodbc: ModuleType, query_timeout: int) -> None:
        info = self.conn.getinfo
        self.dbms = str(info(pyodbc.SQL_DBMS_NAME))
        self.dialect = dialect_for(self.dbms, str(info(pyodbc.SQL_DRIVER_NAME)))
        self.database = str(info(pyodbc.SQL_DATABASE_NAME))
        self.version = ""
        with contextlib.suppress(pyodbc.Error):  # an optional answer for some drivers
            self.version = str(info(pyodbc.SQL_DBMS_VER) or "").strip()
        self._record_errors = (pyodbc.IntegrityError, pyodbc.DataError)
        self._tables: dict[str, _Table] = {}
        self._orders: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        self._matches: dict[tuple[str, tuple[str, ...]], tuple[str, list[int]]] = {}
        self._sql: dict[tuple[Any, ...], str] = {}
        for statement in self.dialect.session_sql:
            self._run(statement.format(seconds=int(query_timeout)))
        with contextlib.suppress(pyodbc.Error):  # ODBC's own as well, where the driver has it
            self.conn.timeout = query_timeout
        if self.dialect.time_as_text:
            self.conn.add_output_converter(pyodbc.SQL_TYPE_TIME, _time)
        database = info(pyodbc.SQL_DATABASE_NAME)
        if self.dialect.schema_is_catalog and database in (None, "", "null"):
            raise self._error(_(
                "the connection names no database: add Database=<name> to the connection "
                "string (or to the DSN)."))

    def _connect(self, pyodbc: ModuleType, connection: str, family: str | None,
                 login_timeout: int, secret: str | None) -> Any:
        own_timeout = any("{login}" in v for v in DRIVER_OPTIONS.get(family or "", {}).values())
        try:
            return pyodbc.connect(connection, autocommit=True,
                                  timeout=0 if own_timeout else login_timeout)
        except pyodbc.Error as error:
            raise self._error(self._connect_advice(error, secret)) from None

    def _connect_advice(self, error: Exception, secret: str | None) -> str:
        state = _sqlstate(error)
        message = driver_message(error, secret)
        if state.startswith("28"):
            advice = _("The user name or password was refused: correct the user in the config, "
                       "or store the right password in the settings dialog (Administrations, "
                       "Password) or with: stamsync password \"{administration}\".").format(
                administration=self.administration)
        elif state in ("IM002", "IM003") or "can't open lib" in message.lower():
            advice = _("The ODBC driver or data source cannot be loaded: check that it is "
                       "installed.")
        else:
            advice = _("Check that the server is running and reachable from this machine and "
                       "that the server, port and database in the config are right.")
        return _("cannot connect: {message}. {advice}").format(message=message, advice=advice)

    @property
    def where(self) -> str:
        """The database in words, for messages: "PostgreSQL database 'holding'"."""
        return _("{dbms} database '{database}'").format(dbms=self.dbms, database=self.database)

    def _error(self, message: str) -> DatabaseError:
        return DatabaseError(_("Administration '{administration}': {message}").format(
            administration=self.administration, message=message),
            administration=self.administration)

    def _unreachable(self, error: Exception) -> DatabaseError:
        message = driver_message(error)
        if _sqlstate(error) == "42501" or "denied" in message.lower():
            advice = _("The database user stamsync logs in with lacks a right on this table "
                       "(reading it, or inserting and updating its rows): have it granted, "
                       "then run the sync again.")
        elif (_sqlstate(error) in ("HYT00", "HYT01", "57014", "70100")
                or any(w in message.lower() for w in ("timeout", "statement_time"))):
            advice = _("A statement waited longer than the query timeout "
                       "({seconds} s), most likely for records another program "
                       "holds locked. Nothing of this step was written; the next run tries "
                       "again. Raise query_timeout for this administration if it keeps "
                       "happening.").format(seconds=self.query_timeout)
        else:
            advice = _("Check that the server is running and reachable, then run the sync "
                       "again.")
        return self._error(_("{where} failed: {message}. {advice}").format(
            where=self.where, message=message, advice=advice))

    # -- catalog ---------------------------------------------------------------------------

    def _split(self, table: str) -> dict[str, str]:
        """The catalog functions' arguments for a table name from the config."""
        schema, _, name = table.rpartition(".")
        return {"table": name, **self._scope(schema)}

    def _scope(self, schema: str = "") -> dict[str, str]:
        """The catalog functions' schema (or catalog) argument: the one named, else the
        connection's default; empty where the engine has none."""
        if not schema and self.dialect.default_schema_sql is not None:
            schema = str(self._query(self.dialect.default_schema_sql, ())[0][0] or "")
        if not schema:
            return {}
        return {"catalog" if self.dialect.schema_is_catalog else "schema": schema}

    def _describe(self, table: str) -> _Table:
        """The table as the catalog knows it; DatabaseError naming close matches if none."""
        if table in self._tables:
            return self._tables[table]
        where = self._split(table)
        found = self._catalog_columns(where)
        names: list[str] = []
        if found is None:  # the catalog function may match names in their exact case only
            names = self._table_names(where)
            spelled = [t for t in names if t.lower() == where["table"].lower()]
            if spelled:
                found = self._catalog_columns({**where, "table": spelled[0]})
        if found is None:
            close = difflib.get_close_matches(where["table"].lower(),
                                              [n.lower() for n in names], n=3, cutoff=0.6)
            by_fold = {n.lower(): n for n in names}
            hint = (_(" Close matches: {matches}.").format(
                        matches=", ".join(by_fold[c] for c in close)) if close
                    else ngettext(" It has {n} tables.", " It has {n} tables.", len(names)).format(
                        n=len(names)) if names else "")
            raise self._error(_(
                "table '{table}' does not exist in {where}.{hint} Correct the table name "
                "in the config (a schema goes in front: 'dbo.DEBITEUR').").format(
                table=table, where=self.where, hint=hint))
        self._tables[table] = found
        return found

    def _catalog_columns(self, where: dict[str, str]) -> _Table | None:
        """The table `where` names, as the catalog spells it, or None. The catalog functions
        take patterns ('_' matches any character) and may match in any case: the rows are
        narrowed to the table of exactly that name, else the one that differs in case only."""
        try:
            rows = self.conn.cursor().columns(**where).fetchall()
        except self._errors as error:
            raise self._unreachable(error) from None
        at = 0 if self.dialect.schema_is_catalog else 1
        wanted = (where.get("catalog" if at == 0 else "schema"), where["table"])
        tables = list(dict.fromkeys((r[0], r[1], str(r[2])) for r in rows))

        def named(t: tuple[Any, Any, str], fold: Callable[[str], str]) -> bool:
            return fold(t[2]) == fold(wanted[1]) and (
                wanted[0] is None or fold(str(t[at])) == fold(wanted[0]))

        match = ([t for t in tables if named(t, str)]
                 or [t for t in tables if named(t, str.lower)])
        if not match:
            return None
        catalog, schema, name = match[0]  # the first schema's, should two schemas hold it
        mine = [r for r in rows if (r[0], r[1], str(r[2])) == match[0]]
        declared = {str(r[3]): ColumnType(str(r[5]), int(r[4]),
                                          None if r[6] is None else int(r[6]),
                                          None if r[8] is None else int(r[8])) for r in mine}
        scope = catalog if self.dialect.schema_is_catalog else schema
        exact = {"table": name}
        if scope:
            exact["catalog" if self.dialect.schema_is_catalog else "schema"] = str(scope)
        quoted = self.dialect.quote(str(scope), name) if scope else self.dialect.quote(name)
        return _Table(quoted, exact, list(declared), declared)

    def _table_names(self, where: dict[str, str]) -> list[str]:
        """The tables and views in the schema (or catalog) of `where`. A schema argument is a
        pattern too ('boek_x' also matches 'boek0x'): only the schema of exactly that name
        counts, else the one that differs in case only."""
        scope = {k: v for k, v in where.items() if k != "table"}
        try:
            rows = [r for r in self.conn.cursor().tables(**scope).fetchall()
                    if str(r[3]).upper() in ("TABLE", "VIEW", "BASE TABLE")]
        except self._errors as error:
            raise self._unreachable(error) from None
        if scope:
            ((kind, wanted),) = scope.items()
            at = 0 if kind == "catalog" else 1
            rows = ([r for r in rows if str(r[at]) == wanted]
                    or [r for r in rows if str(r[at]).lower() == wanted.lower()])
        return [str(r[2]) for r in rows]

    def tables(self) -> list[str]:
        prefix = self.dialect.system_prefix
        names = {n for n in self._table_names(self._scope())
                 if prefix is None or not n.lower().startswith(prefix)}
        return sorted(names, key=lambda n: (n.lower(), n))

    def primary_key(self, table: str) -> list[str]:
        described = self._describe(table)
        if self.dialect.primary_key_sql is not None:
            return [str(r[0]) for r in self._query(
                self.dialect.primary_key_sql,
                self._binds(table, self.dialect.primary_key_binds))]
        try:
            rows = self.conn.cursor().primaryKeys(**described.where).fetchall()
        except self._errors as error:
            raise self._unreachable(error) from None
        return [str(r[3]) for r in sorted(rows, key=lambda r: int(r[4]))]

    def about(self) -> str:
        version = re.sub(r"\b0+(\d)", r"\1", self.version)  # ODBC's 10.11.000019: 10.11.19
        product = f"{self.dbms} {version}" if version else self.dbms
        if self.dialect.name == SQLITE.name:  # a file, named by its path
            return _("{product}, file '{file}'").format(
                product=product, file=os.path.basename(self.database))
        return _("{product}, database '{database}'").format(product=product,
                                                          database=self.database)

    def columns(self, table: str) -> list[str]:
        return list(self._describe(table).columns)

    def unique_key(self, table: str, key: Sequence[str]) -> bool:
        """Whether a primary key or unique index on (some of) the key columns keeps two
        records from having one key."""
        where = self._describe(table).where
        wanted = {k.lower() for k in key}
        try:
            cursor = self.conn.cursor()
            primary = {str(r[3]).lower() for r in cursor.primaryKeys(**where).fetchall()}
            indexes: dict[str, set[str]] = {}
            for r in cursor.statistics(**where, unique=True).fetchall():
                if r[5] is not None and r[8] is not None and not r[3]:
                    indexes.setdefault(str(r[5]), set()).add(str(r[8]).lower())
        except self._errors as error:
            raise self._unreachable(error) from None
        if self.dialect.partial_indexes_sql is not None:
            for (name,) in self._query(self.dialect.partial_indexes_sql,
                                       (self._describe(table).quoted,)):
                indexes.pop(str(name), None)
        return any(cols and cols <= wanted for cols in (primary, *indexes.values()))

    # -- reading ---------------------------------------------------------------------------

    def _order(self, table: str, key: Sequence[str]) -> list[str]:
        """Each key column as an expression in binary order."""
        cache = (table, tuple(key))
        if cache not in self._orders:
            types = self._describe(table).types
            self._orders[cache] = [
                self.dialect.binary(k, *self._collation(table, k), wide=types[k] in WIDE_TYPES)
                if types.get(k) in TEXT_TYPES else self.dialect.quote(k) for k in key]
        return self._orders[cache]

    def _collation(self, table: str, column: str) -> tuple[str | None, str | None]:
        """The column's collation and character set, where the engine tells them."""
        if self.dialect.collation_sql is None:
            return None, None
        rows = self._query(self.dialect.collation_sql,
                           self._binds(table, self.dialect.collation_binds, column))
        if not rows:
            return None, None
        return (str(rows[0][0]) if rows[0][0] else None, str(rows[0][1]) if rows[0][1] else None)

    def _binds(self, table: str, names: Sequence[str], column: str = "") -> tuple[Any, ...]:
        """A dialect's catalog query parameters, by name: quoted (the table), schema, table,
        column."""
        described = self._describe(table)
        known = {"quoted": described.quoted, "table": described.where["table"],
                 "schema": described.where.get("catalog") or described.where.get("schema"),
                 "column": column}
        return tuple(known[name] for name in names)

    def read_page(
        self, table: str, columns: Sequence[str], key: Sequence[str], after: Row | None, limit: int
    ) -> list[Row]:
        quoted = self._describe(table).quoted
        order = self._order(table, key)
        dialect = self.dialect
        cache = ("page", table, tuple(columns), tuple(key), after is None, limit)
        sql = self._sql.get(cache)
        if sql is None:
            sql = self._sql[cache] = dialect.page_sql(quoted, columns, order, after is not None,
                                                      limit)
        params: list[Any] = []
        if after is not None:
            (after,) = self._bindable(table, key, [after])
            for i in range(len(order)):
                params.extend(after[:i + 1])
        try:
            cursor = self.conn.cursor()
            cursor.execute(sql, params)
            rows = cursor.fetchmany(limit) if dialect.limit == "fetch" else cursor.fetchall()
            cursor.close()
        except self._errors as error:
            raise self._unreachable(error) from None
        return list(map(tuple, rows))

    def column_types(self, table: str) -> Mapping[str, ColumnType]:
        return self._describe(table).declared

    def read_size(self, table: str, key: Sequence[str], rows: int) -> int:
        quoted = [self.dialect.quote(k) for k in key]
        if not self.dialect.sorts_per_read or self._order(table, key) == quoted:
            return rows  # the key's own order: an index reads each page
        return max(rows, SORTED_READ_ROWS)

    def fetch_row(self, table: str, columns: Sequence[str], key: Sequence[str],
                  values: Row) -> Row | None:
        cols = ", ".join(self.dialect.quote(c) for c in columns)
        match, take = self._match(table, key)
        (values,) = self._bindable(table, key, [values])
        rows = self._query(f"SELECT {cols} FROM {self._describe(table).quoted} WHERE {match}",
                           tuple(values[i] for i in take))
        return rows[0] if rows else None

    def _match(self, table: str, key: Sequence[str]) -> tuple[str, list[int]]:
        """The WHERE that finds exactly one key, and which key values it binds: a text key
        is matched by the column's own `=` (its index) and in binary, since under a
        case-insensitive collation 'a' = 'A' and a write meant for one record would also
        change the other."""
        cache = (table, tuple(key))
        if cache in self._matches:
            return self._matches[cache]
        terms: list[str] = []
        take: list[int] = []
        for i, (column, binary) in enumerate(zip(key, self._order(table, key), strict=True)):
            quoted = self.dialect.quote(column)
            if binary == quoted:
                terms.append(f"{quoted} = ?")
                take.append(i)
            else:
                terms.append(f"{quoted} = ? AND {binary} = ?")
                take.extend((i, i))
        self._matches[cache] = " AND ".join(terms), take
        return self._matches[cache]

    def count(self, table: str) -> int:
        return int(self._query(f"SELECT count(*) FROM {self._describe(table).quoted}", ())[0][0])

    def key_problems(self, table: str, key: Sequence[str], limit: int = 5) -> tuple[int, list[Row]]:
        name = self._describe(table).quoted
        quoted = [self.dialect.quote(k) for k in key]
        null = " OR ".join(f"{k} IS NULL" for k in quoted)
        nulls = int(self._query(f"SELECT count(*) FROM {name} WHERE {null}", ())[0][0])
        if self.unique_key(table, key):
            return nulls, []
        # Grouped in binary, as the sync tells records apart ('a' and 'A' are two records
        # even where the column's collation calls them equal; writes match them in binary).
        group = ", ".join(self._order(table, key))
        dupes = self._query(f"SELECT {group} FROM {name} WHERE NOT ({null}) GROUP BY {group} "
                            "HAVING count(*) > 1", (), limit)
        return nulls, dupes

    def refresh_statistics(self, table: str) -> None:
        if self.dialect.analyze_sql is None:
            return  # the engine keeps its statistics up to date itself
        with contextlib.suppress(*self._errors):  # not the table's owner: the engine will
            self.conn.execute(self.dialect.analyze_sql.format(table=self._describe(table).quoted))

    def _query(self, sql: str, params: Sequence[Any], limit: int | None = None) -> list[Row]:
        try:
            cursor = self.conn.cursor()
            cursor.execute(sql, *([params] if params else []))
            rows = cursor.fetchall() if limit is None else cursor.fetchmany(limit)
            cursor.close()
        except self._errors as error:
            raise self._unreachable(error) from None
        return list(map(tuple, rows))

    # -- writing ---------------------------------------------------------------------------

    def begin(self) -> None:
        try:
            self.conn.autocommit = False
        except self._errors as error:
            raise self._unreachable(error) from None

    def commit(self) -> None:
        try:
            self.conn.commit()
            self.conn.autocommit = True
        except self._errors as error:
            raise self._unreachable(error) from None

    def rollback(self) -> None:
        try:
            self.conn.rollback()
            self.conn.autocommit = True
        except self._errors:
            pass  # the connection is gone: the server rolls the transaction back itself

    def savepoint(self) -> None:
        self._run(self.dialect.savepoint)

    def release_savepoint(self) -> None:
        if self.dialect.release is not None:
            self._run(self.dialect.release)

    def rollback_savepoint(self) -> None:
        self._run(self.dialect.rollback_to)
        self.release_savepoint()

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        name = self._describe(table).quoted
        dialect = self.dialect
        rows = self._bindable(table, columns, rows)
        if dialect.bulk != "values" or len(rows) == 1:
            self._write(self._insert_sql(name, columns, 1), rows)
            return
        per = dialect.rows_per_insert(len(columns))
        try:
            cursor = self.conn.cursor()
            for start in range(0, len(rows), per):
                chunk = rows[start:start + per]
                cursor.execute(self._insert_sql(name, columns, len(chunk)),
                               list(itertools.chain.from_iterable(chunk)))
            cursor.close()
        except self._errors as error:
            raise self._classify(error) from None

    def _insert_sql(self, table: str, columns: Sequence[str], rows: int) -> str:
        """The same str object for the same statement: pyodbc prepares a statement again
        unless it is handed the very string it prepared last (twice as slow on psqlODBC)."""
        cache = ("insert", table, tuple(columns), rows)
        sql = self._sql.get(cache)
        if sql is None:
            sql = self._sql[cache] = self.dialect.insert_sql(table, columns, rows)
        return sql

    def update(self, table: str, columns: Sequence[str], key: Sequence[str],
               rows: Sequence[Row]) -> None:
        match, take = self._match(table, key)
        cache = ("update", table, tuple(columns), tuple(key))
        sql = self._sql.get(cache)
        if sql is None:
            sets = ", ".join(f"{self.dialect.quote(c)} = ?" for c in columns)
            sql = self._sql[cache] = (
                f"UPDATE {self._describe(table).quoted} SET {sets} WHERE {match}")
        rows = self._bindable(table, [*columns, *key], rows)
        width = len(columns)
        if take != list(range(len(key))):
            rows = [row[:width] + tuple(row[width + i] for i in take) for row in rows]
        self._write(sql, rows)

    def delete(self, table: str, key: Sequence[str], rows: Sequence[Row]) -> None:
        match, take = self._match(table, key)
        sql = f"DELETE FROM {self._describe(table).quoted} WHERE {match}"
        rows = self._bindable(table, key, rows)
        self._write(sql, [tuple(row[i] for i in take) for row in rows])

    def _bindable(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> Sequence[Row]:
        """Datetimes and times for the table's timestamp and time columns as ISO text, where
        the dialect says the driver would bind them with fewer fractional digits (pyodbc
        binds milliseconds at most): a value written must read back as it was."""
        if not self.dialect.iso_times:
            return rows
        types = self._describe(table).types
        at = [i for i, c in enumerate(columns) if types.get(c) in TIME_TYPES]
        if not at:
            return rows

        def iso(row: Row) -> Row:
            values = list(row)
            for i in at:
                value = values[i]
                if isinstance(value, dt.datetime):
                    values[i] = value.isoformat(sep=" ")
                elif isinstance(value, dt.time):
                    values[i] = value.isoformat()
            return tuple(values)

        return [iso(row) for row in rows]

    def is_record_error(self, error: Exception) -> bool:
        return isinstance(error, RecordError)

    def _write(self, sql: str, rows: Sequence[Row]) -> None:
        try:
            cursor = self.conn.cursor()
            if self.dialect.bulk == "fast":
                cursor.fast_executemany = True
            if len(rows) == 1:
                cursor.execute(sql, rows[0])
            else:
                cursor.executemany(sql, rows)
            cursor.close()
        except self._errors as error:
            raise self._classify(error) from None

    def _classify(self, error: Exception) -> Exception:
        """RecordError when the database rejected a row, else the administration failed."""
        message = driver_message(error)
        state = _sqlstate(error)
        native = re.search(r"\((\d+)\)\s*\(SQL\w+\)\s*$", str(getattr(error, "args", ("", ""))[-1]))
        if (isinstance(error, self._record_errors) or state[:2] in ("22", "23")
                or state in RECORD_STATES
                or (self.dialect.user_errors_from is not None and native is not None
                    and int(native.group(1)) >= self.dialect.user_errors_from)
                or any(m in message.lower() for m in self.dialect.record_messages)):
            return RecordError(message)
        return self._unreachable(error)

    def _run(self, sql: str) -> None:
        try:
            self.conn.execute(sql)
        except self._errors as error:
            raise self._unreachable(error) from None

    def close(self) -> None:
        with contextlib.suppress(*self._errors):
            self.conn.close()
