"""Bad input is normal input for an editor tool: the server keeps serving through it."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.test_diagnostics import MIGRATIONS, wait_for


def _folder(client: LanguageClient, name: str) -> Path:
    project: Path = client.project  # type: ignore[attr-defined]
    return project / MIGRATIONS / name


async def _still_serving(client: LanguageClient) -> None:
    """A request answered after the bad input: the server did not die or hang."""
    init = next((Path(client.project) / MIGRATIONS).glob("*_init"))  # type: ignore[attr-defined]
    uri = (init / "migration.sql").as_uri()
    await wait_for(client, uri, lambda d: any(x.code == "missing-down-sql" for x in d))
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(5, 3))
        ),
        10,
    )
    assert hover is not None


async def test_non_utf8_migration_is_reported_not_fatal(client: LanguageClient) -> None:
    folder = _folder(client, "20250101000000_binary")
    folder.mkdir()
    (folder / "migration.sql").write_bytes(b"ALTER TABLE \xff\xfe garbage;\n")
    uri = (folder / "migration.sql").as_uri()
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent(uri=uri, type=types.FileChangeType.Created)]
        )
    )
    diags = await wait_for(client, uri, lambda d: any(x.code == "unreadable-statement" for x in d))
    assert "not UTF-8" in next(d.message for d in diags if d.code == "unreadable-statement")
    await _still_serving(client)


async def test_ten_megabyte_migration(client: LanguageClient) -> None:
    folder = _folder(client, "20250101000000_huge")
    folder.mkdir()
    row = 'INSERT INTO "Tag" ("id", "name") VALUES (\'{i}\', \'tag {i}\');\n'
    text = "".join(row.format(i=i) for i in range(170_000))
    assert len(text) > 10_000_000
    path = folder / "migration.sql"
    path.write_text(text)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent(uri=path.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    diags = await wait_for(client, path.as_uri(), lambda d: bool(d), timeout=120)
    assert [d.code for d in diags] == ["missing-down-sql"]  # literal rows are reversible
    await _still_serving(client)


async def test_migration_deleted_while_open(client: LanguageClient) -> None:
    folder = next((Path(client.project) / MIGRATIONS).glob("*_add_post_slug"))  # type: ignore[attr-defined]
    path = folder / "migration.sql"
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="sql", version=1, text=path.read_text())
        )
    )
    for version in range(2, 6):  # edits racing the deletion
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [types.TextDocumentContentChangeWholeDocument(text=f"SELECT {version};\n")],
            )
        )
    shutil.rmtree(folder)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent(uri=uri, type=types.FileChangeType.Deleted)]
        )
    )
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
    )
    await wait_for(client, uri, lambda d: not d, timeout=15)  # its diagnostics are cleared
    await _still_serving(client)
    assert not folder.exists(), "the server must never re-create a migration folder"


async def test_half_typed_sql_everywhere(client: LanguageClient) -> None:
    folder = next((Path(client.project) / MIGRATIONS).glob("*_drop_user_bio"))  # type: ignore[attr-defined]
    uri = (folder / "migration.sql").as_uri()
    final = 'ALTER TABLE "User" DROP COLUMN "bio";\n'
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "sql", 1, ""))
    )
    for n in range(1, len(final) + 1):  # every prefix of the statement, as typed
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=n + 1),
                [types.TextDocumentContentChangeWholeDocument(text=final[:n])],
            )
        )
    diags = await wait_for(
        client, uri, lambda d: any(x.code == "drop-without-rename" for x in d), timeout=20
    )
    assert {d.code for d in diags} == {"drop-without-rename", "missing-down-sql"}
    await _still_serving(client)
