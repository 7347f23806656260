"""Split a SQL script into statements with exact spans and their comments.

A hand-written scanner rather than a parser: it never raises, so half-typed SQL in an
editor still yields every complete statement before and after the broken one. It knows the
quoting of every Prisma dialect (dollar quotes, E'' strings, backticks, brackets).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from prisma_down.core.text import LineIndex, Span


@dataclass(frozen=True)
class Comment:
    span: Span
    text: str  # including the -- or /* */ markers

    @property
    def body(self) -> str:
        t = self.text
        if t.startswith("--"):
            return t[2:].strip()
        if t.startswith("#"):
            return t[1:].strip()
        return t[2:-2].strip() if t.endswith("*/") else t[2:].strip()


@dataclass(frozen=True)
class Statement:
    """One statement. ``span`` runs from its first character to its ``;`` (inclusive)."""

    index: int
    span: Span
    text: str  # the statement without its terminating ``;``
    comments: tuple[Comment, ...]  # comments before it (since the previous statement)
    trailing: tuple[Comment, ...] = ()  # comments on the line of its ``;``
    terminated: bool = True


@dataclass(frozen=True)
class Script:
    text: str
    statements: tuple[Statement, ...]
    comments: tuple[Comment, ...]  # every comment in the file
    unterminated: Span | None = None  # an open quote or comment running to the end

    @cached_property
    def lines(self) -> LineIndex:
        return LineIndex(self.text)


_IDENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_IDENT_RUN = re.compile(r"[A-Za-z0-9_$]+")
_BLANKS = re.compile(r"[ \t\r\n\f\v]+")
# Code that cannot start a quote, a comment or a statement's end, and quotes that close
# plainly in every dialect (no backslash, no doubled quote): words with the blanks between
# them, skipped in one step. It starts and ends on code, so its end is where the code ends.
# Anything else (a backslash or ``''`` in a quote, ``$``, backticks, brackets, ``#``) stops
# it, and the loop below takes that token on its own.
_CODE = r"""(?:[^ \t\r\n\f\v;'"`$\-/#\[]++|-(?!-)|/(?!\*)|"[^"\\]*+"(?!")|'[^'\\]*+'(?!'))++"""
_PLAIN = re.compile(rf"{_CODE}(?:[ \t\r\n\f\v]++{_CODE})*+")


def _dollar_tag(text: str, i: int) -> str | None:
    """The ``$tag$`` opening at ``i``, or None (``$1`` parameters are not tags)."""
    j = i + 1
    n = len(text)
    if j < n and text[j] == "$":
        return "$$"
    if j < n and (text[j].isalpha() or text[j] == "_"):
        while j < n and (text[j].isalnum() or text[j] == "_"):
            j += 1
        if j < n and text[j] == "$":
            return text[i : j + 1]
    return None


def split(text: str, dialect: str = "postgres") -> Script:
    """Split ``text`` into statements; never raises."""
    if dialect == "tsql":  # no ';' needed between statements, and Prisma's TRY/CATCH wrapper
        from prisma_down.core.read.tsql_split import split_tsql

        return split_tsql(text)
    mysql = dialect == "mysql"
    tsql = dialect == "tsql"
    postgres = dialect in ("postgres", "cockroachdb")
    n = len(text)
    comments: list[Comment] = []
    statements: list[Statement] = []
    pending: list[Comment] = []
    start: int | None = None  # first code character of the current statement
    last_code_end = 0
    prev_semicolon_line_end = -1  # comments before this offset trail the previous statement
    unterminated: Span | None = None
    i = 0

    def close(end: int, terminated: bool) -> None:
        nonlocal start, pending
        assert start is not None
        body_end = last_code_end
        statements.append(
            Statement(
                index=len(statements),
                span=Span(start, end),
                text=text[start:body_end],
                comments=tuple(pending),
                terminated=terminated,
            )
        )
        pending = []
        start = None

    while i < n:
        c = text[i]
        if c in " \t\r\n\f\v":
            i = _BLANKS.match(text, i).end()  # type: ignore[union-attr]
            continue
        nxt = text[i + 1] if i + 1 < n else ""
        if (c == "-" and nxt == "-") or (c == "#" and mysql):
            j = text.find("\n", i)
            j = n if j == -1 else j
            if dialect == "postgres":  # its lexer ends -- at a CR too (scan.l: [^\n\r])
                r = text.find("\r", i, j)
                j = j if r == -1 else r
            end = j - 1 if j > i and text[j - 1] == "\r" else j
            cm = Comment(Span(i, end), text[i:end])
            comments.append(cm)
            _attach(cm, start, statements, pending, prev_semicolon_line_end)
            i = j
            continue
        if c == "/" and nxt == "*":
            depth = 1
            j = i + 2
            while j < n and depth:
                if text.startswith("*/", j):
                    depth -= 1
                    j += 2
                elif postgres and text.startswith("/*", j):
                    depth += 1
                    j += 2
                else:
                    j += 1
            if depth:
                unterminated = unterminated or Span(i, n)
            cm = Comment(Span(i, j), text[i:j])
            comments.append(cm)
            _attach(cm, start, statements, pending, prev_semicolon_line_end)
            i = j
            continue
        if start is None:
            start = i
        plain = _PLAIN.match(text, i)
        if plain is not None:
            i = last_code_end = plain.end()
            continue
        if c == ";" and dialect == "sqlite" and _in_trigger_body(text[start:i]):
            last_code_end = i + 1  # CREATE TRIGGER ... BEGIN ...; ...; END: one statement
            i += 1
            continue
        if c == ";":
            last_code_end_before = last_code_end
            last_code_end = last_code_end_before if last_code_end_before > start else start
            if last_code_end == start:  # an empty statement: a lone ';'
                start = None
                i += 1
                continue
            close(i + 1, True)
            eol = text.find("\n", i)
            eol = n if eol == -1 else eol
            if dialect == "postgres":  # a lone CR ends the line a trailing comment is on
                r = text.find("\r", i, eol)
                eol = eol if r == -1 else r
            prev_semicolon_line_end = eol
            i += 1
            continue
        j = _skip_token(text, i, c, nxt, mysql, tsql, postgres, dialect == "sqlite")
        if j < 0:
            unterminated = unterminated or Span(i, n)
            j = n
        last_code_end = j
        i = j

    if start is not None:
        close(last_code_end, False)
    return Script(text, tuple(statements), tuple(comments), unterminated)


_TRIGGER = re.compile(r"\s*CREATE\s+(?:TEMP\w*\s+)?TRIGGER\b", re.I)
_END = re.compile(r"\bEND\s*$", re.I)


def _in_trigger_body(statement: str) -> bool:
    """SQLite: a ``;`` inside ``CREATE TRIGGER ... BEGIN ... END`` does not end it."""
    return bool(_TRIGGER.match(statement)) and not _END.search(statement)


def _attach(
    cm: Comment,
    start: int | None,
    statements: list[Statement],
    pending: list[Comment],
    prev_line_end: int,
) -> None:
    """A comment inside a statement stays with it; one after a ``;`` on the same line trails."""
    if start is not None:
        pending.append(cm)  # inside the statement: kept with the statement's comments
        return
    if statements and cm.span.start < prev_line_end:
        last = statements[-1]
        statements[-1] = Statement(
            last.index, last.span, last.text, last.comments, (*last.trailing, cm), last.terminated
        )
        return
    pending.append(cm)


def _skip_token(
    text: str, i: int, c: str, nxt: str, mysql: bool, tsql: bool, pg: bool, sqlite: bool = False
) -> int:
    """The offset after the token starting at ``i``; -1 when a quote never closes."""
    if c == "'":
        escapes = mysql or (pg and i > 0 and text[i - 1] in "eE" and not _ident_before(text, i - 1))
        return _close_quote(text, i + 1, "'", escapes)
    if c == '"':
        return _close_quote(text, i + 1, '"', mysql)
    if c == "`" and (mysql or sqlite):
        return _close_quote(text, i + 1, "`", False)
    if c == "[" and (tsql or sqlite):
        return _close_quote(text, i + 1, "]", False)
    if c == "$" and pg and not _ident_before(text, i):
        tag = _dollar_tag(text, i)
        if tag:
            j = text.find(tag, i + len(tag))
            return -1 if j == -1 else j + len(tag)
    if c in _IDENT_CHARS:
        return _IDENT_RUN.match(text, i).end()  # type: ignore[union-attr]
    return i + 1


def _ident_before(text: str, i: int) -> bool:
    return i > 0 and text[i - 1] in _IDENT_CHARS


def _close_quote(text: str, i: int, q: str, backslash: bool) -> int:
    """The offset after the quote ``q`` that closes at or after ``i`` (``qq`` is an escaped
    ``q``; with ``backslash``, ``\\x`` is one escaped character); -1 when none does."""
    n = len(text)
    while True:
        j = text.find(q, i)
        if j < 0:
            return -1
        if backslash:
            k = text.find("\\", i, j)
            if k >= 0:
                i = k + 2  # the escaped character may be the quote itself
                continue
        if j + 1 < n and text[j + 1] == q:
            i = j + 2
            continue
        return j + 1
