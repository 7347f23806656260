"""The pygls LanguageServer carrying one Session, with a transport that survives bad input.

pygls 2 frames stdio with an unbounded ``readline``/``read(n)`` and decodes each message
with an ``object_hook`` that raises on invalid params, so a request whose params do not
validate is logged and never answered. Here ``start_io``/``start_tcp`` read through
:class:`~prisma_down.lsp.framing.Framer`, and :meth:`Protocol.receive` answers every
request it cannot dispatch: -32700 for what is not JSON (id null), -32600 for what is not a
JSON-RPC request, -32602 with the request's id for params that do not validate.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import sys
import threading
from typing import Any, BinaryIO

from cattrs import transform_error
from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
)
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from prisma_down import __version__
from prisma_down.lsp.framing import Event, Framer, Garbage
from prisma_down.lsp.session import Session

log = logging.getLogger(__name__)
CHUNK = 1 << 16


def _valid_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


class Protocol(LanguageServerProtocol):
    """pygls' protocol, fed whole decoded messages by our reader instead of its own."""

    def reject(self, msg_id: Any, error: type[JsonRpcException], message: str) -> None:
        """Answer ``msg_id`` (None when there is no valid one) with an error."""
        log.warning("%s", message)
        # A plain object: lsprotocol's ResponseErrorMessage leaves out an id of None, and
        # JSON-RPC requires "id": null when the id could not be read.
        self._send_data(
            {
                "jsonrpc": "2.0",
                "id": msg_id if _valid_id(msg_id) else None,
                "error": {"code": error.CODE, "message": f"prisma-down: {message}"},
            }
        )

    def receive(self, event: Event) -> None:
        """Dispatch one framed message; every request gets an answer."""
        if isinstance(event, Garbage):
            self.reject(None, JsonRpcParseError, f"skipped {event.reason}")
            return
        data = event.data
        if not isinstance(data, dict) or data.get("jsonrpc") != "2.0":
            msg_id = data.get("id") if isinstance(data, dict) else None
            self.reject(msg_id, JsonRpcInvalidRequest, "not a JSON-RPC 2.0 message object")
            return
        method = data.get("method")
        is_request = "id" in data and method is not None
        if is_request and not (_valid_id(data["id"]) and isinstance(method, str)):
            self.reject(None, JsonRpcInvalidRequest, "a request id must be a number or a string")
            return
        if is_request and self._shutdown and method != types.EXIT:
            self.reject(data["id"], JsonRpcInvalidRequest, f"{method}: the server is shutting down")
            return
        try:
            message = self.structure_message(data)
        except JsonRpcException as e:
            self._invalid(data, e)
            return
        try:
            self.handle_message(message)
        except Exception:  # pygls answers what its handlers raise; this is its own failure
            log.exception("could not handle %s", method or "a response")

    def _invalid(self, data: dict[str, Any], error: JsonRpcException) -> None:
        """A message whose params (or result) did not fit the types of its method."""
        cause = error.__cause__
        details = "; ".join(transform_error(cause)[:3]) if cause is not None else str(error)
        method = data.get("method")
        if method is None:  # the client's answer to one of our requests: fail it, not hang
            future = self._request_futures.pop(data.get("id"), None)  # type: ignore[arg-type]
            log.warning("an invalid response to request %r: %s", data.get("id"), details)
            if future is not None and not future.done():
                future.set_exception(JsonRpcInvalidParams(f"invalid response: {details}"))
        elif "id" in data:
            self.reject(data["id"], JsonRpcInvalidParams, f"invalid params for {method}: {details}")
        else:
            log.warning("ignored the notification %s: invalid params: %s", method, details)


class PrismaDownServer(LanguageServer):
    protocol: Protocol

    def __init__(self) -> None:
        super().__init__("prisma-down", __version__, protocol_cls=Protocol)
        self.session = Session(self)

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve over stdio until ``exit`` or the end of stdin, then leave at once."""
        stdin = stdin or sys.stdin.buffer
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(self._serve_stdin(stdin))
        except BrokenPipeError:
            log.error("the client is gone: stopping")
        except (KeyboardInterrupt, SystemExit):
            pass
        self.leave(0 if self.protocol._shutdown else 1)

    async def _serve_stdin(self, stdin: BinaryIO) -> None:
        """Frame stdin in a daemon thread (a blocking read never holds up the exit); the
        loop only dispatches."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        read = getattr(stdin, "read1", stdin.read)

        def pump() -> None:
            framer = Framer()
            try:
                while chunk := read(CHUNK):
                    for event in framer.feed(chunk):
                        loop.call_soon_threadsafe(queue.put_nowait, event)
            except (OSError, ValueError) as e:  # stdin closed under us
                log.error("cannot read stdin: %s", e)
            finally:
                with contextlib.suppress(RuntimeError):  # the loop is closed already
                    loop.call_soon_threadsafe(queue.put_nowait, None)

        threading.Thread(target=pump, name="stdin", daemon=True).start()
        while (event := await queue.get()) is not None:
            self.protocol.receive(event)

    def start_tcp(self, host: str, port: int) -> None:
        """Serve one client at a time over TCP, through the same framing as stdio."""

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.protocol.set_writer(writer)
            framer = Framer()
            while chunk := await reader.read(CHUNK):
                for event in framer.feed(chunk):
                    self.protocol.receive(event)
            self.leave(0 if self.protocol._shutdown else 1)

        async def serve() -> None:
            server = await asyncio.start_server(connection, host, port)
            async with server:
                await server.serve_forever()

        asyncio.run(serve())

    def leave(self, code: int) -> None:
        """End the process now, even with an analysis or a verify busy in a worker thread.

        Python's own exit would wait for those threads. What must happen before leaving
        happens here: answers flushed, the throwaway database servers a verify started
        stopped (``verify/`` registers their ``stop`` with atexit).
        """
        self.session.close()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        try:
            atexit._run_exitfuncs()
        finally:
            os._exit(code)
