"""Commands that write down.sql server-side, and the Emacs path that relies on them."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from prisma_down.core.text import Span
from prisma_down.lsp.edits import EditBuilder, write_new
from tests.lsp.conftest import tell_actions_from_commands
from tests.lsp.test_code_actions import (
    GENERATE_KIND,
    actions,
    all_migrations,
    cli_generate,
    diagnostic,
    migration,
    open_doc,
    wait_diagnostics,
    without,
)

GENERATE = "prismaDown.generateDownSql"
GENERATE_ALL = "prismaDown.generateAll"


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "prisma_down.cli", "lsp"]),
)
async def emacs(lsp_client: LanguageClient, project: Path) -> AsyncIterator[None]:
    """Eglot's capabilities: no CreateFile, no codeAction/resolve, no showDocument."""
    tell_actions_from_commands(lsp_client)

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        pass

    lsp_client.profile = "emacs"  # type: ignore[attr-defined]
    lsp_client.project = project  # type: ignore[attr-defined]
    lsp_client.initialize_result = await lsp_client.initialize_session(  # type: ignore[attr-defined]
        types.InitializeParams(
            capabilities=client_capabilities("emacs"),
            root_uri=project.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="blog")],
        )
    )
    yield
    await lsp_client.shutdown_session()


async def run(client: LanguageClient, command: str, *args: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=list(args) or None)
    )


async def test_commands_and_actions_are_advertised(emacs: LanguageClient) -> None:
    caps = emacs.initialize_result.capabilities  # type: ignore[attr-defined]
    assert caps.execute_command_provider is not None
    assert set(caps.execute_command_provider.commands) >= {GENERATE, GENERATE_ALL}
    provider = caps.code_action_provider
    assert isinstance(provider, types.CodeActionOptions) and provider.resolve_provider
    assert set(provider.code_action_kinds or []) == {"quickfix", GENERATE_KIND}


async def test_generate_writes_what_the_cli_writes_and_shows_it(client: LanguageClient) -> None:
    path = migration(client, "drop_user_bio")
    await diagnostic(client, path, "missing-down-sql")
    got = await run(client, GENERATE, path.as_uri())
    down = path.with_name("down.sql")
    assert got == {"written": 1, "kept": 0, "failed": 0, "files": [down.as_uri()]}
    assert down.read_text() == cli_generate(path.parent)
    assert [d.uri for d in client.shown_documents] == [down.as_uri()]
    assert not list(path.parent.glob(".down.*"))  # no temporary file left behind
    # the server rescans after writing: the diagnostic goes away without a file event
    await wait_diagnostics(client, path, without("missing-down-sql"))


async def test_generate_never_overwrites_a_file_on_disk(client: LanguageClient) -> None:
    path = migration(client, "drop_user_bio")
    down = path.with_name("down.sql")
    mine = b'-- mine\r\nALTER TABLE "User" ADD COLUMN "bio" TEXT;\r\n'
    down.write_bytes(mine)
    got = await run(client, GENERATE, path.as_uri())
    assert got["written"] == 0 and got["kept"] == 1
    assert down.read_bytes() == mine
    assert any("kept" in m.message for m in client.messages)
    assert client.shown_documents == []


async def test_generate_never_overwrites_an_unsaved_buffer(client: LanguageClient) -> None:
    path = migration(client, "drop_user_bio")
    down = path.with_name("down.sql")
    open_doc(client, down, "-- being written\n")  # Neovim after CreateFile, before :w
    got = await run(client, GENERATE, path.as_uri())
    assert got["kept"] == 1 and got["written"] == 0
    assert not down.exists()
    down.write_bytes(b"")  # or an empty file on disk, as some clients leave it
    got = await run(client, GENERATE, path.parent.as_uri())
    assert got["kept"] == 1 and down.read_bytes() == b""


async def test_generate_refuses_what_is_not_a_migration(client: LanguageClient) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    got = await run(client, GENERATE, (project / "nowhere" / "migration.sql").as_uri())
    assert got["failed"] == 1 and not (project / "nowhere").exists()
    got = await run(client, GENERATE)
    assert got["failed"] == 1


