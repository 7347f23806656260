"""Edits shared by code actions and commands: what the client can apply, and what to write.

Three halves: client capabilities (CreateFile, documentChanges, resolve, showDocument), a
builder that shapes text edits the way the client takes them, and the texts themselves
(down.sql, the archive rewrite of a DROP, the statements a down.sql forgot), which are pure
functions of a MigrationContext.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from prisma_down.config_file import project_root
from prisma_down.core import changes as ch
from prisma_down.core import escape
from prisma_down.core.analysis import down_changes, replay
from prisma_down.core.catalog import CatalogError, apply
from prisma_down.core.compare import differences
from prisma_down.core.down import generate, is_generated_unmodified
from prisma_down.core.read.postgres import cursor
from prisma_down.core.read.tokens import ReadError
from prisma_down.core.render import render
from prisma_down.core.repair import repairs
from prisma_down.core.rules.context import MigrationContext
from prisma_down.core.schema import QName
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
    return ctx.up.before.dialect


def prisma_of(ctx: MigrationContext) -> str:
    """How the project runs Prisma (``bunx prisma``), for the generated header."""
    return shown_runner(project_root(ctx.migration.directory.parent))


def down_text(ctx: MigrationContext) -> str:
    """Exactly what ``prisma-down generate`` writes for this migration."""
    return generate(ctx.migration.name, ctx.up_text, ctx.up, dialect_of(ctx), prisma_of(ctx))


def step_at(ctx: MigrationContext, offset: int) -> Statement | None:
    for step in ctx.up.steps:
        span = step.statement.span
        if span.start <= offset < max(span.end, span.start + 1):
            return step.statement
    return None


def _archivable(ctx: MigrationContext, change: ch.Change) -> bool:
    """The changes drop-without-rename reports (same conditions as the rule)."""
    suffix, before = ctx.archive_suffix, ctx.up.before
    if isinstance(change, ch.DropTable):
        return not change.name.name.endswith(suffix) and change.name in before.tables
    if isinstance(change, ch.DropColumn):
        table = before.tables.get(change.table)
        return (
            not change.name.endswith(suffix)
            and table is not None
            and table.column(change.name) is not None
        )
    return False


def archive_names(ctx: MigrationContext, statement: Statement) -> list[str]:
    """The tables / columns a DROP statement would lose, in order."""
    step = next(s for s in ctx.up.steps if s.statement is statement)
    out = []
    for change in step.reading.changes:
        if isinstance(change, ch.DropTable) and _archivable(ctx, change):
            out.append(change.name.name)
        elif isinstance(change, ch.DropColumn) and _archivable(ctx, change):
            out.append(change.name)
    return out


def archive_rewrite(ctx: MigrationContext, statement: Statement) -> str | None:
    """The statement's text with each reported DROP turned into a rename to the archive name.

    ``DROP TABLE "X"`` → ``ALTER TABLE "X" RENAME TO "X_archived"``; a multi-clause
    ``ALTER TABLE "T" DROP COLUMN a, ADD COLUMN b`` becomes one statement per clause, the
    drop a ``RENAME COLUMN``, the others as written. None when nothing is to archive.
    """
    step = next(s for s in ctx.up.steps if s.statement is statement)
    suffix = ctx.archive_suffix
    dialect = dialect_of(ctx)

    def quote(name: str) -> str:  # names go through core.escape, in the file's own dialect
        return escape.identifier(name, dialect)

    def qualified(name: QName) -> str:
        return escape.qualified(name, dialect)

    changes = step.reading.changes
    if changes and all(isinstance(c, ch.DropTable) for c in changes):
        tables = [c for c in changes if isinstance(c, ch.DropTable)]
        renames = [
            f"ALTER TABLE {'IF EXISTS ' if c.if_exists else ''}{qualified(c.name)} "
            f"RENAME TO {quote(c.name.name + suffix)}"
            for c in tables
            if _archivable(ctx, c)
        ]
        kept = [c for c in tables if not _archivable(ctx, c)]
        if not renames:
            return None
        if kept:
            head = "DROP TABLE " + ("IF EXISTS " if kept[0].if_exists else "")
            tail = " CASCADE" if kept[0].cascade else ""
            renames.insert(0, head + ", ".join(qualified(c.name) for c in kept) + tail)
        return ";\n".join(renames)
    columns = {c.name for c in changes if isinstance(c, ch.DropColumn) and _archivable(ctx, c)}
    if not columns:
        return None
    split = _alter_table_clauses(statement.text, dialect)
    if split is None:
        return None
    head, clauses = split
    out = []
    for clause in clauses:
        name = _dropped_column(clause, dialect)
        if name is not None and name in columns:
            out.append(f"{head} RENAME COLUMN {quote(name)} TO {quote(name + suffix)}")
        else:
            out.append(f"{head} {clause}")
    return ";\n".join(out)


def _alter_table_clauses(text: str, dialect: str) -> tuple[str, list[str]] | None:
    """``ALTER TABLE [IF EXISTS] [ONLY] name`` as written, and each action's source text."""
    try:
        c = cursor(text, dialect)
        c.expect("ALTER", "TABLE")
        c.if_exists()
        c.accept("ONLY")
        c.qname()
        c.accept_punct("*")
    except ReadError:
        return None
    first = c.peek()
    if first is None:
        return None
    head = text[: first.start].rstrip()
    clauses: list[str] = []
    depth, start, end = 0, first.start, first.start
    for tok in c.toks[c.i :]:
        if tok.kind == "punct" and tok.text in "([":
            depth += 1
        elif tok.kind == "punct" and tok.text in ")]":
            depth -= 1
        elif tok.kind == "punct" and tok.text == "," and depth == 0:
            clauses.append(text[start:end])
            start = -1
            continue
        if start == -1:
            start = tok.start
        end = tok.end
    if start != -1:
        clauses.append(text[start:end])
    return head, clauses


