"""Adopting prisma-down on a history: the baseline offer and the settings quick fixes.

A workspace that opens on a long history lacking down.sql is offered a baseline at its last
migration, once per migrations folder and session (``window/showMessageRequest`` with an
action), and the same as a code action on every ``missing-down-sql``. Each prisma-down
diagnostic gets "Ignore <rule> on <migration>", which writes ``"ignore"`` into the
project's settings (``config_file``), never a comment into migration.sql: once applied,
Prisma verifies its checksum. Both are commands: the server writes the settings file, only
for a migrations folder of the workspace, then reads the settings again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types

from prisma_down.config_file import ConfigError, ignore_rule, update
from prisma_down.core.rules.context import MigrationContext
from prisma_down.lsp.language_server import PrismaDownServer  # at run time: pygls reads hints
from prisma_down.lsp.roots import Result, Root
from prisma_down.lsp.session import Session

IGNORE_COMMAND = "prismaDown.ignoreRule"
BASELINE_COMMAND = "prismaDown.setBaseline"
OFFER_AT = 20  # migrations lacking down.sql before a baseline is offered
SET = "Set baseline"
NOT_NOW = "Not now"
QUICKFIX = types.CodeActionKind.QuickFix.value


def actions(
    session: Session,
    result: Result,
    ctx: MigrationContext,
    path: Path,
    diags: Sequence[types.Diagnostic],
) -> list[types.CodeAction]:
    """ "Ignore <rule> on <migration>" per rule among ``diags``, and "Set the baseline" on
    a missing-down-sql while the project has none."""
    root = session.root_for(path)
    if root is None or not result.contexts:
        return []
    name = ctx.migration.name
    out: list[types.CodeAction] = []
    seen: set[str] = set()
    from prisma_down.core.rules import RULES

    for d in diags:
        rule = d.code
        if d.source != "prisma-down" or rule not in RULES or rule in seen:
            continue
        assert isinstance(rule, str)
        seen.add(rule)
        title = f"Ignore {rule} on {name} in the project's settings (migration.sql untouched)"
        command = types.Command(title, IGNORE_COMMAND, arguments=[str(root.directory), name, rule])
        out.append(types.CodeAction(title, kind=QUICKFIX, diagnostics=[d], command=command))
    missing = [d for d in diags if d.source == "prisma-down" and d.code == "missing-down-sql"]
    if missing and root.settings.baseline is None:
        last = result.contexts[-1].migration.name
        title = f"Set the baseline at {last}: no findings for the migrations up to it"
        command = types.Command(title, BASELINE_COMMAND, arguments=[str(root.directory), last])
        out.append(types.CodeAction(title, kind=QUICKFIX, diagnostics=missing, command=command))
    return out


def _target(session: Session, args: Sequence[Any]) -> tuple[Root, str]:
    """The root and migration a command names; a ConfigError when it names none of ours
    or one outside the workspace."""
    if len(args) < 2 or not all(isinstance(a, str) for a in args[:2]):
        raise ConfigError("expected the migrations folder and a migration name")
    root = session.roots.get(Path(args[0]))
    history = root.history if root is not None else None
    if root is None or history is None or history.index_of(args[1]) is None:
        raise ConfigError(f"{args[1]} is not a migration of {args[0]}")
    refused = session.write_refusal(root.directory / args[1])
    if refused is not None:
        raise ConfigError(refused)
    return root, args[1]


def _tell(ls: PrismaDownServer, message: str, kind: types.MessageType) -> None:
    ls.window_show_message(types.ShowMessageParams(type=kind, message=f"prisma-down: {message}"))


async def set_baseline(ls: PrismaDownServer, root: Root, name: str) -> Path:
    """Write ``"baseline": name`` for ``root``, then read the settings again.

    Raises:
        ConfigError: the settings file cannot be read or written.
    """

    def change(settings: dict[str, Any]) -> None:
        settings["baseline"] = name

    written = await asyncio.to_thread(update, root.directory, change)
    ls.session.reload_settings()
    return written


def register(ls: PrismaDownServer) -> None:
    session = ls.session
    offered: set[Path] = set()

    @ls.command(IGNORE_COMMAND)
    async def ignore(ls: PrismaDownServer, *args: Any) -> dict[str, Any]:
        from prisma_down.core.rules import RULES

        try:
            root, name = _target(session, args)
            rule = args[2] if len(args) > 2 else None
            if rule not in RULES:
                raise ConfigError(f"{rule!r} is not a prisma-down rule")
            written = await asyncio.to_thread(ignore_rule, root.directory, name, rule)
        except ConfigError as e:
            _tell(ls, str(e), types.MessageType.Error)
            return {"error": str(e)}
        session.reload_settings()
        _tell(ls, f"{rule} ignored on {name} in {written}", types.MessageType.Info)
        return {"written": str(written)}

    @ls.command(BASELINE_COMMAND)
    async def baseline(ls: PrismaDownServer, *args: Any) -> dict[str, Any]:
        try:
            root, name = _target(session, args)
            written = await set_baseline(ls, root, name)
        except ConfigError as e:
            _tell(ls, str(e), types.MessageType.Error)
            return {"error": str(e)}
        _tell(ls, f"baseline {name} written to {written}", types.MessageType.Info)
        return {"written": str(written)}

    def offer(root: Root, result: Result) -> None:
        """Runs inside the analysis loop: decide at once, ask in the background."""
        if root.directory in offered or root.settings.baseline is not None:
            return
        missing = sum(1 for ctx in result.contexts if ctx.down_text is None)
        if missing < OFFER_AT:
            return
        offered.add(root.directory)  # once per folder and session, whatever the answer
        last = result.contexts[-1].migration
        if session.write_refusal(last.directory) is None:
            session.spawn(_ask(ls, root, last.name, missing, len(result.contexts)))

    session.listeners.append(offer)


async def _ask(ls: PrismaDownServer, root: Root, last: str, missing: int, total: int) -> None:
    message = (
        f"prisma-down: {missing} of the {total} migrations in {root.directory} have no "
        f"down.sql. Set a baseline at {last}? Migrations up to it keep building the schema "
        "but get no findings; new ones are checked (written to .prisma-down.json)."
    )
    try:
        answer = await ls.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Info,
                message=message,
                actions=[types.MessageActionItem(SET), types.MessageActionItem(NOT_NOW)],
            )
        )
    except Exception as e:  # a client that cannot ask keeps the code action
        ls.session.log(f"could not offer a baseline: {e}", types.MessageType.Warning)
        return
    if answer is None or answer.title != SET:
        return
    try:
        written = await set_baseline(ls, root, last)
    except ConfigError as e:
        _tell(ls, str(e), types.MessageType.Error)
        return
    _tell(ls, f"baseline {last} written to {written}", types.MessageType.Info)
