"""The pygls LanguageServer carrying one Session.

It lives apart from ``server.py``, which registers the features: a feature module imports
this class, and nothing here imports a feature, so the two never import each other.
"""

from __future__ import annotations

from pygls.lsp.server import LanguageServer

from prisma_down import __version__
from prisma_down.lsp.session import Session


class PrismaDownServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("prisma-down", __version__)
        self.session = Session(self)
