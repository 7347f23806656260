"""One module per LSP area; each exposes ``register(ls)``, called in this order."""

from __future__ import annotations

from collections.abc import Callable

from prisma_down.lsp.features import (
    adopt,
    code_actions,
    code_lens,
    commands,
    diagnostics,
    documents,
    hover,
    links,
    verify,
)
from prisma_down.lsp.language_server import PrismaDownServer

FEATURES: tuple[Callable[[PrismaDownServer], None], ...] = (
    documents.register,
    diagnostics.register,
    code_actions.register,
    code_lens.register,
    hover.register,
    links.register,
    commands.register,
    verify.register,
    adopt.register,
)
