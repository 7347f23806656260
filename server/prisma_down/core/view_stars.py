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

from collections.abc import Callable
from typing import TYPE_CHECKING

from prisma_down.core.read.tokens import ReadError, Tok, tokenize
from prisma_down.core.schema import QName, Spelled

if TYPE_CHECKING:
    from prisma_down.core.catalog import Catalog

# Words that end a FROM item, so they are never read as its alias.
_NOT_ALIAS = {
    "ON", "USING", "WHERE", "GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "UNION", "EXCEPT",
    "INTERSECT", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "NATURAL", "OUTER",
    "WINDOW", "FETCH", "FOR", "WITH", "LATERAL", "TABLESAMPLE", "AS",
}  # fmt: skip
STAR_DIALECTS = ("postgres", "cockroachdb", "mysql")
_NAMES = ("word", "ident")


def expand(sql: str, cat: Catalog) -> Spelled | None:
    """``sql`` with each star whose table is known spelled out as that table's columns in
    ``cat``; None when nothing was spelled out (no star, or none whose table is certain)."""
    if "*" not in sql or cat.dialect not in STAR_DIALECTS:
        return None
    try:
        toks = tokenize(sql, cat.dialect)
    except ReadError:
        return None
    fold: Callable[[str], str] = str if cat.dialect == "mysql" else str.lower
    sources = _sources(toks, fold)
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
            alias = q.text if q.kind == "ident" else fold(q.text)
            found = _columns(sources.get(alias), cat)
            if found:
                qual = sql[q.start : q.end]
                cols = found[1]
                out += [sql[last : q.start], ", ".join(f"{qual}.{_quote(c, cat)}" for c in cols)]
                last = t.end
                used.append(found)
        elif prev is not None and prev.kind == "word" and prev.upper in ("SELECT", "DISTINCT"):
            targets = {v for vs in sources.values() for v in vs}
            found = _columns(targets, cat) if len(targets) == 1 else None
            if found:
                out += [sql[last : t.start], ", ".join(_quote(c, cat) for c in found[1])]
                last = t.end
                used.append(found)
    if not out:
        return None
    return Spelled("".join(out) + sql[last:], tuple(used))


def _sources(toks: list[Tok], fold: Callable[[str], str]) -> dict[str, set[QName | None]]:
    """Each alias (or bare table name) a FROM/JOIN item gives, and what it names.

    ``None`` stands for a subquery or a CTE: a star over it is left alone. Aliases are
    collected over the whole text, so one reused for two sources counts as ambiguous.
    """
    ctes = set()
    for i, t in enumerate(toks[:-2]):  # WITH x AS (  /  , x AS (
        nxt, after = toks[i + 1], toks[i + 2]
        if nxt.kind == "word" and nxt.upper == "AS" and after.text == "(" and t.kind != "punct":
            ctes.add(t.text if t.kind == "ident" else fold(t.text))
    found: dict[str, set[QName | None]] = {}
    i = 0
    while i < len(toks):
        t = toks[i]
        i += 1
        if not (t.kind == "word" and t.upper in ("FROM", "JOIN")):
            continue
        while True:  # one FROM item, then the next after a comma
            while i < len(toks) and toks[i].kind == "word" and toks[i].upper in ("LATERAL", "ONLY"):
                i += 1
            if i >= len(toks):
                break
            if toks[i].text == "(":  # a subquery: its alias names no table; read inside it too
                alias, _ = _alias(toks, _skip_group(toks, i), fold)
                if alias is not None:
                    found.setdefault(alias, set()).add(None)
                i += 1
                break
            if toks[i].kind not in ("word", "ident"):
                break
            parts = [_name(toks[i], fold)]
            i += 1
            while i + 1 < len(toks) and toks[i].text == "." and toks[i + 1].kind in _NAMES:
                parts.append(_name(toks[i + 1], fold))
                i += 2
            own = parts[-1]
            target = None if len(parts) == 1 and own in ctes else QName(_schema(parts), own)
            alias, i = _alias(toks, i, fold)
            found.setdefault(alias or own, set()).add(target)
            if i >= len(toks) or toks[i].text != ",":  # FROM a x, b y
                break
            i += 1
    return found


def _alias(toks: list[Tok], i: int, fold: Callable[[str], str]) -> tuple[str | None, int]:
    """The alias at token ``i`` (``AS`` optional) and the index after it."""
    j = i + 1 if i < len(toks) and toks[i].kind == "word" and toks[i].upper == "AS" else i
    if j < len(toks) and (
        toks[j].kind == "ident" or (toks[j].kind == "word" and toks[j].upper not in _NOT_ALIAS)
    ):
        return _name(toks[j], fold), j + 1
    return None, i


def _schema(parts: list[str]) -> str:
    schema = parts[-2] if len(parts) > 1 else ""
    return "" if schema == "public" else schema


def _columns(
    targets: set[QName | None] | None, cat: Catalog
) -> tuple[QName, tuple[str, ...]] | None:
    if not targets or len(targets) != 1:
        return None
    (name,) = targets
    if name is None:
        return None
    table = cat.table(name)
    return (name, tuple(c.name for c in table.columns)) if table and table.columns else None


def _skip_group(toks: list[Tok], i: int) -> int:
    depth = 0
    while i < len(toks):
        if toks[i].text == "(" and toks[i].kind == "punct":
            depth += 1
        elif toks[i].text == ")" and toks[i].kind == "punct":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def _name(t: Tok, fold: Callable[[str], str]) -> str:
    return t.text if t.kind == "ident" else fold(t.text)


def _quote(name: str, cat: Catalog) -> str:
    if cat.dialect == "mysql":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'
