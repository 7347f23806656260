"""A cursor over a statement's tokens that keeps every token's exact source offsets.

Readers slice the ORIGINAL text between tokens (types, defaults, check bodies) instead of
re-printing sqlglot's tree: its generator rewrites user SQL (``SERIAL`` → identity column).

Tokens come from sqlglot's tokenizer, except that PostgreSQL statements in the plain shape
Prisma writes are cut by one regular expression here first (the same tokens, several times
faster, and no sqlglot import for a history that needs no parse); anything unusual goes to
sqlglot, so both paths always agree (tests/core/test_tokens.py holds them to it).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from prisma_down.core.schema import QName

if TYPE_CHECKING:
    from sqlglot.dialects.dialect import Dialect


class ReadError(Exception):
    """The statement is not in a shape the reader understands."""


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_SQLGLOT = {
    "postgres": "postgres",
    "cockroachdb": "postgres",
    "mysql": "mysql",
    "sqlite": "sqlite",
    "tsql": "tsql",
}
_DIALECTS: dict[str, Dialect] = {}
_IMPORTING = threading.Lock()


class Tok(NamedTuple):
    """``kind``: word, ident (quoted identifier), string, number or punct.

    A named tuple, not a dataclass: a history has ~100,000 tokens, and a tuple is built in
    half the time.
    """

    kind: str
    text: str  # a word as written, an identifier's name, a string's source text
    start: int
    end: int  # exclusive

    @property
    def upper(self) -> str:
        return self.text.upper()


# PostgreSQL's plain token shapes, in the order they must be tried. Whatever is not here
# (a backslash in a standard string, ``$1``, ``!~``, nested comments, non-ASCII words …)
# stops the fast path: sqlglot decides those.
_PG_TOKEN = re.compile(
    r"""(?:\s+|--[^\n\r]*|/\*(?:[^*/]|\*(?!/)|/(?!\*))*\*/)*
    (?:(?P<ident>"(?:[^"]|"")+")
    |(?P<string>(?:[EeBbXxNn](?=')|U&(?='))?'(?:[^'\\]|''|\\[^'])*')
    |(?P<estring>[Ee]'(?:[^'\\]|''|\\.)*')
    |(?P<word>[A-Za-z_][A-Za-z0-9_$]*(?![\x80-\U0010ffff]))
    |(?P<dollar>\$(?P<tag>[A-Za-z_][A-Za-z0-9_]*)?\$)
    |(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?(?![A-Za-z0-9_$.]))
    |(?P<punct>[(),;\[\]]|\?(?![|&?])|(?:->>|\#>>|::|->|=>|\|\||@>|<@|<>|<=|>=|!=|\#>|~~|:=|~(?!\*)|[.*+\-/%=<>])
        (?![<>=!~@#&|^:?/%+-])))?
    """,
    re.X,
)


_PG_KIND = tuple(
    next((k for k, i in _PG_TOKEN.groupindex.items() if i == n), None)
    for n in range(_PG_TOKEN.groups + 1)
)
_tok = tuple.__new__  # Tok(...) goes through a Python-level __new__: twice the cost


def _pg_fast(text: str) -> list[Tok] | None:
    """PostgreSQL tokens by one regular expression, or None where sqlglot must decide.

    One match per token: the blanks and comments before a token are part of its match.
    """
    out: list[Tok] = []
    append = out.append
    pos, end = 0, len(text)
    match = _PG_TOKEN.match
    kinds = _PG_KIND
    while pos < end:
        m = match(text, pos)
        group = m.lastindex if m is not None else None
        if m is None or group is None:
            if m is not None and m.end() == end:
                break  # only blanks and comments were left
            return None
        kind = kinds[group]
        start, stop = m.span(group)
        if kind == "word" or kind == "punct" or kind == "number":
            append(_tok(Tok, (kind, text[start:stop], start, stop)))
        elif kind == "ident":
            append(_tok(Tok, ("ident", text[start + 1 : stop - 1].replace('""', '"'), start, stop)))
        elif kind == "dollar":
            tag = text[start:stop]
            close = text.find(tag, stop)
            if close < 0:
                return None
            stop = close + len(tag)
            append(_tok(Tok, ("string", text[start:stop], start, stop)))
        else:
            append(_tok(Tok, ("string", text[start:stop], start, stop)))
        pos = stop
    return out


def tokenize(text: str, dialect: str) -> list[Tok]:
    """Tokens of one statement; raises ReadError where sqlglot's tokenizer gives up."""
    if dialect in ("postgres", "cockroachdb"):
        fast = _pg_fast(text)
        if fast is not None:
            return fast
    return sqlglot_tokens(text, dialect)


def sqlglot_dialect(dialect: str) -> Dialect:
    """sqlglot's Dialect for ``dialect``, importing sqlglot on first use under one lock.

    sqlglot's modules import one another, so two threads importing them at once deadlock
    (``_DeadlockError``) or find a module half made (``ImportError``): the language server
    analysing two migrations folders side by side did, on its first unusual statement.
    """
    d = _DIALECTS.get(dialect)
    if d is None:
        with _IMPORTING:
            d = _DIALECTS.get(dialect)
            if d is None:
                from sqlglot.dialects.dialect import Dialect

                d = _DIALECTS[dialect] = Dialect.get_or_raise(_SQLGLOT.get(dialect, "postgres"))
    return d


def sqlglot_tokens(text: str, dialect: str) -> list[Tok]:
    """sqlglot's tokens, as ours: multi-word keywords split back into words."""
    d = sqlglot_dialect(dialect)
    from sqlglot.tokenizer_core import TokenType

    try:
        raw = d.tokenize(text)
    except Exception as e:  # sqlglot raises TokenError and, on odd input, others
        raise ReadError(f"cannot tokenize: {str(e).splitlines()[0][:200]}") from None
    strings = {
        TokenType.STRING,
        TokenType.BYTE_STRING,
        TokenType.NATIONAL_STRING,
        TokenType.HEREDOC_STRING,
        TokenType.RAW_STRING,
        TokenType.BIT_STRING,
        TokenType.HEX_STRING,
        TokenType.UNICODE_STRING,
    }
    out: list[Tok] = []
    for t in raw:
        start, end = t.start, t.end + 1
        src = text[start:end]
        tt = t.token_type
        if tt == TokenType.IDENTIFIER:
            out.append(Tok("ident", t.text, start, end))
        elif tt in strings:
            out.append(Tok("string", src, start, end))
        elif tt == TokenType.NUMBER:
            out.append(Tok("number", src, start, end))
        elif _WORD.fullmatch(src):
            out.append(Tok("word", src, start, end))
        elif " " in src or "\n" in src or "\t" in src:
            # sqlglot joins some keywords ("PRIMARY KEY", "DOUBLE PRECISION"): split them back
            for m in re.finditer(r"\S+", src):
                out.append(Tok("word", m.group(), start + m.start(), start + m.end()))
        else:
            out.append(Tok("punct", src, start, end))
    return out


class Cursor:
    """Reads tokens front to back; names fold the way the dialect folds them."""

    def __init__(
        self, text: str, toks: list[Tok], fold: Callable[[str], str], default_schema: str = ""
    ) -> None:
        self.text = text
        self.toks = toks
        self.i = 0
        self.fold = fold
        self.default_schema = default_schema

    # -- looking
    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def describe(self) -> str:
        t = self.peek()
        return t.text if t is not None else "the end"

    def at_end(self) -> bool:
        return self.i >= len(self.toks)

    # The readers call these few methods hundreds of thousands of times on a long history:
    # they index the token list themselves instead of going through ``peek``.
    def is_word(self, *words: str, k: int = 0) -> bool:
        toks = self.toks
        j = self.i + k
        n = len(toks)
        for w in words:
            if j >= n:
                return False
            kind, text, _, _ = toks[j]
            if kind != "word" or len(text) != len(w) or text.upper() != w:
                return False
            j += 1
        return True

    def is_punct(self, p: str, k: int = 0) -> bool:
        j = self.i + k
        toks = self.toks
        if j >= len(toks):
            return False
        kind, text, _, _ = toks[j]
        return kind == "punct" and text == p

    # -- consuming
    def next(self) -> Tok:
        i = self.i
        if i >= len(self.toks):
            raise ReadError("statement ends too early")
        self.i = i + 1
        return self.toks[i]

    def accept(self, *words: str) -> bool:
        toks = self.toks
        j = self.i
        n = len(toks)
        for w in words:
            if j >= n:
                return False
            kind, text, _, _ = toks[j]
            if kind != "word" or len(text) != len(w) or text.upper() != w:
                return False
            j += 1
        self.i = j
        return True

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            got = self.peek()
            raise ReadError(f"expected {' '.join(words)}, found {got.text if got else 'the end'}")

    def accept_punct(self, p: str) -> bool:
        i = self.i
        toks = self.toks
        if i < len(toks):
            kind, text, _, _ = toks[i]
            if kind == "punct" and text == p:
                self.i = i + 1
                return True
        return False

    def expect_punct(self, p: str) -> None:
        if not self.accept_punct(p):
            got = self.peek()
            raise ReadError(f"expected {p!r}, found {got.text if got else 'the end'}")

    def if_exists(self) -> bool:
        return self.accept("IF", "EXISTS")

    def if_not_exists(self) -> bool:
        return self.accept("IF", "NOT", "EXISTS")

    def name(self) -> str:
        t = self.next()
        if t.kind == "ident":
            return t.text
        if t.kind == "word":
            return self.fold(t.text)
        if t.kind == "string":  # MySQL and SQLite accept 'quoted' names in places
            return t.text[1:-1]
        raise ReadError(f"expected a name, found {t.text}")

    def qname(self) -> QName:
        first = self.name()
        if self.accept_punct("."):
            second = self.name()
            if self.accept_punct("."):  # database.schema.name
                first, second = second, self.name()
            schema = "" if first == self.default_schema else first
            return QName(schema, second)
        return QName("", first)

    def name_list(self) -> tuple[str, ...]:
        self.expect_punct("(")
        names = [self.name()]
        while self.accept_punct(","):
            names.append(self.name())
        self.expect_punct(")")
        return tuple(names)

    def skip_group(self) -> None:
        """Skip one token, or a whole parenthesised group when at '('."""
        toks = self.toks
        n = len(toks)
        i = self.i
        depth = 0
        while True:
            if i >= n:
                self.i = i
                raise ReadError("statement ends too early")
            kind, text, _, _ = toks[i]
            i += 1
            if kind == "punct":
                if text in "([":
                    depth += 1
                elif text in ")]":
                    depth -= 1
            if depth <= 0:
                self.i = i
                return

    def take_until(self, stop: Callable[[Cursor], bool]) -> str:
        """Consume tokens at depth 0 until ``stop`` or a closing , or ); return their text."""
        begin = self.i
        toks = self.toks
        n = len(toks)
        while self.i < n:
            kind, text, _, _ = toks[self.i]
            if kind == "punct" and (text == "," or text == ")"):
                break
            if self.i > begin and stop(self):
                break
            self.skip_group()
        return self.source(begin, self.i)

    def rest(self) -> str:
        begin = self.i
        self.i = len(self.toks)
        return self.source(begin, self.i)

    def source(self, begin: int, end: int) -> str:
        """Verbatim text from token ``begin`` up to (not including) token ``end``."""
        if end <= begin:
            return ""
        return self.text[self.toks[begin].start : self.toks[end - 1].end]
