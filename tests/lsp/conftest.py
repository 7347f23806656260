"""A real LSP client over stdio (pytest-lsp) against ``prisma-down lsp``.

Every test runs under two client profiles: VS Code's and Neovim's recorded capabilities.
The project is a fresh copy of ``examples/blog`` per test.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Union

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

REPO = Path(__file__).resolve().parents[2]
PROFILES = ["visual-studio-code", "neovim"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "blog"
    shutil.copytree(REPO / "examples" / "blog", dest)
    return dest


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "prisma_down.cli", "lsp"]),
    params=PROFILES,
)
async def client(request: Any, lsp_client: LanguageClient, project: Path) -> AsyncIterator[None]:
    tell_actions_from_commands(lsp_client)  # the "Ignore"/baseline actions carry commands
    lsp_client.registrations: list[types.Registration] = []  # type: ignore[misc]
    lsp_client.applied_edits: list[types.WorkspaceEdit] = []  # type: ignore[misc]

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        lsp_client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    lsp_client.code_lens_refreshes = 0  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(params: None) -> None:  # pytest-lsp has no default for this one
        lsp_client.code_lens_refreshes += 1  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        lsp_client.applied_edits.append(params.edit)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    lsp_client.profile = request.param  # type: ignore[attr-defined]
    lsp_client.project = project  # type: ignore[attr-defined]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(request.param),
            root_uri=project.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="blog")],
        )
    )
    yield
    await lsp_client.shutdown_session()


def ignore_server_requests(lsp_client: LanguageClient) -> None:
    """Answer the server's registerCapability and codeLens/refresh without recording them
    (pytest-lsp has no default handler for the refresh)."""

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        pass

    @lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(params: None) -> None:
        pass


def tell_actions_from_commands(lsp_client: LanguageClient) -> None:
    """Read a code action list the way clients do: a CodeAction whose ``command`` is a
    Command object is a CodeAction (lsprotocol takes anything with a "command" key for a
    Command)."""
    converter = lsp_client.protocol._converter

    def command_or_action(obj: Any, _: type) -> types.Command | types.CodeAction:
        kind = types.Command if isinstance(obj.get("command"), str) else types.CodeAction
        return converter.structure(obj, kind)  # type: ignore[no-any-return]

    converter.register_structure_hook(
        Union[types.Command, types.CodeAction],  # noqa: UP007 (the very key lsprotocol uses)
        command_or_action,
    )
