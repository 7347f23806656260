"""Findings: what rules report, in source terms (path, code-point span, line/column)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prisma_down.core.text import Position, Span

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Related:
    path: Path
    span: Span
    start: Position
    end: Position
    message: str


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    path: Path
    span: Span
    start: Position  # zero-based
    end: Position
    message: str
    migration: str
    related: tuple[Related, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str]:
        return (str(self.path), self.span.start, self.span.end, self.rule)
