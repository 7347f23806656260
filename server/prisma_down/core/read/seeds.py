"""``INSERT INTO t (cols) SELECT …``: the rows a query added, read so they can be found again.

A plain INSERT (no ON CONFLICT, IGNORE, OR REPLACE) that succeeded met no existing row with
the key of any row it added. So the rows it added are exactly those whose key the query
yields, as long as running the query again yields the same keys: the inverse
(``inverse.seeds``) deletes by that. Here the statement is cut into its target, its column
list and the query's source text (kept as written, a leading ``WITH`` included), and each
column is marked stable when its value cannot differ from one run of the query to the
next: no volatile function (``random()``, ``gen_random_uuid()``, ``nextval``, ``now()`` …)
and no function of unknown volatility in it, none anywhere else in the query (its FROM,
CTEs, WHERE), no LIMIT. A query that reads its own target table (``WHERE NOT EXISTS (…
the target …)``) yields other rows once the INSERT ran: such an INSERT stays irreversible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prisma_down.core import changes as ch
from prisma_down.core.names import qualified
from prisma_down.core.read.tokens import Cursor, ReadError, sqlglot_dialect

if TYPE_CHECKING:
    from sqlglot import exp

_STARTS = frozenset({"SELECT", "WITH", "VALUES"})
_CHANGING = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE"})

# Functions sqlglot does not model (``exp.Anonymous``) whose result depends on their
# arguments only. Any other such function may be volatile (a user's own, ``nextval``,
# ``uuid_generate_v4``, ``cuid`` …), and a key computed by one is not found again.
_DETERMINISTIC = frozenset(
    {
        "btrim",
        "concat_ws",
        "format",
        "initcap",
        "json_build_object",
        "jsonb_build_object",
        "lpad",
        "ltrim",
        "regexp_replace",
        "rpad",
        "rtrim",
        "split_part",
        "to_char",
        "translate",
    }
)
# Time words PostgreSQL and SQLite read as "the current time" inside a literal
# ('now'::timestamp, datetime('now')): a value of another moment each run.
_NOW_WORDS = frozenset({"now", "today", "tomorrow", "yesterday", "localtime"})


def read(c: Cursor, text: str, dialect: str) -> ch.InsertRows | ch.DataChange | None:
    """``[WITH …] INSERT INTO t (cols) <query> [RETURNING …]`` as an InsertRows carrying
    the query, a DataChange when the query reads its own target; None for every other
    shape (ON CONFLICT, ON DUPLICATE KEY, no column list, a data-changing CTE, text
    sqlglot cannot parse)."""
    start = c.i
    try:
        return _read(c, text, dialect)
    except ReadError:
        return None
    finally:
        c.i = start


def _read(c: Cursor, text: str, dialect: str) -> ch.InsertRows | ch.DataChange | None:
    ctes = ""
    if c.is_word("WITH"):
        begin = c.i
        c.next()
        c.accept("RECURSIVE")
        while True:
            c.name()
            if c.is_punct("("):
                c.skip_group()
            c.expect("AS")
            c.accept("NOT")
            c.accept("MATERIALIZED")
            if not c.is_punct("("):
                return None
            inner = c.peek(1)
            if inner is not None and inner.kind == "word" and inner.upper in _CHANGING:
                return None  # a data-changing CTE: its effects are not undone by a DELETE
            c.skip_group()
            if not c.accept_punct(","):
                break
        ctes = c.source(begin, c.i)
    if not c.accept("INSERT", "INTO"):
        return None
    table = c.qname()
    if not c.is_punct("("):
        return None
    columns = c.name_list()
    head = c.peek()
    if head is None or not ((head.kind == "word" and head.upper in _STARTS) or c.is_punct("(")):
        return None
    if ctes and head.kind == "word" and head.upper == "WITH":
        return None  # two WITH lists cannot be joined into one query as written
    begin = c.i
    while not c.at_end():
        t = c.toks[c.i]
        if t.kind == "word" and t.upper == "RETURNING":
            break
        if t.kind == "word" and t.upper == "ON" and c.is_word("CONFLICT", k=1):
            return None  # which rows were skipped or updated is not known
        if t.kind == "word" and t.upper == "ON" and c.is_word("DUPLICATE", k=1):
            return None
        c.skip_group()
    if c.i == begin:
        return None
    query = c.source(begin, c.i)
    tree = _parse(text, dialect)
    if tree is None:
        return None
    if _reads(tree, table.name):
        return ch.DataChange(
            f"INSERT of rows computed by a query that reads {qualified(table)} itself: after the "
            "INSERT it yields other rows, so which rows it added is not known"
        )
    stable = _stable(tree, columns)
    return ch.InsertRows(table, columns, (), (ctes + "\n" + query) if ctes else query, stable)


def _parse(text: str, dialect: str) -> exp.Insert | None:
    """sqlglot's tree of a plain INSERT; None for anything else or text it cannot parse."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(text, read=sqlglot_dialect(dialect))
    except Exception:  # sqlglot raises more than ParseError on odd input
        return None
    if not isinstance(tree, exp.Insert) or tree.args.get("conflict") or tree.args.get("ignore"):
        return None
    return tree


