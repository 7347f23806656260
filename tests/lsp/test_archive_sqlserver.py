"""The archive quick fix on a SQL Server history: no engine here, so golden files (read by
a person against the sp_rename documentation) and sqlglot's T-SQL parser.

SQL Server has no ``RENAME COLUMN``/``RENAME TO``: a rename is ``EXEC sp_rename``. A
``DROP COLUMN a, b`` names its second column without a keyword: it is no clause of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from pytest_lsp import LanguageClient

from prisma_down.core.statements import split
from tests.core.fixture_cases import body
from tests.lsp.archive_history import archive_every_drop, write_history

GOLDEN = Path(__file__).parent / "golden" / "archive_sqlserver"
WRAP = (
    "BEGIN TRY\n\nBEGIN TRAN;\n\n{}\nCOMMIT TRAN;\n\nEND TRY\nBEGIN CATCH\n\n"
    "IF @@TRANCOUNT > 0\nBEGIN\n    ROLLBACK TRAN;\nEND;\nTHROW\n\nEND CATCH\n"
)
INIT = WRAP.format(
    "-- CreateTable\nCREATE TABLE [dbo].[User] (\n    [id] INT NOT NULL,\n"
    "    [bio] NVARCHAR(1000),\n    [nick] NVARCHAR(1000),\n"
    "    [role] NVARCHAR(1000) CONSTRAINT [User_role_df] DEFAULT 'user',\n"
    "    [age] INT,\n    CONSTRAINT [User_pkey] PRIMARY KEY CLUSTERED ([id])\n);\n\n"
    "-- CreateTable\nCREATE TABLE [dbo].[Tag] (\n    [id] INT NOT NULL,\n"
    "    CONSTRAINT [Tag_pkey] PRIMARY KEY CLUSTERED ([id])\n);\n"
)
DROP = WRAP.format(
    "-- AlterTable\nALTER TABLE [dbo].[User] DROP COLUMN [bio],\n[nick];\n\n"
    "-- AlterTable\nALTER TABLE [dbo].[User] DROP CONSTRAINT [User_role_df], COLUMN [age];\n\n"
    "-- DropTable\nDROP TABLE [dbo].[Tag];\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_history(tmp_path / "ms", "sqlserver", {"1_init": INIT, "2_drop": DROP})
    return tmp_path / "ms"


async def test_archive_on_sql_server_uses_sp_rename(client: LanguageClient) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    path = project / "prisma" / "migrations" / "2_drop" / "migration.sql"
    titles = await archive_every_drop(client, path, 4)
    assert '"Tag" to "Tag_archived"' in titles[0]
    assert '"age" to "age_archived"' in titles[1]
    assert '"bio" to "bio_archived", "nick" to "nick_archived"' in titles[2]
    up, down = path.read_text(), path.with_name("down.sql").read_text()
    assert up == (GOLDEN / "migration.sql").read_text()
    assert body(down) == body((GOLDEN / "down.sql").read_text())  # the header names a version

    before = {st.text for st in split(DROP, "tsql").statements}
    written = [st.text for st in split(up, "tsql").statements if st.text not in before]
    assert len(written) == 5  # 2 + 2 + 1 statements in place of 3
    for sql in written:
        parsed = sqlglot.parse_one(sql, read="tsql", error_level=sqlglot.ErrorLevel.RAISE)
        assert "RENAME" not in parsed.sql("tsql").upper().replace("SP_RENAME", "")
