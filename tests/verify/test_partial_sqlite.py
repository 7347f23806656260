"""Half-applied SQLite migrations, undone on a real SQLite.

Prisma runs a SQLite migration statement by statement with no transaction around it, so a
failed one leaves any prefix applied. SQLite has no conditional DDL beyond IF [NOT] EXISTS,
so down.sql cannot be made right from every state (PostgreSQL and MySQL can): these tests
hold it to what SQLite allows. For every migration of every SQLite fixture and corpus
history, each prefix k = 0..n-1, then the generated down.sql:

- when down.sql runs through, the schema is the one before the migration: never a silent
  mismatch;
- when it stops, it is at a statement SQLite has no guard for: ``ALTER TABLE`` (there is no
  ``DROP COLUMN IF EXISTS``, no ``RENAME … IF EXISTS``), or the copy or data statement of a
  redefinition (a table the migration's redefinition had dropped and not yet renamed back:
  its rows are only in ``new_X`` then, which down.sql must not touch); every DROP and
  CREATE it writes is guarded and never the one that stops;
- the complete round trip (up, down, compare, up, compare) is restored.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from prisma_down.core.analysis import Analyzer
from prisma_down.core.down import generate
from prisma_down.core.statements import split
from prisma_down.verify import sqlite
from prisma_down.verify.partial import PartialVerdict, Trial, verify_partial_history
from prisma_down.verify.roundtrip import STATEMENT_AT
from prisma_down.verify.sqlite_target import reset_sqlite
from tests.core.fixture_cases import load, names
from tests.verify.conftest import generated, print_figures, require_corpus
from tests.verify.test_sqlite_roundtrip import CORPUS, _histories

Migration = tuple[str, str, str]
FIGURES: dict[str, dict[str, int]] = {}


def _run(tmp_path: Path, migrations: list[Migration]) -> list[PartialVerdict]:
    conn = sqlite.connect(tmp_path / "partial.db")
    try:
        return verify_partial_history(
            conn, migrations, "sqlite", sqlite.apply, sqlite.snapshot, sqlite.diff, reset_sqlite
        )
    finally:
        conn.close()


def _unguardable(down: str, trial: Trial) -> bool:
    """down.sql stopped at a statement SQLite has no IF [NOT] EXISTS form for."""
    found = STATEMENT_AT.search(trial.error or "")
    assert found, trial.error
    line = int(found.group(1))
    (statement,) = [
        st.text for st in split(down, "sqlite").statements
        if down.count("\n", 0, st.span.start) + 1 == line
    ]  # fmt: skip
    return re.match(r"\s*(ALTER TABLE|INSERT|DELETE|UPDATE)\b", statement, re.I) is not None


def _check(source: str, migrations: list[Migration], verdicts: list[PartialVerdict]) -> None:
    tally = FIGURES.setdefault(
        source, dict.fromkeys(("migrations", "partial states", "restored", "stopped"), 0)
    )
    tally["migrations"] += len(verdicts)
    downs = {name: down for name, _, down in migrations}
    unexplained = []
    for v in verdicts:
        assert v.status not in ("mismatch", "down-failed", "reapply-failed", "reapply-mismatch"), (
            f"{v.name}: the complete round trip: {v.error} {v.differences}"
        )
        for t in v.trials:
            tally["partial states"] += 1
            tally["restored"] += t.status == "restored"
            tally["stopped"] += t.status == "partial-down-failed"
            assert t.status != "partial-mismatch", f"{v.name} {t.where}: {t.differences}"
            assert t.status != "not-reached", f"{v.name} {t.where}: {t.error}"
            if t.status == "partial-down-failed" and not _unguardable(downs[v.name], t):
                unexplained.append(f"{v.name} {t.where}: {t.error}")
    assert not unexplained, "\n".join(unexplained)


@pytest.mark.parametrize("name", names("sqlite"))
def test_fixture_prefixes(tmp_path: Path, name: str) -> None:
    migrations = load(name, "sqlite").migrations()
    _check("fixtures", migrations, _run(tmp_path, migrations))


@pytest.mark.parametrize("history_dir", _histories(), ids=lambda p: p.name[:60])
def test_corpus_prefixes(tmp_path: Path, history_dir: Path) -> None:
    migrations = generated(history_dir, "sqlite")
    _check("corpus", migrations, _run(tmp_path, migrations))


def test_corpus_is_there() -> None:
    require_corpus(CORPUS, _histories())


def test_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs after the trials (file order): what was tried, restored and stopped."""
    title = "SQLite half-applied migrations (no conditional DDL but IF [NOT] EXISTS):"
    print_figures(capsys, title, FIGURES)
    for f in FIGURES.values():
        assert f["restored"] + f["stopped"] == f["partial states"]


# -- the rows a stopped redefinition left in new_X are never dropped

_INIT = 'CREATE TABLE "Post" ("id" INTEGER NOT NULL PRIMARY KEY, "title" TEXT NOT NULL);\n'
_REDEFINE = """PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Post" ("id" INTEGER NOT NULL PRIMARY KEY, "title" TEXT);
INSERT INTO "new_Post" ("id", "title") SELECT "id", "title" FROM "Post";
DROP TABLE "Post";
ALTER TABLE "new_Post" RENAME TO "Post";
PRAGMA foreign_keys=ON;
"""


def _down() -> str:
    analyses = Analyzer("sqlite").analyse([_INIT, _REDEFINE])
    return generate("2_nullable", _REDEFINE, analyses[1], "sqlite")


@pytest.mark.parametrize("applied", [2, 3])
def test_a_redefinition_stopped_before_its_drop_is_undone(tmp_path: Path, applied: int) -> None:
    conn = sqlite.connect(tmp_path / "x.db")
    statements = split(_REDEFINE, "sqlite").statements
    assert sqlite.apply(conn, _INIT + "INSERT INTO \"Post\" VALUES (1, 'kept');") is None
    before = sqlite.snapshot(conn)
    assert sqlite.apply(conn, _REDEFINE[: statements[applied - 1].span.end]) is None
    assert sqlite.apply(conn, _down()) is None
    assert sqlite.diff(before, sqlite.snapshot(conn)) == []  # new_Post is gone too
    assert conn.execute('SELECT "title" FROM "Post"').fetchall() == [("kept",)]


def test_a_redefinition_stopped_after_its_drop_keeps_the_rows(tmp_path: Path) -> None:
    conn = sqlite.connect(tmp_path / "x.db")
    statements = split(_REDEFINE, "sqlite").statements
    assert sqlite.apply(conn, _INIT + "INSERT INTO \"Post\" VALUES (1, 'kept');") is None
    assert sqlite.apply(conn, _REDEFINE[: statements[3].span.end]) is None  # Post dropped
    error = sqlite.run(conn, _down())  # as prisma db execute: what ran stays
    assert error is not None and "no such table: Post" in error
    rows = conn.execute('SELECT "title" FROM "new_Post"').fetchall()
    assert rows == [("kept",)]  # down.sql stopped before touching them
