"""The schedule's rules with an injected clock (no sleeps), the scheduling loop around the one
engine worker on real SQLite administrations, and `stamsync run` as a real process."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import engine
from settings import Config, Schedule, load, save
from settings.schedule import describe, in_window, next_run
from tests.books import Group
from tests.desktop import wait_for
from tray.scheduler import Service
from tray.worker import Outcome, Worker

WEEKDAYS = Schedule(days=("mon", "tue", "wed", "thu", "fri"), start=dt.time(7),
                    until=dt.time(19), every_minutes=15)
MONDAY = dt.date(2026, 11, 30)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm))


@pytest.mark.parametrize(("moment", "inside"), [
    (at(MONDAY, "06:59"), False), (at(MONDAY, "07:00"), True), (at(MONDAY, "18:59"), True),
    (at(MONDAY, "19:00"), False), (at(MONDAY + dt.timedelta(days=5), "10:00"), False),
])
def test_the_window_is_the_listed_days_from_until(moment: dt.datetime, inside: bool) -> None:
    assert in_window(WEEKDAYS, moment) is inside


def test_the_next_run() -> None:
    friday = MONDAY + dt.timedelta(days=4)
    # before the window: when it opens; inside, with no run yet today: at once
    assert next_run(WEEKDAYS, at(MONDAY, "06:00"), None) == at(MONDAY, "07:00")
    assert next_run(WEEKDAYS, at(MONDAY, "10:03"), at(MONDAY, "06:00")) == at(MONDAY, "10:03")
    # every 15 minutes after the last run
    assert next_run(WEEKDAYS, at(MONDAY, "10:05"), at(MONDAY, "10:03")) == at(MONDAY, "10:18")
    # a run that would fall after `until` waits for the next window: Friday evening -> Monday
    assert next_run(WEEKDAYS, at(friday, "18:50"), at(friday, "18:50")) == at(
        MONDAY + dt.timedelta(days=7), "07:00")
    whole_day = dataclasses.replace(WEEKDAYS, days=("sun",), start=dt.time(0), until=None)
    assert in_window(whole_day, at(MONDAY - dt.timedelta(days=1), "23:59"))


class FakeClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def service(group: Group) -> Service:
    path = group.folder / "stamsync.toml"
    save(Config(path, group.spec, WEEKDAYS))
    outcomes: list[Outcome] = []
    service = Service(path, Worker(outcomes.append), FakeClock(at(MONDAY, "06:30")))
    service.outcomes = outcomes  # type: ignore[attr-defined]
    return service


def runs(service: Service) -> int:
    assert service.worker.wait_idle(60)
    return len(engine.history(service.config.spec))


def test_nothing_runs_outside_the_window_and_once_inside_it(service: Service) -> None:
    service.tick()
    assert runs(service) == 0
    clock = service.clock
    assert isinstance(clock, FakeClock)
    clock.now = at(MONDAY, "07:00")
    service.tick()
    assert runs(service) == 1
    clock.now = at(MONDAY, "07:10")
    service.tick()
    assert runs(service) == 1  # not yet: every 15 minutes
    clock.now = at(MONDAY, "07:15")
    service.tick()
    assert runs(service) == 2
    clock.now = at(MONDAY, "19:00")
    service.tick()
    assert runs(service) == 2


def test_a_pause_holds_scheduled_syncs_but_not_sync_now(service: Service) -> None:
    clock = service.clock
    assert isinstance(clock, FakeClock)
    clock.now = at(MONDAY, "08:00")
    service.pause_for(30)
    service.tick()
    assert runs(service) == 0
    assert service.next_due() == at(MONDAY, "08:30")
    service.sync_now()
    assert runs(service) == 1
    clock.now = at(MONDAY, "08:31")
    service.tick()  # the pause is over: due (15 minutes after the sync-now at 08:00)
    assert runs(service) == 2 and service.pause is None
    service.pause_for(None)
    assert service.next_due() is None
    clock.now = at(MONDAY, "12:00")
    service.tick()
    assert runs(service) == 2
    service.resume()  # inside the window: one at once
    assert runs(service) == 3


def test_a_changed_config_is_picked_up_and_a_broken_one_is_not(service: Service) -> None:
    path = service.config_path
    text = path.read_text()
    path.write_text(text.replace('"mon", "tue", "wed", "thu", "fri"', '"sat"'))
    os.utime(path, (time.time() + 5, time.time() + 5))
    service.tick()
    assert service.config.schedule.days == ("sat",)
    path.write_text(text.replace("every_minutes = 15", "every_minutes = 0"))
    os.utime(path, (time.time() + 10, time.time() + 10))
    service.tick()
    assert service.config.schedule.days == ("sat",)  # the previous one stays


def test_a_sync_that_raises_does_not_stop_the_next(
        service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    real = engine.sync
    calls = iter([RuntimeError("the state disk is full"), None])

    def flaky(*args: object, **kwargs: object) -> engine.RunReport:
        fault = next(calls)
        if fault is not None:
            raise fault
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "sync", flaky)
    service.sync_now()
    assert runs(service) == 0
    service.sync_now()
    assert runs(service) == 1
    outcomes: list[Outcome] = service.outcomes  # type: ignore[attr-defined]
    assert isinstance(outcomes[0].error, RuntimeError) and outcomes[1].report is not None


def test_syncs_never_overlap(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    real, started, release = engine.sync, threading.Event(), threading.Event()

    def slow(*args: object, **kwargs: object) -> engine.RunReport:
        started.set()
        release.wait(60)  # a long sync: the menu asks for another meanwhile
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "sync", slow)
    assert service.worker.request_sync("first")
    assert started.wait(60)
    assert not service.worker.request_sync("second")
    clock = service.clock
    assert isinstance(clock, FakeClock)
    clock.now = at(MONDAY, "09:00")
    service.tick()  # nor does the schedule start one, inside the window
    release.set()
    assert runs(service) == 1


def test_stamsync_run_syncs_once_at_start_refuses_a_second_and_stops_on_sigterm(
        group: Group, tmp_path: Path) -> None:
    path = group.folder / "stamsync.toml"
    always = Schedule(days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
                      start=dt.time(0), until=None, every_minutes=60)
    save(Config(path, group.spec, always))
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "tray.cli", "run", "--config", str(path)]
    first = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        def finished() -> list[str]:
            statuses = [r.status for r in engine.history(load(path).spec)]
            return [] if "running" in statuses else statuses

        assert wait_for("the first run to finish", finished) == ["ok"]
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 3
        assert "already running" in second.stderr
        first.send_signal(signal.SIGTERM)
        _, log = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, log
    assert "stopped" in log
    assert group.daughters[0].count() == 3


def test_a_reloaded_config_is_the_one_the_next_sync_uses(service: Service) -> None:
    path = service.config_path
    path.write_text(path.read_text().replace('"mon", "tue", "wed", "thu", "fri"', '"sun"'))
    os.utime(path, (time.time() + 5, time.time() + 5))
    service.tick()
    assert service.worker._config is service.config  # what the worker syncs with


def test_resume_outside_the_window_waits_for_it(service: Service) -> None:
    service.pause_for(None)
    service.resume()  # 06:30: before the window
    assert runs(service) == 0
    assert service.next_due() == at(MONDAY, "07:00")


def test_a_pause_that_runs_out_inside_the_window_syncs_at_once(group: Group) -> None:
    path = group.folder / "stamsync.toml"
    save(Config(path, group.spec, dataclasses.replace(WEEKDAYS, every_minutes=60)))
    clock = FakeClock(at(MONDAY, "08:00"))
    service = Service(path, Worker(), clock)
    service.tick()
    assert runs(service) == 1
    service.pause_for(30)
    clock.now = at(MONDAY, "08:31")
    service.tick()
    assert runs(service) == 2  # not at 09:00, the hour after the last run


def test_a_window_open_all_day_runs_on_over_midnight() -> None:
    always = Schedule(days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
                      start=dt.time(0), until=None, every_minutes=60)
    assert next_run(always, at(MONDAY, "00:05"),
                    at(MONDAY - dt.timedelta(days=1), "23:30")) == at(MONDAY, "00:30")


def test_the_next_run_across_a_daylight_saving_change(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Amsterdam")
    time.tzset()
    try:
        friday = dt.datetime(2026, 3, 27, 18, 50).astimezone()  # +01:00
        monday = next_run(WEEKDAYS, friday, friday)  # summer time from Sunday 29 March
        assert monday == dt.datetime(2026, 3, 30, 7, 0).astimezone()
        assert monday.utcoffset() == dt.timedelta(hours=2)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_sigterm_during_a_sync_lets_it_finish_then_stops(group: Group, tmp_path: Path) -> None:
    conn = sqlite3.connect(group.mother.path)
    with conn:
        conn.executemany("INSERT INTO customers (code, name, city, credit) VALUES (?, ?, ?, ?)",
                         ((f"K{i:06d}", f"Klant {i}", "Utrecht", i) for i in range(100_000)))
    conn.close()
    path = group.folder / "stamsync.toml"
    always = Schedule(days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
                      start=dt.time(0), until=None, every_minutes=60)
    save(Config(path, group.spec, always))
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    process = subprocess.Popen([sys.executable, "-m", "tray.cli", "run", "--config", str(path)],
                               env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        lines = []
        for line in process.stderr:
            lines.append(line)
            if "sync started" in line:
                process.send_signal(signal.SIGTERM)  # while the first sync runs
                break
        rest = process.communicate(timeout=120)[1]
    finally:
        if process.poll() is None:
            process.kill()
    log = "".join(lines) + rest
    assert process.returncode == 0, log
    assert log.index("stopping (signal") < log.index("status ok") < log.index("stopped")
    (run,) = engine.history(load(path).spec)
    assert run.status == "ok" and group.daughters[0].count() == 100_003


def test_a_mother_that_cannot_be_reached_is_tried_again_at_the_next_interval(
        group: Group) -> None:
    path = group.folder / "stamsync.toml"
    mother = group.mother.path
    hidden = mother.with_suffix(".away")
    save(Config(path, group.spec, WEEKDAYS))
    outcomes: list[Outcome] = []
    clock = FakeClock(at(MONDAY, "07:00"))
    service = Service(path, Worker(outcomes.append), clock)
    mother.rename(hidden)  # the mother's server is down
    service.tick()
    assert runs(service) == 1 and outcomes[-1].report is not None
    assert outcomes[-1].report.status == "failed"
    hidden.rename(mother)  # and up again
    clock.now = at(MONDAY, "07:10")
    service.tick()
    assert runs(service) == 1  # not before the interval is over
    clock.now = at(MONDAY, "07:15")
    service.tick()
    assert runs(service) == 2 and outcomes[-1].report is not None
    assert outcomes[-1].report.status == "ok"
    assert group.daughters[0].count() == 3


def test_the_schedule_in_words() -> None:
    monday_ten = at(MONDAY, "10:00")
    assert describe(WEEKDAYS, monday_ten, at(MONDAY, "09:50")) == (
        "Weekdays 07:00-19:00, every 15 minutes; next run today 10:05")
    assert describe(WEEKDAYS, monday_ten) == (
        "Weekdays 07:00-19:00, every 15 minutes; next run at once")
    weekend = dataclasses.replace(WEEKDAYS, days=("sat", "sun"), until=None, every_minutes=60)
    assert describe(weekend, monday_ten) == (
        "Weekends 07:00-24:00, every hour; next run Sat 07:00")
    some = dataclasses.replace(WEEKDAYS, days=("mon", "wed"), every_minutes=1)
    assert describe(some, at(MONDAY, "19:30")) == (
        "Mon, Wed 07:00-19:00, every minute; next run Wed 07:00")
