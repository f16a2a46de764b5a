"""The TOML config file of DESIGN section 2: found, loaded, validated into typed engine
objects, and saved.

Every problem is reported with the file, the key and what to do; all problems of a file are
listed at once, so a user fixes them in one go. Nothing here imports a UI toolkit.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import tomlkit
from tomlkit.exceptions import ParseError

from engine import (
    Administration,
    ConfigError,
    Entity,
    MarkRemoved,
    Policy,
    SelectAll,
    Selection,
    SelectKeys,
    SelectWhere,
    SyncSpec,
)
from engine.i18n import N_, _, ngettext
from engine.i18n import SETTINGS as LANGUAGE_SETTINGS
from engine.model import Key

CONFIG_NAME = "stamsync.toml"
ENV_VAR = "STAMSYNC_CONFIG"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BUILT_IN_ENTITIES = {"customers": "Debiteuren", "suppliers": "Crediteuren", "items": "Artikelen"}

_TOP = ("mother", "daughters", "entities", "schedule", "conflicts", "notify", "interface")
_TIMEOUTS = ("connect_timeout", "query_timeout")
_MOTHER = ("name", "database", *_TIMEOUTS)
_DAUGHTER = ("name", "database", "enabled", "protect", *_TIMEOUTS)
MAX_TIMEOUT = 3600
_ENTITY = ("label", "table", "key", "fields", "select", "skip", "on_remove", "enabled")
_SCHEDULE = ("days", "from", "until", "every_minutes")
_NOTIFY = ("on_failure", "on_conflict", "on_success")
_INTERFACE = ("language",)
WHOLE_FILE = N_("the file")
"""Where a problem of the file as a whole is (sections are named as the file spells them)."""


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a config file: where (the section, as the file spells it: "[mother]",
    "[[daughters]] #2", "[entities.customers]", ...), the key when it is about one, and what
    to do."""

    where: str
    key: str | None
    message: str

    def __str__(self) -> str:
        where = _(self.where) if self.where == WHOLE_FILE else self.where
        return f"{where}: {self.message}"


class ConfigProblems(ConfigError):
    """A config file that cannot be used, with every problem in it (for the settings dialog
    to mark each on its field)."""

    def __init__(self, path: Path, problems: list[ConfigProblem]) -> None:
        lines = "\n".join(f"  - {p}" for p in problems)
        n = len(problems)
        summary = ngettext("{path} has {n} problem(s):", "{path} has {n} problem(s):", n)
        super().__init__(summary.format(path=path, n=n) + f"\n{lines}")
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Schedule:
    """When the resident application syncs: on `days`, in [start, until), every N minutes.
    `until` None means the end of the day (24:00). Local time."""

    days: tuple[str, ...] = DAYS[:5]
    start: dt.time = dt.time(7, 0)
    until: dt.time | None = dt.time(19, 0)
    every_minutes: int = 15


@dataclass(frozen=True)
class Notify:
    on_failure: bool = True
    on_conflict: bool = True
    on_success: bool = False


@dataclass(frozen=True)
class Config:
    path: Path
    spec: SyncSpec
    schedule: Schedule = field(default_factory=Schedule)
    notify: Notify = field(default_factory=Notify)
    language: str = "auto"
    """`[interface] language`: "auto" (the operating system's), "en" or "nl"."""


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--config FILE, else $STAMSYNC_CONFIG, else ./stamsync.toml, else the user's config dir."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    local = Path.cwd() / CONFIG_NAME
    if local.exists():
        return local
    return Path(platformdirs.user_config_dir("stamsync", appauthor=False)) / CONFIG_NAME


def state_path_for(config_path: Path) -> Path:
    """stamsync.toml -> stamsync.state.db, beside it: each config has its own state."""
    return config_path.with_name(config_path.stem + ".state.db")


def language_setting(path: Path) -> str:
    """The file's `[interface] language`, read before the file is checked (so that its
    problems are told in that language): "auto" when it has none, or cannot be read."""
    try:
        interface = tomlkit.parse(path.read_text(encoding="utf-8")).get("interface", {})
        value = interface.get("language", "auto") if isinstance(interface, Mapping) else "auto"
    except (OSError, UnicodeDecodeError, ParseError):
        return "auto"
    return str(value) if value in LANGUAGE_SETTINGS else "auto"


