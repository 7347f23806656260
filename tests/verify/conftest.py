"""Real databases for the verify tests: one private server of each kind per session.

PostgreSQL (``pg_server``, with a fresh database per test in ``pg_db``/``pg_conn``) and
MariaDB (``mariadb``: tests create and drop their own databases on it). Each server is
started once, when a test first asks for it, and stopped at the end of the session.
Without the engine the tests skip locally, but fail in CI (env ``CI`` set): a CI run that
silently skipped every database test would prove nothing.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from prisma_down.verify.mariadb import MariaDBServer, MariaDBUnavailable
from prisma_down.verify.postgres import PostgresServer, PostgresUnavailable


def _unavailable(reason: str, engine: str = "PostgreSQL") -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{engine} is required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def require_corpus(corpus: Path, histories: Sequence[Path] = ()) -> None:
    """The shared corpus (or its histories of one provider) must be there: skips locally
    without it, fails in CI."""
    if not corpus.is_dir():
        _unavailable(f"the shared corpus is missing: {corpus}", "the shared corpus")
    elif not histories:
        _unavailable(f"no migration history in {corpus}", "the shared corpus")


def generated(history_dir: Path, dialect: str) -> list[tuple[str, str, str]]:
    """``(name, up, down)`` of a corpus history, each down.sql as prisma-down writes it."""
    from prisma_down.core.analysis import Analyzer
    from prisma_down.core.down import generate
    from prisma_down.core.history import load_history

    history = load_history(history_dir)
    assert history.dialect == dialect
    analyses = Analyzer(dialect).analyse([m.up.text for m in history.migrations])
    return [
        (m.name, m.up.text, generate(m.name, m.up.text, a, dialect))
        for m, a in zip(history.migrations, analyses, strict=True)
    ]


def print_figures(
    capsys: pytest.CaptureFixture[str], title: str, figures: dict[str, dict[str, int]]
) -> None:
    """Trial counts per source (fixtures, corpus), printed past pytest's capture."""
    if not figures:
        pytest.skip("no trial ran")
    with capsys.disabled():
        print(f"\n{title}")
        for source, f in figures.items():
            print(f"  {source}: " + ", ".join(f"{v} {k}" for k, v in f.items()))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed: pip install 'prisma-down[verify]'")
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as error:
        _unavailable(str(error))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_db(pg_server: PostgresServer) -> Iterator[str]:
    """The name of a fresh, empty database, dropped after the test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    pg_server.create_database(name)
    try:
        yield name
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def pg_conn(pg_server: PostgresServer, pg_db: str) -> Iterator[Any]:
    """An autocommit connection to ``pg_db``."""
    with pg_server.connect(pg_db) as conn:
        yield conn


@pytest.fixture(scope="session")
def mariadb() -> Iterator[MariaDBServer]:
    """The session's one private MariaDB; each test creates (and drops) its own databases."""
    try:
        import pymysql  # noqa: F401
    except ImportError:
        _unavailable("PyMySQL is not installed: pip install 'prisma-down[dev]'", "MariaDB")
    server = MariaDBServer()
    try:
        server.start()
    except MariaDBUnavailable as error:
        _unavailable(str(error), "MariaDB")
    try:
        yield server
    finally:
        server.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the corpus round-trip figures: they are the headline of the suite."""
    from tests.verify import (
        test_corpus_roundtrip,
        test_mysql_roundtrip,
        test_rows_roundtrip,
        test_sqlite_roundtrip,
    )

    for title, figures in (
        ("PostgreSQL", test_corpus_roundtrip.FIGURES),
        ("SQLite", test_sqlite_roundtrip.FIGURES),
        ("MySQL (on MariaDB)", test_mysql_roundtrip.FIGURES),
    ):
        if figures:
            _print_figures(terminalreporter, title, figures)
    test_rows_roundtrip.print_figures(terminalreporter)


def _print_figures(tr: Any, title: str, figures: list[dict[str, object]]) -> None:
    tr.section(f"{title} corpus round trips (up, down, compare, up, compare)")
    keys = (
        "migrations",
        "checked",
        "restored",
        "up-failed",
        "risk:exact",
        "risk:loses-data",
        "risk:irreversible",
    )
    tr.write_line(f"{'history':60} " + " ".join(f"{k:>17}" for k in keys))
    totals: Counter[str] = Counter()
    for f in figures:
        tr.write_line(
            f"{str(f['history'])[:60]:60} " + " ".join(f"{int(f.get(k, 0)):>17}" for k in keys)
        )  # type: ignore[call-overload]
        totals.update({k: int(f.get(k, 0)) for k in keys})  # type: ignore[call-overload]
        for line in f["failures"]:  # type: ignore[attr-defined]
            tr.write_line(f"    {line}")
    tr.write_line(f"{'TOTAL':60} " + " ".join(f"{totals[k]:>17}" for k in keys))
    mismatches = totals["checked"] - totals["restored"]
    share = 100 * totals["restored"] / max(totals["checked"], 1)
    tr.write_line(
        f"restored exactly: {totals['restored']} of {totals['checked']} checkable "
        f"migrations ({share:.2f}%), mismatches {mismatches}"
    )
