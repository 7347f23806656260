"""Edits shared by code actions and commands: what the client can apply, and what to write.

Client capabilities (CreateFile, documentChanges, resolve, showDocument), a builder that
shapes text edits the way the client takes them, and down.sql's text. The quick-fix
rewrites (archive instead of drop, the statements a down.sql forgot) are the core's
(``core.fixes``): the server only turns them into edits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from prisma_down.config_file import project_root
from prisma_down.core.down import generate
from prisma_down.core.lint import vouch
from prisma_down.core.rules.context import MigrationContext
from prisma_down.core.statements import Statement
from prisma_down.core.text import Span
from prisma_down.down_files import Changed, Existing, Owner, Writer
from prisma_down.lsp.convert import Converter, uri
from prisma_down.prisma_cli import shown_runner


# -- what the client can do
def can_create_files(caps: types.ClientCapabilities) -> bool:
    """CreateFile in a WorkspaceEdit: from ``resourceOperations``, which Neovim advertises
    although it leaves ``documentChanges`` out (it applies them all the same)."""
    we = caps.workspace.workspace_edit if caps.workspace else None
    return bool(
        we
        and we.resource_operations
        and types.ResourceOperationKind.Create in we.resource_operations
    )


def takes_document_changes(caps: types.ClientCapabilities) -> bool:
    we = caps.workspace.workspace_edit if caps.workspace else None
    return bool(we and (we.document_changes or we.resource_operations))


def resolves_edits(caps: types.ClientCapabilities) -> bool:
    ca = caps.text_document.code_action if caps.text_document else None
    rs = ca.resolve_support if ca else None
    return bool(rs and "edit" in rs.properties)


def shows_documents(caps: types.ClientCapabilities) -> bool:
    sd = caps.window.show_document if caps.window else None
    return bool(sd and sd.support)


# -- what the editor holds
def open_documents(ls: LanguageServer) -> dict[Path, str]:
    """Open documents by path, each with the URI the client spelled."""
    return {Path(to_fs_path(u) or ""): u for u in list(ls.workspace.text_documents)}


def client_uri(ls: LanguageServer, path: Path) -> str:
    """The URI the client opened ``path`` under, else ours: edits must name it the same."""
    return open_documents(ls).get(path) or uri(path)


def down_taken(ls: LanguageServer, down_path: Path) -> bool:
    """down.sql exists on disk (even empty, even a dangling link) or is open in the editor.

    Neovim keeps the content of a CreateFile'd file in an unsaved buffer: the disk shows an
    empty file or none until ``:w``, so the open buffer counts as the file.
    """
    return os.path.lexists(down_path) or down_path in open_documents(ls)


# -- shaping edits for the client
@dataclass
class EditBuilder:
    """Text edits per file, as ``documentChanges`` or as ``changes`` per the client."""

    document_changes: bool
    encoding: str
    ops: list[types.CreateFile | types.TextDocumentEdit] = field(default_factory=list)
    plain: dict[str, list[types.TextEdit]] = field(default_factory=dict)

    def create(self, file_uri: str, text: str) -> None:
        """CreateFile (kept if it exists) then the text inserted at 0:0.

        The range ends at 1:0, not 0:0: Neovim keeps a new buffer's own empty line after
        an insert at 0:0 (one newline too many on save); VS Code clamps 1:0 to the end.
        """
        start = types.Position(0, 0)
        end = types.Position(1, 0)
        self.ops.append(
            types.CreateFile(uri=file_uri, options=types.CreateFileOptions(ignore_if_exists=True))
        )
        self.ops.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(file_uri, None),
                edits=[types.TextEdit(types.Range(start, end), text)],
            )
        )

    def replace(
        self, file_uri: str, version: int | None, text: str, span: Span, new_text: str
    ) -> None:
        rng = Converter(text, self.encoding).range(span)
        edit = types.TextEdit(rng, new_text)
        if not self.document_changes:
            self.plain.setdefault(file_uri, []).append(edit)
            return
        for op in self.ops:
            if isinstance(op, types.TextDocumentEdit) and op.text_document.uri == file_uri:
                op.edits = [*op.edits, edit]
                return
        self.ops.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(file_uri, version),
                edits=[edit],
            )
        )

    def build(self) -> types.WorkspaceEdit:
        if self.document_changes:
            return types.WorkspaceEdit(document_changes=list(self.ops))
        return types.WorkspaceEdit(changes=dict(self.plain))


# -- writing files server-side
def write_new(target: Path, text: str) -> bool:
    """Write ``text`` to ``target`` atomically, only if no file is there; False if one is.

    Through the CLI's writer (``down_files``): the temporary lives outside the migration
    folder where it can, so a killed server leaves nothing there for ``git add -A``.

    Raises:
        OSError: the folder does not exist (migration folders are never created) or the
            write failed.
    """
    writer = Writer(target.parent.parent)
    try:
        writer.write(target, text, Existing(Owner.ABSENT))
    except Changed:
        return False
    return True


# -- the texts
def dialect_of(ctx: MigrationContext) -> str:
    return ctx.up.before.dialect.name


def prisma_of(ctx: MigrationContext) -> str:
    """How the project runs Prisma (``bunx prisma``), for the generated header."""
    return shown_runner(project_root(ctx.migration.directory.parent))


def down_text(ctx: MigrationContext) -> str:
    """Exactly what ``prisma-down generate`` writes for this migration (vouched for too)."""
    text = generate(ctx.migration.name, ctx.up_text, ctx.up, dialect_of(ctx), prisma_of(ctx))
    return vouch(text, ctx, ctx.chain)


def step_at(ctx: MigrationContext, offset: int) -> Statement | None:
    for step in ctx.up.steps:
        span = step.statement.span
        if span.start <= offset < max(span.end, span.start + 1):
            return step.statement
    return None
