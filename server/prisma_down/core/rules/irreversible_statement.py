"""irreversible-statement: a statement nothing can undo (data changes, unknown SQL)."""

from __future__ import annotations

from collections.abc import Iterator

from prisma_down.core.findings import Finding
from prisma_down.core.inverse import Risk
from prisma_down.core.rules.context import MigrationContext, finding

RULE = "irreversible-statement"
SEVERITY = "warning"
SUMMARY = "A statement that down.sql cannot undo: data changes, or SQL prisma-down does not know."


def check(ctx: MigrationContext) -> Iterator[Finding]:
    for step in ctx.up.steps:
        if step.reading.problem is not None:
            continue  # unreadable-statement says it better
        notes = [inv.note for inv in step.inverses if inv.risk is Risk.IRREVERSIBLE]
        if notes:
            yield finding(
                RULE,
                SEVERITY,
                ctx.up_path,
                ctx.up.script.lines,
                step.statement.span,
                f"cannot be undone: {'; '.join(dict.fromkeys(notes))}",
                ctx.migration.name,
            )
