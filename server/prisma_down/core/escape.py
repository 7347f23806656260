"""Text into generated SQL: one function per context — comment, string literal, identifier.

Every name, enum label, folder name and note prisma-down writes into a down.sql goes
through here, so no text can end the context it is written in and run as SQL nobody wrote
(a column named ``x⏎DROP TABLE t;--`` in a ``--`` comment did, issue 11). Facts relied on:

- ``--`` comments end at a line feed in every engine; PostgreSQL's lexer also ends them at a
  carriage return (scan.l: ``newline [\\n\\r]``), and MySQL's stops at a NUL byte. A comment
  line therefore carries no control character: each is written as a visible escape
  (``\\n``, ``\\x00``), as are U+2028/U+2029 and the bidirectional controls, which editors
  show as line breaks or reorder (the text must read as it runs).
- PostgreSQL string constants: ``'…'`` doubles quotes; a backslash is literal only while
  ``standard_conforming_strings`` is on (the default since 9.1). Text with a backslash is
  written as an escape string ``E'…'`` (backslashes doubled), which means the same under
  either setting. CockroachDB reads both forms the same way.
- MySQL string literals take backslash escapes unless ``sql_mode`` has
  NO_BACKSLASH_ESCAPES; no literal means the same under both, so MySQL text with a
  backslash (or NUL) becomes an expression: ``CONCAT('a', CHAR(92 USING utf8mb4), 'b')``.
- SQLite string literals double quotes and know no escapes.
- SQL Server: ``N'…'`` doubles quotes; a backslash right before a line feed (or CR LF) is a
  line continuation that vanishes from the value (Transact-SQL "Backslash"), and
  procedure arguments (``sp_rename``) take no expressions to avoid it: such text is refused.
- Identifiers: ``"…"`` doubling ``"`` (PostgreSQL, CockroachDB, SQLite), `` `…` `` doubling
  the backtick (MySQL; backslashes mean nothing there), ``[…]`` doubling ``]`` (SQL Server).
- NUL: PostgreSQL text cannot hold it at all ("invalid byte sequence"), MySQL permits no
  U+0000 in identifiers, SQLite's C API ends SQL text at the first NUL, and migration.sql
  files holding one are read as binary. A NUL in a name or a string is refused with
  ``UnsafeSQL``; a NUL in a comment is written as ``\\x00``.

``UnsafeSQL`` is a ``ProjectError``: the CLI prints its one sentence and exits 2.
"""

from __future__ import annotations

import re

from prisma_down.core.dialects import Dialect, of
from prisma_down.core.project import ProjectError
from prisma_down.core.schema import QName

__all__ = [
    "UnsafeSQL",
    "comment",
    "dollar_tag",
    "identifier",
    "literal",
    "qualified",
    "shell_word",
]


class UnsafeSQL(ProjectError):
    """Text no quoting can write safely into this engine's SQL, or generated SQL that does
    not read back as the statements written: refused, nothing is written."""


# C0 and C1 controls but tab, DEL, the Unicode line and paragraph separators, and the
# bidirectional marks, embeddings, overrides and isolates.
_UNSAFE_IN_COMMENT = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _visible(ch: str) -> str:
    code = ord(ch)
    return _NAMED.get(ch) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def comment(text: str) -> str:
    """``text`` fit to follow ``-- `` on one line: every control character, line or
    paragraph separator and bidirectional control written as a visible escape."""
    if _UNSAFE_IN_COMMENT.search(text) is None:
        return text
    return _UNSAFE_IN_COMMENT.sub(lambda m: _visible(m.group()), text)


def _refuse_nul(text: str, what: str, dialect: Dialect) -> None:
    if "\0" in text:
        engine = dialect.title
        raise UnsafeSQL(
            f"cannot write the {what} '{comment(text)}' into {engine} SQL: "
            "it holds a NUL character, which no database accepts there"
        )


def identifier(name: str, dialect: Dialect | str) -> str:
    """``name`` as one quoted identifier of ``dialect``."""
    d = of(dialect)
    _refuse_nul(name, "name", d)
    left, right = d.quotes
    return left + name.replace(right, right + right) + right


def qualified(name: QName, dialect: Dialect | str) -> str:
    """``"schema"."name"``, or ``"name"`` when the schema is the current one ("")."""
    if name.schema:
        return f"{identifier(name.schema, dialect)}.{identifier(name.name, dialect)}"
    return identifier(name.name, dialect)


_TSQL_CONTINUATION = re.compile(r"\\\r?\n")


def literal(text: str, dialect: Dialect | str, national: bool = True) -> str:
    """``text`` as a string constant of ``dialect`` that means ``text`` in every setting.

    MySQL's is an expression wherever the text holds a backslash or NUL (see the module
    docstring): fine in the conditions and ``SET`` of a guard, where it is used. SQL
    Server's is ``N'…'``; with ``national=False`` the ``N`` is written only for text beyond
    ASCII (``EXEC('…')`` as Prisma writes it).
    """
    d = of(dialect)
    if d.strings == "expression":
        return _mysql(text)
    _refuse_nul(text, "text", d)
    quoted = text.replace("'", "''")
    if d.strings == "national":
        if _TSQL_CONTINUATION.search(text):
            raise UnsafeSQL(
                f"cannot write '{comment(text)}' as a SQL Server string: a backslash right "
                "before a line break is a line continuation there, and would vanish"
            )
        return ("N'" if national or not text.isascii() else "'") + quoted + "'"
    if d.strings == "escape" and "\\" in text:
        return "E'" + quoted.replace("\\", "\\\\") + "'"
    return "'" + quoted + "'"


def _mysql(text: str) -> str:
    """Quotes doubled; backslashes and NULs spliced in as ``CHAR(n USING utf8mb4)``."""
    parts: list[str] = []
    for piece in re.split(r"([\\\0]+)", text):
        if piece[:1] in ("\\", "\0"):
            codes = ", ".join(str(ord(x)) for x in piece)
            parts.append(f"CHAR({codes} USING utf8mb4)")
        elif piece:
            parts.append("'" + piece.replace("'", "''") + "'")
    if len(parts) <= 1:
        return parts[0] if parts else "''"
    return f"CONCAT({', '.join(parts)})"


def dollar_tag(body: str, base: str = "down") -> str:
    """A PostgreSQL dollar-quote tag (``$down$``, ``$down1$`` …) that ``body`` does not
    hold, so nothing in it (a name with ``$down$`` in it) can end the quote early."""
    tag, n = f"${base}$", 0
    while tag in body:
        n += 1
        tag = f"${base}{n}$"
    return tag


_SHELL_PLAIN = re.compile(r'[^"\\$`!\x00-\x1f\x7f]*')


def shell_word(text: str) -> str:
    """``text`` as one POSIX shell word: ``"text"`` when double quotes keep it as it is,
    else single-quoted (the header's ``npx prisma migrate resolve`` line is copied into
    shells)."""
    if _SHELL_PLAIN.fullmatch(text):
        return f'"{text}"'
    return "'" + text.replace("'", "'\"'\"'") + "'"