def _dropped_column(clause: str, dialect: str) -> str | None:
    try:
        c = cursor(clause, dialect)
        if not c.accept("DROP") or c.is_word("CONSTRAINT"):
            return None
        c.accept("COLUMN")
        c.if_exists()
        return c.name()
    except ReadError:
        return None


def archived_up(ctx: MigrationContext, statement: Statement, rewrite: str) -> tuple[Span, str]:
    """Where the rewrite goes (the statement up to, not including, its ``;``) and the new
    migration.sql text."""
    span = Span(statement.span.start, statement.span.start + len(statement.text))
    text = ctx.up_text[: span.start] + rewrite + ctx.up_text[span.end :]
    return span, text


def regenerated_down(ctx: MigrationContext, new_up: str) -> str | None:
    """down.sql for ``new_up`` if the current one is untouched generated output, else None."""
    if ctx.down_text is None or not is_generated_unmodified(ctx.down_text):
        return None
    dialect = dialect_of(ctx)
    analysis = replay(new_up, dialect, ctx.up.before)
    return generate(ctx.migration.name, new_up, analysis, dialect, prisma_of(ctx))


def restoring_changes(ctx: MigrationContext) -> list[ch.Change]:
    """Inverse changes that, appended to down.sql, bring it closer to the schema before.

    Greedy: try the generated inverses in down order, keep each that lowers the number of
    differences, and go round again while any did; then the same with the changes a direct
    comparison of the two schemas suggests (``core.repair``).
    """
    if ctx.down is None:
        return []
    target, cat = ctx.up.before, ctx.down.after
    diffs = differences(target, cat)
    candidates = [c for _, inv in down_changes(ctx.up) for c in inv.changes]
    added: list[ch.Change] = []
    progress = True
    while diffs and progress:
        progress = False
        for change in candidates:
            if any(change is a for a in added):
                continue
            try:
                after = apply(cat, change)
            except CatalogError:
                continue
            left = differences(target, after)
            if len(left) < len(diffs):
                cat, diffs, progress = after, left, True
                added.append(change)
    if diffs:  # what the person's down.sql did differently: compare the schemas directly
        dialect = dialect_of(ctx)
        for change in repairs(target, cat):
            if not _writable(change, dialect):
                continue
            try:
                after = apply(cat, change)
            except CatalogError:
                continue
            left = differences(target, after)
            if len(left) < len(diffs):
                cat, diffs = after, left
                added.append(change)
    return added


def _writable(change: ch.Change, dialect: str) -> bool:
    """Whether ``dialect`` has SQL for ``change``: ``core.repair`` compares schemas without
    knowing the engine, and SQLite has no ALTER COLUMN (the fix then raised ValueError, an
    internal error for the editor). A name no quoting can write is left to the edit, which
    refuses it in one sentence."""
    try:
        render(change, dialect)
    except escape.UnsafeSQL:
        return True
    except ValueError:
        return False
    return True


def restoring_text(ctx: MigrationContext, changes: list[ch.Change]) -> str:
    """The statements to append at the end of down.sql, one per line."""
    dialect = dialect_of(ctx)
    lines = ["-- Added by prisma-down: what down.sql did not restore."]
    for change in changes:
        if isinstance(change, (ch.CreateIndex, ch.DropIndex)) and change.concurrently:
            change = replace(change, concurrently=False)  # not inside the script's transaction
        lines.append(render(change, dialect) + ";")
    existing = ctx.down_text or ""
    lead = "" if not existing else ("\n" if existing.endswith("\n") else "\n\n")
    return lead + "\n".join(lines) + "\n"
