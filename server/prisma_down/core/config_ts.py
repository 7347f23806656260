"""A tolerant reader for the few TypeScript shapes a Prisma config uses.

``prisma.config.ts`` is code; prisma-down never runs it. Only a string literal, or
``path.join`` of literals and ``__dirname``, counts as a path: anything else is "not
readable statically" and the caller falls back to Prisma's defaults.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

__all__ = [
    "Token",
    "dotted_name",
    "matching_brace",
    "property_at",
    "static_path",
    "token_at",
    "tokenize",
]

Token = tuple[str, str]  # (kind, value): kind is "name", "str", "expr" or "punct"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_JOIN_CALLS = frozenset({"join", "path.join", "posix.join", "path.posix.join"})
_DIRNAME = frozenset({"__dirname", "import.meta.dirname"})


def tokenize(source: str) -> list[Token]:
    """Split JS/TS into names, strings and punctuation; comments and spaces vanish."""
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char.isspace():
            i += 1
        elif source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end < 0 else end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif char in "'\"`":
            i = _read_string(source, i, tokens)
        elif char.isalnum() or char in "_$":
            end = i + 1
            while end < n and (source[end].isalnum() or source[end] in "_$"):
                end += 1
            tokens.append(("name", source[i:end]))
            i = end
        else:
            tokens.append(("punct", char))
            i += 1
    return tokens


def _read_string(source: str, start: int, tokens: list[Token]) -> int:
    """Append one string token; a template with ``${}`` becomes an opaque "expr"."""
    quote, i, n = source[start], start + 1, len(source)
    parts: list[str] = []
    plain = True
    while i < n and source[i] != quote:
        char = source[i]
        if char == "\\" and i + 1 < n:
            escaped = source[i + 1]
            parts.append(_ESCAPES.get(escaped, "" if escaped == "\n" else escaped))
            plain = plain and escaped not in "xu"  # \x.. and \u.... are not decoded
            i += 2
        elif char == "\n" and quote != "`":
            break  # unterminated: JS strings end at the line
        elif quote == "`" and source.startswith("${", i):
            plain, depth, i = False, 1, i + 2
            while i < n and depth:
                depth += {"{": 1, "}": -1}.get(source[i], 0)
                i += 1
        else:
            parts.append(char)
            i += 1
    closed = i < n and source[i] == quote
    tokens.append(("str" if plain and closed else "expr", "".join(parts)))
    return i + 1 if closed else i


def token_at(tokens: list[Token], index: int) -> Token:
    return tokens[index] if 0 <= index < len(tokens) else ("end", "")


def matching_brace(tokens: list[Token], open_at: int) -> int:
    depth = 0
    for index in range(open_at, len(tokens)):
        kind, value = tokens[index]
        if kind == "punct" and value in "{[(":
            depth += 1
        elif kind == "punct" and value in "}])":
            depth -= 1
            if depth == 0:
                return index
    return len(tokens)


def property_at(
    tokens: list[Token], key: str, start: int = 0, end: int | None = None
) -> int | None:
    """Index of the value of the shallowest ``key:`` property in ``tokens[start:end]``."""
    end = len(tokens) if end is None else end
    best: tuple[int, int] | None = None
    depth = 0
    for index in range(start, end):
        kind, value = tokens[index]
        if kind == "punct" and value in "{[(":
            depth += 1
        elif kind == "punct" and value in "}])":
            depth -= 1
        elif (
            kind in ("name", "str")
            and value == key
            and token_at(tokens, index + 1) == ("punct", ":")
            and token_at(tokens, index - 1) in (("punct", "{"), ("punct", ","))
            and (best is None or depth < best[0])
        ):
            best = (depth, index + 2)
    return None if best is None else best[1]


def static_path(tokens: list[Token], at: int, base: Path) -> str | None:
    """A string literal, or ``path.join`` of literals and ``__dirname``; else None."""
    kind, value = token_at(tokens, at)
    if kind == "str":
        return value if _ends_value(tokens, at + 1) else None
    callee, index = dotted_name(tokens, at)
    if callee not in _JOIN_CALLS or token_at(tokens, index) != ("punct", "("):
        return None
    parts: list[str] = []
    index += 1
    while token_at(tokens, index) != ("punct", ")"):
        kind, value = token_at(tokens, index)
        name, after = dotted_name(tokens, index)
        if kind == "str":
            parts.append(value)
            index += 1
        elif name in _DIRNAME and not parts:
            parts.append(str(base))
            index = after
        else:
            return None
        if token_at(tokens, index) == ("punct", ","):
            index += 1
        elif token_at(tokens, index) != ("punct", ")"):
            return None
    if not parts or not _ends_value(tokens, index + 1):
        return None
    return posixpath.join(*parts)


def dotted_name(tokens: list[Token], at: int) -> tuple[str, int]:
    names: list[str] = []
    index = at
    while token_at(tokens, index)[0] == "name":
        names.append(tokens[index][1])
        index += 1
        if token_at(tokens, index) != ("punct", ".") or token_at(tokens, index + 1)[0] != "name":
            break
        index += 1
    return ".".join(names), index


def _ends_value(tokens: list[Token], index: int) -> bool:
    return token_at(tokens, index) in (("punct", ","), ("punct", "}"), ("end", ""))
