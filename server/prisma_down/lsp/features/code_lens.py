"""Code lenses: the state of a migration's down.sql above migration.sql, and a way back.

migration.sql: ``down.sql missing · Generate`` (``Before the baseline: no down.sql needed ·
Generate`` for a migration ``baseline`` accepted) / ``down.sql restores the schema`` /
``down.sql: N problems``. down.sql: ``Undoes <migration>``. Beside them, wherever a down.sql
exists, ``Verify down.sql`` (features/verify.py). Lenses depend on other files
(a down.sql written on disk changes migration.sql's lens), so after each analysis whose
lenses differ the client is asked to refresh them where it supports that.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from prisma_down.core.rules.context import MigrationContext
from prisma_down.core.statements import Script
from prisma_down.lsp.convert import Converter, uri
from prisma_down.lsp.features.links import SHOW_DOWN, SHOW_MIGRATION, context_of, path_of
from prisma_down.lsp.roots import Result, Root

if TYPE_CHECKING:
    from prisma_down.lsp.language_server import PrismaDownServer

GENERATE = "prismaDown.generateDownSql"
VERIFY = "prismaDown.verifyMigration"  # registered in features/verify.py
VERIFY_TITLE = "Verify down.sql"
RESTORE_RULE = "down-does-not-restore"


def up_title(ctx: MigrationContext, result: Result) -> str:
    if ctx.down_text is None:
        if ctx.migration.name in result.baselined:
            return "Before the baseline: no down.sql needed · Generate"
        return "down.sql missing · Generate"
    problems = result.findings.get(ctx.down_path, [])
    if not any(f.rule == RESTORE_RULE for f in problems):
        return "down.sql restores the schema"
    n = len(problems)
    return f"down.sql: {n} problem{'s' if n != 1 else ''}"


def down_title(ctx: MigrationContext) -> str:
    return f"Undoes {ctx.migration.name}"


def _top(script: Script | None, text: str, encoding: str) -> types.Range:
    """A zero-width range at the first statement (or the top of an empty file)."""
    if script is None or not script.statements:
        return types.Range(types.Position(0, 0), types.Position(0, 0))
    start = Converter(text, encoding).range(script.statements[0].span).start
    return types.Range(start, start)


def _verify(top: types.Range, ctx: MigrationContext) -> types.CodeLens:
    command = types.Command(title=VERIFY_TITLE, command=VERIFY, arguments=[uri(ctx.up_path)])
    return types.CodeLens(top, command)


def lenses(
    ctx: MigrationContext, result: Result, path: Path, encoding: str
) -> list[types.CodeLens]:
    if path == ctx.up_path:
        title = up_title(ctx, result)
        up_uri = uri(ctx.up_path)
        top = _top(ctx.up.script, ctx.up_text, encoding)
        if ctx.down_text is None:
            command = types.Command(title=title, command=GENERATE, arguments=[up_uri])
            return [types.CodeLens(top, command)]
        command = types.Command(title=title, command=SHOW_DOWN, arguments=[uri(ctx.down_path)])
        return [types.CodeLens(top, command), _verify(top, ctx)]
    if ctx.down_text is None:
        return []
    script = ctx.down.script if ctx.down is not None else None
    top = _top(script, ctx.down_text, encoding)
    command = types.Command(
        title=down_title(ctx), command=SHOW_MIGRATION, arguments=[uri(ctx.up_path)]
    )
    return [types.CodeLens(top, command), _verify(top, ctx)]


def _state(result: Result) -> tuple[Any, ...]:
    """What the lenses show: refresh only when this changes."""
    out = []
    for ctx in result.contexts:
        up_line = ctx.up.script.statements[0].span.start if ctx.up.script.statements else 0
        out.append((ctx.migration.name, ctx.down_text is None, up_title(ctx, result), up_line))
    return tuple(out)


def register(ls: PrismaDownServer) -> None:
    session = ls.session
    shown: dict[Path, tuple[Any, ...]] = {}

    @ls.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    async def code_lens(
        ls: PrismaDownServer, params: types.CodeLensParams
    ) -> list[types.CodeLens] | None:
        path = path_of(params.text_document.uri)
        if path.name not in ("migration.sql", "down.sql"):
            return None
        found = await context_of(ls, params.text_document.uri)
        if found is None:
            return None
        result, ctx = found
        return lenses(ctx, result, path, session.encoding())

    def refresh(root: Root, result: Result) -> None:
        try:  # runs inside the session's analysis loop: never let it fail there
            state = _state(result)
        except Exception as e:
            session.log(f"code lens state: {type(e).__name__}: {e}", types.MessageType.Error)
            return
        if shown.get(root.directory) == state:
            return
        first = root.directory not in shown
        shown[root.directory] = state
        caps = ls.client_capabilities.workspace
        if first or not (caps and caps.code_lens and caps.code_lens.refresh_support):
            return
        session.spawn(_ask_refresh(ls))

    session.listeners.append(refresh)


async def _ask_refresh(ls: PrismaDownServer) -> None:
    try:
        await ls.workspace_code_lens_refresh_async(None)
    except Exception as e:  # a client that cannot refresh re-asks on its own schedule
        ls.session.log(f"workspace/codeLens/refresh failed: {e}")
