"""What every family of T-SQL statement reads alike: the cursor (names keep their case,
``dbo`` is the default schema), string literals, dotted names, index keys.
"""

from __future__ import annotations

import re

from prisma_down.core.read.tokens import Cursor, tokenize
from prisma_down.core.schema import QName

DEFAULT_SCHEMA = "dbo"


NEW = "_prisma_new_"


def index_key(table: QName, name: str) -> QName:
    """How the catalog keys index ``name`` of ``table``: SQL Server scopes them per table."""
    return QName(str(table), name)


class NotDdlError(Exception):
    """A data statement (UPDATE, INSERT, ...): ``read.data`` classifies it."""


def cursor(text: str) -> Cursor:
    return Cursor(text, tokenize(text, "tsql"), lambda name: name, DEFAULT_SCHEMA)


def first_word(c: Cursor) -> str:
    t = c.peek()
    return t.upper if t is not None and t.kind == "word" else ""


def string_value(text: str) -> str:
    """A T-SQL string literal's value: ``N'it''s'`` → ``it's``."""
    if text[:1] in "nN":
        text = text[1:]
    return text[1:-1].replace("''", "'")


def literal(c: Cursor) -> str | None:
    """A string literal, or literals joined by ``+``, at the cursor; None if anything else."""
    parts: list[str] = []
    while True:
        t = c.peek()
        if t is None or t.kind != "string":
            return None
        parts.append(string_value(c.next().text))
        if not c.accept_punct("+"):
            return "".join(parts)


def name_parts(name: str) -> list[str]:
    """``dbo.T.c`` or ``[dbo].[T].[c]`` → its parts."""
    return [p[1:-1].replace("]]", "]") if p.startswith("[") else p for p in _PART.findall(name)]


_PART = re.compile(r"\[(?:[^\]]|\]\])*\]|[^.]+")


def qname(parts: list[str]) -> QName:
    if len(parts) == 1:
        return QName("", parts[0])
    schema = parts[-2]
    return QName("" if schema.lower() == DEFAULT_SCHEMA else schema, parts[-1])
