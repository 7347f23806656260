"""Up then down gives back the catalog from before, for dialects with no server here.

Every migration of every SQL Server and CockroachDB fixture, and of every SQL Server
history in the shared corpus (``PRISMA_DOWN_CORPUS``, default ``/work/shared/corpus``):
the generated down.sql is replayed over the catalog the migration left, and
``compare.differences`` against the catalog before it must be empty. Prints the figures.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from prisma_down.core.analysis import Analyzer, replay
from prisma_down.core.compare import differences
from prisma_down.core.down import generate
from prisma_down.core.history import load_history
from tests.core.fixture_cases import FIXTURES, names

CORPUS = Path(os.environ.get("PRISMA_DOWN_CORPUS", "/work/shared/corpus"))


@dataclass
class Tally:
    restored: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.restored + len(self.failed)


def round_trip(history_dir: Path, dialect: str, tally: Tally) -> None:
    history = load_history(history_dir, dialect)
    analyses = Analyzer(dialect).analyse([m.up.text for m in history.migrations])
    for m, up in zip(history.migrations, analyses, strict=True):
        down = generate(m.name, m.up.text, up, dialect)
        back = replay(down, dialect, up.after)
        problems = [p for s in back.steps for p in s.problems]
        diffs = differences(up.before, back.after)
        if diffs or problems:
            tally.failed.append(f"{history_dir.name}/{m.name}: {(diffs + problems)[:3]}")
        else:
            tally.restored += 1


@pytest.mark.parametrize("dialect", ["tsql", "cockroachdb"])
def test_every_fixture_migration_round_trips(dialect: str) -> None:
    tally = Tally()
    for name in names(dialect):
        round_trip(FIXTURES / dialect / name / "history", dialect, tally)
    print(f"\n{dialect} fixtures: {tally.restored}/{tally.total} migrations restored")
    assert tally.failed == []


def test_sqlserver_corpus_round_trips() -> None:
    root = CORPUS / "sqlserver"
    if not root.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the SQL Server corpus is missing: {root}")
        pytest.skip(f"no SQL Server corpus at {root}")
    tally = Tally()
    for history in sorted(p for p in root.iterdir() if p.is_dir()):
        round_trip(history, "tsql", tally)
    share = tally.restored / max(tally.total, 1)
    print(f"\nSQL Server corpus: {tally.restored}/{tally.total} migrations restored ({share:.1%})")
    for line in tally.failed:
        print("   ", line)
    assert tally.total >= 300
    assert share >= 0.99
