"""missing-down-sql: a migration with no down.sql beside it cannot be rolled back."""

from __future__ import annotations

from collections.abc import Iterator

from prisma_down.core.findings import Finding
from prisma_down.core.rules.context import MigrationContext, finding, first_statement_span

RULE = "missing-down-sql"
SEVERITY = "warning"
SUMMARY = "The migration has no down.sql, so it cannot be rolled back."


def check(ctx: MigrationContext) -> Iterator[Finding]:
    if ctx.down_text is not None:
        return
    span = first_statement_span(ctx.up.script.statements)
    yield finding(
        RULE,
        SEVERITY,
        ctx.up_path,
        ctx.up.script.lines,
        span,
        f"{ctx.migration.name} has no down.sql: generate one to be able to roll it back",
        ctx.migration.name,
    )
