"""DELETE of exactly the rows an INSERT added: one shape for every dialect.

Dialects differ only in how a multi-column key is matched: PostgreSQL and MySQL take row
values (``(a, b) IN ((1, 2))``), SQLite wants ``IN (VALUES ...)``, SQL Server has no row
values at all (``(a = 1 AND b = 2) OR ...``). The rows an INSERT … SELECT added are those
whose key its query yields (``queried``): the query, as written, names its output columns
after the INSERT's column list, in a derived table or a CTE, as the engine allows.
"""

from __future__ import annotations

from collections.abc import Callable

from prisma_down.core import changes as ch


def delete_rows(
    c: ch.DeleteRows,
    table: str,
    quote: Callable[[str], str],
    keys: str = "in",  # "in", "values" or "or": how a multi-column key is matched
    query: str = "derived",  # "derived" or "cte": see ``queried``
) -> str:
    """``DELETE FROM <table> WHERE <key> IN (...)``; values are the rows' source text."""
    if c.query:
        return queried(c, table, quote, "exists" if keys == "or" else query)
    if len(c.key) == 1:
        values = ", ".join(v[0] for v in c.values)
        return f"DELETE FROM {table} WHERE {quote(c.key[0])} IN ({values})"
    if keys == "or":
        rows = " OR ".join(
            "(" + " AND ".join(f"{quote(k)} = {v}" for k, v in zip(c.key, row, strict=True)) + ")"
            for row in c.values
        )
        return f"DELETE FROM {table} WHERE {rows}"
    columns = ", ".join(quote(k) for k in c.key)
    rows = ", ".join("(" + ", ".join(v) + ")" for v in c.values)
    prefix = "VALUES " if keys == "values" else ""
    return f"DELETE FROM {table} WHERE ({columns}) IN ({prefix}{rows})"


def queried(c: ch.DeleteRows, table: str, quote: Callable[[str], str], shape: str) -> str:
    """``DELETE FROM <table> WHERE <key> IN (<the keys the query yields>)``.

    ``derived`` (PostgreSQL): ``(<query>) AS seeded (<columns>)``, each key cast to its
    column's type (an INSERT casts on assignment, a comparison does not: 'x' against an
    enum column is ``enum = text``, which has no operator). ``cte`` (SQLite, which has no
    column list on a derived table): ``WITH seeded (<columns>) AS (<query>)``.
    ``cte`` is MySQL's too (MariaDB before 11.7 has no column list on a derived table
    either); the query never reads the table it deletes from (``read.seeds`` keeps such an
    INSERT irreversible), so MySQL's rule against that does not arise. ``exists`` (SQL
    Server, no row values): a correlated EXISTS.
    """
    return f"DELETE FROM {table} WHERE {deleted(c, table, quote, shape)}"


def deleted(c: ch.DeleteRows, table: str, quote: Callable[[str], str], shape: str) -> str:
    """The WHERE condition of ``queried``'s DELETE: true on the rows of ``table`` (quoted)
    it deletes; a preflight asks the same of them (``core.seed_checks``)."""
    names = ", ".join(quote(k) for k in c.columns)
    key = ", ".join(quote(k) for k in c.key)
    lhs = key if len(c.key) == 1 else f"({key})"
    if shape == "exists":
        on = " AND ".join(f"seeded.{quote(k)} = {table}.{quote(k)}" for k in c.key)
        source = f"(\n{c.query}\n) AS seeded ({names})"
        return f"EXISTS (SELECT 1 FROM {source} WHERE {on})"
    cte = f"WITH seeded ({names}) AS (\n{c.query}\n)"
    if shape == "cte":
        return f"{lhs} IN ({cte} SELECT {key} FROM seeded)"
    typed = [
        f"CAST(seeded.{quote(k)} AS {t})" if t else f"seeded.{quote(k)}"
        for k, t in zip(c.key, c.types or ("",) * len(c.key), strict=True)
    ]
    source = f"(\n{c.query}\n) AS seeded ({names})"
    return f"{lhs} IN (SELECT {', '.join(typed)} FROM {source})"