async def test_generate_all_writes_every_missing_file(client: LanguageClient) -> None:
    paths = all_migrations(client)
    kept = paths[2].with_name("down.sql")
    kept.write_bytes(b"-- by hand\n")
    got = await run(client, GENERATE_ALL)
    assert got["written"] == len(paths) - 1 and got["kept"] == 1 and got["failed"] == 0
    assert kept.read_bytes() == b"-- by hand\n"
    for path in paths:
        if path.parent != kept.parent:
            assert path.with_name("down.sql").read_text() == cli_generate(path.parent), path
    assert any(
        m.message.endswith(f"Wrote {len(paths) - 1} down.sql files; 1 kept")
        for m in client.messages
    )
    (reports,) = client.progress_reports.values()
    kinds = [r.kind for r in reports]
    assert kinds[0] == "begin" and kinds[-1] == "end" and "report" in kinds
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    assert reports[-1].message == f"Wrote {len(paths) - 1} down.sql files; 1 kept"

    again = await run(client, GENERATE_ALL)  # nothing left to write: everything kept
    assert again["written"] == 0 and again["kept"] == len(paths)


# -- Emacs: no CreateFile, so "Generate down.sql" is a command
async def test_emacs_gets_a_command_that_writes_the_file(emacs: LanguageClient) -> None:
    path = migration(emacs, "drop_user_bio")
    d = await diagnostic(emacs, path, "missing-down-sql")
    found = await actions(emacs, path, [d])
    generate = [a for a in found if a.title.startswith("Generate")]
    assert {a.kind for a in generate} == {"quickfix", GENERATE_KIND}
    for a in generate:
        assert a.edit is None and a.command is not None
        assert a.command.command == GENERATE and list(a.command.arguments or []) == [path.as_uri()]
    cmd = generate[0].command
    assert cmd is not None
    got = await run(emacs, cmd.command, *(cmd.arguments or []))
    down = path.with_name("down.sql")
    assert got["written"] == 1
    assert down.read_text() == cli_generate(path.parent)
    assert emacs.shown_documents == []  # eglot cannot show documents

    before = down.read_bytes()
    got = await run(emacs, cmd.command, *(cmd.arguments or []))
    assert got["kept"] == 1 and down.read_bytes() == before


async def test_emacs_gets_edits_for_existing_files(emacs: LanguageClient) -> None:
    path = migration(emacs, "drop_user_bio")
    d = await diagnostic(emacs, path, "drop-without-rename")
    (fix,) = [a for a in await actions(emacs, path, [d]) if a.title.startswith("Keep the data")]
    assert fix.edit is not None and fix.edit.document_changes  # built up front: no resolve
    (op,) = fix.edit.document_changes
    assert isinstance(op, types.TextDocumentEdit)
    assert op.edits[0].new_text == 'ALTER TABLE "User" RENAME COLUMN "bio" TO "bio_archived"'


# -- the file writer and the edit shapes, without a client
def test_write_new_never_overwrites_nor_creates_folders(tmp_path: Path) -> None:
    neighbour = tmp_path / "migration.sql"
    neighbour.write_text("")
    target = tmp_path / "down.sql"
    assert write_new(target, "SELECT 1;\n")
    assert target.read_text() == "SELECT 1;\n"
    assert target.stat().st_mode == neighbour.stat().st_mode  # not mkstemp's 0600
    assert not write_new(target, "SELECT 2;\n")
    assert target.read_text() == "SELECT 1;\n"
    assert sorted(tmp_path.iterdir()) == [target, neighbour]  # no temporary file left
    with pytest.raises(FileNotFoundError):
        write_new(tmp_path / "missing" / "down.sql", "x")
    assert not (tmp_path / "missing").exists()


def test_edits_without_document_changes_use_changes() -> None:
    builder = EditBuilder(document_changes=False, encoding="utf-16")
    builder.replace("file:///x/down.sql", 3, "ab\n😀c\n", Span(4, 5), "d")
    edit = builder.build()
    assert edit.document_changes is None and edit.changes is not None
    (e,) = edit.changes["file:///x/down.sql"]
    assert (e.range.start.line, e.range.start.character, e.range.end.character) == (1, 2, 3)
