"""The language server: a PrismaDownServer with every feature registered, and its runner.

Each module under ``features/`` registers the handlers of one LSP area. The server class
lives in ``language_server.py``: the features import it from there, so nothing they import
leads back here.
"""

from __future__ import annotations

import logging

from prisma_down.lsp.features import FEATURES
from prisma_down.lsp.language_server import PrismaDownServer

__all__ = ["PrismaDownServer", "create_server", "run"]


def create_server() -> PrismaDownServer:
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
