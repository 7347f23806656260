"""Spans and line indexes over source text, in code points.

Offsets count Python string characters (code points). Converting to the client's
position encoding (UTF-16 by default) is the LSP adapter's business.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Span:
    """A half-open range ``[start, end)`` of code-point offsets into one text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} before start {self.start}")

    def slice(self, text: str) -> str:
        return text[self.start : self.end]

    def contains(self, offset: int) -> bool:
        return self.start <= offset < self.end


@dataclass(frozen=True)
class Position:
    """A zero-based line and code-point column."""

    line: int
    column: int


class LineIndex:
    """Maps offsets to (line, column) and back for one text."""

    __slots__ = ("_length", "_starts")

    def __init__(self, text: str) -> None:
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self._starts = starts
        self._length = len(text)

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def position(self, offset: int) -> Position:
        offset = max(0, min(offset, self._length))
        line = bisect.bisect_right(self._starts, offset) - 1
        return Position(line, offset - self._starts[line])

    def offset(self, position: Position) -> int:
        if position.line >= len(self._starts):
            return self._length
        start = self._starts[max(position.line, 0)]
        end = (
            self._starts[position.line + 1] - 1
            if position.line + 1 < len(self._starts)
            else self._length
        )
        return min(start + max(position.column, 0), end)

    def line_start(self, line: int) -> int:
        return self._starts[max(0, min(line, len(self._starts) - 1))]
