"""Split a SQL Server script into statements: T-SQL needs no ``;`` between them.

Prisma wraps every SQL Server migration in ``BEGIN TRY / BEGIN TRAN; … COMMIT TRAN; /
END TRY / BEGIN CATCH … THROW / END CATCH``. The wrapper is set aside (its statements are
no changes to undo; down.sql gets the same wrapper back), and Prisma's table redefinition
(``BEGIN TRANSACTION; … _prisma_new_T … COMMIT;``) is kept together as one statement, so
the reader sees the idiom whole. Statements end at ``;``, or where the next one begins on a
new line (``UPDATE …`` then ``EXEC sp_rename …``); ``BEGIN … END`` blocks, ``IF … ELSE``
and ``CREATE PROCEDURE`` bodies (which run to the end of the batch) stay in one piece.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prisma_down.core.statements import Comment, Script, Statement
from prisma_down.core.text import Span

_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@#$")
# words that begin a statement when they open a line (T-SQL reference, "Transact-SQL statements")
_STARTERS = frozenset(
    {
        "ALTER", "CREATE", "DROP", "EXEC", "EXECUTE", "UPDATE", "INSERT", "DELETE", "MERGE",
        "TRUNCATE", "DECLARE", "SET", "SELECT", "IF", "WHILE", "BEGIN", "COMMIT", "ROLLBACK",
        "SAVE", "THROW", "PRINT", "RAISERROR", "DBCC", "GO", "USE", "GRANT", "REVOKE", "DENY",
        "RETURN", "BREAK", "CONTINUE", "WAITFOR", "OPEN", "CLOSE", "FETCH", "DEALLOCATE",
    }
)  # fmt: skip
_INNER = frozenset({"SELECT", "SET"})  # inside a condition unless they open a line
_ROUTINES = frozenset({"PROC", "PROCEDURE", "FUNCTION", "TRIGGER", "VIEW"})
_TRAN = frozenset({"TRAN", "TRANSACTION"})


@dataclass(frozen=True)
class _Tok:
    start: int
    end: int
    word: str  # upper-cased bare word, "" for anything else
    text: str
    line_start: bool  # the first token on its line


@dataclass
class _Node:
    first: int  # token indexes, inclusive
    last: int
    kind: str  # simple, block, try, catch, if, routine
    children: list[_Node] = field(default_factory=list)
    semicolon: bool = False  # ``last`` is the terminating ';'


def _scan(text: str) -> tuple[list[_Tok], list[Comment], Span | None]:
    toks: list[_Tok] = []
    comments: list[Comment] = []
    unterminated: Span | None = None
    n = len(text)
    i = 0
    newline = True
    while i < n:
        c = text[i]
        if c == "\n":
            newline = True
            i += 1
            continue
        if c in " \t\r\f\v":
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < n else ""
        if c == "-" and nxt == "-":
            j = text.find("\n", i)
            j = n if j == -1 else j
            end = j - 1 if j > i and text[j - 1] == "\r" else j
            comments.append(Comment(Span(i, end), text[i:end]))
            i = j
            continue
        if c == "/" and nxt == "*":  # SQL Server nests block comments
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                elif text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                else:
                    j += 1
            if depth:
                unterminated = unterminated or Span(i, n)
            comments.append(Comment(Span(i, j), text[i:j]))
            i = j
            continue
        word = ""
        if c in "'\"[" or (c in "nN" and nxt == "'"):
            q = "]" if c == "[" else ("'" if c in "nN" else c)
            j = i + (2 if c in "nN" else 1)
            while j < n:
                if text[j] == q:
                    if j + 1 < n and text[j + 1] == q:
                        j += 2
                        continue
                    break
                j += 1
            if j >= n:
                unterminated = unterminated or Span(i, n)
                j = n
            else:
                j += 1
        elif c in _WORD_CHARS:
            j = i + 1
            while j < n and text[j] in _WORD_CHARS:
                j += 1
            word = text[i:j].upper()
        else:
            j = i + 1
        toks.append(_Tok(i, j, word, text[i:j], newline))
        newline = False
        i = j
    return toks, comments, unterminated


class _Parser:
    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks

    def word(self, i: int) -> str:
        return self.toks[i].word if i < len(self.toks) else ""

    def is_semi(self, i: int) -> bool:
        return i < len(self.toks) and self.toks[i].text == ";"

    def statements(self, i: int, stop: tuple[str, ...] = ()) -> tuple[list[_Node], int]:
        """Statements from ``i`` until the end or a ``stop`` word (``END``) opens one."""
        out: list[_Node] = []
        while i < len(self.toks):
            if self.is_semi(i):
                i += 1
                continue
            if self.word(i) in stop:
                break
            node = self.statement(i)
            out.append(node)
            i = node.last + 1
        return out, i

    def _end(self, node: _Node, i: int) -> _Node:
        """``node`` ends at token ``i - 1``, or at a ``;`` right after it."""
        node.last = i - 1
        if self.is_semi(i):
            node.last, node.semicolon = i, True
        return node

    def statement(self, i: int) -> _Node:
        w, w2 = self.word(i), self.word(i + 1)
        if w == "BEGIN" and w2 in ("TRY", "CATCH"):
            children, j = self.statements(i + 2, ("END",))
            close = j + 2 if self.word(j + 1) == w2 else j + 1
            node = _Node(i, i, w2.lower(), children)
            return self._end(node, min(close, len(self.toks)))
        if w == "BEGIN" and w2 not in _TRAN and w2 != "DISTRIBUTED":
            children, j = self.statements(i + 1, ("END",))
            return self._end(_Node(i, i, "block", children), min(j + 1, len(self.toks)))
        if w in ("IF", "WHILE"):
            j = self._condition(i + 1)
            node = _Node(i, i, "if")
            if j < len(self.toks):
                body = self.statement(j)
                node.children.append(body)
                j = body.last + 1
                if w == "IF" and self.word(j) == "ELSE" and j + 1 < len(self.toks):
                    other = self.statement(j + 1)
                    node.children.append(other)
                    j = other.last + 1
            node.last = j - 1
            return node
        if self._routine(i):
            j = i + 1
            while j < len(self.toks) and not (self.word(j) == "GO" and self.toks[j].line_start):
                j += 1
            return _Node(i, j - 1, "routine")
        return self._simple(i)

    def _routine(self, i: int) -> bool:
        if self.word(i) not in ("CREATE", "ALTER"):
            return False
        j = i + 1
        if self.word(j) == "OR" and self.word(j + 1) == "ALTER":
            j += 2
        return self.word(j) in _ROUTINES

    def _condition(self, i: int) -> int:
        """The first token after an IF/WHILE condition: a statement's first word at depth 0."""
        depth = 0
        while i < len(self.toks):
            t = self.toks[i]
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1
            elif depth == 0 and t.word in _STARTERS and (t.line_start or t.word not in _INNER):
                return i
            i += 1
        return i

    def _simple(self, i: int) -> _Node:
        first = self.word(i)
        depth = case = 0
        seen: set[str] = set()
        j = i + 1
        while j < len(self.toks):
            t = self.toks[j]
            if t.text == ";" and depth == 0:
                return _Node(i, j, "simple", semicolon=True)
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth = max(0, depth - 1)
            elif t.word == "CASE":
                case += 1
            elif t.word == "END" and case:
                case -= 1
            elif depth == 0 and self._ends(j, first, seen, case):
                break
            if depth == 0 and t.word:
                seen.add(t.word)
            j += 1
        return _Node(i, j - 1, "simple")

    def _ends(self, j: int, first: str, seen: set[str], case: int) -> bool:
        """Whether the statement begun by ``first`` ends before token ``j`` (at depth 0)."""
        t = self.toks[j]
        if t.word in ("END", "ELSE"):
            return not case  # a block's END, or IF's ELSE; CASE … ELSE … END is an expression
        if not t.line_start:
            return False
        if t.word == "GO":
            return True
        return first != "MERGE" and self._begins(j, first, seen)  # MERGE ends only at ';'

    def _begins(self, j: int, first: str, seen: set[str]) -> bool:
        w = self.word(j)
        if w not in _STARTERS:
            return False
        prev = self.toks[j - 1].word
        if prev in ("ON", "FOR", "OF", "INSTEAD", "UNION", "ALL", "EXCEPT", "INTERSECT", "OR"):
            return False
        dml = {"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE"}
        if first == "WITH" and not (seen & dml):
            return False  # the CTE's statement
        if w == "SELECT" and (first == "INSERT" or (first == "WITH" and "INSERT" in seen)):
            return False
        return not (w == "SET" and first in ("UPDATE", "WITH") and "SET" not in seen)


