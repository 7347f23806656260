"""Commands that write down.sql server-side: for clients that cannot create files, and for all.

Both write only where no down.sql exists (on disk or open in the editor), atomically, never
create a folder, and only in a migration folder of the workspace (``Session.write_refusal``);
the text is exactly what ``prisma-down generate`` writes.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from prisma_down.core.escape import UnsafeSQL
from prisma_down.core.lint import baselined
from prisma_down.core.rules.context import MigrationContext
from prisma_down.lsp.convert import uri
from prisma_down.lsp.edits import down_taken, down_text, shows_documents, write_new
from prisma_down.lsp.language_server import PrismaDownServer  # at run time: pygls reads the hints

GENERATE = "prismaDown.generateDownSql"
GENERATE_ALL = "prismaDown.generateAll"


def migration_sql(args: tuple[Any, ...]) -> Path | None:
    """The migration.sql named by the first argument: its URI, down.sql's, or the folder's."""
    if not args:
        return None
    arg = args[0]
    if isinstance(arg, dict):
        arg = arg.get("uri")
    if not isinstance(arg, str) or not arg:
        return None
    path = Path(to_fs_path(arg) or "") if "://" in arg else Path(arg)
    if path.name == "down.sql":
        return path.with_name("migration.sql")
    return path if path.name == "migration.sql" else path / "migration.sql"


def tell(ls: PrismaDownServer, message: str, kind: types.MessageType) -> None:
    ls.window_show_message(types.ShowMessageParams(type=kind, message=f"prisma-down: {message}"))


def _write(ctx: MigrationContext) -> bool:
    """Runs in a worker thread: render, then write if the file is still absent."""
    return write_new(ctx.down_path, down_text(ctx))


def _summary(
    written: list[str], kept: int, failed: int, error: str | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"written": len(written), "kept": kept, "failed": failed}
    out["files"] = written
    if error is not None:
        out["error"] = error
    return out


class Progress:
    """Work-done progress where the client shows it; silent otherwise."""

    def __init__(self, ls: PrismaDownServer) -> None:
        self.ls = ls
        self.token: str | None = None

    async def begin(self, title: str, message: str | None = None) -> None:
        caps = self.ls.client_capabilities
        if not (caps.window and caps.window.work_done_progress):
            return
        token = f"prisma-down/{uuid.uuid4().hex}"
        try:
            await self.ls.work_done_progress.create_async(token)
        except Exception as e:  # a client that refuses the token gets no progress
            self.ls.session.log(f"no progress reporting: {e}", types.MessageType.Warning)
            return
        self.token = token
        self.ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title=title, cancellable=False, message=message, percentage=0
            ),
        )

    def report(self, message: str, percentage: int | None = None) -> None:
        if self.token is not None:
            self.ls.work_done_progress.report(
                self.token, types.WorkDoneProgressReport(message=message, percentage=percentage)
            )

    def end(self, message: str) -> None:
        if self.token is not None:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))


def register(ls: PrismaDownServer) -> None:
    session = ls.session

    @ls.command(GENERATE)
    async def generate_down_sql(ls: PrismaDownServer, *args: Any) -> dict[str, Any]:
        """Write one migration's down.sql if it has none, then show it."""
        path = migration_sql(args)
        refused = session.write_refusal(path.parent) if path is not None else None
        if refused is not None:
            tell(ls, f"nothing written: {refused}", types.MessageType.Error)
            return _summary([], 0, 1, refused)
        found = await session.context_of(path) if path is not None else None
        if path is None or found is None:
            tell(
                ls,
                f"not a migration: {args[0] if args else '(no argument)'}",
                types.MessageType.Error,
            )
            return _summary([], 0, 1)
        ctx = found[1]
        target = ctx.down_path
        if ctx.migration.up.error is not None and not ctx.up_text:
            tell(ls, f"cannot read {path}: {ctx.migration.up.error}", types.MessageType.Error)
            return _summary([], 0, 1)
        if ctx.down_text is not None or down_taken(ls, target):
            tell(
                ls,
                f"{ctx.migration.name}/down.sql exists: kept as it is",
                types.MessageType.Warning,
            )
            return _summary([], 1, 0)
        refused = session.write_refusal(target.parent)  # where it goes, checked again
        if refused is not None:
            tell(ls, f"nothing written: {refused}", types.MessageType.Error)
            return _summary([], 0, 1, refused)
        try:
            wrote = await asyncio.to_thread(_write, ctx)
        except (OSError, UnsafeSQL) as e:
            tell(ls, f"could not write {target}: {e}", types.MessageType.Error)
            return _summary([], 0, 1)
        root = session.root_for(target)
        if root is not None:
            # Publish the new picture BEFORE replying: Emacs 28's jsonrpc stops reading
            # after a reply, leaving a notification in the same read unread (seen in eglot).
            session.request(root, rescan=True)
            await session.wait(root)
        if not wrote:
            tell(
                ls,
                f"{ctx.migration.name}/down.sql appeared meanwhile: kept it",
                types.MessageType.Warning,
            )
            return _summary([], 1, 0)
        if shows_documents(ls.client_capabilities):
            await ls.window_show_document_async(
                types.ShowDocumentParams(uri=uri(target), take_focus=True)
            )
        return _summary([uri(target)], 0, 0)

    @ls.command(GENERATE_ALL)
    async def generate_all(ls: PrismaDownServer, *args: Any) -> dict[str, Any]:
        """Write down.sql for every migration of every root that has none."""
        progress = Progress(ls)
        await progress.begin("Generating down.sql files")
        work: list[MigrationContext] = []
        for root in list(session.roots.values()):
            if not session.in_workspace(root.directory):
                continue  # a file opened from elsewhere: never written to
            result = await session.wait(root)
            if result is not None and root.history is not None:
                # as the CLI's generate: none for the migrations the baseline covers
                quiet = baselined(root.history, root.settings.baseline) or frozenset()
                work.extend(c for c in result.contexts if c.migration.name not in quiet)
        written: list[str] = []
        kept = failed = 0
        touched = set()
        for i, ctx in enumerate(work):
            progress.report(ctx.migration.name, i * 100 // max(len(work), 1))
            if ctx.migration.up.error is not None and not ctx.up_text:
                failed += 1
                continue
            if ctx.down_text is not None or down_taken(ls, ctx.down_path):
                kept += 1
                continue
            refused = session.write_refusal(ctx.down_path.parent)
            if refused is not None:
                session.log(f"nothing written: {refused}", types.MessageType.Error)
                failed += 1
                continue
            try:
                wrote = await asyncio.to_thread(_write, ctx)
            except (OSError, UnsafeSQL) as e:
                session.log(f"could not write {ctx.down_path}: {e}", types.MessageType.Error)
                failed += 1
                continue
            touched.add(ctx.migration.directory.parent)
            if wrote:
                written.append(uri(ctx.down_path))
            else:
                kept += 1
        for directory in touched:
            hit = session.roots.get(directory)
            if hit is not None:
                session.request(hit, rescan=True)
        message = (
            f"Wrote {len(written)} down.sql file{'' if len(written) == 1 else 's'}; {kept} kept"
        )
        if failed:
            message += f"; {failed} failed"
        progress.end(message)
        tell(ls, message, types.MessageType.Error if failed else types.MessageType.Info)
        return _summary(written, kept, failed)
