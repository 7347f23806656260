"""down-does-not-restore: replaying up then down.sql must give back the schema before."""

from __future__ import annotations

from collections.abc import Iterator

from prisma_down.core.compare import differences
from prisma_down.core.findings import Finding
from prisma_down.core.rules.context import MigrationContext, finding, first_statement_span

RULE = "down-does-not-restore"
SEVERITY = "error"
SUMMARY = "down.sql does not bring the schema back to what it was before the migration."


def check(ctx: MigrationContext) -> Iterator[Finding]:
    down = ctx.down
    if down is None or ctx.down_text is None:
        return
    for step in down.steps:
        for problem in step.problems:
            yield finding(
                RULE,
                SEVERITY,
                ctx.down_path,
                down.script.lines,  # a cached property: built once, and only when needed
                step.statement.span,
                f"this statement does not fit the schema the migration left: {problem}",
                ctx.migration.name,
            )
    diffs = differences(ctx.up.before, down.after)
    if diffs:
        span = first_statement_span(down.script.statements)
        shown = diffs[:8] + ([f"and {len(diffs) - 8} more"] if len(diffs) > 8 else [])
        yield finding(
            RULE,
            SEVERITY,
            ctx.down_path,
            down.script.lines,
            span,
            "down.sql does not restore the schema: " + "; ".join(shown),
            ctx.migration.name,
        )
