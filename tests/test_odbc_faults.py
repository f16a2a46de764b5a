"""Bad connections over ODBC, against the real servers: a daughter whose server is down fails
alone with the driver's message; a wrong or missing password, a missing driver, an unknown
DSN and a missing table each give a clear error and nothing is written; `check` lists every
problem on its own line; a password never shows in a message."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring

import engine
from engine import Administration, Entity, secrets
from tests.books import CUSTOMERS, Books, Group, ServerBooks, variant, with_password
from tests.conftest import SECRET, fill
from tests.servers import Server, unavailable


def everything_said(report: engine.RunReport) -> str:
    return json.dumps(report.to_dict(with_changes=True), default=str)


def test_the_password_comes_from_the_keyring(
        tmp_path: Path, mariadb_user: tuple[str, ServerBooks],
        keyring_file: PlaintextKeyring) -> None:
    user, noord = mariadb_user
    g = fill(Group(tmp_path, Books(tmp_path / "mother.db", "Holding"), [noord]))
    admin = with_password(noord, user)
    spec = replace(g.spec, daughters=(admin,))

    missing = engine.sync(spec)  # nothing stored yet
    error = missing.daughters[0].error or ""
    assert missing.status == "failed" and "no password is stored" in error
    assert 'stamsync password "Noord"' in error

    secrets.store("Noord", "wrong")
    refused = engine.sync(spec)
    error = refused.daughters[0].error or ""
    assert "Access denied" in error and "password was refused" in error
    assert noord.count() == 0  # nothing written

    secrets.store("Noord", SECRET)
    report = engine.sync(spec)
    assert report.status == "ok" and noord.count() == 3
    for said in (everything_said(missing), everything_said(refused), everything_said(report),
                 json.dumps(engine.check(spec).to_dict())):
        assert SECRET not in said and "Zeer" not in said


def test_a_dsn_is_found_and_an_unknown_one_is_named(
        tmp_path: Path, mariadb_user: tuple[str, ServerBooks], keyring_file: PlaintextKeyring,
        monkeypatch: pytest.MonkeyPatch) -> None:
    user, noord = mariadb_user
    ini = tmp_path / "odbc.ini"
    ini.write_text(f"[Noord]\nDriver=MariaDB Unicode\nServer=127.0.0.1\nPort=3306\n"
                   f"Database={noord.database_name}\nUser={user}\n")
    monkeypatch.setenv("ODBCINI", str(ini))  # unixODBC's file of user DSNs
    secrets.store("Noord", SECRET)
    g = fill(Group(tmp_path, Books(tmp_path / "mother.db", "Holding"), [noord]))
    spec = replace(g.spec, daughters=(
        Administration("Noord", "odbc:DSN=Noord;Password={password}"),
        Administration("Zuid", "odbc:DSN=Zuid")))
    report = engine.sync(spec)
    assert report.daughters[0].status == "ok" and noord.count() == 3
    error = report.daughters[1].error or ""
    assert "DSN) 'Zuid' is not defined" in error and "Defined: Noord" in error


def test_a_daughter_whose_server_is_down_fails_alone(
        tmp_path: Path, postgres: Server, mariadb: Server) -> None:
    g = fill(Group(tmp_path, ServerBooks(postgres, "Holding"),
                   [ServerBooks(mariadb, "Noord"), ServerBooks(postgres, "Zuid")]))
    down = Administration("Zuid", "odbc:Driver={PostgreSQL Unicode};Server=127.0.0.1;"
                                  "Port=9;Database=gone;Uid=postgres;Pwd=")  # nothing listens
    spec = replace(g.spec, daughters=(g.daughters[0].admin, down))
    report = engine.sync(spec)
    noord, zuid = report.daughters
    assert noord.status == "ok" and g.daughters[0].count() == 3
    assert zuid.status == "failed" and report.exit_code == 1
    assert "Administration 'Zuid': cannot connect: connection to server at" in (zuid.error or "")
    assert "Connection refused" in (zuid.error or "")
    assert "Check that the server is running" in (zuid.error or "")
    # The next run, with the server back, catches up.
    assert engine.sync(g.spec).daughters[1].entities["customers"].created == 3


def test_a_missing_driver_is_named_with_those_installed(tmp_path: Path, postgres: Server) -> None:
    g = fill(Group(tmp_path, ServerBooks(postgres, "Holding"), [ServerBooks(postgres, "Noord")]))
    absent = Administration("Zuid", "odbc:Driver={Gupta SQLBase 12};Server=mvl;Database=x")
    report = engine.sync(replace(g.spec, daughters=(*g.spec.daughters, absent)))
    error = report.daughters[1].error or ""
    assert "the ODBC driver 'Gupta SQLBase 12' is not installed" in error
    assert "PostgreSQL Unicode" in error  # the drivers there are
    assert g.daughters[0].count() == 3

    mother = engine.sync(replace(g.spec, mother=replace(absent, name="Holding")))
    assert mother.status == "failed" and "is not installed" in (mother.error or "")
    assert all(d.entities == {} for d in mother.daughters)


def test_a_missing_table_is_named_and_nothing_written(
        tmp_path: Path, postgres: Server, mariadb: Server) -> None:
    wrong = CUSTOMERS.replace("customers", "customer")
    g = fill(Group(tmp_path, ServerBooks(postgres, "Holding"),
                   [ServerBooks(mariadb, "Noord", wrong), ServerBooks(postgres, "Zuid")]))
    report = engine.sync(g.spec)
    error = report.daughters[0].error or ""
    assert "table 'customers' does not exist in MariaDB database" in error
    assert "Close matches: customer." in error
    assert g.daughters[0].count("customer") == 0
    assert report.daughters[1].entities["customers"].created == 3


def test_check_lists_every_odbc_problem_on_its_own_line(
        tmp_path: Path, postgres: Server, mariadb: Server) -> None:
    no_key = variant(CUSTOMERS, "code VARCHAR(20) PRIMARY KEY", "code VARCHAR(20)")
    no_city = variant(variant(CUSTOMERS, "city VARCHAR(100),", "town VARCHAR(100),"),
                      "blocked CHAR(1)", "geblokkeerd CHAR(1)")
    g = fill(Group(tmp_path, ServerBooks(postgres, "Holding"), [
        ServerBooks(mariadb, "Noord", no_key), ServerBooks(postgres, "Zuid", no_city),
        ServerBooks(mariadb, "Oost")]))
    absent = Administration("West", "odbc:Driver={ODBC Driver 18 for SQL Server};Server=mvl")
    report = engine.check(replace(g.spec, daughters=(*g.spec.daughters, absent)))
    problems = [(p.level, p.administration, p.message) for p in report.problems]
    assert len(problems) == 4, problems
    ((level, _, message),) = [p for p in problems if p[1] == "Noord"]
    assert level == "warning" and "no primary key or unique index on code" in message
    city, blocked = [p for p in problems if p[1] == "Zuid"]  # each on its own line
    assert city[0] == "error" and "has no column 'city'" in city[2]
    assert blocked[0] == "error" and "has no column 'blocked'" in blocked[2]
    ((level, _, message),) = [p for p in problems if p[1] == "West"]
    assert level == "error" and "ODBC Driver 18 for SQL Server' is not installed" in message
    assert "daughter 'Oost': table 'customers' for 'customers'" in report.checked
    assert report.exit_code == 1


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and then says nothing: a server that hangs."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                accepted.append(listener.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        for conn in accepted:
            conn.close()


@pytest.mark.parametrize("driver", ["PostgreSQL Unicode", "MariaDB Unicode"])
def test_a_server_that_does_not_answer_fails_after_the_connect_timeout(
        tmp_path: Path, silent_server: int, driver: str) -> None:
    g = fill(Group(tmp_path, Books(tmp_path / "mother.db", "Holding"),
                   [Books(tmp_path / "noord.db", "Noord")]))
    hung = Administration("Zuid", f"odbc:Driver={{{driver}}};Server=127.0.0.1;"
                                  f"Port={silent_server};Database=x;Uid=u;User=u",
                          connect_timeout=1)
    report = engine.sync(replace(g.spec, daughters=(*g.spec.daughters, hung)))
    noord, zuid = report.daughters
    assert noord.entities["customers"].created == 3
    assert zuid.status == "failed"
    assert "cannot connect" in (zuid.error or "")
    assert any(w in (zuid.error or "") for w in ("timeout expired", "handshake")), zuid.error


def test_a_dsn_naming_its_driver_by_library_path_gets_the_drivers_options(
        tmp_path: Path, postgres: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    library = next(iter(sorted(Path("/usr/lib").glob("*/odbc/psqlodbcw.so"))), None)
    if library is None:
        unavailable("psqlODBC's library is not under /usr/lib/*/odbc")
    schema = "CREATE TABLE flags (code VARCHAR(9) PRIMARY KEY, active BOOLEAN)"
    mother = ServerBooks(postgres, "Holding", schema)
    mother.execute("INSERT INTO flags VALUES ('A', TRUE), ('B', FALSE)")
    daughter = ServerBooks(postgres, "Zuid", schema)
    ini = tmp_path / "odbc.ini"
    ini.write_text(f"[Zuid]\nDriver={library}\nServername=127.0.0.1\nPort=5432\n"
                   f"Database={daughter.database_name}\nUsername=postgres\n")
    monkeypatch.setenv("ODBCINI", str(ini))
    g = Group(tmp_path, mother, [daughter], entity=Entity("flags", "flags", ("code",),
                                                          ("active",)))
    spec = replace(g.spec, daughters=(Administration("Zuid", "odbc:DSN=Zuid"),))
    assert engine.sync(spec).status == "ok"
    again = engine.sync(spec)  # booleans read as booleans: nothing to rewrite
    assert again.daughters[0].entities["flags"].unchanged == 2, again.daughters[0].error


TRIGGERS = {
    "postgres": (
        "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN IF NEW.name = 'Verboden' THEN "
        "RAISE EXCEPTION 'naam % is niet toegestaan', NEW.name; END IF; RETURN NEW; END $$ "
        "LANGUAGE plpgsql",
        "CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON customers FOR EACH ROW "
        "EXECUTE FUNCTION refuse()"),
    "mariadb": (
        "CREATE TRIGGER refuse BEFORE INSERT ON customers FOR EACH ROW IF NEW.name = "
        "'Verboden' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'naam niet toegestaan'; "
        "END IF",),
}


@pytest.mark.parametrize("kind", ["postgres", "mariadb"])
def test_a_record_a_trigger_refuses_is_rejected_alone(
        tmp_path: Path, postgres: Server, mariadb: Server, kind: str) -> None:
    server = {"postgres": postgres, "mariadb": mariadb}[kind]
    daughter = ServerBooks(server, "Noord")
    conn = daughter.connect()
    try:
        for statement in TRIGGERS[kind]:
            conn.execute(statement)
    finally:
        conn.close()
    g = fill(Group(tmp_path, Books(tmp_path / "mother.db", "Holding"), [daughter]))
    g.mother.add("D200", "Verboden")
    report = g.sync()
    assert g.counts(report)["created"] == 3 and g.counts(report)["failed"] == 1
    (failure,) = report.daughters[0].failures
    assert failure.key == ("D200",) and "niet toegestaan" in failure.message


def test_a_partial_unique_index_does_not_make_a_key_unique(
        tmp_path: Path, postgres: Server) -> None:
    partial = (variant(CUSTOMERS, "code VARCHAR(20) PRIMARY KEY", "code VARCHAR(20)")
               + "; CREATE UNIQUE INDEX some_codes ON customers (code) WHERE city IS NOT NULL")
    mother = ServerBooks(postgres, "Holding", partial)
    mother.execute("INSERT INTO customers (code, name) VALUES ('D1', 'een'), ('D1', 'twee')")
    g = Group(tmp_path, mother, [ServerBooks(postgres, "Zuid")])
    (problem,) = engine.check(g.spec).problems  # the mother's duplicate is found
    assert "not unique" in problem.message and "'D1'" in problem.message
    g = fill(Group(tmp_path, ServerBooks(postgres, "Holding"),
                   [ServerBooks(postgres, "Zuid", partial)]))
    (problem,) = engine.check(g.spec).problems  # the daughter is warned about
    assert problem.level == "warning"
    assert "no primary key or unique index on code" in problem.message


def test_a_too_long_value_is_rejected_even_where_the_server_would_cut_it(
        tmp_path: Path, mariadb: Server) -> None:
    with contextlib.closing(mariadb.connect()) as conn:
        (mode,) = conn.execute("SELECT @@GLOBAL.sql_mode").fetchone()
        conn.execute("SET GLOBAL sql_mode = ''")  # a server that truncates silently
    try:
        narrow = variant(CUSTOMERS, "name VARCHAR(100)", "name VARCHAR(8)")
        g = fill(Group(tmp_path, Books(tmp_path / "mother.db", "Holding"),
                       [ServerBooks(mariadb, "Noord", narrow)]))
        report = g.sync()
    finally:
        with contextlib.closing(mariadb.connect()) as conn:
            conn.execute("SET GLOBAL sql_mode = ?", mode)
    assert g.counts(report)["failed"] == 3  # every name is longer than 8: none cut short
    assert g.daughters[0].count() == 0


def test_missing_rights_are_named_as_such(tmp_path: Path, postgres: Server) -> None:
    g = fill(Group(tmp_path, Books(tmp_path / "mother.db", "Holding"),
                   [ServerBooks(postgres, "Zuid")]))
    role = f"stamsync_r_{uuid.uuid4().hex[:8]}"
    daughter = g.daughters[0]
    assert isinstance(daughter, ServerBooks)
    with contextlib.closing(daughter.connect()) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT SELECT ON customers TO {role}")
    try:
        reader = Administration("Zuid", daughter.database.replace("Uid=postgres", f"Uid={role}"))
        report = engine.sync(replace(g.spec, daughters=(reader,)))
    finally:
        with contextlib.closing(daughter.connect()) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")
    error = report.daughters[0].error or ""
    assert "permission denied" in error and "lacks a right on this table" in error


def test_check_warns_about_daughter_columns_that_cannot_hold_the_mothers_values(
        tmp_path: Path, postgres: Server, mariadb: Server) -> None:
    def items(name: str, price: str, weight: str, seen: str) -> str:
        return (f"CREATE TABLE items (code VARCHAR(9) PRIMARY KEY, name {name}, "
                f"price {price}, weight {weight}, seen {seen})")

    mother = ServerBooks(postgres, "Holding", items(
        "VARCHAR(60)", "NUMERIC(12, 4)", "DOUBLE PRECISION", "TIMESTAMP(6)"))
    daughter = ServerBooks(mariadb, "Noord", items(
        "VARCHAR(30)", "DECIMAL(12, 2)", "FLOAT", "DATETIME"))
    same = ServerBooks(mariadb, "Zuid", items(
        "VARCHAR(60)", "DECIMAL(12, 4)", "DOUBLE", "DATETIME(6)"))
    whole_seconds = ServerBooks(postgres, "West", items(
        "VARCHAR(60)", "NUMERIC(12, 4)", "DOUBLE PRECISION", "TIMESTAMP(0)"))
    g = Group(tmp_path, mother, [daughter, same, whole_seconds], entity=Entity(
        "items", "items", ("code",), ("name", "price", "weight", "seen")))
    report = engine.check(g.spec)
    said = {(p.administration, p.message.split("'")[3]): p.message for p in report.problems}
    assert all(p.level == "warning" for p in report.problems)
    # (MariaDB's driver does not tell a DATETIME's fractional digits: not judged there.)
    assert set(said) == {("Noord", "items.name"), ("Noord", "items.price"),
                         ("Noord", "items.weight"), ("West", "items.seen")}, said
    assert "at most 30 characters where the mother's holds 60" in said["Noord", "items.name"]
    assert "keeps 2 decimals where the mother's keeps 4" in said["Noord", "items.price"]
    assert "numeric(12, 4)" in said["Noord", "items.price"]
    assert "single precision" in said["Noord", "items.weight"]
    assert "keeps 0 digits of a second where the mother's keeps 6" in said["West", "items.seen"]
    assert report.exit_code == 0


def test_a_driver_registered_under_another_name_still_gets_its_timeouts(
        tmp_path: Path, silent_server: int) -> None:
    library = next(iter(sorted(Path("/usr/lib").glob("*/odbc/libmaodbc.so"))), None)
    if library is None:
        unavailable("MariaDB's ODBC library is not under /usr/lib/*/odbc")
    (tmp_path / "odbcinst.ini").write_text(f"[Acme Connector]\nDriver={library}\n")
    # unixODBC reads its list of drivers once per process: a process of its own, with
    # ODBCSYSINI naming the folder of that list.
    script = (
        "from engine.db.odbc import OdbcDatabase\n"
        "from engine.errors import DatabaseError\n"
        "try:\n"
        f"    OdbcDatabase('Zuid', 'Driver={{Acme Connector}};Server=127.0.0.1;"
        f"Port={silent_server};Database=x;User=u', login_timeout=1)\n"
        "except DatabaseError as error:\n"
        "    print(error)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "ODBCSYSINI": str(tmp_path)}, timeout=120,
                          check=True)
    assert "Administration 'Zuid': cannot connect" in done.stdout, done.stdout + done.stderr
    assert "handshake" in done.stdout


def test_the_databases_own_words_are_kept_whole(tmp_path: Path, mariadb: Server) -> None:
    daughter = ServerBooks(mariadb, "Noord")
    with contextlib.closing(daughter.connect()) as conn:
        conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON customers FOR EACH ROW "
                     "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '[KvK] nummer ontbreekt'")
    g = fill(Group(tmp_path, Books(tmp_path / "mother.db", "Holding"), [daughter]))
    failures = g.sync().daughters[0].failures
    assert [f.message for f in failures] == ["[KvK] nummer ontbreekt"] * 3


def test_check_finds_empty_and_repeated_keys_in_a_daughter(
        tmp_path: Path, postgres: Server) -> None:
    loose = variant(CUSTOMERS, "code VARCHAR(20) PRIMARY KEY", "code VARCHAR(20)")
    g = fill(Group(tmp_path, ServerBooks(postgres, "Holding"),
                   [ServerBooks(postgres, "Zuid", loose)]))
    g.daughters[0].execute("INSERT INTO customers (code, name) VALUES (NULL, 'zonder'), "
                           "('D1', 'een'), ('D1', 'twee')")
    errors = [p.message for p in engine.check(g.spec).problems if p.level == "error"]
    assert len(errors) == 2, errors
    assert "1 record(s) with an empty (NULL) key code" in errors[0]
    assert "key code occurs more than once: 'D1'" in errors[1]
