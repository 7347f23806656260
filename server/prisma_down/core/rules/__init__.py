"""Rules: one module each, with a stable kebab-case id used everywhere.

Each rule is a function ``check(ctx) -> Iterable[Finding]`` over one migration's context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prisma_down.core.findings import Finding
from prisma_down.core.rules import (
    down_does_not_restore,
    drop_without_rename,
    irreversible_statement,
    missing_down_sql,
    stale_down_sql,
    unreadable_statement,
)
from prisma_down.core.rules.context import MigrationContext

Rule = Callable[[MigrationContext], Iterable[Finding]]

RULES: dict[str, tuple[Rule, str, str]] = {
    m.RULE: (m.check, m.SEVERITY, m.SUMMARY)
    for m in (
        missing_down_sql,
        drop_without_rename,
        irreversible_statement,
        down_does_not_restore,
        stale_down_sql,
        unreadable_statement,
    )
}

__all__ = ["RULES", "MigrationContext", "Rule"]
