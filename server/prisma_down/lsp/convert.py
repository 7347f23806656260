"""The one place a Finding becomes an LSP Diagnostic, and code points become client units."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from prisma_down.core.findings import Finding
from prisma_down.core.text import LineIndex, Position, Span

DOCS = "https://github.com/prisma-down/prisma-down/blob/main/README.md#"
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


def uri(path: Path) -> str:
    return path.resolve().as_uri() if not path.is_absolute() else path.as_uri()


def client_column(line: str, column: int, encoding: str) -> int:
    """A code-point column as the client counts: UTF-16 units by default, or UTF-8/32."""
    head = line[:column]
    if encoding == types.PositionEncodingKind.Utf32:
        return len(head)
    if encoding == types.PositionEncodingKind.Utf8:
        return len(head.encode("utf-8", "surrogatepass"))
    return len(head) + sum(1 for ch in head if ord(ch) > 0xFFFF)


def server_column(line: str, units: int, encoding: str) -> int:
    """The inverse of client_column: client units on ``line`` → a code-point column."""
    if encoding == types.PositionEncodingKind.Utf32:
        return min(units, len(line))
    count = 0
    for i, ch in enumerate(line):
        if count >= units:
            return i
        if encoding == types.PositionEncodingKind.Utf8:
            count += len(ch.encode("utf-8", "surrogatepass"))
        else:
            count += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


class Converter:
    """Positions of one text in the client's encoding."""

    def __init__(self, text: str, encoding: str) -> None:
        self.text = text
        self.lines = LineIndex(text)
        self.encoding = encoding

    def _line(self, n: int) -> str:
        start = self.lines.line_start(n)
        end = self.text.find("\n", start)
        return self.text[start : end if end != -1 else len(self.text)].rstrip("\r")

    def position(self, p: Position) -> types.Position:
        return types.Position(p.line, client_column(self._line(p.line), p.column, self.encoding))

    def range(self, span: Span) -> types.Range:
        return types.Range(
            self.position(self.lines.position(span.start)),
            self.position(self.lines.position(span.end)),
        )

    def offset(self, pos: types.Position) -> int:
        line = self._line(pos.line)
        col = server_column(line, pos.character, self.encoding)
        return self.lines.offset(Position(pos.line, col))


def diagnostic(f: Finding, conv: Converter, related_text: dict[Path, str]) -> types.Diagnostic:
    related = []
    for r in f.related:
        text = related_text.get(r.path)
        rc = Converter(text, conv.encoding) if text is not None else None
        rng = (
            rc.range(r.span)
            if rc
            else types.Range(
                types.Position(r.start.line, r.start.column),
                types.Position(r.end.line, r.end.column),
            )
        )
        related.append(
            types.DiagnosticRelatedInformation(types.Location(uri(r.path), rng), r.message)
        )
    return types.Diagnostic(
        range=conv.range(f.span),
        message=f.message,
        severity=_SEVERITY.get(f.severity, types.DiagnosticSeverity.Warning),
        code=f.rule,
        code_description=types.CodeDescription(href=DOCS + f.rule),
        source="prisma-down",
        related_information=related or None,
        data={"rule": f.rule, "migration": f.migration},
    )
