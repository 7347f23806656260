"""Navigation: go to definition, document links, and the ``prismaDown.showMigration`` command.

- definition on a table or column name → the statement of the migration that created it
  (the history's origins); on any other part of a migration.sql statement → the block of
  down.sql that undoes it;
- document links on down.sql's ``-- Undo line N:`` comments → ``migration.sql#LN``.

The helpers that map a position to a statement, and an up statement to its down.sql block,
live here too: hover and code lens use them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import to_fs_path

from prisma_down.core.analysis import ScriptAnalysis, Step
from prisma_down.core.render import render
from prisma_down.core.rules.context import MigrationContext, Origin
from prisma_down.core.statements import Comment, Script
from prisma_down.core.text import Span
from prisma_down.lsp.convert import Converter, uri
from prisma_down.lsp.roots import Result

if TYPE_CHECKING:
    from prisma_down.lsp.language_server import PrismaDownServer

SHOW_MIGRATION = "prismaDown.showMigration"
SHOW_DOWN = "prismaDown.showDownSql"
UNDO = re.compile(r"^--\s*Undo line (\d+)\b")
# Quoted identifiers, strings and comments first, so that words inside them are skipped.
_TOKEN = re.compile(
    r'"(?:[^"]|"")*"?|\'(?:[^\']|\'\')*\'?|--[^\n]*|/\*.*?(?:\*/|\Z)|[A-Za-z_][A-Za-z0-9_$]*|\S',
    re.S,
)


def path_of(doc_uri: str) -> Path:
    return Path(to_fs_path(doc_uri) or "")


@dataclass(frozen=True)
class Place:
    """Where a request points: the analysis, the migration, the file and the offset in it."""

    result: Result
    ctx: MigrationContext
    path: Path
    text: str
    conv: Converter
    offset: int

    @property
    def in_down(self) -> bool:
        return self.path == self.ctx.down_path

    @property
    def script(self) -> ScriptAnalysis | None:
        return self.ctx.down if self.in_down else self.ctx.up


async def context_of(ls: PrismaDownServer, doc_uri: str) -> tuple[Result, MigrationContext] | None:
    """The latest analysis of the migration ``doc_uri`` belongs to, once it is current."""
    return await ls.session.context_of(path_of(doc_uri))


async def place_of(
    ls: PrismaDownServer, doc_uri: str, position: types.Position | None = None
) -> Place | None:
    found = await context_of(ls, doc_uri)
    if found is None:
        return None
    result, ctx = found
    path = path_of(doc_uri)
    text = ctx.up_text if path == ctx.up_path else ctx.down_text
    if text is None:
        return None
    conv = Converter(text, ls.session.encoding())
    offset = conv.offset(position) if position is not None else 0
    return Place(result, ctx, path, text, conv, offset)


# -- statements and the blocks of down.sql


def step_at(analysis: ScriptAnalysis | None, offset: int) -> Step | None:
    """The step whose statement covers ``offset`` (its ``;`` included)."""
    if analysis is None:
        return None
    for step in analysis.steps:
        span = step.statement.span
        if span.start <= offset <= span.end:
            return step
    return None


def line_of(script: Script, offset: int) -> int:
    """1-based, as written in ``-- Undo line N``."""
    return script.lines.position(offset).line + 1


def undo_comments(script: Script) -> Iterator[tuple[Comment, int]]:
    for comment in script.comments:
        m = UNDO.match(comment.text)
        if m:
            yield comment, int(m.group(1))


def up_step_for_line(ctx: MigrationContext, line: int) -> Step | None:
    for step in ctx.up.steps:
        if line_of(ctx.up.script, step.statement.span.start) == line:
            return step
    return None


def normalise(sql: str) -> str:
    return " ".join(sql.split()).rstrip(";").strip()


def inverse_sql(ctx: MigrationContext, step: Step) -> list[str]:
    """The statements that undo ``step``, in the order down.sql runs them."""
    out = []
    for inv in reversed(step.inverses):
        for change in inv.changes:
            try:
                out.append(render(change, ctx.up.before.dialect) + ";")
            except Exception as e:  # a renderer gap must not take a request down
                out.append(f"-- cannot render {type(change).__name__}: {e}")
    return out


def undone_step(ctx: MigrationContext, offset: int) -> Step | None:
    """The up step a place in down.sql undoes.

    Generated files say so in their ``-- Undo line N`` comments (the nearest one before the
    place); for a hand-written statement, the up step whose rendered inverse it matches.
    """
    if ctx.down is None:
        return None
    script = ctx.down.script
    here = step_at(ctx.down, offset)
    start = here.statement.span.start if here is not None else offset
    in_comment = any(c.span.start <= offset <= c.span.end for c, _ in undo_comments(script))
    if here is None and not in_comment:
        return None
    nearest = None
    for comment, line in undo_comments(script):
        if comment.span.start <= start:
            nearest = line
    if nearest is not None:
        return up_step_for_line(ctx, nearest)
    if here is None:
        return None
    wanted = normalise(here.statement.text)
    for step in ctx.up.steps:
        if wanted in {normalise(sql) for sql in inverse_sql(ctx, step)}:
            return step
    return None


def down_block(ctx: MigrationContext, step: Step) -> Span | None:
    """The span of down.sql that undoes ``step``: its Undo comment through its statements."""
    if ctx.down is None or ctx.down_text is None:
        return None
    line = line_of(ctx.up.script, step.statement.span.start)
    marks = list(undo_comments(ctx.down.script))
    for i, (comment, n) in enumerate(marks):
        if n != line:
            continue
        stop = marks[i + 1][0].span.start if i + 1 < len(marks) else len(ctx.down_text)
        end = comment.span.end
        for st in ctx.down.script.statements:
            if comment.span.start <= st.span.start < stop:
                end = max(end, st.span.end)
        return Span(comment.span.start, end)
    # hand-written: the first statement that is one of this step's inverses, as rendered
    wanted = {normalise(sql) for sql in inverse_sql(ctx, step)}
    for st in ctx.down.script.statements:
        if normalise(st.text) in wanted:
            return st.span
    return None


# -- names


@dataclass(frozen=True)
class Name:
    name: str  # as the database sees it (bare words folded to lower case)
    span: Span
    schema: str | None = None


def names(text: str, base: int = 0) -> list[Name]:
    """Identifiers in ``text`` (quoted or bare), skipping strings and comments."""
    out: list[Name] = []
    prev: list[tuple[str, str]] = []  # (kind, value) of the last two tokens
    for m in _TOKEN.finditer(text):
        tok = m.group()
        span = Span(base + m.start(), base + m.end())
        if tok.startswith('"'):
            value = tok[1:-1] if len(tok) > 1 and tok.endswith('"') else tok[1:]
            kind, value = "name", value.replace('""', '"')
        elif tok[0].isalpha() or tok[0] == "_":
            kind, value = "name", tok.lower()
        elif tok.startswith(("'", "--", "/*")):
            kind, value = "skip", tok
        else:
            kind, value = "punct", tok
        if kind == "name":
            schema = prev[-2][1] if len(prev) == 2 and prev[-1] == ("punct", ".") else None
            if schema is not None and prev[-2][0] != "name":
                schema = None
            out.append(Name(value, span, schema))
        if kind != "skip":
            prev = [*prev[-1:], (kind, value)]
    return out


def origin_at(place: Place) -> Origin | None:
    """The origin of the table or column named at the place, if it is a known one."""
    origins = place.ctx.origins
    step = step_at(place.script, place.offset)
    if step is not None:
        span = step.statement.span
        found = names(place.text[span.start : span.end], span.start)
    else:  # between statements: just the line
        lines = place.conv.lines
        start = lines.line_start(lines.position(place.offset).line)
        end = place.text.find("\n", start)
        found = names(place.text[start : end if end != -1 else len(place.text)], start)
    target = next((n for n in found if n.span.start <= place.offset <= n.span.end), None)
    if target is None:
        return None

    def table_key(n: Name) -> tuple[str, str] | None:
        for key in (f"{n.schema}.{n.name}" if n.schema else None, n.name):
            if key is not None and ("table", key) in origins:
                return ("table", key)
        return None

    key = table_key(target)
    if key is not None:
        return origins[key]
    tables = [(n, k[1]) for n in found if n is not target and (k := table_key(n))]
    before = [t for n, t in tables if n.span.start < target.span.start]
    for table in [*reversed(before), *(t for _, t in tables)]:
        hit = origins.get(("column", table, target.name))
        if hit is not None:
            return hit
    columns = [o for k, o in origins.items() if k[0] == "column" and k[2] == target.name]
    return columns[0] if len(columns) == 1 else None


def location(result: Result, origin: Origin, encoding: str) -> types.Location:
    text = result.texts.get(origin.path, "")
    return types.Location(uri(origin.path), Converter(text, encoding).range(origin.span))


def register(ls: PrismaDownServer) -> None:
    session = ls.session

    @ls.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(
        ls: PrismaDownServer, params: types.DefinitionParams
    ) -> list[types.Location] | None:
        place = await place_of(ls, params.text_document.uri, params.position)
        if place is None:
            return None
        origin = origin_at(place)
        step = None if place.in_down else step_at(place.ctx.up, place.offset)
        itself = (
            origin is not None
            and step is not None
            and origin.path == place.path
            and origin.span == step.statement.span
        )
        if origin is not None and not (itself and place.ctx.down is not None):
            return [location(place.result, origin, session.encoding())]
        if step is None or place.ctx.down_text is None:
            return None
        block = down_block(place.ctx, step)
        if block is None:
            return None
        conv = Converter(place.ctx.down_text, session.encoding())
        return [types.Location(uri(place.ctx.down_path), conv.range(block))]

    @ls.feature(types.TEXT_DOCUMENT_DOCUMENT_LINK, types.DocumentLinkOptions())
    def document_link(
        ls: PrismaDownServer, params: types.DocumentLinkParams
    ) -> list[types.DocumentLink] | None:
        path = path_of(params.text_document.uri)
        if path.name != "down.sql":
            return None
        # Links need only this text: the current buffer, no analysis to wait for.
        text = ls.workspace.get_text_document(params.text_document.uri).source
        up = uri(path.parent / "migration.sql")
        conv = Converter(text, session.encoding())
        caps = ls.client_capabilities.text_document
        tooltips = bool(caps and caps.document_link and caps.document_link.tooltip_support)
        out = []
        for m in re.finditer(r"^--\s*Undo (line (\d+))\b", text, re.M):
            rng = conv.range(Span(m.start(1), m.end(1)))
            out.append(
                types.DocumentLink(
                    rng,
                    target=f"{up}#L{m.group(2)}",
                    tooltip="Show the statement it undoes" if tooltips else None,
                )
            )
        return out

    async def show(args: tuple[Any, ...], name: str) -> bool:
        """Ask the client to open ``name`` beside the file the argument names."""
        target = args[0] if args else None
        if isinstance(target, dict):
            target = target.get("uri")
        if not isinstance(target, str):
            session.log(f"show {name} needs a file uri, got {target!r}")
            return False
        wanted = path_of(target).parent / name
        caps = ls.client_capabilities
        if not (caps.window and caps.window.show_document and caps.window.show_document.support):
            session.log(f"open {wanted} (this client cannot be asked to show it)")
            return False
        got = await ls.window_show_document_async(
            types.ShowDocumentParams(uri=uri(wanted), take_focus=True)
        )
        return bool(got and got.success)

    # pygls reads command signatures with typing.get_type_hints: keep them resolvable at
    # run time (no ``ls`` parameter annotated with a TYPE_CHECKING-only class).
    @ls.command(SHOW_MIGRATION)
    async def show_migration(*args: Any) -> bool:
        """Open the migration.sql of a migration (the argument: its down.sql or migration.sql)."""
        return await show(args, "migration.sql")

    @ls.command(SHOW_DOWN)
    async def show_down(*args: Any) -> bool:
        """Open the down.sql of a migration (the argument: its migration.sql or down.sql)."""
        return await show(args, "down.sql")
