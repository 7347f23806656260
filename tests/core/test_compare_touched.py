"""``compare.differences`` looks only at what the catalogs do not share, and still finds every
difference the full comparison finds: on corpus migrations (every one of the
shorter histories, every third of the long ones), replaying its generated down.sql, and
down.sql files with statements left out (so that there are differences)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prisma_down.core.analysis import Analyzer, replay
from prisma_down.core.catalog import Catalog
from prisma_down.core.compare import differences
from prisma_down.core.down import generate
from prisma_down.core.history import load_history
from prisma_down.core.statements import split
from tests.core.scans import differences_by_scan

CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus"
HISTORIES = sorted(p for p in CORPUS.glob("*/*") if list(p.rglob("migration.sql")))
PG = "postgres"
DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite", "sqlserver": "tsql"}


def downs(text: str, dialect: str) -> list[str]:
    """The down.sql, and versions with every other statement, or the first, left out."""
    statements = [st.text for st in split(text, dialect).statements]
    every_other = ";\n".join(statements[::2]) + ";\n"
    rest = ";\n".join(statements[1:]) + ";\n"
    return [text, every_other, rest]


@pytest.mark.parametrize("history", HISTORIES, ids=lambda p: p.name[:40])
def test_same_differences_as_the_full_comparison(history: Path) -> None:
    dialect = DIALECTS[history.parent.name]
    loaded = load_history(history, dialect)
    analyses = Analyzer(dialect).analyse([m.up.text for m in loaded.migrations])
    found = 0
    step = 1 if len(analyses) < 150 else 3  # a third of the long histories: time
    for m, up in list(zip(loaded.migrations, analyses, strict=True))[::step]:
        for down in downs(generate(m.name, m.up.text, up, dialect), dialect):
            after = replay(down, dialect, up.after).after
            want = differences_by_scan(up.before, after)
            assert differences(up.before, after) == want, m.name
            found += len(want)
    assert found or len(loaded.migrations) < 3  # the left-out statements made differences


def test_differences_between_unrelated_catalogs() -> None:
    """Two catalogs that share nothing (built apart): every entry is compared."""
    a = replay(
        'CREATE TABLE "A" ("id" INT, "x" TEXT); CREATE INDEX "i" ON "A"("x");', PG, Catalog()
    )
    b = replay('CREATE TABLE "A" ("id" BIGINT); CREATE TYPE "E" AS ENUM (\'a\');', PG, Catalog())
    assert differences(a.after, b.after) == differences_by_scan(a.after, b.after)
    assert differences(a.after, b.after) == [
        'column "A"."x" is missing after down.sql',
        'column "A"."id" has type INT before, BIGINT after down.sql',
        'index "i" is missing after down.sql',
        'enum "E" is still there after down.sql',
    ]
