"""The one-time baseline offer when a workspace opens on a long history lacking down.sql."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from prisma_down.lsp.features.adopt import OFFER_AT
from tests.lsp.conftest import PROFILES, ignore_server_requests, tell_actions_from_commands
from tests.lsp.test_code_actions import current_diagnostics

COUNT = OFFER_AT + 5


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A history of ``COUNT`` migrations, none with a down.sql (one column each)."""
    root = tmp_path / "old"
    migrations = root / "prisma" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "migration_lock.toml").write_text('provider = "postgresql"\n')
    (root / "package.json").write_text('{"name": "old"}\n')
    for i in range(COUNT):
        folder = migrations / f"2024010100{i:04d}_step_{i}"
        folder.mkdir()
        sql = (
            'CREATE TABLE "T" ("id" INTEGER);\n'
            if i == 0
            else (f'ALTER TABLE "T" ADD COLUMN "c{i}" INTEGER;\n')
        )
        (folder / "migration.sql").write_text(sql)
    return root


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "prisma_down.cli", "lsp"]),
    params=PROFILES,
)
async def client(request: Any, lsp_client: LanguageClient, project: Path) -> AsyncIterator[None]:
    ignore_server_requests(lsp_client)
    tell_actions_from_commands(lsp_client)
    lsp_client.offers: list[types.ShowMessageRequestParams] = []  # type: ignore[misc]

    @lsp_client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def show_message_request(params: types.ShowMessageRequestParams) -> types.MessageActionItem:
        lsp_client.offers.append(params)  # type: ignore[attr-defined]
        assert params.actions
        return params.actions[0]  # "Set baseline"

    lsp_client.project = project  # type: ignore[attr-defined]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(request.param),
            root_uri=project.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="old")],
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_offered_once_and_accepting_writes_the_baseline(client: LanguageClient) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    config = project / ".prisma-down.json"

    async def written() -> None:
        while not config.exists():
            await asyncio.sleep(0.1)

    await asyncio.wait_for(written(), 30)
    offers = client.offers  # type: ignore[attr-defined]
    assert len(offers) == 1
    assert f"{COUNT} of the {COUNT} migrations" in offers[0].message
    assert [a.title for a in offers[0].actions] == ["Set baseline", "Not now"]
    last = sorted(p.name for p in (project / "prisma" / "migrations").iterdir() if p.is_dir())[-1]
    assert json.loads(config.read_text()) == {"baseline": last}
    first = next((project / "prisma" / "migrations").glob("*_step_0")) / "migration.sql"

    async def quiet() -> None:
        while await current_diagnostics(client, first):
            await asyncio.sleep(0.1)

    await asyncio.wait_for(quiet(), 20)
    # a new migration is checked, and the offer is not made again
    new = project / "prisma" / "migrations" / "20990101000000_drop" / "migration.sql"
    new.parent.mkdir()
    new.write_text('ALTER TABLE "T" DROP COLUMN "c1";\n')
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent(new.as_uri(), types.FileChangeType.Created)]
        )
    )

    async def checked() -> set[str]:
        while True:
            rules = {str(d.code) for d in await current_diagnostics(client, new)}
            if rules:
                return rules
            await asyncio.sleep(0.1)

    assert await asyncio.wait_for(checked(), 20) == {"missing-down-sql", "drop-without-rename"}
    assert len(offers) == 1
