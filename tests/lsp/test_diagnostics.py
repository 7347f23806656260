"""Diagnostics pushed for the whole history, kept true while the user types."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.lsp.conftest import ignore_server_requests

MIGRATIONS = "prisma/migrations"


async def wait_for(client: LanguageClient, uri: str, pred, timeout: float = 15.0):  # type: ignore[no-untyped-def]
    """Wait until the diagnostics published for ``uri`` satisfy ``pred``."""

    async def poll() -> list[types.Diagnostic]:
        while True:
            diags = list(client.diagnostics.get(uri, []))
            if pred(diags):
                return diags
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), timeout)


def _migration(client: LanguageClient, name: str) -> Path:
    project: Path = client.project  # type: ignore[attr-defined]
    return next((project / MIGRATIONS).glob(f"*_{name}")) / "migration.sql"


async def test_missing_down_sql_is_published_for_every_migration(client: LanguageClient) -> None:
    path = _migration(client, "init")
    diags = await wait_for(
        client, path.as_uri(), lambda d: any(x.code == "missing-down-sql" for x in d)
    )
    d = next(x for x in diags if x.code == "missing-down-sql")
    assert d.source == "prisma-down"
    assert d.code_description is not None and d.code_description.href.endswith("#missing-down-sql")
    assert d.severity == types.DiagnosticSeverity.Warning
    assert d.range.start.line == 1  # the first statement, after the step comment


async def test_drop_column_points_at_the_migration_that_created_it(client: LanguageClient) -> None:
    path = _migration(client, "drop_user_bio")
    diags = await wait_for(
        client, path.as_uri(), lambda d: any(x.code == "drop-without-rename" for x in d)
    )
    d = next(x for x in diags if x.code == "drop-without-rename")
    assert d.related_information, "expected a pointer at the CREATE TABLE"
    assert d.related_information[0].location.uri == _migration(client, "init").as_uri()


async def test_edit_updates_diagnostics_with_the_document_version(client: LanguageClient) -> None:
    path = _migration(client, "add_post_slug")
    uri = path.as_uri()
    text = path.read_text()
    await wait_for(client, uri, lambda d: any(x.code == "irreversible-statement" for x in d))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="sql", version=1, text=text)
        )
    )
    new = text.replace(
        'UPDATE "Post"', '-- prisma-down-ignore irreversible-statement\nUPDATE "Post"'
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [types.TextDocumentContentChangeWholeDocument(text=new)],
        )
    )
    diags = await wait_for(
        client, uri, lambda d: not any(x.code == "irreversible-statement" for x in d)
    )
    assert any(x.code == "missing-down-sql" for x in diags)


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "prisma_down.cli", "lsp"])
)
async def pull_client(lsp_client: LanguageClient, project: Path) -> AsyncIterator[None]:
    """A client that pulls diagnostics and honours workspace/diagnostic/refresh."""
    caps = client_capabilities("visual-studio-code")
    assert caps.text_document is not None and caps.workspace is not None
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities(
        dynamic_registration=False, related_document_support=True
    )
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    lsp_client.project = project  # type: ignore[attr-defined]

    ignore_server_requests(lsp_client)

    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=project.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="blog")],
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_pull_diagnostics_answer_the_same(pull_client: LanguageClient) -> None:
    client = pull_client
    path = _migration(client, "drop_user_bio")
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri())
        )
    )
    codes = sorted(str(d.code) for d in report.items)
    assert codes == ["drop-without-rename", "missing-down-sql"]
    await asyncio.sleep(0.5)
    assert client.diagnostics == {}, "a pulling client must not also get pushed diagnostics"
    # a new down.sql on disk changes the picture: the server asks the client to pull again
    before = client.diagnostic_refresh_count
    down = path.parent / "down.sql"
    out = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", "generate", str(path.parent), "--stdout"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    down.write_text(out)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=down.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    for _ in range(100):
        if client.diagnostic_refresh_count > before:
            break
        await asyncio.sleep(0.05)
    assert client.diagnostic_refresh_count > before
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri())
        )
    )
    assert [str(d.code) for d in report.items] == ["drop-without-rename"]


async def test_push_clients_are_not_offered_pull(client: LanguageClient) -> None:
    result = client.capabilities  # what the client said; the server's answer is below
    assert result is not None
    path = _migration(client, "init")
    await wait_for(client, path.as_uri(), lambda d: bool(d))


async def test_new_migration_folder_gets_diagnostics(client: LanguageClient) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    folder = project / MIGRATIONS / "20250101000000_add_views"
    folder.mkdir()
    path = folder / "migration.sql"
    path.write_text('ALTER TABLE "Post" ADD COLUMN "views" INTEGER NOT NULL DEFAULT 0;\n')
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=path.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    diags = await wait_for(client, path.as_uri(), lambda d: bool(d), timeout=10)
    assert [d.code for d in diags] == ["missing-down-sql"]
