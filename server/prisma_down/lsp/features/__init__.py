"""One module per LSP area; each exposes ``register(ls)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from prisma_down.lsp.features import diagnostics, documents

if TYPE_CHECKING:
    from prisma_down.lsp.server import PrismaDownServer

FEATURES: list[Callable[[PrismaDownServer], None]] = [documents.register, diagnostics.register]

for _name in ("code_actions", "code_lens", "hover", "links", "commands", "verify"):
    try:
        _module = __import__(f"prisma_down.lsp.features.{_name}", fromlist=["register"])
    except ModuleNotFoundError as _e:
        if _e.name != f"prisma_down.lsp.features.{_name}":
            raise
        continue
    FEATURES.append(_module.register)
