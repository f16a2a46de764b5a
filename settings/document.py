"""The config file as the settings dialog edits it: the TOML document itself (tomlkit), so
the user's comments, order and spelling survive every save; read and written by section and
key, checked by the same rules as `load` (every problem with its section and key), saved
atomically and only when valid.

A section is named by a path: ("mother",), ("daughters", 0), ("entities", "customers"),
("schedule",), ("conflicts",), ("notify",). Nothing here imports a UI toolkit.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import ParseError
from tomlkit.items import AoT, Table

from engine import ConfigError
from engine.i18n import _
from settings.config import (
    BUILT_IN_ENTITIES,
    WHOLE_FILE,
    Config,
    ConfigProblem,
    ConfigProblems,
    atomic_write,
    parse,
    relative_database,
)

Where = tuple[str | int, ...]
"""A section: ("mother",), ("daughters", 0), ("entities", "customers"), ("schedule",)."""

HEADER = ("stamsync configuration, written by the settings dialog (comments you add are kept); "
          "see the README's configuration reference")


def label(where: Where) -> str:
    """The section as problems name it: "[mother]", "[[daughters]] #2", "[entities.items]"."""
    if where[0] == "daughters":
        return f"[[daughters]] #{int(where[1]) + 1}"
    if where[0] == "entities" and len(where) > 1:
        return f"[entities.{where[1]}]"
    return f"[{where[0]}]"


class ConfigDocument:
    def __init__(self, path: Path, document: tomlkit.TOMLDocument) -> None:
        self.path = path
        self.document = document

    @classmethod
    def open(cls, path: Path) -> ConfigDocument:
        """The file as it is (errors and all, for the dialog to show), or a new document when
        there is no file yet. A file that is not TOML at all raises ConfigError."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls.new(path)
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(_("{path}: cannot be read ({error}).").format(
                path=path, error=error)) from error
        try:
            return cls(path, tomlkit.parse(text))
        except ParseError as error:
            raise ConfigError(_(
                "{path}: not valid TOML: {error}. Fix that line in a text editor, or move "
                "the file aside to start afresh.").format(path=path, error=error)) from None

    @classmethod
    def new(cls, path: Path) -> ConfigDocument:
        document = tomlkit.document()
        document.add(tomlkit.comment(HEADER))
        document["mother"] = tomlkit.table()
        return cls(path, document)

    # -- sections and values ---------------------------------------------------------------

    def section(self, where: Where) -> Table:
        """The section's table, created (empty) when the file has none yet."""
        name = str(where[0])
        if name == "daughters":
            return self.daughters()[int(where[1])]
        if name == "entities" and len(where) > 1:
            entities = self.section(("entities",))
            if str(where[1]) not in entities:
                entities[str(where[1])] = tomlkit.table()
            table = entities[str(where[1])]
        else:
            if name not in self.document:
                self.document[name] = (tomlkit.table(is_super_table=True)
                                       if name == "entities" else tomlkit.table())
            table = self.document[name]
        if not isinstance(table, Table):
            raise ConfigError(_("{path}: {section} must be a table; fix it in a text "
                                "editor.").format(path=self.path, section=label(where)))
        return table

    def get(self, where: Where, key: str, default: Any = None) -> Any:
        """The value as plain Python data (lists, dicts, str, ...), or `default`."""
        try:
            table = self.section(where) if self._has(where) else None
        except ConfigError:
            return default
        if table is None or key not in table:
            return default
        value = table[key]
        return value.unwrap() if hasattr(value, "unwrap") else value

    def set(self, where: Where, key: str, value: Any) -> None:
        """Set a value (None removes the key), leaving everything else as it is."""
        table = self.section(where)
        if value is None:
            if key in table:
                del table[key]
            return
        table[key] = _item(value)

    def set_database(self, where: Where, database: str) -> None:
        """The database string, a SQLite path relative to the config's folder when inside
        it (so the folder can move as a whole)."""
        self.set(where, "database",
                 relative_database(database, self.path.resolve().parent) or None)

    def _has(self, where: Where) -> bool:
        if where[0] == "daughters":
            return 0 <= int(where[1]) < len(self.daughters())
        if where[0] == "entities" and len(where) > 1:
            entities = self.document.get("entities")
            return isinstance(entities, Table) and str(where[1]) in entities
        return str(where[0]) in self.document

    # -- daughters and entities ------------------------------------------------------------

    def daughters(self) -> AoT:
        daughters = self.document.get("daughters")
        if daughters is None:
            daughters = tomlkit.aot()
            self.document["daughters"] = daughters
            daughters = self.document["daughters"]
        if not isinstance(daughters, AoT):
            raise ConfigError(_("{path}: daughters must be [[daughters]] sections; fix it "
                                "in a text editor.").format(path=self.path))
        return daughters

    def add_daughter(self, name: str) -> int:
        table = tomlkit.table()
        table["name"] = name
        self.daughters().append(table)
        return len(self.daughters()) - 1

    def remove_daughter(self, index: int) -> None:
        del self.daughters()[index]

    def entity_names(self) -> list[str]:
        entities = self.document.get("entities")
        return list(entities.keys()) if isinstance(entities, Table) else []

    def add_entity(self, name: str) -> None:
        table = self.section(("entities", name))
        if name not in BUILT_IN_ENTITIES and "label" not in table:
            table["label"] = name

    def remove_entity(self, name: str) -> None:
        entities = self.section(("entities",))
        if name in entities:
            del entities[name]

    # -- checking and saving ---------------------------------------------------------------

    def text(self) -> str:
        return _spaced(tomlkit.dumps(self.document))

    def problems(self) -> list[ConfigProblem]:
        """Everything `load` would refuse, each with its section and key."""
        try:
            parse(self.text(), self.path)
        except ConfigProblems as error:
            return list(error.problems)
        except ConfigError as error:
            return [ConfigProblem(WHOLE_FILE, None, str(error))]
        return []

    def config(self) -> Config:
        return parse(self.text(), self.path)

    def save(self) -> Config:
        """Writes the file (atomically) when it is valid; ConfigError otherwise."""
        config = self.config()
        atomic_write(self.path, self.text())
        return config


_HEADER = re.compile(r"""\[\[?[\w."' -]+\]\]?\s*(#.*)?""")


def _spaced(text: str) -> str:
    """A blank line before each section header that follows a value directly (tomlkit adds
    new sections and keys without one)."""
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        if _HEADER.fullmatch(line) and out and out[-1].strip() and not out[-1].startswith("#"):
            out.append("")
        out.append(line)
    return "\n".join(out)


def _item(value: Any) -> Any:
    """Values as a person would write them: tables inline ({ column = "X", equals = "J" }),
    long lists one item a line."""
    if isinstance(value, dict):
        inline = tomlkit.inline_table()
        inline.update({k: _item(v) for k, v in value.items()})
        return inline
    if isinstance(value, list):
        array = tomlkit.array()
        array.extend(_item(v) for v in value)
        return array.multiline(len(value) > 8)
    return value
