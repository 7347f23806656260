"""*Verify down.sql* and *Verify all migrations*: ``prisma-down verify`` from the editor.

The engine (:func:`prisma_down.verify.command.verify`) applies up, down and up again on a
throwaway database; it runs in a worker thread, one verify at a time (two at once on the
same ``prismaDown.verify.databaseUrl`` would trip over each other), while the server keeps
answering. What is verified is what the editor shows: unsaved buffers count. Each verdict
becomes diagnostics on down.sql (rule ``down-does-not-restore``, source
``prisma-down verify``), which the session keeps apart from the analysis and drops once
migration.sql or down.sql changes, and one line of window/showMessage. No message ever holds
the database password.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lsprotocol import types

from prisma_down.core.analysis import sha256
from prisma_down.core.history import History, Migration, SourceFile
from prisma_down.core.rules.context import MigrationContext
from prisma_down.core.settings import Settings
from prisma_down.core.text import Position
from prisma_down.lsp.convert import DOCS, Converter
from prisma_down.lsp.features.commands import Progress, migration_sql, tell
from prisma_down.lsp.language_server import PrismaDownServer  # at run time: pygls reads the hints
from prisma_down.lsp.roots import Result, Root, Verified
from prisma_down.lsp.session import Session
from prisma_down.urls import mask_url, scrub
from prisma_down.verify import engines
from prisma_down.verify.command import verify
from prisma_down.verify.output import as_json, as_text
from prisma_down.verify.roundtrip import STATEMENT_AT, Verdict
from prisma_down.verify.target import VerifyError
from prisma_down.verify.withrows import STOPPED

VERIFY = "prismaDown.verifyMigration"
VERIFY_ALL = "prismaDown.verifyAll"
RULE = "down-does-not-restore"
SOURCE = "prisma-down verify"
# Nothing to show on down.sql: it was not run (migration.sql failed, or there is none).
UNVERIFIED = frozenset({"up-failed", "no-down"})
_AT = re.compile(r"\bat line (\d+), column (\d+)")  # PostgreSQL errors (verify/postgres.py)
_STEP = re.compile(r"^\[(\d+)/(\d+)\]")
_STOPPED = re.compile(r"^(after \d+ of \d+ statements? \(stopped before line \d+\)): (.*)$", re.S)


# -- verdicts → diagnostics and messages ---------------------------------------------------


def worded(difference: str, status: str) -> str:
    """A difference as the user reads it on down.sql: the verifier's words, said when."""
    if status in ("mismatch", "reapply-failed"):  # before the migration vs after down.sql
        if difference.endswith(" after"):
            return f"{difference} down.sql"
        if difference.endswith(" is missing"):
            return f"{difference} after down.sql"
        if difference.endswith(" was not there before"):
            return f"{difference}, is there after down.sql"
        return f"after down.sql: {difference}"
    if status == "reapply-mismatch":  # after up vs after up, down, up
        return f"migration.sql applied again after down.sql: {difference}"
    stopped = _STOPPED.match(difference)  # a partial state (verify.partial)
    if stopped is not None:
        what = stopped.group(2)
        if what.startswith("down.sql failed: "):
            return f"{_if_stopped(stopped.group(1))}: {what}"
        return f"{_if_stopped(stopped.group(1))}, after down.sql: {what}"
    return f"{status}: {difference}"


def _if_stopped(where: str) -> str:
    """``after 1 of 3 statements (stopped before line 5)`` as a condition on down.sql."""
    return "if migration.sql stopped " + where.replace("(stopped before", "(before")