def split_tsql(text: str, group: bool = True) -> Script:
    """Split a T-SQL script; never raises.

    ``group=False`` keeps the wrapper and a redefinition's statements apart (for readers
    looking inside one statement).
    """
    toks, comments, unterminated = _scan(text)
    p = _Parser(toks)
    try:
        nodes, _ = p.statements(0)
    except RecursionError:
        nodes = [_Node(0, len(toks) - 1, "simple")] if toks else []
    units = _flatten(p, nodes) if group else [(n.first, n.last, n.semicolon) for n in nodes]
    statements: list[Statement] = []
    ci = 0
    prev_line_end = -1
    for first, last, semicolon in units:
        start = toks[first].start
        body_last = last - 1 if semicolon and last > first else last
        end = toks[last].end
        mine: list[Comment] = []
        while ci < len(comments) and comments[ci].span.start < end:
            cm = comments[ci]
            if statements and cm.span.start < prev_line_end and cm.span.start < start:
                st = statements[-1]
                statements[-1] = Statement(
                    st.index, st.span, st.text, st.comments, (*st.trailing, cm), st.terminated
                )
            else:
                mine.append(cm)
            ci += 1
        statements.append(
            Statement(
                len(statements),
                Span(start, end),
                text[start : toks[body_last].end],
                tuple(mine),
                (),
                semicolon,
            )
        )
        eol = text.find("\n", end)
        prev_line_end = (len(text) if eol == -1 else eol) if semicolon else -1
    while ci < len(comments):  # after the last statement: trailing on its line, or loose
        cm = comments[ci]
        if statements and cm.span.start < prev_line_end:
            st = statements[-1]
            statements[-1] = Statement(
                st.index, st.span, st.text, st.comments, (*st.trailing, cm), st.terminated
            )
        ci += 1
    return Script(text, tuple(statements), tuple(comments), unterminated)


