"""What the language server keeps per migrations folder (a ``Root``) and per analysis of it
(a ``Result``), and the diagnostics of a verify verdict (``Verified``).

Plain records: the ``Session`` (lsp/session.py) owns and updates them; the features read them.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types

from prisma_down.core.analysis import Analyzer
from prisma_down.core.findings import Finding
from prisma_down.core.history import History
from prisma_down.core.lint import ContextMemo, RuleMemo
from prisma_down.core.rules.context import MigrationContext
from prisma_down.core.settings import Settings
from prisma_down.lsp.freshness import Signature
from prisma_down.lsp.hints import InlineHints


@dataclass(frozen=True)
class Result:
    """One analysis of a root, and the document versions it was computed from."""

    contexts: list[MigrationContext]
    findings: dict[Path, list[Finding]]
    texts: dict[Path, str]
    versions: dict[Path, int | None]
    signature: Signature = ()  # the disk as read for it
    settings: Settings | None = None
    baselined: frozenset[str] = frozenset()  # migrations the baseline accepts without down.sql

    def context_for(self, path: Path) -> MigrationContext | None:
        for ctx in self.contexts:
            if path in (ctx.up_path, ctx.down_path):
                return ctx
        return None


@dataclass(frozen=True)
class Verified:
    """The diagnostics of one verify verdict, and the texts it was computed from."""

    up_sha: str
    down_sha: str
    diagnostics: tuple[types.Diagnostic, ...]


@dataclass
class Root:
    directory: Path
    settings: Settings
    history: History | None = None
    signature: Signature = ()
    analyzer: Analyzer = field(default_factory=Analyzer)
    rule_memo: RuleMemo = field(default_factory=dict)
    context_memo: ContextMemo = field(default_factory=dict)
    result: Result | None = None
    task: asyncio.Task[None] | None = None
    dirty: bool = False
    rescan: bool = True
    published: dict[Path, tuple[int | None, tuple[Any, ...]]] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    stop: threading.Event = field(default_factory=threading.Event)  # set: drop the analysis
    unfrozen: bool = False  # a history read, not yet moved out of the collector's reach
    unsupported: str | None = None
    hints: InlineHints = field(default_factory=InlineHints)

    def contains(self, path: Path) -> bool:
        return path.parent.parent == self.directory or path.parent == self.directory