def _failure(verdict: Verdict) -> str:
    """The error of a verdict, as a diagnostic message."""
    error = verdict.error or ""
    if verdict.status == "down-failed":
        return f"down.sql failed: {error}"
    if verdict.status in STOPPED:  # with rows: did it leave the database as it was?
        how = "cleanly" if verdict.status == "stopped-clean" else "halfway"
        return f"down.sql failed and stopped {how}: {error}"
    stopped = _STOPPED.match(error)
    if verdict.status == "partial-down-failed" and stopped is not None:
        return f"{_if_stopped(stopped.group(1))}: down.sql failed: {stopped.group(2)}"
    if verdict.status == "reapply-failed":
        return f"migration.sql failed when applied again after down.sql: {error}"
    return f"{verdict.status}: {error}"


def _line(text: str, conv: Converter, line: int, column: int | None = None) -> types.Range:
    """From ``column`` (code points; None: the first non-blank) to the end of ``line``."""
    lines = text.split("\n")
    line = min(max(line, 0), len(lines) - 1)
    body = lines[line].rstrip("\r")
    if column is None:
        column = len(body) - len(body.lstrip())
    column = min(max(column, 0), len(body))
    return types.Range(
        conv.position(Position(line, column)), conv.position(Position(line, len(body)))
    )


def _first_statement_line(ctx: MigrationContext) -> int:
    script = ctx.down.script if ctx.down is not None else None
    if script is None or not script.statements or ctx.down_text is None:
        return 0
    return ctx.down_text.count("\n", 0, script.statements[0].span.start)


def diagnostics_of(
    verdict: Verdict, ctx: MigrationContext, encoding: str
) -> tuple[types.Diagnostic, ...]:
    """One diagnostic per difference and one for an error; none for a restored schema."""
    text = ctx.down_text
    if verdict.status == "restored" or verdict.status in UNVERIFIED or text is None:
        return ()
    conv = Converter(text, encoding)
    top = _line(text, conv, _first_statement_line(ctx))
    data = {"rule": RULE, "migration": verdict.name, "verify": verdict.status}

    def make(rng: types.Range, message: str) -> types.Diagnostic:
        return types.Diagnostic(
            range=rng,
            message=message,
            severity=types.DiagnosticSeverity.Error,
            code=RULE,
            code_description=types.CodeDescription(href=DOCS + RULE),
            source=SOURCE,
            data=data,
        )

    out = [make(top, worded(d, verdict.status)) for d in verdict.differences]
    if verdict.error:
        rng = top
        at, line_at = _AT.search(verdict.error), STATEMENT_AT.search(verdict.error)
        # else the position is in migration.sql
        in_down = "down" in verdict.status or verdict.status in STOPPED
        if in_down and at is not None:
            rng = _line(text, conv, int(at.group(1)) - 1, int(at.group(2)) - 1)
        elif in_down and line_at is not None:
            rng = _line(text, conv, int(line_at.group(1)) - 1)
        out.append(make(rng, _failure(verdict)))
    if not out:  # a status this module does not know, with nothing more to say
        out.append(make(top, f"verify: {verdict.status}"))
    return tuple(out)


def where(dialect: str, url: str | None) -> str:
    """The database a verify runs on, for messages: never with its password."""
    return mask_url(url) if url else engines.server(dialect)


def headline(verdict: Verdict, on: str) -> str:
    """One line for the notification of one verdict."""
    if verdict.status == "restored":
        return f"{verdict.name}: down.sql restores the schema (verified on {on})"
    line = as_text([verdict])[0]  # "<name>: what happened[: the error]"
    n = len(verdict.differences)
    if n:
        line += f" ({n} difference{'s' if n != 1 else ''}, shown on down.sql)"
    return f"{line} (on {on})"


@dataclass
class Tally:
    restored: int = 0
    failed: int = 0
    unverified: int = 0

    def add(self, verdicts: Sequence[Verdict]) -> list[str]:
        """Count ``verdicts``; the names of the failed ones."""
        names = []
        for v in verdicts:
            if v.status == "restored":
                self.restored += 1
            elif v.status in UNVERIFIED:
                self.unverified += 1
            else:
                self.failed += 1
                names.append(v.name)
        return names

    def summary(self, on: Sequence[str], failed: Sequence[str]) -> str:
        total = self.restored + self.failed + self.unverified
        text = f"verified {total} migration{'s' if total != 1 else ''} on {', '.join(on)}: "
        text += f"{self.restored} restored, {self.failed} failed"
        if self.unverified:
            text += f", {self.unverified} not verified"
        if failed:
            text += f" ({', '.join(failed[:5])}{', …' if len(failed) > 5 else ''})"
        return text


