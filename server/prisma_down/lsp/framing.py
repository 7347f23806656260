"""JSON-RPC framing over a byte stream that survives bad input.

pygls 2 reads a ``Content-Length`` header with a regular expression, then ``read(n)``: a
huge length allocates it all (MemoryError), and a wrong, negative, non-numeric or missing
one leaves it waiting for a header it has already passed, alive but deaf. Here the size is
capped, and after any malformed frame the reader skips to the next line that reads
``Content-Length: <digits>``. Such a line never occurs inside a valid JSON body (a raw line
break is not allowed inside a JSON string, and the words are not JSON outside one), so it
marks the start of the next message, even in the middle of a body that claimed to be longer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Union

# A 20 MB migration opened in the editor is a didOpen of 20-25 MB of JSON; the cap only
# keeps a lying header from allocating the machine's memory.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
MAX_HEADER_LINE = 8 * 1024

_HEADER_START = re.compile(rb"content-length[ \t]{0,8}:[ \t]{0,8}\d{1,20}[ \t]{0,8}\r?\n", re.I)
_LONGEST = 64  # bytes: the longest line _HEADER_START matches
_HEADER = re.compile(rb"([A-Za-z0-9][A-Za-z0-9_.-]*)[ \t]*:(.*)")
_DIGITS = re.compile(rb"\d{1,20}")


@dataclass(frozen=True)
class Message:
    """One well-framed body, decoded from JSON (not yet checked to be JSON-RPC)."""

    data: Any


@dataclass(frozen=True)
class Garbage:
    """Input that was skipped, and why, in one sentence."""

    reason: str


Event = Union[Message, Garbage]  # noqa: UP007 (Python 3.10 cannot alias Message | Garbage)


class Framer:
    """Splits a byte stream into JSON-RPC messages; never raises, never holds more than
    one message (at most ``limit`` bytes) plus one header line."""

    def __init__(self, limit: int = MAX_MESSAGE_BYTES) -> None:
        self.limit = limit
        self._buf = bytearray()
        self._length: int | None = None  # the body being read, once its headers are read
        self._scanned = 0  # how far that body was searched for the next message's header
        self._hunting = False  # skipping to the next Content-Length line
        self._quiet = False  # the bytes being skipped were reported already
        self._in_headers = False
        self._declared: int | None = None
        self._problem: str | None = None

    def feed(self, data: bytes) -> list[Event]:
        """The messages and the skipped garbage that ``data`` completes, in order."""
        self._buf += data
        out: list[Event] = []
        while self._step(out):
            pass
        return out

    def _step(self, out: list[Event]) -> bool:
        if self._hunting:
            return self._hunt()
        if self._length is not None:
            return self._body(out)
        return self._header_line(out)

    def _skip(self, out: list[Event], reason: str) -> bool:
        """Report ``reason`` (unless the bytes were reported already) and hunt."""
        if not self._quiet:
            out.append(Garbage(reason))
        self._quiet = True
        self._hunting = True
        self._in_headers = False
        self._declared = self._problem = None
        return True

    def _hunt(self) -> bool:
        buf = self._buf
        m = _HEADER_START.search(buf)
        if m is None:
            if len(buf) > _LONGEST:  # keep a tail that may begin the header
                del buf[: len(buf) - _LONGEST]
            return False
        del buf[: m.start()]
        self._hunting = False
        return True

    def _header_line(self, out: list[Event]) -> bool:
        buf = self._buf
        end = buf.find(b"\n", 0, MAX_HEADER_LINE + 2)
        if end < 0:
            if len(buf) > MAX_HEADER_LINE:
                return self._skip(out, f"a header line longer than {MAX_HEADER_LINE} bytes")
            return False
        line = bytes(buf[:end]).rstrip(b"\r").strip(b" \t")
        if not line:
            del buf[: end + 1]
            return self._end_headers(out) if self._in_headers else True  # stray blank line
        header = _HEADER.fullmatch(line)
        if header is None:  # a message without headers, or the rest of a body cut short
            return self._skip(out, "input that is not a JSON-RPC header")
        del buf[: end + 1]
        self._in_headers = True
        self._quiet = False
        if header.group(1).lower() == b"content-length":
            value = header.group(2).strip(b" \t")
            if _DIGITS.fullmatch(value) is None:
                shown = value[:40].decode("ascii", "replace")
                self._problem = f"Content-Length {shown!r} is not a number of bytes"
            elif self._declared is not None and self._declared != int(value):
                self._problem = "two different Content-Length headers"
            else:
                self._declared = int(value)
        return True

    def _end_headers(self, out: list[Event]) -> bool:
        problem, length = self._problem, self._declared
        self._in_headers = False
        self._declared = self._problem = None
        if problem is None and length is None:
            problem = "a message without a Content-Length header"
        if problem is None and length is not None and length > self.limit:
            problem = (
                f"a message of {length} bytes, over the limit of {self.limit // (1024 * 1024)} MiB"
            )
        if problem is not None or length is None:
            return self._skip(out, problem or "no Content-Length")
        self._length, self._scanned = length, 0
        return True

    def _body(self, out: list[Event]) -> bool:
        buf, n = self._buf, self._length or 0
        end = min(len(buf), n)
        m = _HEADER_START.search(buf, max(0, self._scanned - _LONGEST), end)
        if m is not None:  # the next message began before this body was complete
            del buf[: m.start()]
            self._length = None
            self._quiet = False
            out.append(Garbage(f"a body shorter than its Content-Length of {n} bytes"))
            return True
        if len(buf) < n:
            self._scanned = len(buf)
            return False
        self._length = None
        try:
            data = json.loads(bytes(buf[:n]))
        except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
            # Hunt from the body's start: the next header may begin inside it (a length
            # too large, the header cut at the end) or after it (too small).
            return self._skip(out, f"a body that is not JSON ({type(e).__name__}: {e})"[:300])
        del buf[:n]
        self._quiet = False
        out.append(Message(data))
        return True
