"""Hover: what undoes an up statement and at what risk; what a down.sql statement undoes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from prisma_down.core.analysis import Step
from prisma_down.core.inverse import Risk
from prisma_down.core.rules.context import MigrationContext
from prisma_down.lsp.features.links import (
    inverse_sql,
    line_of,
    place_of,
    step_at,
    undone_step,
)

if TYPE_CHECKING:
    from prisma_down.lsp.language_server import PrismaDownServer

_RISK = {
    Risk.EXACT: "down.sql restores it exactly",
    Risk.LOSES_DATA: "undoing it loses data",
    Risk.IRREVERSIBLE: "nothing can undo it",
}


def risk_lines(step: Step) -> list[str]:
    """The step's risk in words, then the note of every inverse that has one."""
    out = [f"**{step.risk.value}**: {_RISK[step.risk]}"]
    seen = set()
    for inv in step.inverses:
        if inv.note and inv.note not in seen:
            seen.add(inv.note)
            out.append(f"- {inv.risk.value}: {inv.note}")
    return out


def up_hover(ctx: MigrationContext, step: Step) -> str:
    """An up statement: the SQL that undoes it, and its risk."""
    sql = inverse_sql(ctx, step)
    parts = ["**prisma-down** · undo"]
    if sql:
        parts.append("```sql\n" + "\n".join(sql) + "\n```")
    elif step.risk is Risk.EXACT:
        parts.append("Nothing to undo.")
    else:
        parts.append("No SQL can undo this statement.")
    parts.append("\n".join(risk_lines(step)))
    if step.problems:
        parts.append("Does not fit the schema: " + "; ".join(step.problems))
    return "\n\n".join(parts)


def down_hover(ctx: MigrationContext, step: Step) -> str:
    """A down.sql statement: the up statement it undoes."""
    line = line_of(ctx.up.script, step.statement.span.start)
    return "\n\n".join(
        [
            f"**prisma-down** · undoes line {line} of `{ctx.migration.name}/migration.sql`",
            "```sql\n" + step.statement.text.strip() + ";\n```",
            "\n".join(risk_lines(step)),
        ]
    )


def plain(markdown: str) -> str:
    return markdown.replace("```sql\n", "").replace("\n```", "").replace("**", "").replace("`", "")


def register(ls: PrismaDownServer) -> None:
    @ls.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: PrismaDownServer, params: types.HoverParams) -> types.Hover | None:
        place = await place_of(ls, params.text_document.uri, params.position)
        if place is None:
            return None
        if place.in_down:
            step = undone_step(place.ctx, place.offset)
            if step is None:
                return None  # hand-written down.sql that matches no inverse: nothing to say
            text = down_hover(place.ctx, step)
            here = step_at(place.ctx.down, place.offset)
        else:
            step = here = step_at(place.ctx.up, place.offset)
            if step is None:
                return None
            text = up_hover(place.ctx, step)
        caps = ls.client_capabilities.text_document
        formats = (caps and caps.hover and caps.hover.content_format) or []
        markdown = not formats or types.MarkupKind.Markdown in formats
        content = types.MarkupContent(
            kind=types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText,
            value=text if markdown else plain(text),
        )
        rng = place.conv.range(here.statement.span) if here is not None else None
        return types.Hover(contents=content, range=rng)
