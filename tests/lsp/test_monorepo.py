"""A workspace folder holding two Prisma projects: the server watches and reports both."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import REPO
from tests.lsp.test_code_actions import current_diagnostics


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """``packages/a`` and ``packages/b``, each a copy of the blog example."""
    root = tmp_path / "mono"
    for name in ("a", "b"):
        shutil.copytree(REPO / "examples" / "blog", root / "packages" / name)
    (root / "package.json").write_text('{"name": "mono", "workspaces": ["packages/*"]}\n')
    return root


async def _rules(client: LanguageClient, path: Path) -> set[str]:
    async def poll() -> set[str]:
        while True:
            rules = {str(d.code) for d in await current_diagnostics(client, path)}
            if rules:
                return rules
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(poll(), 20)


async def test_both_projects_are_reported(client: LanguageClient) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    for name in ("a", "b"):
        migrations = project / "packages" / name / "prisma" / "migrations"
        drop = migrations / "20240215090000_drop_user_bio" / "migration.sql"
        assert await _rules(client, drop) == {"missing-down-sql", "drop-without-rename"}
    logs = [m.message for m in client.log_messages]
    watching = sorted(m for m in logs if m.startswith("prisma-down: watching"))
    assert watching == [
        f"prisma-down: watching {project / 'packages' / n / 'prisma' / 'migrations'}"
        for n in ("a", "b")
    ]


async def test_settings_of_one_project_stay_in_it(client: LanguageClient) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    a = project / "packages" / "a"
    b = project / "packages" / "b"
    name = "20240215090000_drop_user_bio"
    (a / ".prisma-down.json").write_text(json.dumps({"ignore": {name: ["*"]}}))
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent((a / ".prisma-down.json").as_uri(), types.FileChangeType.Created)]
        )
    )
    drop_b = b / "prisma" / "migrations" / name / "migration.sql"
    drop_a = a / "prisma" / "migrations" / name / "migration.sql"

    async def silenced() -> None:
        while {str(d.code) for d in await current_diagnostics(client, drop_a)}:
            await asyncio.sleep(0.1)

    await asyncio.wait_for(silenced(), 20)
    assert await _rules(client, drop_b) == {"missing-down-sql", "drop-without-rename"}
