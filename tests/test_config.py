"""The config file contract of DESIGN section 2: what loads, what every default is, and
that every mistake is refused with a message naming the file, the key and the problem.

Real files in tmp_path, no mocks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import textwrap
from pathlib import Path

import platformdirs
import pytest

from engine import (
    Administration,
    ConfigError,
    Entity,
    MarkRemoved,
    Policy,
    SelectAll,
    SelectKeys,
    SelectWhere,
    SyncSpec,
)
from settings.config import (
    Config,
    Notify,
    Schedule,
    dump,
    find_config,
    load,
    parse,
    save,
    state_path_for,
)

# -- helpers ---------------------------------------------------------------------------------

MOTHER = """
[mother]
name = "Holding"
database = "sqlite:holding.db"
"""

DAUGHTER = """
[[daughters]]
name = "Noord"
database = "sqlite:noord.db"
"""

ENTITY = """
[entities.customers]
table = "customers"
key = ["code"]
"""

MINIMAL = MOTHER + DAUGHTER + ENTITY

FULL = """
[mother]
name = "Holding"
database = "sqlite:data/holding.db"

[[daughters]]
name = "Noord"
database = "odbc:DSN=Noord"
enabled = true
protect = { customers = ["credit_limit"] }

[[daughters]]
name = "Zuid"
database = "odbc:Driver={FreeTDS};Server=srv;Database=Zuid;Uid=sync;Pwd={password}"
enabled = false
protect = { customers = ["credit_limit", "payment_terms"], items = ["price"] }

[entities.customers]
label = "Klanten"
table = "dbo.REL_DEB"
key = ["code"]
fields = ["name", "city", "vat_number"]
select = { column = "VVSYNC", equals = "J" }
skip = ["D999", "D998"]
on_remove = { column = "blocked", value = 1 }
enabled = true

[entities.items]
table = "items"
key = ["company", "number"]
select = { keys = [["A", 2], ["B", 3]] }
skip = [["A", 9]]
on_remove = "keep"
enabled = false

[entities.suppliers]
table = "suppliers"
key = ["code"]
select = "all"

[schedule]
days = ["mon", "wed", "sat"]
from = "06:30"
until = "22:15"
every_minutes = 5

[conflicts]
policy = "daughter-wins"

[notify]
on_failure = false
on_conflict = false
on_success = true
"""


def write(folder: Path, text: str, name: str = "stamsync.toml") -> Path:
    """Write a config file (creating its folder) and return its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_text(tmp_path: Path, text: str) -> Config:
    return load(write(tmp_path, text))


