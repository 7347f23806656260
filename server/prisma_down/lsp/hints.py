"""The language server's hints at inline ``prisma-down-ignore`` comments added to committed
migrations (``inline_ignores``), memoised: a file is looked at again only when its text
changes, git asked again only when the disk or the set of files with comments does."""

from __future__ import annotations

from pathlib import Path

from prisma_down.core.findings import Finding
from prisma_down.core.rules.context import MigrationContext
from prisma_down.core.text import Position, Span
from prisma_down.inline_ignores import (
    HINT_RULE,
    InlineIgnore,
    added_since_commit,
    first_versions,
    hint,
    inline_ignores,
)
from prisma_down.inline_ignores import position as offset_position
from prisma_down.lsp.freshness import Signature


class InlineHints:
    def __init__(self) -> None:
        self.memo: dict[Path, tuple[str, list[InlineIgnore]]] = {}
        self.git: tuple[Signature, frozenset[str], dict[str, str]] | None = None

    def findings(
        self, directory: Path, signature: Signature, contexts: list[MigrationContext]
    ) -> list[Finding]:
        found: list[tuple[MigrationContext, list[InlineIgnore]]] = []
        for ctx in contexts:
            hit = self.memo.get(ctx.up_path)
            if hit is None or hit[0] is not ctx.up_text:
                hit = (ctx.up_text, inline_ignores(ctx.up_text))
                self.memo[ctx.up_path] = hit
            if hit[1]:
                found.append((ctx, hit[1]))
        if not found:
            return []
        names = frozenset(ctx.migration.name for ctx, _ in found)
        if self.git is None or self.git[0] != signature or self.git[1] != names:
            self.git = (signature, names, first_versions(directory, names))
        out = []
        for ctx, _ in found:
            name = ctx.migration.name
            first = self.git[2].get(name)
            if first is None:
                continue
            for c in added_since_commit(ctx.up_text, first):
                start = Position(*offset_position(ctx.up_text, c.start))
                end = Position(*offset_position(ctx.up_text, c.end))
                message = hint(name, c.rules)
                out.append(
                    Finding(HINT_RULE, "hint", ctx.up_path, Span(c.start, c.end), start, end,
                            message, name)
                )  # fmt: skip
        return out
