"""The rows of two moments of one database, compared table by table in plain words.

After down.sql, a table every step called exact must hold the rows it held before the
migration (``differences``: a failure); a table a ``loses-data`` or ``irreversible`` step
touched is only described (``lost``). Rows are compared as multisets of their values as
text over the columns both moments have, so a column put back at the end compares equal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from prisma_down.verify.live import Name, Rows, RowSets, shown

_EXAMPLES = 1  # values quoted per differing column


@dataclass(frozen=True)
class RowCheck:
    differences: tuple[str, ...]  # tables held to their rows that did not get them back
    lost: tuple[str, ...]  # what steps that said they lose data lost
    compared: int  # tables held to their rows


def compare(
    before: RowSets, after: RowSets, exact: Callable[[Name], bool], default_schema: str
) -> RowCheck:
    """Rows of every table present at both moments; ``exact`` says which are held to it."""
    differences: list[str] = []
    lost: list[str] = []
    compared = 0
    for name in sorted(before.keys() & after.keys()):
        held = exact(name)
        compared += held
        found = describe(before[name], after[name], shown(name, default_schema))
        (differences if held else lost).extend(found)
    return RowCheck(tuple(differences), tuple(lost), compared)


def describe(a: Rows, b: Rows, table: str) -> list[str]:
    """How ``b`` differs from ``a`` (empty when the rows are the same), each sentence ending
    in "before, … after" as the schema differences do."""
    common = [c for c in a.columns if c in b.columns]
    x, y = a.project(common), b.project(common)
    if x == y:
        return []
    if a.count != b.count:
        return [f"rows of {table}: {a.count} before, {b.count} after"]
    out = []
    for i, col in enumerate(common):
        u = Counter(row[i] for row in x.elements())
        v = Counter(row[i] for row in y.elements())
        if u == v:
            continue
        missing = sorted((u - v).elements(), key=_key)[:_EXAMPLES]
        found = sorted((v - u).elements(), key=_key)[:_EXAMPLES]
        n = sum((u - v).values())
        out.append(
            f'{n} value{"s" if n != 1 else ""} of column {table}."{col}" differ: '
            f"{_show(missing)} before, {_show(found)} after"
        )
    if not out:  # the same values column by column, paired differently
        out.append(f"rows of {table} hold the same values in other combinations after")
    return out


def _key(v: str | None) -> tuple[bool, str]:
    return (v is None, v or "")


def _show(values: list[str | None]) -> str:
    shown_ = ["NULL" if v is None else repr(v if len(v) <= 40 else v[:39] + "…") for v in values]
    return ", ".join(shown_) or "nothing"


__all__ = ["RowCheck", "compare", "describe"]
