"""A name prisma-down refuses to put into SQL: the editor gets a sentence, never a traceback.

SQL Server drops a backslash that ends a line inside a string literal (a line
continuation), so a column named ``a\\<newline>b`` cannot be written into the guard's
string: ``core.escape`` refuses it with UnsafeSQL, and the language server must say so.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.test_code_actions import diagnostic
from tests.lsp.test_commands import GENERATE, run

MIGRATIONS = Path("prisma") / "migrations"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A SQL Server project whose second migration adds a column no guard can name."""
    root = tmp_path / "unsafe"
    migrations = root / MIGRATIONS
    migrations.mkdir(parents=True)
    (migrations / "migration_lock.toml").write_text('provider = "sqlserver"\n')
    ups = {
        "001_init": "CREATE TABLE [dbo].[T] ([id] INT NOT NULL);\n",
        "002_hostile": "ALTER TABLE [dbo].[T] ADD [a\\\nb] NVARCHAR(10) NOT NULL DEFAULT 'x';\n",
    }
    for name, sql in ups.items():
        (migrations / name).mkdir()
        (migrations / name / "migration.sql").write_text(sql)
    return root


async def test_generate_command_refuses_in_a_sentence(client: LanguageClient) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    up = project / MIGRATIONS / "002_hostile" / "migration.sql"
    await diagnostic(client, up, "missing-down-sql")
    got = await run(client, GENERATE, up.as_uri())
    assert got["written"] == 0 and got["failed"] == 1
    assert not up.with_name("down.sql").exists()
    said = [m.message for m in client.messages if m.type == types.MessageType.Error]
    assert any("line continuation" in m for m in said), said
    assert not client.log_messages or all("Traceback" not in m.message for m in client.log_messages)
    assert not list(up.parent.glob("*.tmp")) and not list(up.parent.glob(".*"))


async def test_generate_action_is_not_offered_or_fails_cleanly(client: LanguageClient) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    up = project / MIGRATIONS / "002_hostile" / "migration.sql"
    missing = await diagnostic(client, up, "missing-down-sql")
    got = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=up.as_uri()),
            range=missing.range,
            context=types.CodeActionContext(diagnostics=[missing]),
        )
    )
    for action in got or []:
        if isinstance(action, types.CodeAction) and action.edit is None and action.data:
            resolved = await client.code_action_resolve_async(action)
            assert resolved.edit is None
    assert all("Traceback" not in m.message for m in client.log_messages)
    # the generate still writes the other migration's down.sql
    other = project / MIGRATIONS / "001_init" / "migration.sql"
    got_other = await run(client, GENERATE, other.as_uri())
    assert got_other["written"] == 1
