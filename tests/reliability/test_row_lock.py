"""A row another program holds locked in a daughter (someone editing a customer and not yet
saving): the sync waits up to the administration's query timeout, reports it in words, rolls
back that daughter's transaction whole (no half-written record), and the next run catches
up, on PostgreSQL and MariaDB."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import engine
from tests.books import Group, ServerBooks
from tests.conftest import fill
from tests.servers import Server


@pytest.mark.parametrize("kind", ["postgres", "mariadb"])
def test_a_row_locked_past_the_query_timeout_fails_the_daughter_and_writes_nothing(
        tmp_path: Path, postgres: Server, mariadb: Server, kind: str) -> None:
    server = {"postgres": postgres, "mariadb": mariadb}[kind]
    g = fill(Group(tmp_path, ServerBooks(postgres, "Holding"), [ServerBooks(server, "Noord")]))
    g.sync()
    g.mother.set("D100", city="Amersfoort")
    g.mother.set("D101", city="Almere")
    daughter = g.daughters[0]
    assert isinstance(daughter, ServerBooks)
    holder = daughter.connect()  # someone editing D101 in the daughter, not yet saved
    holder.autocommit = False
    holder.execute("UPDATE customers SET name = 'Bezig' WHERE code = 'D101'")
    try:
        spec = replace(g.spec, daughters=(replace(daughter.admin, query_timeout=1),))
        report = engine.sync(spec)
    finally:
        holder.rollback()
        holder.close()
    error = report.daughters[0].error or ""
    assert report.daughters[0].status == "attention", error
    assert (("statement timeout" in error) if kind == "postgres"  # MariaDB: whichever is first
            else ("Lock wait timeout" in error or "max_statement_time exceeded" in error)), error
    assert "longer than the query timeout (1 s)" in error
    assert daughter.row("D100")["city"] == "Utrecht"  # the transaction rolled back whole
    assert engine.sync(g.spec).daughters[0].entities["customers"].updated == 2  # caught up
