"""Code actions: generate, regenerate and complete down.sql; archive instead of dropping;
ignore a rule or set the baseline in the project's settings (``adopt``).

Each action is decided from the session's latest analysis, which reads open files from the
editor. Where the client resolves code actions, the list carries only ``data`` and the edit
is built in ``codeAction/resolve`` for the one action picked (ruff-lsp's habit); ``data``
holds the hashes of the texts it was offered for, so a resolve after an edit builds nothing.
Where the client cannot create files (Emacs eglot), "Generate down.sql" runs a command that
writes the file server-side instead. "Verify down.sql on a throwaway database" (kind
``source``, on migration.sql and down.sql when down.sql exists) is always a command.
Nothing that edits or creates a file is offered, or resolved, for a migration outside the
workspace's migration folders (``Session.write_refusal``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.uris import to_fs_path

from prisma_down.core.analysis import sha256
from prisma_down.core.down import is_generated_unmodified
from prisma_down.core.escape import UnsafeSQL
from prisma_down.core.fixes import (
    archive_names,
    archive_rewrite,
    archived_up,
    regenerated_down,
    restoring_changes,
    restoring_text,
)
from prisma_down.core.rules.context import MigrationContext
from prisma_down.core.text import Span
from prisma_down.lsp.convert import Converter, uri
from prisma_down.lsp.edits import (
    EditBuilder,
    can_create_files,
    client_uri,
    down_taken,
    down_text,
    resolves_edits,
    step_at,
    takes_document_changes,
)
from prisma_down.lsp.roots import Result

if TYPE_CHECKING:
    from prisma_down.lsp.language_server import PrismaDownServer

GENERATE_KIND = "source.generateDownSql"
GENERATE_COMMAND = "prismaDown.generateDownSql"  # registered in features/commands.py
QUICKFIX = types.CodeActionKind.QuickFix.value
# Plain "source", offered only when asked for by kind (VS Code's "Source Action...", Neovim's
# code_action{context={only={"source"}}}): a lightbulb's unfiltered request hides source
# actions anyway. The advertised source.generateDownSql already makes clients ask for it.
VERIFY_KIND = types.CodeActionKind.Source.value
VERIFY_COMMAND = "prismaDown.verifyMigration"  # registered in features/verify.py
VERIFY_TITLE = "Verify down.sql on a throwaway database"
REQUEST_FAILED = -32803  # LSP ErrorCodes.RequestFailed


@dataclass(frozen=True)
class Target:
    """What an action does and to which file: enough to build its edit later."""

    kind: str  # generate | regenerate | archive | restore | verify
    path: Path  # the file the action was offered in
    up_sha: str  # the texts it was offered for
    down_sha: str
    offset: int = 0  # archive: where the DROP statement starts

    def data(self) -> dict[str, Any]:
        return {
            "prismaDown": self.kind,
            "uri": uri(self.path),
            "up": self.up_sha,
            "down": self.down_sha,
            "offset": self.offset,
        }

    @classmethod
    def from_data(cls, data: Any) -> Target | None:
        if not isinstance(data, dict) or not isinstance(data.get("prismaDown"), str):
            return None
        try:
            return cls(
                data["prismaDown"],
                Path(to_fs_path(str(data["uri"])) or ""),
                str(data["up"]),
                str(data["down"]),
                int(data.get("offset", 0)),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class Offer:
    title: str
    kind: str
    diagnostics: list[types.Diagnostic]
    target: Target


def _shas(ctx: MigrationContext) -> tuple[str, str]:
    return sha256(ctx.up_text), sha256(ctx.down_text) if ctx.down_text is not None else ""


def wanted(kind: str, only: Sequence[str] | None) -> bool:
    """``context.only`` names kinds or their parents: ``source`` admits ``source.x``."""
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


def _ours(diags: Sequence[types.Diagnostic], rule: str) -> list[types.Diagnostic]:
    return [d for d in diags if d.source == "prisma-down" and d.code == rule]


def offers(
    ls: PrismaDownServer,
    ctx: MigrationContext,
    path: Path,
    diags: Sequence[types.Diagnostic],
    only: Sequence[str] | None = None,
    writable: bool = True,
) -> Iterator[Offer]:
    """The actions for ``path``, of the kinds ``only`` admits; only verify unless
    ``writable``."""
    up_sha, down_sha = _shas(ctx)
    name = ctx.migration.name
    fixes = wanted(QUICKFIX, only)
    if not fixes and not wanted(GENERATE_KIND, only):
        return  # nor VERIFY_KIND: "source" admits GENERATE_KIND
    if not fixes:
        diags = []
    if writable and path == ctx.up_path:
        # Never offered over a down.sql that exists, on disk or only in an editor buffer,
        # nor for a migration.sql that cannot be read (the CLI skips those too).
        unreadable = ctx.migration.up.error is not None and not ctx.up_text
        if ctx.down_text is None and not unreadable and not down_taken(ls, ctx.down_path):
            target = Target("generate", path, up_sha, down_sha)
            for d in _ours(diags, "missing-down-sql"):
                yield Offer(f"Generate down.sql for {name}", QUICKFIX, [d], target)
            if wanted(GENERATE_KIND, only):
                yield Offer(f"Generate down.sql for {name}", GENERATE_KIND, [], target)
        conv = Converter(ctx.up_text, ls.session.encoding())
        seen: set[int] = set()
        for d in _ours(diags, "drop-without-rename"):
            statement = step_at(ctx, conv.offset(d.range.start))
            if statement is None or statement.span.start in seen:
                continue
            seen.add(statement.span.start)
            if archive_rewrite(ctx, statement) is None:
                continue
            renames = ", ".join(
                f'"{n}" to "{n}{ctx.archive_suffix}"' for n in archive_names(ctx, statement)
            )
            title = (
                f"Keep the data: rename {renames} instead of dropping "
                "(editing an already-applied migration changes Prisma's checksum)"
            )
            target = Target("archive", path, up_sha, down_sha, statement.span.start)
            yield Offer(title, QUICKFIX, [d], target)
    elif writable and path == ctx.down_path and ctx.down_text is not None:
        stale = _ours(diags, "stale-down-sql")
        if stale and is_generated_unmodified(ctx.down_text):
            target = Target("regenerate", path, up_sha, down_sha)
            yield Offer("Regenerate down.sql from migration.sql", QUICKFIX, stale, target)
        wrong = _ours(diags, "down-does-not-restore")
        if wrong and restoring_changes(ctx):
            target = Target("restore", path, up_sha, down_sha)
            yield Offer("Add the missing statements to down.sql", QUICKFIX, wrong, target)
    if ctx.down_text is not None and only and wanted(VERIFY_KIND, only):
        yield Offer(VERIFY_TITLE, VERIFY_KIND, [], Target("verify", path, up_sha, down_sha))


def build_edit(
    ls: PrismaDownServer, result: Result, ctx: MigrationContext, target: Target
) -> types.WorkspaceEdit | None:
    """The edit of one action, from the analysis it was offered for; None if it has none
    (or if its SQL cannot be written safely: a name prisma-down refuses to put in SQL)."""
    try:
        return _edit(ls, result, ctx, target)
    except UnsafeSQL as e:
        ls.session.log(f"no edit for {ctx.migration.name}: {e}", types.MessageType.Warning)
        return None


def _edit(
    ls: PrismaDownServer, result: Result, ctx: MigrationContext, target: Target
) -> types.WorkspaceEdit | None:
    builder = EditBuilder(takes_document_changes(ls.client_capabilities), ls.session.encoding())
    up_uri, down_uri = client_uri(ls, ctx.up_path), client_uri(ls, ctx.down_path)
    up_version, down_version = result.versions.get(ctx.up_path), result.versions.get(ctx.down_path)
    if target.kind == "generate":
        if ctx.down_text is not None or down_taken(ls, ctx.down_path):
            return None
        builder.create(down_uri, down_text(ctx))
    elif target.kind == "regenerate" and ctx.down_text is not None:
        old = ctx.down_text
        builder.replace(down_uri, down_version, old, Span(0, len(old)), down_text(ctx))
    elif target.kind == "archive":
        statement = step_at(ctx, target.offset)
        rewrite = archive_rewrite(ctx, statement) if statement is not None else None
        if statement is None or rewrite is None:
            return None
        span, new_up = archived_up(ctx, statement, rewrite)
        builder.replace(up_uri, up_version, ctx.up_text, span, rewrite)
        new_down = regenerated_down(ctx, new_up)
        if new_down is not None and ctx.down_text is not None:
            old = ctx.down_text
            builder.replace(down_uri, down_version, old, Span(0, len(old)), new_down)
    elif target.kind == "restore" and ctx.down_text is not None:
        changes = restoring_changes(ctx)
        if not changes:
            return None
        end = Span(len(ctx.down_text), len(ctx.down_text))
        builder.replace(down_uri, down_version, ctx.down_text, end, restoring_text(ctx, changes))
    else:
        return None
    return builder.build()


def actions_for(
    ls: PrismaDownServer,
    result: Result,
    ctx: MigrationContext,
    path: Path,
    context: types.CodeActionContext,
    writable: bool = True,
) -> list[types.CodeAction]:
    """Runs in a worker thread: offers read and replay SQL, edits render it."""
    caps = ls.client_capabilities
    lazy = resolves_edits(caps)
    actions: list[types.CodeAction] = []
    for offer in offers(ls, ctx, path, context.diagnostics, context.only, writable):
        action = types.CodeAction(
            title=offer.title,
            kind=offer.kind,
            diagnostics=offer.diagnostics or None,
            is_preferred=True if offer.kind == QUICKFIX else None,
        )
        if offer.target.kind == "verify":
            action.command = types.Command(
                title=offer.title, command=VERIFY_COMMAND, arguments=[uri(ctx.up_path)]
            )
        elif offer.target.kind == "generate" and not can_create_files(caps):
            action.command = types.Command(
                title=offer.title, command=GENERATE_COMMAND, arguments=[uri(ctx.up_path)]
            )
        elif lazy:
            action.data = offer.target.data()
        else:
            action.edit = build_edit(ls, result, ctx, offer.target)
            if action.edit is None:
                continue
        actions.append(action)
    if writable and wanted(QUICKFIX, context.only):
        from prisma_down.lsp.features import adopt

        actions += adopt.actions(ls.session, result, ctx, path, context.diagnostics)
    return actions


def register(ls: PrismaDownServer) -> None:
    session = ls.session

    @ls.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, GENERATE_KIND],
            resolve_provider=True,
        ),
    )
    async def code_action(
        ls: PrismaDownServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        path = Path(to_fs_path(params.text_document.uri) or "")
        found = await session.context_of(path)
        if found is None:
            return None
        result, ctx = found
        writable = session.write_refusal(ctx.migration.directory) is None
        return await asyncio.to_thread(actions_for, ls, result, ctx, path, params.context, writable)

    @ls.feature(types.CODE_ACTION_RESOLVE)
    async def resolve_code_action(
        ls: PrismaDownServer, action: types.CodeAction
    ) -> types.CodeAction:
        target = Target.from_data(action.data)
        if target is None or action.edit is not None:
            return action
        found = await session.context_of(target.path)
        if found is None:
            return action
        result, ctx = found
        refused = session.write_refusal(ctx.migration.directory)
        if refused is not None and target.kind != "verify":
            raise JsonRpcException(code=REQUEST_FAILED, message=f"prisma-down: {refused}")
        if _shas(ctx) != (target.up_sha, target.down_sha):
            session.log(f"{ctx.migration.name} changed since the action was offered: ask again")
            return action
        action.edit = await asyncio.to_thread(build_edit, ls, result, ctx, target)
        return action
