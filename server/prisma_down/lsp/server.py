"""The language server: a pygls LanguageServer carrying one Session, and its features.

Each module under ``features/`` registers the handlers of one LSP area.
"""

from __future__ import annotations

import logging

from pygls.lsp.server import LanguageServer

from prisma_down import __version__
from prisma_down.lsp.session import Session


class PrismaDownServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("prisma-down", __version__)
        self.session = Session(self)


def create_server() -> PrismaDownServer:
    from prisma_down.lsp.features import FEATURES

    ls = PrismaDownServer()
    for register in FEATURES:
        register(ls)
    return ls


def run(tcp: bool = False, port: int = 2087) -> None:
    logging.basicConfig(level=logging.WARNING)  # to stderr: stdout belongs to the protocol
    ls = create_server()
    if tcp:
        ls.start_tcp("127.0.0.1", port)
    else:
        ls.start_io()
