"""The config as the settings dialog edits it: the user's comments and order survive a
save, every problem comes with its section and key, and only a valid file is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import ConfigError
from settings import load
from settings.config import ConfigProblem
from settings.document import ConfigDocument, label

COMMENTED = """\
# Our group's stamsync setup -- ask Els before changing it
[mother]
name = "Holding"   # the parent company
database = "sqlite:holding.db"

# Noord was bought in 2019
[[daughters]]
name = "Noord"
database = "sqlite:noord.db"

[entities.customers]
table = "customers"
key = ["code"]
# we keep the name and city only
fields = ["name", "city"]
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    for name in ("holding", "noord", "zuid"):
        (tmp_path / f"{name}.db").touch()
    path = tmp_path / "stamsync.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    return path


def test_a_save_keeps_comments_order_and_what_was_not_touched(path: Path) -> None:
    document = ConfigDocument.open(path)
    document.set(("mother",), "name", "Holding BV")
    document.set(("entities", "customers"), "fields", ["name", "city", "vat_number"])
    at = document.add_daughter("Zuid")
    document.set_database(("daughters", at), f"sqlite:{path.parent / 'zuid.db'}")
    document.set(("schedule",), "every_minutes", 30)
    document.save()
    text = path.read_text(encoding="utf-8")
    for kept in ("# Our group's stamsync setup -- ask Els before changing it",
                 "# the parent company", "# Noord was bought in 2019",
                 "# we keep the name and city only"):
        assert kept in text
    assert text.index("[mother]") < text.index('name = "Noord"') < text.index('name = "Zuid"')
    assert 'name = "Holding BV"   # the parent company' in text
    assert 'database = "sqlite:zuid.db"' in text  # relative: inside the config's folder
    config = load(path)
    assert [d.name for d in config.spec.daughters] == ["Noord", "Zuid"]
    assert config.spec.entities[0].fields == ("name", "city", "vat_number")
    assert config.schedule.every_minutes == 30


def test_problems_name_their_section_and_key(path: Path) -> None:
    document = ConfigDocument.open(path)
    assert document.problems() == []
    document.set(("daughters", 0), "name", "holding")
    document.set(("schedule",), "from", "19:00")
    document.set(("schedule",), "until", "07:00")
    document.set(("entities", "customers"), "key", None)
    found = {(p.where, p.key) for p in document.problems()}
    assert ("[[daughters]] #1", "name") in found
    assert ("[schedule]", "until") in found
    assert ("[entities.customers]", "key") in found
    assert label(("daughters", 0)) == "[[daughters]] #1"
    assert label(("entities", "customers")) == "[entities.customers]"


def test_an_invalid_document_is_never_written(path: Path) -> None:
    document = ConfigDocument.open(path)
    document.set(("schedule",), "days", [])
    with pytest.raises(ConfigError, match="days must list at least one day"):
        document.save()
    assert path.read_text(encoding="utf-8") == COMMENTED


def test_none_removes_a_key_and_entities_come_and_go(path: Path) -> None:
    document = ConfigDocument.open(path)
    document.set(("entities", "customers"), "fields", None)
    assert document.get(("entities", "customers"), "fields") is None
    document.add_entity("projects")
    assert document.entity_names() == ["customers", "projects"]
    assert document.get(("entities", "projects"), "label") == "projects"
    document.remove_entity("projects")
    document.remove_daughter(0)
    assert ConfigProblem("[[daughters]]", "daughters", "at least one daughter is required.") \
        in document.problems()


def test_a_new_config_and_a_file_that_is_not_toml(tmp_path: Path) -> None:
    document = ConfigDocument.open(tmp_path / "none-yet.toml")
    assert document.get(("mother",), "name") is None
    assert {p.key for p in document.problems()} >= {"name", "database", "entities"}
    broken = tmp_path / "broken.toml"
    broken.write_text("[mother\nname = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        ConfigDocument.open(broken)
