"""DELETE of exactly the rows an INSERT added: one shape for every dialect.

Dialects differ only in how a multi-column key is matched: PostgreSQL and MySQL take row
values (``(a, b) IN ((1, 2))``), SQLite wants ``IN (VALUES ...)``, SQL Server has no row
values at all (``(a = 1 AND b = 2) OR ...``).
"""

from __future__ import annotations

from collections.abc import Callable

from prisma_down.core import changes as ch


def delete_rows(
    c: ch.DeleteRows,
    table: str,
    quote: Callable[[str], str],
    keys: str = "in",  # "in", "values" or "or": how a multi-column key is matched
) -> str:
    """``DELETE FROM <table> WHERE <key> IN (...)``; values are the rows' source text."""
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
