"""What ``t.*`` in a view meant on the day the view was created.

PostgreSQL and MySQL expand a view's ``*`` into the columns its tables have at CREATE VIEW
time and keep that list: a table that gains a column later does not widen the view.
Re-creating the view from its text afterwards (in a down.sql) would give a wider view, or
fail with "column specified more than once" when the view also names the new column. The
catalog keeps the spelled-out text beside the original so an inverse can write the view back
as the database really held it (langfuse's ``observations_view`` and ``traces_view``).

The tables behind each star are found from the text alone (``FROM``/``JOIN`` targets and
their aliases); a star whose qualifier is ambiguous, a CTE or a subquery is left as written.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from prisma_down.core.dialects import Dialect
from prisma_down.core.names import quote_for
from prisma_down.core.read.tokens import Cursor, ReadError, tokenize
from prisma_down.core.schema import Opaque, QName, Spelled, Table

# Words that end a FROM item, so they are never read as its alias.
_NOT_ALIAS = {
    "ON", "USING", "WHERE", "GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "UNION", "EXCEPT",
    "INTERSECT", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "NATURAL", "OUTER",
    "WINDOW", "FETCH", "FOR", "WITH", "LATERAL", "TABLESAMPLE", "AS",
}  # fmt: skip


class Relations(Protocol):
    """What expanding a star needs of a catalog (``core.catalog.Catalog`` is one)."""

    @property
    def dialect(self) -> Dialect: ...

    def table(self, name: QName) -> Table | None: ...


def expand(sql: str, cat: Relations) -> Spelled | None:
    """``sql`` with each star whose table is known spelled out as that table's columns in
    ``cat``; None when nothing was spelled out (no star, or none whose table is certain)."""
    if "*" not in sql or not cat.dialect.expands_view_stars:
        return None
    try:
        c = _cursor(sql, cat.dialect)
    except ReadError:
        return None
    toks = c.toks
    sources = _sources(c)
    out: list[str] = []
    used: list[tuple[QName, tuple[str, ...]]] = []
    last = 0
    for i, t in enumerate(toks):
        if t.kind != "punct" or t.text != "*":
            continue
        prev = toks[i - 1] if i else None
        if prev is not None and prev.kind == "punct" and prev.text == "." and i >= 2:
            q = toks[i - 2]
            if q.kind not in ("word", "ident"):
                continue
            alias = q.text if q.kind == "ident" else c.fold(q.text)
            found = _columns(sources.get(alias), cat)
            if found:
                qual = sql[q.start : q.end]
                cols = found[1]
                spelled = ", ".join(f"{qual}.{quote_for(col, cat.dialect)}" for col in cols)
                out += [sql[last : q.start], spelled]
                last = t.end
                used.append(found)
        elif prev is not None and prev.kind == "word" and prev.upper in ("SELECT", "DISTINCT"):
            targets = {v for vs in sources.values() for v in vs}
            found = _columns(targets, cat) if len(targets) == 1 else None
            if found:
                spelled = ", ".join(quote_for(col, cat.dialect) for col in found[1])
                out += [sql[last : t.start], spelled]
                last = t.end
                used.append(found)
    if not out:
        return None
    return Spelled("".join(out) + sql[last:], tuple(used))


def _cursor(sql: str, dialect: Dialect) -> Cursor:
    """Names folded and qualified the way the dialect's reader does (core.read)."""
    fold = str.lower if dialect.fold_names else _same
    return Cursor(sql, tokenize(sql, dialect.name), fold, dialect.default_schema)


def _same(name: str) -> str:
    return name


def _sources(c: Cursor) -> dict[str, set[QName | None]]:
    """Each alias (or bare table name) a FROM/JOIN item gives, and what it names.

    ``None`` stands for a subquery or a CTE: a star over it is left alone. Aliases are
    collected over the whole text, so one reused for two sources counts as ambiguous.
    """
    toks = c.toks
    ctes = set()
    for i, t in enumerate(toks[:-2]):  # WITH x AS (  /  , x AS (
        nxt, after = toks[i + 1], toks[i + 2]
        if nxt.kind == "word" and nxt.upper == "AS" and after.text == "(" and t.kind != "punct":
            ctes.add(t.text if t.kind == "ident" else c.fold(t.text))
    found: dict[str, set[QName | None]] = {}
    try:
        while not c.at_end():
            if not (c.accept("FROM") or c.accept("JOIN")):
                c.next()
                continue
            while True:  # one FROM item, then the next after a comma
                while c.accept("LATERAL") or c.accept("ONLY"):
                    pass
                if c.is_punct("("):  # a subquery: its alias names no table; read inside it too
                    inside = c.i + 1
                    try:
                        c.skip_group()
                        alias = _alias(c)
                    except ReadError:  # it runs to the end of the text
                        alias = None
                    if alias is not None:
                        found.setdefault(alias, set()).add(None)
                    c.i = inside
                    break
                head = c.peek()
                if head is None or head.kind not in ("word", "ident"):
                    break
                alone, start = not c.is_punct(".", 1), c.i
                try:
                    name = c.qname()
                except ReadError:  # "x." with no name after it: x alone
                    c.i = start
                    name = QName("", c.name())
                target = None if alone and name.name in ctes else name
                found.setdefault(_alias(c) or name.name, set()).add(target)
                if not c.accept_punct(","):  # FROM a x, b y
                    break
    except ReadError:  # the text ends inside a FROM item: what was read so far
        pass
    return found


def _alias(c: Cursor) -> str | None:
    """The alias at the cursor (``AS`` optional), read past; None, and nothing read, if none."""
    start = c.i
    c.accept("AS")
    t = c.peek()
    if t is not None and (t.kind == "ident" or (t.kind == "word" and t.upper not in _NOT_ALIAS)):
        return c.name()
    c.i = start
    return None


def _columns(
    targets: set[QName | None] | None, cat: Relations
) -> tuple[QName, tuple[str, ...]] | None:
    if not targets or len(targets) != 1:
        return None
    (name,) = targets
    if name is None:
        return None
    table = cat.table(name)
    return (name, tuple(c.name for c in table.columns)) if table and table.columns else None


def as_created(o: Opaque, cat: Relations) -> Opaque:
    """``o`` to re-create in ``cat``: a view whose stars would now mean other columns than
    when it was created is written with the columns they meant then (core.view_stars)."""
    then = o.expanded
    if then is None:
        return o
    for name, columns in then.columns:
        table = cat.table(name)
        if table is None or any(table.column(c) is None for c in columns):
            return o  # a column renamed since: the spelled-out text would not run
    now = expand(o.sql, cat)
    if now is not None and now.text == then.text:
        return o  # the same columns today: keep the text as its author wrote it
    return replace(o, sql=then.text, expanded=None)
