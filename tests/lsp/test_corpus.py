"""The server on a real project's history: ameliorate's 47 migrations and their hand-written
down.sql files (from ../shared/corpus), under the VS Code and Neovim client profiles."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.lsp.conftest import ignore_server_requests, tell_actions_from_commands
from tests.lsp.test_code_actions import (
    _titled,
    actions,
    apply,
    cli_generate,
    diagnostic,
    notify_changed,
    wait_diagnostics,
    without,
)

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "postgresql"
HISTORY = CORPUS / "amelioro__ameliorate--src-db-migrations"
NOT_NULL = "20230905142052_remove_userid_from_topic_and_score"


@pytest.fixture
def corpus_project(tmp_path: Path) -> Path:
    if not HISTORY.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the shared corpus is missing: {HISTORY}")
        pytest.skip(f"the shared corpus is missing: {HISTORY}")
    project = tmp_path / "ameliorate"
    shutil.copytree(HISTORY, project / "prisma" / "migrations")
    return project


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "prisma_down.cli", "lsp"]),
    params=["visual-studio-code", "neovim"],
)
async def client(
    request: Any, lsp_client: LanguageClient, corpus_project: Path
) -> AsyncIterator[None]:
    ignore_server_requests(lsp_client)
    tell_actions_from_commands(lsp_client)

    lsp_client.profile = request.param  # type: ignore[attr-defined]
    lsp_client.project = corpus_project  # type: ignore[attr-defined]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(request.param),
            root_uri=corpus_project.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=corpus_project.as_uri(), name="am")],
        )
    )
    yield
    await lsp_client.shutdown_session()


def _folder(client: LanguageClient, name: str) -> Path:
    return Path(client.project) / "prisma" / "migrations" / name  # type: ignore[attr-defined]


async def test_hand_written_down_sql_that_misses_a_not_null(client: LanguageClient) -> None:
    down = _folder(client, NOT_NULL) / "down.sql"
    d = await diagnostic(client, down, "down-does-not-restore")
    assert 'column "topics"."creatorId" is NOT NULL before, nullable after' in d.message
    fix = _titled(await actions(client, down, [d]), "Add the missing statements")
    assert len(fix) == 1
    apply(client, fix[0].edit)
    assert "SET NOT NULL" in down.read_text()
    notify_changed(client, down)
    await wait_diagnostics(client, down, without("down-does-not-restore"), timeout=30)


async def test_generate_where_a_down_sql_is_missing(client: LanguageClient) -> None:
    folder = _folder(client, "20230811163535_add_indexes_to_tables")
    (folder / "down.sql").unlink()
    notify_changed(client, folder / "down.sql")
    up = folder / "migration.sql"
    d = await diagnostic(client, up, "missing-down-sql")
    fix = [
        a
        for a in _titled(await actions(client, up, [d]), "Generate down.sql")
        if a.kind == types.CodeActionKind.QuickFix
    ]
    assert len(fix) == 1
    apply(client, fix[0].edit)
    assert (folder / "down.sql").read_text() == cli_generate(folder)


async def test_hover_and_lens_on_a_real_migration(client: LanguageClient) -> None:
    up = _folder(client, "20230725100339_rename_topic_userid_creatorid") / "migration.sql"
    await wait_diagnostics(client, up, lambda d: True, timeout=30)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(up.as_uri()))
    )
    titles = [lens.command.title for lens in lenses or [] if lens.command]
    assert titles == ["down.sql restores the schema", "Verify down.sql"]
    line = next(i for i, t in enumerate(up.read_text().splitlines()) if "RENAME COLUMN" in t)
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(up.as_uri()), types.Position(line, 5))
    )
    assert hover is not None
    text = hover.contents.value if isinstance(hover.contents, types.MarkupContent) else ""
    # the up renames "userId" to "creatorId"; its inverse renames it back
    assert 'RENAME COLUMN "creatorId" TO "userId"' in text and "exact" in text