def load(path: str | os.PathLike[str]) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(_(
            "{path}: no config file there. Point --config at yours, or start from the example "
            "in the README's config section (`stamsync demo` writes one too).").format(
                path=path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(_("{path}: cannot be read ({error}).").format(
            path=path, error=error)) from error
    return parse(text, path)


def parse(text: str, path: Path) -> Config:
    try:
        data = tomlkit.parse(text).unwrap()
    except ParseError as error:
        raise ConfigError(_("{path}: not valid TOML: {error}. Fix the line it names.").format(
            path=path, error=error)) from None
    reader = _Reader(path)
    config = reader.config(data)
    if reader.problems or config is None:
        raise ConfigProblems(path, reader.problems)
    return config


_PASSWORD = re.compile(r"(?i)\b(pwd|password)\s*=\s*(?!\{password\})[^;]+")


class _Reader:
    """Walks the parsed TOML, collecting every problem instead of stopping at the first."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[ConfigProblem] = []

    def fail(self, where: str, message: str, key: str | None = None) -> None:
        self.problems.append(ConfigProblem(where, key, message))

    def table(self, data: Any, where: str, allowed: tuple[str, ...],
              required: tuple[str, ...] = ()) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            self.fail(where, _("must be a table, found {kind}.").format(kind=_kind(data)))
            return {}
        for name in data:
            if name not in allowed:
                hint = _did_you_mean(name, allowed) or " " + _("Allowed here: {keys}.").format(
                    keys=", ".join(allowed))
                self.fail(where, _("unknown key '{name}'.").format(name=name) + hint, name)
        for name in required:
            if name not in data:
                self.fail(where, _("'{name}' is required.").format(name=name), name)
        return dict(data)

    def text(self, data: Mapping[str, Any], name: str, where: str,
             default: str | None = None) -> str | None:
        value = data.get(name, default)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(where, _("'{name}' must be non-empty text, found {kind}.").format(
                name=name, kind=_kind(value)), name)
            return None
        return value.strip()

    def flag(self, data: Mapping[str, Any], name: str, where: str, default: bool) -> bool:
        value = data.get(name, default)
        if not isinstance(value, bool):
            self.fail(where, _("'{name}' must be true or false, found {kind}.").format(
                name=name, kind=_kind(value)), name)
            return default
        return value

    def names(self, data: Mapping[str, Any], name: str, where: str) -> tuple[str, ...] | None:
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            value = [value]
        if (not isinstance(value, list) or not value
                or not all(isinstance(v, str) and v.strip() for v in value)):
            self.fail(where, _("'{name}' must be a non-empty list of column names.").format(
                name=name), name)
            return None
        if len(set(value)) != len(value):
            self.fail(where, _("'{name}' lists a column twice.").format(name=name), name)
        return tuple(v.strip() for v in value)

    # -- sections --------------------------------------------------------------------------

    def config(self, data: dict[str, Any]) -> Config | None:
        data = self.table(data, WHOLE_FILE, _TOP, required=("mother", "daughters", "entities"))
        mother = self.administration(data.get("mother", {}), "[mother]", _MOTHER)
        daughters_data = data.get("daughters", [])
        if not isinstance(daughters_data, list):
            self.fail("[[daughters]]", _("must be an array of tables ([[daughters]] sections)."),
                      "daughters")
            daughters_data = []
        elif not daughters_data and "daughters" in data:
            self.fail("[[daughters]]", _("at least one daughter is required."), "daughters")
        daughters = [self.administration(d, f"[[daughters]] #{i + 1}", _DAUGHTER)
                     for i, d in enumerate(daughters_data)]
        entities = self.entities(data.get("entities", {}))
        self.check_administrations(mother, daughters, entities)
        policy = self.policy(data.get("conflicts", {}))
        schedule = self.schedule(data.get("schedule"))
        notify = self.notify(data.get("notify", {}))
        language = self.language(data.get("interface", {}))
        if self.problems or mother is None or any(d is None for d in daughters):
            return None
        spec = SyncSpec(
            mother=mother, daughters=tuple(d for d in daughters if d is not None),
            entities=tuple(entities), state_path=state_path_for(self.path.resolve()),
            policy=policy)
        return Config(self.path, spec, schedule, notify, language)

    def administration(self, data: Any, where: str,
                       allowed: tuple[str, ...]) -> Administration | None:
        data = self.table(data, where, allowed, required=("name", "database"))
        name = self.text(data, "name", where)
        database = self.text(data, "database", where)
        if database is not None:
            database = self.database(database, where)
        enabled = self.flag(data, "enabled", where, True)
        protect: dict[str, tuple[str, ...]] = {}
        raw = data.get("protect", {})
        if not isinstance(raw, Mapping):
            self.fail(where, _("'protect' must be a table such as "
                               "{ customers = [\"credit_limit\"] }."), "protect")
        else:
            for entity in raw:
                names = self.names(raw, entity, f"{where} protect")
                if names is not None:
                    protect[entity] = names
        timeouts = {t: self.seconds(data, t, where, getattr(Administration, t))
                    for t in _TIMEOUTS}
        if name is None or database is None:
            return None
        return Administration(name, database, enabled, protect, **timeouts)

    def seconds(self, data: Mapping[str, Any], name: str, where: str, default: int) -> int:
        value = data.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_TIMEOUT:
            self.fail(where, _("'{name}' must be a whole number of seconds from 1 to "
                               "{maximum}, found {value}.").format(
                                   name=name, maximum=MAX_TIMEOUT, value=repr(value)), name)
            return default
        return value

    def database(self, value: str, where: str) -> str | None:
        password = _PASSWORD.search(value)
        if password:
            self.fail(where, _("the database string holds a password. Write Pwd={password} "
                               "instead; stamsync fills it from the OS keyring."), "database")
        kind, sep, target = value.partition(":")
        if not sep or kind not in ("sqlite", "odbc") or not target.strip():
            shown = _PASSWORD.sub(lambda m: f"{m.group(1)}=***", value)
            self.fail(where, _("'database' = '{shown}' must be 'sqlite:PATH' or "
                               "'odbc:DSN=...' / 'odbc:Driver={{...}};...'.").format(
                                   shown=shown), "database")
            return None
        if password:
            return None
        if kind == "sqlite":
            file = Path(target).expanduser()
            if not file.is_absolute():
                file = self.path.resolve().parent / file
            return f"sqlite:{file.resolve()}"
        return value

    def check_administrations(self, mother: Administration | None,
                              daughters: list[Administration | None],
                              entities: list[Entity]) -> None:
        seen: dict[str, str] = {}
        databases: dict[str, str] = {}
        known_entities = {e.name for e in entities}
        for admin, where in [(mother, "[mother]")] + [
                (d, f"[[daughters]] #{i + 1}") for i, d in enumerate(daughters)]:
            if admin is None:
                continue
            folded = admin.name.lower()
            if folded in seen:
                self.fail(where, _("name '{name}' is already used by {where}; "
                                   "each administration needs its own name.").format(
                                       name=admin.name, where=seen[folded]), "name")
            seen.setdefault(folded, where)
            if admin.database in databases:
                self.fail(where, _("database '{database}' is also {where}; an administration "
                                   "cannot be synced into itself.").format(
                                       database=admin.database,
                                       where=databases[admin.database]), "database")
            databases.setdefault(admin.database, where)
            for entity in admin.protect:
                if entity not in known_entities:
                    hint = _did_you_mean(entity, list(known_entities))
                    self.fail(f"{where} protect", _("entity '{entity}' is not in [entities].")
                              .format(entity=entity) + hint, entity)

    def entities(self, data: Any) -> list[Entity]:
        if not isinstance(data, Mapping) or not data:
            self.fail("[entities]", _("at least one entity is required, e.g. "
                                      "[entities.customers] with table and key."), "entities")
            return []
        return [e for name, raw in data.items()
                if (e := self.entity(name, raw, f"[entities.{name}]")) is not None]

    def entity(self, name: str, data: Any, where: str) -> Entity | None:
        data = self.table(data, where, _ENTITY, required=("table", "key"))
        table = self.text(data, "table", where)
        key = self.names(data, "key", where)
        fields = self.names(data, "fields", where)
        label = self.text(data, "label", where, BUILT_IN_ENTITIES.get(name))
        enabled = self.flag(data, "enabled", where, True)
        width = len(key) if key else 1
        select = self.select(data.get("select", "all"), width, where)
        skip = frozenset(self.keys(data.get("skip", []), width, f"{where} skip"))
        on_remove = self.on_remove(data.get("on_remove", "keep"), where)
        if fields and key:
            both = [f for f in fields if f.lower() in {k.lower() for k in key}]
            if both:
                self.fail(where, _("'{name}' is in both key and fields; remove it from "
                                   "fields.").format(name=both[0]), "fields")
        if table is None or key is None or select is None:
            return None
        return Entity(name=name, table=table, key=key, fields=fields, label=label, select=select,
                      skip=skip, on_remove=on_remove, enabled=enabled)

    def select(self, value: Any, width: int, where: str) -> Selection | None:
        if value == "all":
            return SelectAll()
        if isinstance(value, Mapping) and "keys" in value:
            self.table(value, f"{where} select", ("keys",))
            return SelectKeys(frozenset(self.keys(value["keys"], width, f"{where} select.keys")))
        if isinstance(value, Mapping):
            pair = self.column_and(value, "equals", f"{where} select")
            return SelectWhere(*pair) if pair else None
        self.fail(where, _('select must be "all", { column = "VVSYNC", equals = "J" } or '
                           '{ keys = ["D100", "D101"] }.'), "select")
        return None

    def column_and(self, value: Mapping[str, Any], other: str,
                   where: str) -> tuple[str, Any] | None:
        """A table `{ column = "NAME", <other> = value }`: the column name and the value."""
        self.table(value, where, ("column", other), required=("column", other))
        column = value.get("column")
        if not isinstance(column, str) or not column.strip():
            self.fail(where, _("'column' must be a column name."), "column")
            return None
        return column.strip(), value.get(other)

    def keys(self, value: Any, width: int, where: str) -> list[Key]:
        if not isinstance(value, list):
            self.fail(where, _("must be a list of keys, found {kind}.").format(
                kind=_kind(value)))
            return []
        keys: list[Key] = []
        for item in value:
            key = tuple(item) if isinstance(item, list) else (item,)
            if len(key) != width or not all(isinstance(v, (str, int)) for v in key):
                wrong = (_("{item} is not a key: each key is a plain value.") if width == 1
                         else ngettext("{item} is not a key: each key is a list of {n} value.",
                                       "{item} is not a key: each key is a list of {n} values.",
                                       width))
                self.fail(where, wrong.format(item=repr(item), n=width))
                continue
            keys.append(key)
        return keys

    def on_remove(self, value: Any, where: str) -> MarkRemoved | None:
        if value == "keep":
            return None
        if isinstance(value, Mapping):
            pair = self.column_and(value, "value", f"{where} on_remove")
            return MarkRemoved(*pair) if pair else None
        self.fail(where, _('on_remove must be "keep" or { column = "blocked", value = 1 }.'),
                  "on_remove")
        return None

    def policy(self, data: Any) -> Policy:
        data = self.table(data, "[conflicts]", ("policy",))
        value = data.get("policy", Policy.MOTHER_WINS.value)
        try:
            return Policy(value)
        except ValueError:
            choices = [p.value for p in Policy]
            hint = _did_you_mean(str(value), choices)
            self.fail("[conflicts]", _("policy '{value}' does not exist; choose one of "
                                       "{choices}.").format(value=value, choices=", ".join(choices))
                      + hint, "policy")
            return Policy.MOTHER_WINS

    def schedule(self, data: Any) -> Schedule:
        if data is None:
            return Schedule()
        where = "[schedule]"
        data = self.table(data, where, _SCHEDULE)
        defaults = Schedule()
        days = data.get("days", list(defaults.days))
        if not isinstance(days, list) or not days:
            self.fail(where, _("days must list at least one day, e.g. [\"mon\", \"tue\"]."),
                      "days")
            days = list(defaults.days)
        bad = [d for d in days if d not in DAYS]
        if bad:
            self.fail(where, _("day '{day}' is not one of {days}.").format(
                day=bad[0], days=", ".join(DAYS)), "days")
        start = self.clock(data, "from", where, "07:00")
        until = self.clock(data, "until", where, "19:00", allow_24=True)
        if isinstance(start, dt.time) and isinstance(until, dt.time) and until <= start:
            self.fail(where, _("until ({until}) must be after from ({start}).").format(
                until=_hhmm(until), start=_hhmm(start)), "until")
        every = data.get("every_minutes", defaults.every_minutes)
        if not isinstance(every, int) or isinstance(every, bool) or not 1 <= every <= 1440:
            self.fail(where, _("every_minutes must be a whole number from 1 to 1440."),
                      "every_minutes")
            every = defaults.every_minutes
        return Schedule(
            days=tuple(d for d in DAYS if d in days),
            start=start if isinstance(start, dt.time) else defaults.start,
            until=None if until == "24:00" else until if isinstance(until, dt.time)
            else defaults.until,
            every_minutes=every)

    def clock(self, data: Mapping[str, Any], name: str, where: str, default: str,
              allow_24: bool = False) -> dt.time | str | None:
        value = data.get(name, default)
        if allow_24 and value == "24:00":
            return "24:00"
        if isinstance(value, str) and re.fullmatch(r"\d\d:\d\d", value):
            try:
                return dt.time.fromisoformat(value)
            except ValueError:
                pass
        wrong = (_("{name} = {value} must be a time \"HH:MM\" (00:00-23:59, or 24:00).")
                 if allow_24 else _("{name} = {value} must be a time \"HH:MM\" (00:00-23:59)."))
        self.fail(where, wrong.format(name=name, value=repr(value)), name)
        return None

    def notify(self, data: Any) -> Notify:
        data = self.table(data, "[notify]", _NOTIFY)
        defaults = Notify()
        flags: dict[str, bool] = {
            name: self.flag(data, name, "[notify]", getattr(defaults, name)) for name in _NOTIFY}
        return Notify(**flags)


    def language(self, data: Any) -> str:
        data = self.table(data, "[interface]", _INTERFACE)
        value = data.get("language", "auto")
        if value not in LANGUAGE_SETTINGS:
            self.fail("[interface]", _("language '{value}' is not one of {choices}.").format(
                value=value, choices=", ".join(LANGUAGE_SETTINGS)), "language")
            return "auto"
        return str(value)


def _did_you_mean(name: str, choices: Any) -> str:
    """" Did you mean 'x'?" for the choice closest to `name`, or "" when none is close."""
    close = difflib.get_close_matches(name, choices, n=1)
    return " " + _("Did you mean '{name}'?").format(name=close[0]) if close else ""


def _kind(value: Any) -> str:
    """What a wrong value is, for "found ...": "text 'x'", "number 5", "true", "list"."""
    if isinstance(value, str):
        return _("text '{value}'").format(value=value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return _("number {value}").format(value=value)
    return type(value).__name__


def _hhmm(value: dt.time | str) -> str:
    return value if isinstance(value, str) else value.strftime("%H:%M")


# -- saving ------------------------------------------------------------------------------

def dump(config: Config, path: Path | None = None) -> str:
    """The config as TOML for the file at `path` (default: its own), every key written,
    database paths relative to that file's folder where they lie inside it."""
    spec = config.spec
    doc = tomlkit.document()
    doc.add(tomlkit.comment("stamsync configuration; see the README's configuration reference"))
    base = (path or config.path).resolve().parent
    doc["mother"] = {"name": spec.mother.name,
                     "database": relative_database(spec.mother.database, base),
                     **_timeouts(spec.mother)}
    daughters = tomlkit.aot()
    for d in spec.daughters:
        item: dict[str, Any] = {"name": d.name, "database": relative_database(d.database, base),
                                "enabled": d.enabled}
        if d.protect:
            item["protect"] = {k: list(v) for k, v in d.protect.items()}
        item.update(_timeouts(d))
        daughters.append(tomlkit.item(item))
    doc["daughters"] = daughters
    entities = tomlkit.table(is_super_table=True)
    for e in spec.entities:
        table: dict[str, Any] = {"table": e.table, "key": list(e.key)}
        if e.label:
            table["label"] = e.label
        if e.fields is not None:
            table["fields"] = list(e.fields)
        table["select"] = _select_value(e.select)
        if e.skip:
            table["skip"] = [_key_value(k) for k in sorted(e.skip, key=str)]
        table["on_remove"] = ("keep" if e.on_remove is None else
                              {"column": e.on_remove.column, "value": e.on_remove.value})
        table["enabled"] = e.enabled
        entities[e.name] = table
    doc["entities"] = entities
    s = config.schedule
    doc["schedule"] = {"days": list(s.days), "from": _hhmm(s.start),
                       "until": "24:00" if s.until is None else _hhmm(s.until),
                       "every_minutes": s.every_minutes}
    doc["conflicts"] = {"policy": spec.policy.value}
    doc["notify"] = {"on_failure": config.notify.on_failure,
                     "on_conflict": config.notify.on_conflict,
                     "on_success": config.notify.on_success}
    doc["interface"] = {"language": config.language}
    return tomlkit.dumps(doc)


def _timeouts(admin: Administration) -> dict[str, int]:
    """The timeouts that differ from their defaults (the rest are left out of the file)."""
    return {t: getattr(admin, t) for t in _TIMEOUTS
            if getattr(admin, t) != getattr(Administration, t)}


def save(config: Config, path: str | os.PathLike[str] | None = None) -> Path:
    """Write the config atomically (a temporary file renamed over the old one)."""
    target = Path(path) if path is not None else config.path
    text = dump(config, target)
    parse(text, target)  # never write a file that would not load
    atomic_write(target, text)
    return target


def atomic_write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def relative_database(database: str, base: Path) -> str:
    kind, _sep, target = database.partition(":")
    if kind != "sqlite":
        return database
    try:
        return f"sqlite:{Path(target).relative_to(base).as_posix()}"
    except ValueError:
        return database


def _select_value(select: Selection) -> Any:
    if isinstance(select, SelectWhere):
        return {"column": select.column, "equals": select.equals}
    if isinstance(select, SelectKeys):
        return {"keys": [_key_value(k) for k in sorted(select.keys, key=str)]}
    return "all"


def _key_value(key: Key) -> Any:
    return key[0] if len(key) == 1 else list(key)


