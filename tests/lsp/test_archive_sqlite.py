"""The archive quick fix on a SQLite history, run on real SQLite: up keeps the data in the
archived column and table, the regenerated down.sql brings them back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pytest_lsp import LanguageClient

from tests.lsp.archive_history import archive_every_drop, write_history

INIT = (
    'CREATE TABLE "User" (\n    "id" INTEGER NOT NULL PRIMARY KEY,\n    "bio" TEXT\n);\n\n'
    'CREATE TABLE "Tag" (\n    "id" INTEGER NOT NULL PRIMARY KEY,\n    "label" TEXT NOT NULL\n);\n'
)
# SQLite has no ALTER TABLE IF EXISTS: the rewrite of this DROP must not invent one.
DROP = (
    '-- AlterTable\nALTER TABLE "User" DROP COLUMN "bio";\n\n'
    "-- DropTable\nPRAGMA foreign_keys=off;\n"
    'DROP TABLE IF EXISTS "Tag";\nPRAGMA foreign_keys=on;\n'
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_history(tmp_path / "lite", "sqlite", {"1_init": INIT, "2_drop": DROP})
    return tmp_path / "lite"


async def test_archive_on_sqlite_keeps_the_data(client: LanguageClient, tmp_path: Path) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    path = project / "prisma" / "migrations" / "2_drop" / "migration.sql"
    titles = await archive_every_drop(client, path, 2)
    assert '"Tag" to "Tag_archived"' in titles[0] and '"bio" to "bio_archived"' in titles[1]
    up = path.read_text()
    assert up == DROP.replace('DROP COLUMN "bio"', 'RENAME COLUMN "bio" TO "bio_archived"').replace(
        'DROP TABLE IF EXISTS "Tag"', 'ALTER TABLE "Tag" RENAME TO "Tag_archived"'
    )

    conn = sqlite3.connect(tmp_path / "dev.db", isolation_level=None)
    try:
        conn.executescript(INIT)
        conn.executescript("INSERT INTO \"User\" VALUES (1, 'kept');")
        conn.executescript("INSERT INTO \"Tag\" VALUES (7, 'green');")
        conn.executescript(up)
        assert conn.execute('SELECT "id", "bio_archived" FROM "User"').fetchall() == [(1, "kept")]
        assert conn.execute('SELECT * FROM "Tag_archived"').fetchall() == [(7, "green")]
        conn.executescript(path.with_name("down.sql").read_text())
        assert conn.execute('SELECT * FROM "User"').fetchall() == [(1, "kept")]
        assert conn.execute('SELECT * FROM "Tag"').fetchall() == [(7, "green")]
        tables = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        assert conn.execute(tables).fetchall() == [("Tag",), ("User",)]
    finally:
        conn.close()
