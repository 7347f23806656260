"""What a rule sees of one migration, and a helper to report in source terms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from prisma_down.core.analysis import ScriptAnalysis, replay
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
    """One migration as the rules see it.

    ``vouched``: the down.sql carries generate's verdict for exactly this history and text
    (``core.down.vouches``): it was replayed when written and adds no finding, so it is not
    replayed again; the rules read it as text only (``unreplayed``), and ``down`` replays it
    on first use for whoever needs its statements (the language server's links, lenses).
    """

    migration: Migration
    up_text: str
    up: ScriptAnalysis
    down_text: str | None  # the down.sql on disk (or in the editor), if any
    replayed: ScriptAnalysis | None  # that down.sql replayed (None: absent, or vouched)
    origins: Mapping[OriginKey, Origin]
    archive_suffix: str = "_archived"
    up_path: Path = field(default=Path())
    down_path: Path = field(default=Path())
    vouched: bool = False
    chain: str = ""  # the history's chain hash up to and with this migration (Analyzer.chain)
    chain_before: str = ""  # ... up to the migration before it (the dialect's name: none)

    def __post_init__(self) -> None:
        if self.up_path == Path():  # built by hand (tests): derive the file paths
            object.__setattr__(self, "up_path", self.migration.directory / "migration.sql")
            object.__setattr__(self, "down_path", self.migration.directory / "down.sql")

    @cached_property
    def down(self) -> ScriptAnalysis | None:
        """The down.sql replayed over the catalog the migration left (None: no down.sql)."""
        if self.replayed is not None or not self.vouched or self.down_text is None:
            return self.replayed
        after = self.up.after
        return replay(self.down_text, after.dialect, after, inverses=False)

    def unreplayed(self) -> MigrationContext:
        """This migration with its down.sql as text only, not replayed: what the rules see of
        a vouched file, whose replay adds nothing to their findings."""
        return replace(self, replayed=None, vouched=False)


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