def _reads(tree: exp.Insert, name: str) -> bool:
    """Whether the query reads a table called ``name`` (any schema, any case: a near miss
    only keeps the statement irreversible). Such a query (``WHERE NOT EXISTS (… the target
    …)``) yields other rows once the INSERT has run."""
    from sqlglot import exp

    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    return any(t is not target and t.name.lower() == name.lower() for t in tree.find_all(exp.Table))


def _stable(tree: exp.Insert, columns: tuple[str, ...]) -> tuple[str, ...]:
    """The columns whose values the query yields again when run again."""
    from sqlglot import exp

    query = tree.expression
    while isinstance(query, exp.Subquery):
        query = query.this
    rows = _rows(query)
    if not rows or any(len(r) != len(columns) for r in rows):
        return ()  # SELECT *, or a shape whose columns cannot be told apart: none stable
    if any(isinstance(e, exp.Star) for r in rows for e in r):
        return ()
    outputs = {id(e) for r in rows for e in r}
    for node in tree.walk():
        if isinstance(node, exp.Limit | exp.Fetch | exp.Offset | exp.TableSample):
            return ()  # which rows it picks may differ from run to run
        if _volatile(node) and not _inside(node, outputs):
            return ()  # the rows themselves may differ from run to run
    return tuple(col for i, col in enumerate(columns) if not any(_any_volatile(r[i]) for r in rows))


def _rows(query: exp.Expr) -> list[list[exp.Expr]]:
    """The output expressions of each branch (UNION …) or VALUES row of ``query``."""
    from sqlglot import exp

    if isinstance(query, exp.Union | exp.Intersect | exp.Except):
        return _rows(query.this) + _rows(query.expression)
    if isinstance(query, exp.Subquery):
        return _rows(query.this)
    if isinstance(query, exp.Select):
        return [list(query.expressions)]
    if isinstance(query, exp.Values):
        return [list(t.expressions) for t in query.expressions if isinstance(t, exp.Tuple)]
    return []


def _inside(node: exp.Expr, outputs: set[int]) -> bool:
    n: exp.Expr | None = node
    while n is not None:
        if id(n) in outputs:
            return True
        n = n.parent
    return False


def _any_volatile(e: exp.Expr) -> bool:
    return any(_volatile(n) for n in e.walk())


def _volatile(node: exp.Expr) -> bool:
    """Whether ``node`` may yield another value when the query runs again."""
    from sqlglot import exp

    volatile = (
        exp.Rand,
        exp.Randn,
        exp.Uuid,
        exp.CurrentTimestamp,
        exp.CurrentDate,
        exp.CurrentTime,
        exp.CurrentDatetime,
        exp.Localtimestamp,
        exp.Localtime,
        exp.UnixSeconds,
    )
    if isinstance(node, volatile):
        return True
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower() not in _DETERMINISTIC
    if isinstance(node, exp.Literal) and node.is_string:
        return str(node.this).strip().lower() in _NOW_WORDS
    return False
