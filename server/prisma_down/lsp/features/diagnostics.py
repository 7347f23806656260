"""Pull diagnostics (textDocument/diagnostic), beside the pushed ones.

Squawk's server only answers pulls, and is silent in clients that never pull; we push
always (the session does) and answer pulls with the same findings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import to_fs_path

if TYPE_CHECKING:
    from prisma_down.lsp.server import PrismaDownServer


def register(ls: PrismaDownServer) -> None:
    session = ls.session

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
