"""``prisma-down revert`` on corpus histories, proven on real PostgreSQL, MariaDB and SQLite.

A copy of each history gets ``revert`` of its newest migrations, one after the other (each
revert is then the newest folder, so the next one sorts after it). The whole history is
applied to a fresh database, revert migrations included, each migration.sql as Prisma's
schema engine runs it (``verify``'s apply functions): the schema must equal a fresh
database holding the history without the reverted migrations (``verify``'s snapshots),
and ``check`` on every new folder prints no finding.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.verify.conftest import require_corpus

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
HISTORIES = {
    "postgres": [
        "postgresql/umami-software__umami",
        "postgresql/amplication__amplication--packages-amplication-plugin-api-prisma-migrations",
    ],
    "mysql": ["mysql/umami-software__umami--db-mysql-migrations", "mysql/shadcn-ui__taxonomy"],
    "sqlite": [
        "sqlite/chibisafe__chibisafe--packages-backend-src-prisma-migrations",
        "sqlite/stonith404__pingvin-share--backend-prisma-migrations",
    ],
}
DEPTH = 3  # the newest migrations reverted, one revert folder each
# MySQL 8 functions a corpus migration calls that MariaDB lacks (as test_mysql_roundtrip)
_MYSQL8_STAND_INS = (
    "CREATE FUNCTION IF NOT EXISTS BIN_TO_UUID(b BINARY(16)) RETURNS CHAR(36) DETERMINISTIC "
    "RETURN LOWER(CONCAT_WS('-', HEX(SUBSTR(b, 1, 4)), HEX(SUBSTR(b, 5, 2)), "
    "HEX(SUBSTR(b, 7, 2)), HEX(SUBSTR(b, 9, 2)), HEX(SUBSTR(b, 11, 6))))"
)

# a fresh database's connection, closed on exit
Fresh = Callable[[], AbstractContextManager[Any]]


@contextmanager
def _engine(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Fresh, Callable[[Any, str], str | None], Callable[[Any], Any]]]:
    """(fresh database, apply a migration.sql as Prisma does, snapshot) for ``dialect``."""
    if dialect == "postgres":
        from prisma_down.verify import postgres, snapshot

        server = request.getfixturevalue("pg_server")

        @contextmanager
        def fresh_pg() -> Iterator[Any]:
            name = f"rv_{uuid.uuid4().hex[:10]}"
            with server.database(name), server.connect(name) as conn:
                yield conn

        yield fresh_pg, postgres.apply, snapshot.snapshot
    elif dialect == "mysql":
        from prisma_down.verify import mariadb, mysql_snapshot

        maria = request.getfixturevalue("mariadb")

        @contextmanager
        def fresh_my() -> Iterator[Any]:
            name = f"rv_{uuid.uuid4().hex[:10]}"
            with maria.database(name):
                conn = maria.connect(name)
                try:
                    if "mariadb" in maria.version.lower():
                        with conn.cursor() as cur:
                            cur.execute(_MYSQL8_STAND_INS)
                    yield conn
                finally:
                    conn.close()

        yield fresh_my, mariadb.apply, mysql_snapshot.snapshot
    else:
        from prisma_down.verify import sqlite as lite

        @contextmanager
        def fresh_lite() -> Iterator[Any]:
            conn = lite.connect(tmp_path / f"{uuid.uuid4().hex[:10]}.db")
            try:
                yield conn
            finally:
                conn.close()

        yield fresh_lite, lite.apply, lite.snapshot


def _prisma_down(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"PYTHONIOENCODING": "utf-8", "XDG_CACHE_HOME": str(cwd / ".test-cache")}
    proc = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", *args],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


def _ups(migrations: Path) -> list[tuple[str, str]]:
    """(name, migration.sql) in Prisma's order (folder names sorted)."""
    return [
        (p.parent.name, p.read_text(encoding="utf-8"))
        for p in sorted(migrations.glob("*/migration.sql"), key=lambda p: p.parent.name)
    ]


def _cases() -> list[tuple[str, str]]:
    return [(dialect, h) for dialect, hs in HISTORIES.items() for h in hs]


@pytest.mark.parametrize(("dialect", "history"), _cases(), ids=lambda v: v[:40])
def test_revert_restores_the_schema_before_and_checks_clean(
    dialect: str, history: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    source = CORPUS / history
    require_corpus(CORPUS, [source] if source.is_dir() else [])
    project = tmp_path / "app"
    migrations = project / "prisma" / "migrations"
    shutil.copytree(source, migrations)
    (project / "package.json").write_text('{"name": "app"}\n')
    original = _ups(migrations)
    reverted = [name for name, _ in original[::-1][:DEPTH]]
    new: list[str] = []
    for name in reverted:
        before = {p.name for p in migrations.iterdir() if p.is_dir()}
        proc = _prisma_down(project, "revert", name)
        assert proc.returncode == 0, proc.stderr
        assert "schema.prisma" in proc.stderr  # the model change must be reverted too
        made = sorted({p.name for p in migrations.iterdir() if p.is_dir()} - before)
        assert len(made) == 1 and "_revert_" in made[0], made
        assert made[0] > max(before), (made, max(before))  # after every migration
        assert sorted(p.name for p in (migrations / made[0]).iterdir()) == [
            "down.sql",
            "migration.sql",
        ]
        new += made
    for name, sql in original:  # nothing else changed
        assert (migrations / name / "migration.sql").read_text(encoding="utf-8") == sql

    with _engine(dialect, request, tmp_path) as (fresh, apply, snapshot):
        with fresh() as conn:
            for name, sql in _ups(migrations):
                error = apply(conn, sql)
                assert error is None, f"{name}: {error}"
            after_revert = snapshot(conn)
        with fresh() as conn:
            for name, sql in original[: len(original) - len(reverted)]:
                assert apply(conn, sql) is None, name
            expected = snapshot(conn)
    assert after_revert == expected

    for name in new:
        proc = _prisma_down(
            project, "check", "--format", "json", "--fail-on", "never", "--no-cache",
            f"prisma/migrations/{name}",
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout) == [], name