# -- what is verified -----------------------------------------------------------------------


def _source(old: SourceFile | None, path: Path, text: str) -> SourceFile:
    if old is not None and old.error is None and old.text == text:
        return old
    return SourceFile(path, text, None, sha256(text))


def editor_history(root: Root, result: Result) -> History | None:
    """The history as the editor shows it: each file's text from the analysis (open
    buffers included), in the analysis's order."""
    if root.history is None:
        return None
    migrations = []
    for ctx in result.contexts:
        m = ctx.migration
        up = m.up if m.up.text == ctx.up_text else _source(m.up, ctx.up_path, ctx.up_text)
        if ctx.down_text is None:
            down = m.down if m.down is not None and m.down.error is not None else None
        else:
            down = _source(m.down, ctx.down_path, ctx.down_text)
        migrations.append(Migration(m.name, m.directory, up, down))
    h = root.history
    return History(h.root, h.provider, h.dialect, tuple(migrations))


# -- the commands ---------------------------------------------------------------------------


class Verifier:
    """Runs verify for the session, one at a time, and shows the verdicts."""

    def __init__(self, ls: PrismaDownServer) -> None:
        self.ls = ls
        self.lock = asyncio.Lock()

    @property
    def session(self) -> Session:
        return self.ls.session

    def _say(self, message: str, kind: types.MessageType, url: str | None) -> str:
        message = scrub(message, url)
        tell(self.ls, message, kind)
        return message

    async def _verify(
        self,
        history: History,
        only: str | None,
        settings: Settings,
        progress: Progress,
    ) -> list[Verdict]:
        url, partial = settings.verify_database_url, settings.verify_partial
        empty = settings.verify_empty
        loop = asyncio.get_running_loop()

        def step(line: str) -> None:  # called from the worker thread
            loop.call_soon_threadsafe(self._step, progress, scrub(line, url))

        async with self.lock:
            verdicts = await asyncio.to_thread(
                verify,
                history,
                only=only,
                database_url=url,
                progress=step,
                partial=partial,
                empty=empty,
            )
        return _scrubbed(verdicts, url)

    @staticmethod
    def _step(progress: Progress, line: str) -> None:
        m = _STEP.match(line)
        percent = int(m.group(1)) * 100 // max(int(m.group(2)), 1) if m else None
        progress.report(line, percent)

    def _show(self, result: Result, verdicts: Sequence[Verdict]) -> None:
        """Publish each verdict's diagnostics on its down.sql, for the texts verified; log
        the verdicts as ``prisma-down verify`` prints them."""
        for line in as_text(verdicts):
            self.session.log(f"verify: {line}")
        encoding = self.session.encoding()
        by_name = {ctx.migration.name: ctx for ctx in result.contexts}
        for verdict in verdicts:
            ctx = by_name.get(verdict.name)
            if ctx is None:
                continue
            found = diagnostics_of(verdict, ctx, encoding)
            if not found or ctx.down_text is None:
                self.session.set_verified(ctx.down_path, None)
                continue
            shas = sha256(ctx.up_text), sha256(ctx.down_text)
            self.session.set_verified(ctx.down_path, Verified(*shas, found))

    async def one(self, args: tuple[Any, ...]) -> dict[str, Any]:
        path = migration_sql(args)
        found = await self.session.context_of(path) if path is not None else None
        root = self.session.root_for(path) if path is not None else None
        if path is None or found is None or root is None:
            shown = args[0] if args else "(no argument)"
            tell(self.ls, f"not a migration: {shown}", types.MessageType.Error)
            return {"error": f"not a migration: {shown}"}
        result, ctx = found
        name = ctx.migration.name
        url = root.settings.verify_database_url
        if ctx.down_text is None:
            message = f"{name} has no down.sql to verify: generate it first"
            tell(self.ls, message, types.MessageType.Warning)
            return {"error": message}
        history = editor_history(root, result)
        if history is None:
            return {"error": self._say("the migrations are not read yet", _ERROR, url)}
        on = where(history.dialect, url)
        progress = Progress(self.ls)
        await progress.begin(f"Verifying {name}/down.sql", f"on {on}")
        try:
            verdicts = await self._verify(history, name, root.settings, progress)
        except VerifyError as error:
            progress.end("failed")
            return {"error": self._say(f"verify: {error}", _ERROR, url)}
        self._show(result, verdicts)
        (verdict,) = verdicts
        message = headline(verdict, on)
        progress.end(scrub(message, url))
        kind = _kind(verdict)
        return {"verdicts": as_json(verdicts), "message": self._say(message, kind, url)}

    async def all(self) -> dict[str, Any]:
        progress = Progress(self.ls)
        await progress.begin("Verifying all migrations")
        tally = Tally()
        failed: list[str] = []
        on: list[str] = []
        out: list[dict[str, Any]] = []
        errors: list[str] = []
        for root in list(self.session.roots.values()):
            result = await self.session.wait(root)
            history = editor_history(root, result) if result is not None else None
            if result is None or history is None or not history.migrations:
                continue
            url = root.settings.verify_database_url
            on.append(where(history.dialect, url))
            progress.report(f"{len(history.migrations)} migrations on {on[-1]}", None)
            try:
                verdicts = await self._verify(history, None, root.settings, progress)
            except VerifyError as error:
                errors.append(scrub(f"verify: {error}", url))
                continue
            self._show(result, verdicts)
            failed.extend(tally.add(verdicts))
            out.extend(as_json(verdicts))
        if not on:
            progress.end("nothing to verify")
            tell(self.ls, "no migrations to verify", types.MessageType.Warning)
            return {"verdicts": [], "error": "no migrations to verify"}
        if errors and not out:
            progress.end("failed")
            for sentence in errors:
                tell(self.ls, sentence, _ERROR)
            return {"verdicts": [], "error": "; ".join(errors)}
        message = tally.summary(on, failed)
        message = message[0].upper() + message[1:]
        if errors:
            message += "; " + "; ".join(errors)
        progress.end(message)
        kind = _ERROR if tally.failed or errors else types.MessageType.Info
        tell(self.ls, message, kind)
        return {"verdicts": out, "message": message}


_ERROR = types.MessageType.Error


def _scrubbed(verdicts: Sequence[Verdict], url: str | None) -> list[Verdict]:
    """The verdicts without the password, should a database have quoted it."""
    return [
        replace(
            v,
            differences=tuple(scrub(d, url) for d in v.differences),
            error=scrub(v.error, url) if v.error else v.error,
        )
        for v in verdicts
    ]


def _kind(verdict: Verdict) -> types.MessageType:
    if verdict.status == "restored":
        return types.MessageType.Info
    return types.MessageType.Warning if verdict.status in UNVERIFIED else _ERROR


def register(ls: PrismaDownServer) -> None:
    verifier = Verifier(ls)

    @ls.command(VERIFY)
    async def verify_migration(ls: PrismaDownServer, *args: Any) -> dict[str, Any]:
        """Verify one migration's down.sql (argument: its folder, migration.sql or down.sql)."""
        return await verifier.one(args)

    @ls.command(VERIFY_ALL)
    async def verify_all(ls: PrismaDownServer, *args: Any) -> dict[str, Any]:
        """Verify every migration of every migrations folder in the workspace."""
        return await verifier.all()
