"""The archive quick fix on a MySQL history, run on a real MariaDB: up keeps the data in the
archived column and table, the regenerated down.sql brings them back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_lsp import LanguageClient

from prisma_down.verify.mariadb import MariaDBServer
from prisma_down.verify.mariadb import apply as run
from tests.lsp.archive_history import archive_every_drop, write_history
from tests.verify.conftest import mariadb  # noqa: F401 (the session's MariaDB)

INIT = (
    "CREATE TABLE `User` (\n    `id` INTEGER NOT NULL,\n    `bio` TEXT NULL,\n"
    "    PRIMARY KEY (`id`)\n) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n\n"
    "CREATE TABLE `Tag` (\n    `id` INTEGER NOT NULL,\n    `label` VARCHAR(191) NOT NULL,\n"
    "    PRIMARY KEY (`id`)\n) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
)
DROP = (
    "-- AlterTable\nALTER TABLE `User` DROP COLUMN `bio`,\n"
    "    ADD COLUMN `nick` VARCHAR(191) NULL;\n\n"
    "-- DropTable\nDROP TABLE IF EXISTS `Tag`;\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_history(tmp_path / "my", "mysql", {"1_init": INIT, "2_drop": DROP})
    return tmp_path / "my"


@pytest.fixture
def database(mariadb: MariaDBServer) -> Iterator[Any]:  # noqa: F811
    with mariadb.database(f"archive_{uuid.uuid4().hex[:10]}") as name:
        conn = mariadb.connect(name)
        try:
            yield conn
        finally:
            conn.close()


def rows(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


async def test_archive_on_mysql_keeps_the_data_on_mariadb(
    client: LanguageClient, database: Any
) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    path = project / "prisma" / "migrations" / "2_drop" / "migration.sql"
    titles = await archive_every_drop(client, path, 2)
    assert '"Tag" to "Tag_archived"' in titles[0] and '"bio" to "bio_archived"' in titles[1]
    up = path.read_text()
    assert "RENAME TABLE `Tag` TO `Tag_archived`" in up and '"' not in up
    assert "ALTER TABLE `User` RENAME COLUMN `bio` TO `bio_archived`;\n" in up
    assert "ALTER TABLE `User` ADD COLUMN `nick` VARCHAR(191) NULL;" in up

    assert run(database, INIT) is None
    assert run(database, "INSERT INTO `User` VALUES (1, 'kept');\n") is None
    assert run(database, "INSERT INTO `Tag` VALUES (7, 'green');\n") is None
    assert run(database, up) is None
    assert rows(database, "SELECT `id`, `bio_archived`, `nick` FROM `User`") == [(1, "kept", None)]
    assert rows(database, "SELECT * FROM `Tag_archived`") == [(7, "green")]

    assert run(database, path.with_name("down.sql").read_text()) is None
    assert rows(database, "SELECT * FROM `User`") == [(1, "kept")]  # nick gone, bio back
    assert rows(database, "SELECT * FROM `Tag`") == [(7, "green")]
    assert rows(database, "SHOW TABLES") == [("Tag",), ("User",)]
