"""Pull diagnostics (textDocument/diagnostic) for clients that can be asked to re-pull.

Squawk's server only answers pulls, and is silent in clients that never pull. We push by
default; a client that supports pulling AND ``workspace/diagnostic/refresh`` (so it hears
when a file on disk changed the picture) is served by pull instead. Never both: a client
keeps pushed and pulled diagnostics apart and would show every one twice (seen in Neovim).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import to_fs_path

if TYPE_CHECKING:
    from prisma_down.lsp.language_server import PrismaDownServer


def register(ls: PrismaDownServer) -> None:
    """Nothing at start-up: ``enable_pull`` decides once the client's capabilities are known."""


def wants_pull(caps: types.ClientCapabilities) -> bool:
    td, ws = caps.text_document, caps.workspace
    return bool(td and td.diagnostic and ws and ws.diagnostics and ws.diagnostics.refresh_support)


def enable_pull(ls: PrismaDownServer) -> None:
    """Register the pull handler; called from ``initialize``, before capabilities are sent."""
    session = ls.session
    session.pull = True

    @ls.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(
            identifier="prisma-down", inter_file_dependencies=True, workspace_diagnostics=False
        ),
    )
    async def diagnostic(
        ls: PrismaDownServer, params: types.DocumentDiagnosticParams
    ) -> types.RelatedFullDocumentDiagnosticReport:
        path = Path(to_fs_path(params.text_document.uri) or "")
        root = session.root_for(path)
        items: list[types.Diagnostic] = []
        if root is not None:
            result = await session.wait(root)
            if result is not None:
                items = session.diagnostics_for(result, path)
        return types.RelatedFullDocumentDiagnosticReport(items=items)
