from __future__ import annotations

from pathlib import Path

import pytest

from tests.books import Group, make_group


@pytest.fixture
def group(tmp_path: Path) -> Group:
    """A mother with three customers and one empty daughter."""
    g = make_group(tmp_path)
    g.mother.add("D100", "Bakkerij de Vries", "Utrecht", 1000)
    g.mother.add("D101", "Café Ĳsselmeer", "Lelystad", 2500)
    g.mother.add("D102", "Łódź Handel BV", "Venlo", 500)
    return g
