"""Text reaches a daughter over ODBC character for character, and is read back as it is.

Found by the kill tests (test_kills.py): through the `MariaDB Unicode` driver (MariaDB
Connector/ODBC 3.1.15 here) a string with a character whose UTF-16 code unit has a low byte
0xD8-0xDB (Ø, Ù, Ú, Û, ǘ, Ә, ...) followed by another character is mangled both ways with
pyodbc's default UTF-16 binding: a bound parameter is stored with a NUL appended
('Ørsted' -> 'Ørsted\\x00'), and a value is read back one character short ('Ørsted' ->
'Ørste'). So the daughter holds a corrupted name, and every later sync sees the daughter
"changed": a conflict, rewritten (mother-wins) or kept (daughter-wins), at every run.
With the connection's encoding and decoding set to UTF-8 (pyodbc `setencoding` and
`setdecoding` for SQL_CHAR and SQL_WCHAR) the same driver stores and reads these values
intact.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.books import Books, Group, ServerBooks

NAMES = {"D1": "Ørsted Energie", "D2": "Ùnion Sàrl", "D3": "Bureau Úrsula", "D4": "xØyz"}

@pytest.mark.parametrize("kind", ["postgres", "mariadb"])
def test_text_with_o_slash_is_written_and_read_back_intact(
        kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The daughter's database holds exactly the mother's names (checked in SQL, with the
    names as literals, so no driver binding is involved), and a second sync finds them
    unchanged, with no conflict."""
    daughter = ServerBooks(request.getfixturevalue(kind), "Daughter1")
    g = Group(tmp_path, Books(tmp_path / "mother.db", "Holding"), [daughter])
    for code, name in NAMES.items():
        g.mother.add(code, name)
    assert g.counts(g.sync())["created"] == len(NAMES)
    for code, name in NAMES.items():
        (row,) = daughter.query(
            f"SELECT CHAR_LENGTH(name) AS n, CASE WHEN name = '{name}' THEN 1 ELSE 0 END "
            f"AS same FROM customers WHERE code = '{code}'")
        assert (row["n"], row["same"]) == (len(name), 1), f"{code} {name!r}: {row}"
    again = g.counts(g.sync())
    assert (again["unchanged"], again["conflicts"]) == (len(NAMES), 0), again
