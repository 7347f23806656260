"""What a rule sees of one migration, and a helper to report in source terms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from prisma_down.core.analysis import ScriptAnalysis
from prisma_down.core.findings import Finding, Related
from prisma_down.core.history import Migration
from prisma_down.core.statements import Statement
from prisma_down.core.text import LineIndex, Span


@dataclass(frozen=True)
class Origin:
    """Where an object was created: a migration's file and the statement's span."""

    migration: str
    path: Path
    span: Span
    lines: LineIndex


OriginKey = tuple[str, ...]  # ("table", name) / ("column", table, name)
# a context's origins: where each table and column was last created, as seen from its
# migration (``lint.analyse_history`` keeps one persistent map per migration)


@dataclass(frozen=True)
class MigrationContext:
    migration: Migration
    up_text: str
    up: ScriptAnalysis
    down_text: str | None  # the down.sql on disk (or in the editor), if any
    down: ScriptAnalysis | None  # that down.sql replayed over the catalog up left
    origins: Mapping[OriginKey, Origin]
    archive_suffix: str = "_archived"
    up_path: Path = field(default=Path())
    down_path: Path = field(default=Path())

    def __post_init__(self) -> None:
        if self.up_path == Path():  # built by hand (tests): derive the file paths
            object.__setattr__(self, "up_path", self.migration.directory / "migration.sql")
            object.__setattr__(self, "down_path", self.migration.directory / "down.sql")


def finding(
    rule: str,
    severity: str,
    path: Path,
    lines: LineIndex,
    span: Span,
    message: str,
    migration: str,
    related: tuple[Related, ...] = (),
) -> Finding:
    return Finding(
        rule,
        severity,
        path,
        span,
        lines.position(span.start),
        lines.position(span.end),
        message,
        migration,
        related,
    )


def related(origin: Origin, message: str) -> Related:
    return Related(
        origin.path,
        origin.span,
        origin.lines.position(origin.span.start),
        origin.lines.position(origin.span.end),
        message,
    )


def first_statement_span(statements: tuple[Statement, ...]) -> Span:
    if not statements:
        return Span(0, 0)
    return statements[0].span
