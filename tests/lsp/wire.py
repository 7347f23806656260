"""A raw JSON-RPC client over the server's real stdio, for what pytest-lsp cannot send:
malformed frames, invalid params, and timing the process's end."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

SERVER = [sys.executable, "-m", "prisma_down.cli", "lsp"]


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Wire:
    """One server process; messages it sends are queued by a reader thread, and requests
    it makes (registerCapability, configuration, …) are answered with null."""

    def __init__(self, cwd: Path, answer: dict[str, Any] | None = None) -> None:
        self.process = subprocess.Popen(
            SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd
        )
        self.answer = answer or {}  # method → the result to answer the server's request with
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.stderr = b""
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr += line

    def _read(self) -> None:
        out: BinaryIO = self.process.stdout  # type: ignore[assignment]
        while True:
            length = None
            line = out.readline()
            while line.strip():
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
                line = out.readline()
            if not line or length is None:
                self.inbox.put(None)
                return
            message = json.loads(out.read(length))
            if "method" in message and "id" in message:  # a request from the server
                result = self.answer.get(message["method"])
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})
            self.inbox.put(message)

    def write(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.write(frame(message))

    def request(self, msg_id: int, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, test: Any, timeout: float) -> dict[str, Any] | None:
        """The first message (seen before or arriving within ``timeout``) ``test`` accepts."""
        for message in self.seen:
            if test(message):
                return message
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            try:
                message = self.inbox.get(timeout=left)
            except queue.Empty:
                return None
            if message is None:
                return None  # the server closed its stdout: it died
            self.seen.append(message)
            if test(message):
                return message
        return None

    def response(self, msg_id: Any, timeout: float = 10) -> dict[str, Any] | None:
        return self.wait(lambda m: m.get("id") == msg_id and "method" not in m, timeout)

    def initialize(self, folder: Path, capabilities: dict[str, Any] | None = None) -> None:
        self.request(
            0,
            "initialize",
            {
                "processId": None,
                "rootUri": folder.as_uri(),
                "capabilities": capabilities or {},
                "workspaceFolders": [{"uri": folder.as_uri(), "name": folder.name}],
            },
        )
        assert self.response(0, 30) is not None, self.stderr.decode(errors="replace")
        self.notify("initialized", {})

    def diagnostics(self, uri: str, test: Any, timeout: float) -> dict[str, Any] | None:
        def wanted(m: dict[str, Any]) -> bool:
            return (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and test(m["params"])
            )

        return self.wait(wanted, timeout)

    def alive_after(self, seconds: float) -> bool:
        try:
            self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            return True
        return False

    def close(self) -> None:
        """Shut the server down; kill it if it will not go."""
        if self.process.poll() is None:
            try:
                self.request(999_999, "shutdown")
                self.notify("exit")
                self.process.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
