"""unreadable-statement: SQL that cannot be read, or a file that is not text."""

from __future__ import annotations

from collections.abc import Iterator

from prisma_down.core.findings import Finding
from prisma_down.core.rules.context import MigrationContext, finding
from prisma_down.core.text import LineIndex, Span

RULE = "unreadable-statement"
SEVERITY = "error"
SUMMARY = "A statement (or a whole file) prisma-down cannot read."


def check(ctx: MigrationContext) -> Iterator[Finding]:
    m = ctx.migration
    for source, path in ((m.up, ctx.up_path), (m.down, ctx.down_path)):
        if source is not None and source.error is not None:
            yield finding(
                RULE,
                SEVERITY,
                path,
                LineIndex(""),
                Span(0, 0),
                f"cannot read {path.name}: {source.error}",
                m.name,
            )
    for analysis, path in ((ctx.up, ctx.up_path), (ctx.down, ctx.down_path)):
        if analysis is None:
            continue
        unterminated = analysis.script.unterminated
        if unterminated is not None:
            yield finding(
                RULE,
                SEVERITY,
                path,
                analysis.script.lines,
                unterminated,
                "a quote or comment opened here is never closed",
                m.name,
            )
        for step in analysis.steps:
            if step.reading.problem is not None:
                yield finding(
                    RULE,
                    SEVERITY,
                    path,
                    analysis.script.lines,
                    step.statement.span,
                    f"cannot read this statement: {step.reading.problem}",
                    m.name,
                )
