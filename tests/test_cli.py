"""The `stamsync` command: exit codes, the JSON shapes of DESIGN section 3, human output,
and the demo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from engine import Policy
from settings import Config, save
from tests.books import Group
from tray.cli import main

COUNT_KEYS = {"created", "updated", "unchanged", "conflicts", "failed", "skipped", "removed"}


@pytest.fixture
def config(group: Group) -> Path:
    path = group.folder / "stamsync.toml"
    save(Config(path, group.spec))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_sync_json_has_the_contract_shape(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sync", "--json", "--config", str(config))
    assert code == 0
    report = json.loads(out)
    assert {"run_id", "started_at", "finished_at", "dry_run", "status", "daughters"} <= set(report)
    assert report["status"] == "ok" and report["dry_run"] is False
    (daughter,) = report["daughters"]
    assert daughter["name"] == "Daughter1" and daughter["status"] == "ok"
    assert daughter["error"] is None
    assert set(daughter["entities"]["customers"]) == COUNT_KEYS
    assert daughter["entities"]["customers"]["created"] == 3


def test_history_and_show_json(config: Path, group: Group,
                               capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "sync", "--config", str(config))
    group.mother.set("D100", city="Zeist")
    run(capsys, "sync", "--dry-run", "--config", str(config))
    code, out, _ = run(capsys, "history", "--json", "--config", str(config))
    runs = json.loads(out)["runs"]
    assert code == 0 and [r["run_id"] for r in runs] == [2, 1]
    assert runs[0]["dry_run"] is True and "changes" not in runs[0]
    code, out, _ = run(capsys, "show", "1", "--json", "--config", str(config))
    shown = json.loads(out)
    assert code == 0 and len(shown["changes"]) == 3
    change = next(c for c in shown["changes"] if c["key"] == ["D101"])
    assert change["daughter"] == "Daughter1" and change["entity"] == "customers"
    assert change["action"] == "create"
    assert change["fields"]["name"] == {"before": None, "after": "Café Ĳsselmeer"}


def test_human_output_is_a_short_table(config: Path, group: Group,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "sync", "--config", str(config))
    group.mother.set("D102", city="Roermond")
    code, out, _ = run(capsys, "sync", "--config", str(config))
    assert code == 0
    assert "Daughter1  Debiteuren" in out and "OK" in out
    code, out, _ = run(capsys, "show", "2", "--config", str(config))
    assert "city: 'Venlo' -> 'Roermond'" in out
    code, out, _ = run(capsys, "history", "--config", str(config))
    assert out.splitlines()[0].split()[:4] == ["run", "started", "dry", "run"]


def test_attention_exits_1(group: Group, capsys: pytest.CaptureFixture[str]) -> None:
    group.policy = Policy.SKIP
    group.daughters[0].add("D100", "Andere naam")
    path = group.folder / "stamsync.toml"
    save(Config(path, group.spec))
    code, out, _ = run(capsys, "sync", "--config", str(path))
    assert code == 1 and "ATTENTION" in out


def test_invalid_config_exits_2_and_names_the_key(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "stamsync.toml"
    path.write_text('[mother]\nname = "M"\ndatabase = "sqlite:m.db"\ncolour = 1\n')
    code, _, err = run(capsys, "sync", "--config", str(path))
    assert code == 2
    assert str(path) in err and "'colour'" in err and "daughters" in err


def test_missing_config_exits_2_and_says_how_to_create_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "sync", "--config", str(tmp_path / "nope.toml"))
    assert code == 2 and "stamsync demo" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["sync", "--no-such-option"])
    assert caught.value.code == 2


def test_unknown_entity_or_daughter_exits_2(config: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "sync", "--entity", "klanten", "--config", str(config))
    assert code == 2 and "klanten" in err and "customers" in err
    code, _, err = run(capsys, "sync", "--daughter", "Zuid", "--config", str(config))
    assert code == 2 and "Daughter1" in err


def test_entity_and_daughter_filters(config: Path, group: Group,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sync", "--json", "--entity", "customers",
                       "--daughter", "daughter1", "--config", str(config))
    assert code == 0 and json.loads(out)["daughters"][0]["name"] == "Daughter1"


def test_lock_held_exits_3(config: Path, group: Group,
                           capsys: pytest.CaptureFixture[str]) -> None:
    with FileLock(str(group.spec.state_path) + ".lock"):
        code, _, err = run(capsys, "sync", "--config", str(config))
    assert code == 3 and "Another stamsync" in err
    assert group.daughters[0].count() == 0


def test_check_exit_codes(config: Path, group: Group,
                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--config", str(config))
    assert code == 0 and "All is well." in out
    group.daughters[0].execute("ALTER TABLE customers RENAME COLUMN city TO plaats")
    code, out, _ = run(capsys, "check", "--json", "--config", str(config))
    problems = json.loads(out)["problems"]
    assert code == 1 and problems[0]["administration"] == "Daughter1"
    assert "no column 'city'" in problems[0]["message"]
    group.mother.execute("ALTER TABLE customers RENAME COLUMN name TO naam")
    code, out, _ = run(capsys, "check", "--config", str(config))
    assert code == 2 and "ERROR" in out and "Holding" in out


def test_show_unknown_run(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "show", "42", "--config", str(config))
    assert code == 2 and "no run 42" in err and "stamsync history" in err


def test_version_and_demo_as_a_user_runs_them(tmp_path: Path) -> None:
    stamsync = [sys.executable, "-m", "tray.cli"]
    version = subprocess.run([*stamsync, "--version"], capture_output=True, text=True,
                             check=True)
    assert version.stdout.startswith("stamsync ")
    demo = subprocess.run([*stamsync, "demo", "--dir", str(tmp_path / "demo"), "--records",
                           "50"], capture_output=True, text=True, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "Noord" in demo.stdout and "Zuid" in demo.stdout and "Artikelen" in demo.stdout
    config = tmp_path / "demo" / "stamsync.toml"
    again = subprocess.run([*stamsync, "sync", "--json", "--config", str(config)],
                           capture_output=True, text=True, check=True)
    report = json.loads(again.stdout)
    for daughter in report["daughters"]:
        for counts in daughter["entities"].values():
            assert counts["created"] == counts["updated"] == counts["conflicts"] == 0
    check = subprocess.run([*stamsync, "check", "--config", str(config)], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout


def test_a_terminal_gets_a_progress_bar(config: Path) -> None:
    """On a terminal (a real pseudo-terminal here) the sync shows a progress bar on stderr."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:  # the child: stamsync on an 80x24 terminal
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.execv(sys.executable, [sys.executable, "-m", "tray.cli", "sync",
                                  "--config", str(config)])
    output = b""
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        output += data
    _, status = os.waitpid(pid, 0)
    text = output.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0
    assert "rec/s" in text or "rec]" in text, text  # tqdm's bar, counting records
    assert "Daughter1  Debiteuren" in text