def refused(tmp_path: Path, text: str) -> tuple[Path, str]:
    """Load a config that must be refused; return its path and the error message."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load(path)
    return path, str(info.value)


def assert_names(message: str, path: Path, *parts: str) -> None:
    """The message names the file and every part (section, key, problem)."""
    assert str(path) in message, message
    for part in parts:
        assert part in message, f"{part!r} missing from:\n{message}"


def problem_lines(message: str) -> list[str]:
    return [line for line in message.splitlines() if line.lstrip().startswith("- ")]


def sqlite(path: Path) -> str:
    return f"sqlite:{path}"


# -- a full config ---------------------------------------------------------------------------


def test_a_full_config_loads_into_typed_engine_objects(tmp_path: Path) -> None:
    config = load_text(tmp_path, FULL)
    folder = tmp_path.resolve()

    assert isinstance(config, Config)
    assert isinstance(config.spec, SyncSpec)
    spec = config.spec

    assert spec.mother == Administration("Holding", sqlite(folder / "data" / "holding.db"))
    assert spec.daughters == (
        Administration("Noord", "odbc:DSN=Noord", True, {"customers": ("credit_limit",)}),
        Administration(
            "Zuid",
            "odbc:Driver={FreeTDS};Server=srv;Database=Zuid;Uid=sync;Pwd={password}",
            False,
            {"customers": ("credit_limit", "payment_terms"), "items": ("price",)},
        ),
    )
    assert spec.policy is Policy.DAUGHTER_WINS
    assert spec.state_path == folder / "stamsync.state.db"


def test_entities_keep_every_setting_and_the_order_of_the_file(tmp_path: Path) -> None:
    customers, items, suppliers = load_text(tmp_path, FULL).spec.entities

    assert customers == Entity(
        name="customers", table="dbo.REL_DEB", key=("code",),
        fields=("name", "city", "vat_number"), label="Klanten",
        select=SelectWhere("VVSYNC", "J"), skip=frozenset({("D999",), ("D998",)}),
        on_remove=MarkRemoved("blocked", 1), enabled=True)
    assert items == Entity(
        name="items", table="items", key=("company", "number"), fields=None,
        label="Artikelen", select=SelectKeys(frozenset({("A", 2), ("B", 3)})),
        skip=frozenset({("A", 9)}), on_remove=None, enabled=False)
    assert suppliers.select == SelectAll()
    assert suppliers.label == "Crediteuren"


def test_a_full_config_reads_the_schedule_and_notifications(tmp_path: Path) -> None:
    config = load_text(tmp_path, FULL)

    assert config.schedule == Schedule(
        days=("mon", "wed", "sat"), start=dt.time(6, 30), until=dt.time(22, 15),
        every_minutes=5)
    assert config.notify == Notify(on_failure=False, on_conflict=False, on_success=True)


def test_a_minimal_config_gets_every_default(tmp_path: Path) -> None:
    config = load_text(tmp_path, MINIMAL)
    spec = config.spec
    (daughter,) = spec.daughters
    (customers,) = spec.entities

    assert spec.policy is Policy.MOTHER_WINS
    assert daughter.enabled is True
    assert dict(daughter.protect) == {}
    assert customers.select == SelectAll()
    assert customers.on_remove is None  # "keep"
    assert customers.enabled is True
    assert customers.fields is None  # every column except the key
    assert customers.skip == frozenset()
    assert customers.label == "Debiteuren"  # built-in entities have a Dutch display name
    assert config.notify == Notify(on_failure=True, on_conflict=True, on_success=False)
    assert config.schedule == Schedule(
        days=("mon", "tue", "wed", "thu", "fri"), start=dt.time(7, 0), until=dt.time(19, 0),
        every_minutes=15)


def test_an_entity_of_any_name_is_allowed_and_has_no_label_by_default(tmp_path: Path) -> None:
    config = load_text(tmp_path, MOTHER + DAUGHTER + """
        [entities.projects]
        table = "projects"
        key = "code"
        """)
    (projects,) = config.spec.entities
    assert projects.name == "projects"
    assert projects.label is None
    assert projects.display_name == "projects"
    assert projects.key == ("code",)


def test_parse_reads_text_as_if_it_were_the_file_at_path(tmp_path: Path) -> None:
    config = parse(MINIMAL, tmp_path / "elsewhere" / "stamsync.toml")
    assert config.spec.mother.database == sqlite(tmp_path.resolve() / "elsewhere" / "holding.db")


# -- paths -----------------------------------------------------------------------------------


def test_relative_sqlite_paths_are_relative_to_the_config_folder_not_the_cwd(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "conf", MOTHER.replace("holding.db", "data/holding.db") + DAUGHTER + ENTITY)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")

    config = load(Path("..") / "conf" / "stamsync.toml")

    conf = tmp_path.resolve() / "conf"
    assert config.spec.mother.database == sqlite(conf / "data" / "holding.db")
    assert config.spec.daughters[0].database == sqlite(conf / "noord.db")


def test_absolute_sqlite_paths_are_kept(tmp_path: Path) -> None:
    elsewhere = tmp_path.resolve() / "books" / "holding.db"
    config = load_text(tmp_path / "conf", MINIMAL.replace("sqlite:holding.db", sqlite(elsewhere)))
    assert config.spec.mother.database == sqlite(elsewhere)


def test_sqlite_paths_may_start_with_the_home_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config = load_text(tmp_path, MINIMAL.replace("sqlite:holding.db", "sqlite:~/holding.db"))
    assert config.spec.mother.database == sqlite(tmp_path / "home" / "holding.db")


def test_odbc_strings_are_kept_as_written(tmp_path: Path) -> None:
    odbc = "odbc:Driver={PostgreSQL Unicode};Server=db;Database=noord;Uid=sync;Pwd={password}"
    config = load_text(tmp_path, MINIMAL.replace("sqlite:noord.db", odbc))
    assert config.spec.daughters[0].database == odbc


def test_odbc_timeouts_default_and_can_be_set_per_administration(tmp_path: Path) -> None:
    config = load_text(tmp_path, MINIMAL.replace(
        'database = "sqlite:noord.db"',
        'database = "sqlite:noord.db"\nconnect_timeout = 5\nquery_timeout = 600'))
    mother, noord = config.spec.mother, config.spec.daughters[0]
    assert (mother.connect_timeout, mother.query_timeout) == (15, 120)
    assert (noord.connect_timeout, noord.query_timeout) == (5, 600)
    written = dump(config)
    assert "connect_timeout = 5" in written and "query_timeout = 600" in written
    assert written.count("timeout") == 2  # defaults are not written
    assert parse(written, config.path).spec == config.spec


@pytest.mark.parametrize("bad", ["0", "3601", '"60"', "true", "1.5"])
def test_a_timeout_is_a_whole_number_of_seconds(tmp_path: Path, bad: str) -> None:
    path, message = refused(tmp_path, MINIMAL.replace(
        'database = "sqlite:holding.db"', f'database = "sqlite:holding.db"\nquery_timeout = {bad}'))
    assert_names(message, path, "[mother]", "'query_timeout' must be a whole number of seconds")


def test_the_state_store_lives_beside_the_config(tmp_path: Path) -> None:
    assert state_path_for(tmp_path / "stamsync.toml") == tmp_path / "stamsync.state.db"
    assert state_path_for(tmp_path / "groep.toml") == tmp_path / "groep.state.db"
    config = load(write(tmp_path / "a", MINIMAL, name="groep.toml"))
    assert config.spec.state_path == tmp_path.resolve() / "a" / "groep.state.db"


# -- composite keys --------------------------------------------------------------------------


def test_a_composite_key_takes_its_skip_and_select_keys_as_lists(tmp_path: Path) -> None:
    config = load_text(tmp_path, MOTHER + DAUGHTER + """
        [entities.items]
        table = "items"
        key = ["a", "b"]
        select = { keys = [["A", 2], ["B", 1]] }
        skip = [["A", 2]]
        """)
    (items,) = config.spec.entities
    assert items.key == ("a", "b")
    assert items.select == SelectKeys(frozenset({("A", 2), ("B", 1)}))
    assert items.skip == frozenset({("A", 2)})


def test_a_one_column_key_takes_plain_values(tmp_path: Path) -> None:
    config = load_text(tmp_path, MOTHER + DAUGHTER + """
        [entities.customers]
        table = "customers"
        key = ["code"]
        select = { keys = ["D100", 101] }
        skip = ["D999"]
        """)
    (customers,) = config.spec.entities
    assert customers.select == SelectKeys(frozenset({("D100",), (101,)}))
    assert customers.skip == frozenset({("D999",)})


@pytest.mark.parametrize("setting, bad", [
    ('skip = ["A"]', "'A'"),
    ('skip = [["A", 2, 3]]', "['A', 2, 3]"),
    ('select = { keys = [["A"]] }', "['A']"),
])
def test_a_key_of_the_wrong_width_is_an_error(tmp_path: Path, setting: str, bad: str) -> None:
    path, message = refused(tmp_path, MOTHER + DAUGHTER + f"""
        [entities.items]
        table = "items"
        key = ["a", "b"]
        {setting}
        """)
    assert_names(message, path, "[entities.items]", bad, "is not a key",
                 "a list of 2 values")


def test_a_list_given_for_a_one_column_key_is_an_error(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MOTHER + DAUGHTER + ENTITY + 'skip = [["D1", "D2"]]\n')
    assert_names(message, path, "[entities.customers] skip", "is not a key", "a plain value")


# -- unknown keys ----------------------------------------------------------------------------


@pytest.mark.parametrize("text, where, typo, match", [
    (MINIMAL + "\n[shedule]\nevery_minutes = 5\n", "the file", "shedule", "schedule"),
    (MINIMAL.replace('database = "sqlite:holding.db"', 'databse = "sqlite:holding.db"'),
     "[mother]", "databse", "database"),
    (MOTHER + DAUGHTER + "enabeld = false\n" + ENTITY,
     "[[daughters]] #1", "enabeld", "enabled"),
    (MINIMAL + 'feilds = ["name"]\n', "[entities.customers]", "feilds", "fields"),
    (MINIMAL + "\n[schedule]\nevery_minute = 5\n", "[schedule]", "every_minute", "every_minutes"),
    (MINIMAL + "\n[notify]\non_failures = false\n", "[notify]", "on_failures", "on_failure"),
    (MINIMAL + '\n[conflicts]\npolcy = "skip"\n', "[conflicts]", "polcy", "policy"),
])
def test_an_unknown_key_is_named_with_its_close_match(
        tmp_path: Path, text: str, where: str, typo: str, match: str) -> None:
    path, message = refused(tmp_path, text)
    assert_names(message, path, where, f"unknown key '{typo}'", f"Did you mean '{match}'?")


def test_an_unknown_key_without_a_close_match_lists_the_allowed_keys(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MINIMAL + "\n[notify]\nvolume = 11\n")
    assert_names(message, path, "[notify]", "unknown key 'volume'",
                 "on_failure", "on_conflict", "on_success")


def test_protect_is_a_daughter_setting_not_a_mother_one(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MOTHER + 'protect = { customers = ["name"] }\n'
                            + DAUGHTER + ENTITY)
    assert_names(message, path, "[mother]", "unknown key 'protect'")


def test_an_unknown_key_in_select_is_named_with_its_close_match(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MINIMAL + 'select = { column = "VVSYNC", equal = "J" }\n')
    assert_names(message, path, "[entities.customers]", "'equal'", "Did you mean 'equals'?")


def test_an_unknown_key_in_on_remove_is_named_with_its_close_match(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MINIMAL + 'on_remove = { column = "blocked", valeu = 1 }\n')
    assert_names(message, path, "[entities.customers]", "'valeu'", "Did you mean 'value'?")


# -- required sections -----------------------------------------------------------------------


def test_mother_is_required(tmp_path: Path) -> None:
    path, message = refused(tmp_path, DAUGHTER + ENTITY)
    assert_names(message, path, "'mother' is required")


def test_at_least_one_daughter_is_required(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MOTHER + ENTITY)
    assert_names(message, path, "'daughters' is required")


def test_an_empty_list_of_daughters_is_refused(tmp_path: Path) -> None:
    path, message = refused(tmp_path, "daughters = []\n" + MOTHER + ENTITY)
    assert_names(message, path, "[[daughters]]", "at least one daughter is required")


def test_at_least_one_entity_is_required(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MOTHER + DAUGHTER)
    assert_names(message, path, "[entities]", "at least one entity is required")


def test_an_empty_entities_section_is_refused(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MOTHER + DAUGHTER + "\n[entities]\n")
    assert_names(message, path, "[entities]", "at least one entity is required")


@pytest.mark.parametrize("missing", ["table", "key"])
def test_an_entity_needs_a_table_and_a_key(tmp_path: Path, missing: str) -> None:
    entity = "\n".join(line for line in ENTITY.splitlines() if not line.startswith(missing))
    path, message = refused(tmp_path, MOTHER + DAUGHTER + entity)
    assert_names(message, path, "[entities.customers]", f"'{missing}' is required")


@pytest.mark.parametrize("where, key", [("[mother]", "name"), ("[mother]", "database"),
                                        ("[[daughters]] #1", "name"),
                                        ("[[daughters]] #1", "database")])
def test_every_administration_needs_a_name_and_a_database(
        tmp_path: Path, where: str, key: str) -> None:
    section = MOTHER if where == "[mother]" else DAUGHTER
    cut = "\n".join(line for line in section.splitlines() if not line.startswith(key))
    text = (cut + DAUGHTER if where == "[mother]" else MOTHER + cut) + ENTITY
    path, message = refused(tmp_path, text)
    assert_names(message, path, where, f"'{key}' is required")


def test_a_key_listed_also_in_fields_is_refused(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MINIMAL + 'fields = ["name", "code"]\n')
    assert_names(message, path, "[entities.customers]", "'code' is in both key and fields")


# -- conflicts, schedule, notify -------------------------------------------------------------


@pytest.mark.parametrize("policy", ["mother-wins", "daughter-wins", "skip"])
def test_every_policy_of_the_design_is_accepted(tmp_path: Path, policy: str) -> None:
    config = load_text(tmp_path, MINIMAL + f'\n[conflicts]\npolicy = "{policy}"\n')
    assert config.spec.policy == Policy(policy)


def test_a_policy_that_does_not_exist_is_refused_with_its_close_match(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MINIMAL + '\n[conflicts]\npolicy = "mother_wins"\n')
    assert_names(message, path, "[conflicts]", "policy 'mother_wins' does not exist",
                 "mother-wins, daughter-wins, skip", "Did you mean 'mother-wins'?")


@pytest.mark.parametrize("start, until", [("19:00", "07:00"), ("07:00", "07:00")])
def test_until_must_be_after_from(tmp_path: Path, start: str, until: str) -> None:
    path, message = refused(
        tmp_path, MINIMAL + f'\n[schedule]\nfrom = "{start}"\nuntil = "{until}"\n')
    assert_names(message, path, "[schedule]", f"until ({until}) must be after from ({start})")


def test_until_midnight_is_written_24_00_and_means_the_end_of_the_day(tmp_path: Path) -> None:
    config = load_text(tmp_path, MINIMAL + '\n[schedule]\nfrom = "00:00"\nuntil = "24:00"\n')
    assert config.schedule.start == dt.time(0, 0)
    assert config.schedule.until is None


def test_from_cannot_be_24_00(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MINIMAL + '\n[schedule]\nfrom = "24:00"\n')
    assert_names(message, path, "[schedule]", "from = '24:00'", "HH:MM")


@pytest.mark.parametrize("key, value", [
    ("from", '"7:00"'), ("from", '"07.00"'), ("until", '"25:00"'), ("until", '"19:60"'),
    ("from", "7"),
])
def test_a_time_must_be_hh_mm(tmp_path: Path, key: str, value: str) -> None:
    path, message = refused(tmp_path, MINIMAL + f"\n[schedule]\n{key} = {value}\n")
    assert_names(message, path, "[schedule]", f"{key} = ", 'must be a time "HH:MM"')


def test_a_schedule_needs_at_least_one_day(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MINIMAL + "\n[schedule]\ndays = []\n")
    assert_names(message, path, "[schedule]", "days must list at least one day")


def test_an_unknown_day_is_refused(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MINIMAL + '\n[schedule]\ndays = ["mon", "maandag"]\n')
    assert_names(message, path, "[schedule]", "day 'maandag' is not one of",
                 "mon, tue, wed, thu, fri, sat, sun")


def test_days_are_kept_in_week_order(tmp_path: Path) -> None:
    config = load_text(tmp_path, MINIMAL + '\n[schedule]\ndays = ["sun", "mon", "sat"]\n')
    assert config.schedule.days == ("mon", "sat", "sun")


@pytest.mark.parametrize("value", ["0", "-5", '"15"', "7.5", "true", "1441"])
def test_every_minutes_must_be_a_whole_number_of_minutes(tmp_path: Path, value: str) -> None:
    path, message = refused(tmp_path, MINIMAL + f"\n[schedule]\nevery_minutes = {value}\n")
    assert_names(message, path, "[schedule]", "every_minutes must be a whole number")


def test_notify_settings_must_be_true_or_false(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MINIMAL + '\n[notify]\non_success = "yes"\n')
    assert_names(message, path, "[notify]", "'on_success' must be true or false")


# -- administrations -------------------------------------------------------------------------


@pytest.mark.parametrize("first, second", [("Holding", "HOLDING"), ("Noord", "noord")])
def test_administration_names_are_unique_whatever_their_case(
        tmp_path: Path, first: str, second: str) -> None:
    text = (MOTHER + DAUGHTER.replace("Noord", first)
            + DAUGHTER.replace("Noord", second).replace("noord.db", "other.db") + ENTITY)
    path, message = refused(tmp_path, text)
    where_first = "[mother]" if first == "Holding" else "[[daughters]] #1"
    assert_names(message, path, "[[daughters]] #2", f"name '{second}' is already used by "
                 f"{where_first}")


def test_two_daughters_on_the_same_database_are_refused(tmp_path: Path) -> None:
    text = (MOTHER + DAUGHTER.replace("sqlite:noord.db", "odbc:DSN=Noord")
            + DAUGHTER.replace("Noord", "Zuid").replace("sqlite:noord.db", "odbc:DSN=Noord")
            + ENTITY)
    path, message = refused(tmp_path, text)
    assert_names(message, path, "[[daughters]] #2", "database 'odbc:DSN=Noord' is also "
                 "[[daughters]] #1", "cannot be synced into itself")


def test_a_daughter_on_the_mothers_file_written_another_way_is_refused(tmp_path: Path) -> None:
    absolute = tmp_path.resolve() / "holding.db"
    path, message = refused(tmp_path, MOTHER + DAUGHTER.replace("sqlite:noord.db",
                                                                sqlite(absolute)) + ENTITY)
    assert_names(message, path, "[[daughters]] #1", "is also [mother]")


def test_a_daughter_on_the_mothers_file_reached_through_dotdot_is_refused(
        tmp_path: Path) -> None:
    books = tmp_path.resolve() / "books" / "holding.db"
    text = (MOTHER.replace("sqlite:holding.db", "sqlite:../books/holding.db")
            + DAUGHTER.replace("sqlite:noord.db", sqlite(books)) + ENTITY)
    path = write(tmp_path / "conf", text)
    with pytest.raises(ConfigError) as info:
        load(path)
    assert_names(str(info.value), path, "[[daughters]] #1", "is also [mother]")


def test_protect_must_name_an_entity_of_the_config(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MOTHER + DAUGHTER + 'protect = { custmers = ["name"] }\n'
                            + ENTITY)
    assert_names(message, path, "[[daughters]] #1 protect", "entity 'custmers' is not in "
                 "[entities]", "Did you mean 'customers'?")


@pytest.mark.parametrize("odbc", [
    "odbc:Driver={ODBC Driver 18 for SQL Server};Server=srv;Database=Noord;Uid=sa;Pwd=Geheim123",
    "odbc:DSN=Noord;UID=sa;PASSWORD=Geheim123",
    "odbc:DSN=Noord;Uid=sa;Pwd={Geheim123}",
])
def test_a_password_written_in_an_odbc_string_is_refused(tmp_path: Path, odbc: str) -> None:
    path, message = refused(tmp_path, MINIMAL.replace("sqlite:noord.db", odbc))
    assert_names(message, path, "[[daughters]] #1", "holds a password", "Pwd={password}",
                 "keyring")
    assert "Geheim123" not in message


def test_the_password_placeholder_is_accepted(tmp_path: Path) -> None:
    odbc = "odbc:DSN=Noord;Uid=sa;Pwd={password}"
    config = load_text(tmp_path, MINIMAL.replace("sqlite:noord.db", odbc))
    assert config.spec.daughters[0].database == odbc


def test_a_password_is_never_repeated_in_an_error_message(tmp_path: Path) -> None:
    # The "odbc:" prefix is forgotten: the string is refused, but its password must not end
    # up in the message (messages are shown in notifications and written to the log).
    no_prefix = "Driver={SQL Server};Server=srv;Database=Noord;Uid=sa;Pwd=Geheim123"
    path, message = refused(tmp_path, MINIMAL.replace("sqlite:noord.db", no_prefix))
    assert_names(message, path, "[[daughters]] #1", "'sqlite:PATH'", "'odbc:")
    assert "Geheim123" not in message


@pytest.mark.parametrize("database", ["postgres://db/noord", "C:/books/noord.db", "noord.db",
                                      "sqlite:", "odbc:"])
def test_a_database_must_be_sqlite_or_odbc(tmp_path: Path, database: str) -> None:
    path, message = refused(tmp_path, MINIMAL.replace("sqlite:noord.db", database))
    assert_names(message, path, "[[daughters]] #1", f"'database' = '{database}'",
                 "must be 'sqlite:PATH' or 'odbc:")


# -- the file itself -------------------------------------------------------------------------


def test_invalid_toml_is_refused_naming_the_line(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MINIMAL + "\n[schedule\nevery_minutes = 5\n")
    assert_names(message, path, "not valid TOML", "line ")


def test_a_key_written_twice_is_invalid_toml(tmp_path: Path) -> None:
    path, message = refused(tmp_path, MINIMAL + 'table = "again"\n')
    assert_names(message, path, "not valid TOML", '"table" already exists')


def test_a_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "stamsync.toml"
    with pytest.raises(ConfigError) as info:
        load(path)
    assert_names(str(info.value), path, "no config file", "stamsync demo", "README")


def test_a_config_error_is_an_invalid_configuration_with_exit_code_2(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path / "stamsync.toml")
    assert info.value.exit_code == 2
    assert info.value.title == "Invalid configuration"


def test_every_problem_of_a_file_is_listed_in_one_error(tmp_path: Path) -> None:
    path, message = refused(tmp_path, """
        [mother]
        name = "Holding"
        databse = "sqlite:holding.db"

        [[daughters]]
        name = "holding"
        database = "odbc:DSN=Noord;Pwd=secret"

        [entities.customers]
        key = ["code"]
        feilds = ["name"]

        [schedule]
        from = "19:00"
        until = "07:00"
        every_minutes = 0

        [conflicts]
        policy = "mother"
        """)
    expected = [
        ("[mother]", "unknown key 'databse'"),
        ("[mother]", "'database' is required"),
        ("[[daughters]] #1", "holds a password"),
        ("[entities.customers]", "unknown key 'feilds'"),
        ("[entities.customers]", "'table' is required"),
        ("[schedule]", "until (07:00) must be after from (19:00)"),
        ("[schedule]", "every_minutes must be a whole number"),
        ("[conflicts]", "policy 'mother' does not exist"),
    ]
    lines = problem_lines(message)
    assert str(path) in message
    assert f"has {len(lines)} problem(s)" in message
    for where, what in expected:
        assert any(where in line and what in line for line in lines), (where, what, message)


# -- finding the file ------------------------------------------------------------------------


@pytest.fixture
def no_config_around(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cwd without stamsync.toml, no $STAMSYNC_CONFIG, a private user config dir."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("STAMSYNC_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return cwd


def test_an_explicit_config_wins(no_config_around: Path, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    write(no_config_around, MINIMAL)
    monkeypatch.setenv("STAMSYNC_CONFIG", str(tmp_path / "env.toml"))
    assert find_config(tmp_path / "explicit.toml") == tmp_path / "explicit.toml"
    assert find_config(str(tmp_path / "explicit.toml")) == tmp_path / "explicit.toml"


def test_the_environment_variable_comes_next(no_config_around: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    write(no_config_around, MINIMAL)
    monkeypatch.setenv("STAMSYNC_CONFIG", str(tmp_path / "env.toml"))
    assert find_config(None) == tmp_path / "env.toml"


def test_then_stamsync_toml_in_the_current_folder(no_config_around: Path) -> None:
    write(no_config_around, MINIMAL)
    assert find_config(None).resolve() == (no_config_around / "stamsync.toml").resolve()


def test_else_the_users_config_folder(no_config_around: Path, tmp_path: Path) -> None:
    found = find_config(None)
    assert found.name == "stamsync.toml"
    assert found == Path(platformdirs.user_config_dir("stamsync", appauthor=False),
                         "stamsync.toml")
    if sys.platform.startswith("linux"):
        assert found == tmp_path / "xdg" / "stamsync" / "stamsync.toml"


# -- saving ----------------------------------------------------------------------------------


def same_but_state(spec: SyncSpec, other: SyncSpec) -> bool:
    return spec == dataclasses.replace(other, state_path=spec.state_path)


def test_save_and_load_give_back_the_same_config(tmp_path: Path) -> None:
    original = load_text(tmp_path, FULL)

    written = save(original, tmp_path / "copy.toml")
    again = load(written)

    assert written == tmp_path / "copy.toml"
    assert again.spec == dataclasses.replace(original.spec,
                                             state_path=tmp_path.resolve() / "copy.state.db")
    assert again.schedule == original.schedule
    assert again.notify == original.notify


def test_a_minimal_config_round_trips_with_its_defaults(tmp_path: Path) -> None:
    original = load_text(tmp_path, MINIMAL + '\n[schedule]\nuntil = "24:00"\n')
    again = parse(dump(original), tmp_path / "stamsync.toml")
    assert again == original


def test_save_into_another_folder_keeps_every_database_the_same(tmp_path: Path) -> None:
    original = load_text(tmp_path / "old", FULL)

    again = load(save(original, tmp_path / "new" / "stamsync.toml"))

    assert again.spec.mother.database == original.spec.mother.database
    assert same_but_state(again.spec, original.spec)


def test_save_writes_sqlite_paths_relative_to_the_file_when_inside_its_folder(
        tmp_path: Path) -> None:
    outside = tmp_path.resolve() / "elsewhere" / "noord.db"
    config = load_text(tmp_path / "conf",
                       FULL.replace("odbc:DSN=Noord", sqlite(outside)))

    text = dump(config)

    assert 'database = "sqlite:data/holding.db"' in text
    assert f'database = "{sqlite(outside)}"' in text


def test_save_leaves_no_temporary_file_behind(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    config = load(path)

    save(config)  # over the file it came from
    save(config, tmp_path / "copy.toml")

    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.toml", "stamsync.toml"]
    assert load(path) == config


def test_save_creates_the_folder_it_writes_into(tmp_path: Path) -> None:
    config = load_text(tmp_path, MINIMAL)
    target = tmp_path / "a" / "b" / "stamsync.toml"
    assert save(config, target) == target
    assert target.is_file()


def test_save_never_writes_a_config_that_would_not_load(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    config = load(path)
    before = path.read_text(encoding="utf-8")
    twin = dataclasses.replace(config.spec.daughters[0], name="HOLDING")
    broken = dataclasses.replace(config, spec=dataclasses.replace(config.spec, daughters=(twin,)))

    with pytest.raises(ConfigError, match="already used"):
        save(broken)

    assert path.read_text(encoding="utf-8") == before
    assert [p.name for p in tmp_path.iterdir()] == ["stamsync.toml"]


def test_dump_writes_every_key_so_the_file_documents_itself(tmp_path: Path) -> None:
    text = dump(load_text(tmp_path, MINIMAL))
    for key in ("[mother]", "[[daughters]]", "[entities.customers]", "[schedule]",
                "[conflicts]", "[notify]", 'policy = "mother-wins"', 'select = "all"',
                'on_remove = "keep"', "enabled = true", 'from = "07:00"', 'until = "19:00"',
                "every_minutes = 15", "on_success = false"):
        assert key in text, key
