"""What stamsync keeps is the user's alone, and passwords live only in the keyring: the
state store, its journal files, the lock files and the logs are readable by the user only;
a password (right or refused) appears in none of the config, the state store, the logs, the
command line's output, reports or `check`; and the lock keeps a second process from syncing
the same config."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring

import engine
from settings import Config, Schedule, load, save
from tests.books import Books, Group, ServerBooks, with_password
from tests.conftest import SECRET, fill
from tests.desktop import wait_for
from tests.servers import Server
from tray import logs

WRONG = "Ook;geheim}2"
"""A refused password: it must not show either."""
ALWAYS = Schedule(days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"), start=dt.time(0),
                  until=None, every_minutes=60)


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_state_journal_locks_and_logs_are_the_users_only(
        group: Group, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    logger = logging.getLogger("stamsync")
    before = list(logger.handlers)
    log_path = logs.start_logging(group.folder / "stamsync.toml", to_stderr=False)
    try:
        handler = next(h for h in logger.handlers if h not in before)
        assert isinstance(handler, logs.PrivateLog)
        handler.maxBytes = 2000  # rotate a few times
        for n in range(100):
            logger.info("line %s about record D%s in administration Holding", n, n)
        with engine.locked(group.spec.state_path):
            pass
        group.sync()
        state = group.spec.state_path
        kept = [state, state.with_name(state.name + ".lock"),
                *state.parent.glob(state.name + "-*")]
        logged = list(log_path.parent.iterdir())
        assert len(logged) > 2  # rotated
        for path in [*kept, *logged]:
            assert private(path), f"{path} is {oct(path.stat().st_mode)}"
        assert private(log_path.parent) and log_path.parent.stat().st_mode & 0o777 == 0o700
    finally:
        for handler in [h for h in logger.handlers if h not in before]:
            logger.removeHandler(handler)
            handler.close()


def test_a_second_process_cannot_sync_the_same_config(group: Group) -> None:
    path = group.folder / "stamsync.toml"
    save(Config(path, group.spec))
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time, engine; from pathlib import Path\n"
         "with engine.locked(Path(sys.argv[1])):\n"
         "    print('held', flush=True); time.sleep(120)", str(group.spec.state_path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        second = subprocess.run([sys.executable, "-m", "tray.cli", "sync", "--config",
                                 str(path)], capture_output=True, text=True, timeout=120)
        assert second.returncode == 3, second.stderr
        assert "Another stamsync process is syncing this configuration" in second.stderr
        assert group.daughters[0].count() == 0  # nothing written
    finally:
        holder.kill()
        holder.wait()
    after = subprocess.run([sys.executable, "-m", "tray.cli", "sync", "--config", str(path)],
                           capture_output=True, text=True, timeout=120)
    assert after.returncode == 0, after.stderr
    assert group.daughters[0].count() == 3


def test_no_password_in_files_logs_output_or_reports(
        tmp_path: Path, mariadb_user: tuple[str, ServerBooks], mariadb: Server) -> None:
    user, noord = mariadb_user
    group = fill(Group(tmp_path, Books(tmp_path / "mother.db", "Holding"), [noord]))
    config = tmp_path / "stamsync.toml"
    save(Config(config, load_spec(group, user), ALWAYS))
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    stored = PlaintextKeyring()
    stored.file_path = str(tmp_path / "data" / "python_keyring" / "keyring_pass.cfg")
    said: list[str] = []

    def stamsync(*arguments: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "tray.cli", *arguments, "--config",
                               str(config)], env=env, capture_output=True, text=True,
                              timeout=120)
        said.extend((done.stdout, done.stderr))
        return done

    stored.set_password("stamsync", "Noord", WRONG)
    refused = stamsync("sync")
    assert refused.returncode != 0 and "password was refused" in refused.stdout + refused.stderr
    stamsync("check")
    stored.set_password("stamsync", "Noord", SECRET)
    assert stamsync("sync").returncode == 0
    assert noord.count() == 3
    for arguments in (("check",), ("check", "--json"), ("history",), ("history", "--json"),
                      ("show", "2"), ("show", "2", "--json"), ("sync", "--dry-run")):
        assert stamsync(*arguments).returncode == 0, said[-1]

    resident = subprocess.Popen([sys.executable, "-m", "tray.cli", "run", "--config",
                                 str(config)], env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_for("the resident sync", lambda: len(engine.history(load(config).spec)) >= 4
                 and engine.history(load(config).spec)[0].status != "running", timeout=60)
        resident.send_signal(signal.SIGTERM)
        said.append(resident.communicate(timeout=60)[1])
    finally:
        if resident.poll() is None:
            resident.kill()

    files = [config, *tmp_path.glob("stamsync.state.db*"),
             *(tmp_path / "state").rglob("*.log*")]
    assert any(p.name.endswith(".log") for p in files), "the resident run wrote no log"
    for secret in (SECRET, WRONG):
        for path in files:
            assert secret.encode() not in path.read_bytes(), f"{secret!r} in {path}"
        for text in said:
            assert secret not in text


def load_spec(group: Group, user: str) -> engine.SyncSpec:
    """The group with its daughter as a user writes it: the password left to the keyring."""
    noord = group.daughters[0]
    assert isinstance(noord, ServerBooks)
    return replace(group.spec, daughters=(with_password(noord, user),))


def test_stamsync_password_stores_and_forgets_without_writing_it_anywhere(
        tmp_path: Path, mariadb_user: tuple[str, ServerBooks]) -> None:
    """`stamsync password NAME` (the Windows build has no keyring command): asked for, into
    the keyring, and the sync logs in with it; `--forget` removes it."""
    user, noord = mariadb_user
    group = fill(Group(tmp_path, Books(tmp_path / "mother.db", "Holding"), [noord]))
    config = tmp_path / "stamsync.toml"
    save(Config(config, load_spec(group, user)))
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
           "XDG_DATA_HOME": str(tmp_path / "data")}

    def stamsync(*arguments: str, typed: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tray.cli", *arguments, "--config",
                               str(config)], env=env, input=typed, capture_output=True,
                              text=True, timeout=120)

    stored = stamsync("password", "Noord", typed=SECRET + "\n")
    assert stored.returncode == 0, stored.stderr
    assert "is stored in the OS keyring" in stored.stdout and SECRET not in stored.stdout
    assert stamsync("sync").returncode == 0 and noord.count() == 3
    unknown = stamsync("password", "Oost", typed="x\n")
    assert unknown.returncode == 2 and "Known: Holding, Noord" in unknown.stderr
    assert stamsync("password", "Noord", "--forget").returncode == 0
    missing = stamsync("sync")
    assert missing.returncode == 1 and 'stamsync password "Noord"' in missing.stdout
    assert SECRET.encode() not in config.read_bytes()
