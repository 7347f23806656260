"""The fixture folders of ``tests/core/fixtures/<dialect>/<case>/`` (sqlglot's data-driven style).

Each case is a tiny Prisma history, ``history/<NNN>_<name>/migration.sql``: the earlier
migrations set up the state, the last one is under test. ``expected.down.sql`` is the
down.sql generated for that last migration, without its header (the lines before the
first blank line carry hashes and the version, which would make every fixture brittle).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from prisma_down.core.analysis import Analyzer, ScriptAnalysis
from prisma_down.core.down import generate
from prisma_down.core.history import History, load_history

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = "expected.down.sql"
UPDATE_ENV = "PRISMA_DOWN_UPDATE_FIXTURES"


@dataclass(frozen=True)
class Case:
    """One fixture folder, read: its history and what the engine makes of it."""

    name: str
    directory: Path
    history: History
    analyses: tuple[ScriptAnalysis, ...]
    downs: tuple[str, ...]  # the whole generated down.sql of every migration, in order

    @property
    def expected_path(self) -> Path:
        return self.directory / EXPECTED

    @property
    def last(self) -> ScriptAnalysis:
        return self.analyses[-1]

    @property
    def body(self) -> str:
        """The last migration's down.sql without its header."""
        return body(self.downs[-1])

    def migrations(self) -> list[tuple[str, str, str]]:
        """``(name, up, down)`` of every migration, as ``verify_history`` takes them."""
        return [
            (m.name, m.up.text, d) for m, d in zip(self.history.migrations, self.downs, strict=True)
        ]


def names(dialect: str = "postgres") -> list[str]:
    """Every case folder of ``dialect``, sorted."""
    root = FIXTURES / dialect
    return sorted(p.name for p in root.iterdir() if (p / "history").is_dir())


def load(name: str, dialect: str = "postgres") -> Case:
    directory = FIXTURES / dialect / name
    history = load_history(directory / "history", dialect)
    assert history.migrations, f"{directory}: no migrations under history/"
    for m in history.migrations:
        assert m.up.error is None, f"{m.up.path}: {m.up.error}"
    texts = [m.up.text for m in history.migrations]
    analyses = tuple(Analyzer(dialect=dialect).analyse(texts))
    downs = tuple(
        generate(m.name, m.up.text, a, dialect)
        for m, a in zip(history.migrations, analyses, strict=True)
    )
    return Case(name, directory, history, analyses, downs)


def body(down_text: str) -> str:
    """A generated down.sql from its first blank line on: the header lines dropped."""
    head, sep, rest = down_text.partition("\n\n")
    assert sep, "a generated down.sql has a header, then a blank line"
    assert all(line.startswith("-- ") for line in head.splitlines()), head
    return rest


def assert_expected(case: Case) -> None:
    """The generated down.sql equals ``expected.down.sql`` (a unified diff when it does not).

    With ``PRISMA_DOWN_UPDATE_FIXTURES=1`` the expected file is (re)written instead: whether
    it is *right* is decided by the round-trip tests on a real engine.
    """
    got, path = case.body, case.expected_path
    if os.environ.get(UPDATE_ENV):
        if not path.exists() or path.read_text(encoding="utf-8") != got:
            path.write_text(got, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing: run with {UPDATE_ENV}=1 to write it", pytrace=False)
    want = path.read_text(encoding="utf-8")
    if got != want:
        diff = difflib.unified_diff(
            want.splitlines(keepends=True),
            got.splitlines(keepends=True),
            f"{case.name}/{EXPECTED}",
            f"{case.name} (generated)",
        )
        pytest.fail("down.sql differs from the fixture:\n" + "".join(diff), pytrace=False)


def assert_every_statement_fits(case: Case) -> None:
    """Fixtures are valid Prisma histories: every statement reads and fits the catalog."""
    for migration, analysis in zip(case.history.migrations, case.analyses, strict=True):
        for step in analysis.steps:
            where = f"{migration.name}: {step.statement.text[:80]!r}"
            assert step.reading.problem is None, f"{where}: {step.reading.problem}"
            assert not step.problems, f"{where}: {step.problems}"
