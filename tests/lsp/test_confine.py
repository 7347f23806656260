"""Commands and code actions write only in a migration folder of a workspace folder.

The workspace is ``<tmp>/blog``; ``<tmp>/elsewhere`` is another copy of the same project,
outside it, reached by a URI (any client can send one) or through a symlink inside it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from prisma_down.core.analysis import sha256
from tests.lsp.conftest import REPO
from tests.lsp.test_code_actions import (
    GENERATE_KIND,
    actions,
    diagnostic,
    notify_changed,
    open_doc,
)
from tests.lsp.test_commands import GENERATE, GENERATE_ALL, run
from tests.lsp.test_diagnostics import MIGRATIONS


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    dest = tmp_path / "elsewhere"
    shutil.copytree(REPO / "examples" / "blog", dest)
    return dest


def outside_migration(elsewhere: Path, name: str = "drop_user_bio") -> Path:
    return next((elsewhere / MIGRATIONS).glob(f"*_{name}")) / "migration.sql"


def downs(root: Path) -> list[Path]:
    return sorted((root / MIGRATIONS).glob("*/down.sql"))


def errors_shown(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if m.type == types.MessageType.Error]


async def test_generate_refuses_a_migration_outside_the_workspace(
    client: LanguageClient, elsewhere: Path
) -> None:
    path = outside_migration(elsewhere)
    for arg in (path.as_uri(), path.parent.as_uri(), path.with_name("down.sql").as_uri()):
        got = await run(client, GENERATE, arg)
        assert got["written"] == 0 and got["failed"] == 1
        assert "outside every workspace folder" in got["error"]
    assert downs(elsewhere) == []
    assert len(errors_shown(client)) == 3
    assert all("outside every workspace folder" in m for m in errors_shown(client))


async def test_generate_refuses_a_migration_folder_linked_from_elsewhere(
    client: LanguageClient, elsewhere: Path
) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    target = outside_migration(elsewhere).parent
    link = project / MIGRATIONS / "20990101000000_linked"
    link.symlink_to(target, target_is_directory=True)
    notify_changed(client, link / "migration.sql")
    await diagnostic(client, link / "migration.sql", "missing-down-sql")  # in the history now
    got = await run(client, GENERATE, (link / "migration.sql").as_uri())
    assert not (target / "down.sql").exists()
    assert got["failed"] == 1 and "outside every workspace folder" in got["error"]


async def test_generate_refuses_a_folder_that_is_no_migration(client: LanguageClient) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    for folder in (project / "prisma", project / MIGRATIONS):
        got = await run(client, GENERATE, folder.as_uri())
        assert got["failed"] == 1 and got["written"] == 0
        assert not (folder / "down.sql").exists()


async def test_generate_all_writes_only_inside_the_workspace(
    client: LanguageClient, elsewhere: Path
) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    outside = outside_migration(elsewhere)
    open_doc(client, outside, outside.read_text())  # the session now analyses that project
    await diagnostic(client, outside, "missing-down-sql")
    linked = outside_migration(elsewhere, "init").parent
    link = project / MIGRATIONS / "20990101000000_linked"
    link.symlink_to(linked, target_is_directory=True)
    notify_changed(client, link / "migration.sql")
    await diagnostic(client, link / "migration.sql", "missing-down-sql")  # in the history now
    got = await run(client, GENERATE_ALL)
    ours = [p.parent for p in sorted((project / MIGRATIONS).glob("*/migration.sql"))]
    assert got["written"] == len(ours) - 1 and got["failed"] == 1
    assert downs(elsewhere) == []
    assert [p.parent for p in downs(project)] == [p for p in ours if p != link]


async def test_no_code_action_edits_a_migration_outside_the_workspace(
    client: LanguageClient, elsewhere: Path
) -> None:
    outside = outside_migration(elsewhere)
    open_doc(client, outside, outside.read_text())
    found = [
        await diagnostic(client, outside, "missing-down-sql"),
        await diagnostic(client, outside, "drop-without-rename"),
    ]
    offered = await actions(client, outside, found, ["quickfix", GENERATE_KIND])
    assert [(a.title, a.edit, a.command) for a in offered] == []


async def test_resolving_an_edit_outside_the_workspace_is_an_error(
    client: LanguageClient, elsewhere: Path
) -> None:
    outside = outside_migration(elsewhere)
    open_doc(client, outside, outside.read_text())
    await diagnostic(client, outside, "missing-down-sql")
    data = {
        "prismaDown": "generate",
        "uri": outside.as_uri(),
        "up": sha256(outside.read_text()),
        "down": "",
        "offset": 0,
    }
    action = types.CodeAction(title="Generate down.sql", kind=GENERATE_KIND, data=data)
    with pytest.raises(JsonRpcException, match="outside every workspace folder"):
        await client.code_action_resolve_async(action)