def _flatten(p: _Parser, nodes: list[_Node]) -> list[tuple[int, int, bool]]:
    """Top-level statements as (first, last, ends with ';'); the Prisma wrapper set aside."""
    out: list[tuple[int, int, bool]] = []
    i = 0
    while i < len(nodes):
        node = nodes[i]
        if node.kind == "try":
            inner = node.children
            if inner and _is_tran(p, inner[0], "BEGIN"):
                inner = inner[1:]
            if inner and _is_tran(p, inner[-1], "COMMIT"):
                inner = inner[:-1]
            out += _flatten(p, inner)
            if i + 1 < len(nodes) and nodes[i + 1].kind == "catch" and _rethrows(p, nodes[i + 1]):
                i += 1  # IF @@TRANCOUNT > 0 BEGIN ROLLBACK TRAN; END; THROW
            i += 1
            continue
        if _is_tran(p, node, "BEGIN"):
            end = _redefinition_end(p, nodes, i)
            if end is not None:
                out.append((node.first, nodes[end].last, nodes[end].semicolon))
                i = end + 1
                continue
        out.append((node.first, node.last, node.semicolon))
        i += 1
    return out


def _is_tran(p: _Parser, node: _Node, verb: str) -> bool:
    if node.kind != "simple" or p.word(node.first) != verb:
        return False
    rest = [t.word for t in p.toks[node.first + 1 : node.last + 1] if t.text != ";"]
    return (verb == "COMMIT" and not rest) or (bool(rest) and rest[0] in _TRAN)


def _redefinition_end(p: _Parser, nodes: list[_Node], i: int) -> int | None:
    """The COMMIT closing Prisma's ``-- RedefineTables`` transaction opened at ``nodes[i]``."""
    found = False
    for j in range(i + 1, len(nodes)):
        n = nodes[j]
        if _is_tran(p, n, "COMMIT"):
            return j if found else None
        words = [t for t in p.toks[n.first : n.first + 6]]
        if p.word(n.first) == "CREATE" and p.word(n.first + 1) == "TABLE":
            names = [t.text for t in words[2:] if t.text not in (".",)]
            found = found or any(x.strip('[]"').startswith("_prisma_new_") for x in names[:3])
    return None


def _rethrows(p: _Parser, catch: _Node) -> bool:
    """Prisma's CATCH: roll back if a transaction is open, then re-raise."""
    words = {t.word for t in p.toks[catch.first : catch.last + 1] if t.word}
    allowed = {"BEGIN", "CATCH", "IF", "@@TRANCOUNT", "ROLLBACK", "TRAN", "TRANSACTION", "END"}
    return words <= allowed | {"THROW", "0"}


def if_parts(text: str) -> tuple[str, list[str]] | None:
    """``IF cond stmt [ELSE stmt]`` (or WHILE) as the condition's text and the statements'."""
    toks, _, _ = _scan(text)
    p = _Parser(toks)
    if not toks or toks[0].word not in ("IF", "WHILE"):
        return None
    node = p.statement(0)
    if not node.children:
        return None
    first_body = node.children[0].first
    cond = text[toks[1].start : toks[first_body - 1].end] if first_body > 1 else ""
    bodies = [text[toks[ch.first].start : toks[ch.last].end] for ch in node.children]
    return cond, bodies


def block_body(text: str) -> str | None:
    """The statements between ``BEGIN`` and its ``END``, or None when ``text`` is no block."""
    toks, _, _ = _scan(text)
    if len(toks) < 2 or toks[0].word != "BEGIN" or toks[1].word in _TRAN | {"TRY", "CATCH"}:
        return None
    p = _Parser(toks)
    node = p.statement(0)
    if not node.children:
        return ""
    return text[toks[node.children[0].first].start : toks[node.children[-1].last].end]
