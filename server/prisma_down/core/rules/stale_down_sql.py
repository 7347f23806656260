"""stale-down-sql: down.sql was generated from a migration.sql that has changed since."""

from __future__ import annotations

from collections.abc import Iterator

from prisma_down.core.analysis import sha256
from prisma_down.core.down import read_header
from prisma_down.core.findings import Finding
from prisma_down.core.rules.context import MigrationContext, finding
from prisma_down.core.text import LineIndex, Span

RULE = "stale-down-sql"
SEVERITY = "warning"
SUMMARY = "down.sql was generated from a different migration.sql."


def check(ctx: MigrationContext) -> Iterator[Finding]:
    if ctx.down_text is None:
        return
    header = read_header(ctx.down_text)
    if header is None or header.migration_sha256 == sha256(ctx.up_text):
        return
    start = ctx.down_text.find("-- prisma-down:")
    end = ctx.down_text.find("\n", start)
    span = Span(max(start, 0), end if end != -1 else len(ctx.down_text))
    yield finding(
        RULE,
        SEVERITY,
        ctx.down_path,
        LineIndex(ctx.down_text),
        span,
        "down.sql was generated from a different migration.sql: regenerate it "
        "(or check it by hand if you edited it)",
        ctx.migration.name,
    )
