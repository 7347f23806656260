"""PostgreSQL: an ``UPDATE`` that maps values, undone by the inverse mapping.

``UPDATE t SET c = CASE c WHEN … END`` or ``UPDATE t SET c = 'b' WHERE c = 'a'`` turns
values into others; when each result came from one value only (an enum's labels say which
values could be there), down.sql maps them back with the inverse CASE and rows survive
the type or label change undone after it. A result more than one value became cannot be
mapped back: rows holding it stop down.sql in its preflight.
"""

from __future__ import annotations

import re
from dataclasses import replace

from prisma_down.core import changes as ch
from prisma_down.core import escape
from prisma_down.core.analysis import ScriptAnalysis, Step
from prisma_down.core.catalog import Catalog, type_base
from prisma_down.core.inverse import Inverse, Risk
from prisma_down.core.names import quote
from prisma_down.core.preflight import Check, quoted_list, table_name
from prisma_down.core.schema import QName
from prisma_down.core.value_map import (
    ValueMap,
    case_sql,
    literal_value,
    read_case,
    read_where,
    unquote,
)

_QNAME = r'(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*))?'
_IDENT = r'(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)'
_UPDATE = re.compile(
    rf"^\s*UPDATE\s+(?:ONLY\s+)?({_QNAME})\s+SET\s+({_IDENT})\s*=\s*(.+?)\s*;?\s*$", re.I | re.S
)


def _mapping(text: str) -> tuple[QName, str, ValueMap] | None:
    """The value mapping of ``UPDATE t SET c = CASE c … END`` (nothing else in the
    statement) or of ``UPDATE t SET c = 'b' WHERE c = 'a'``."""
    m = _UPDATE.match(text)
    if m is None:
        return None
    table, column, rest = type_base(m.group(1))[0], unquote(m.group(2)), m.group(3)
    found = read_where(rest, column)
    if found is None and not re.search(r"\b(WHERE|FROM|RETURNING)\b", rest, re.I):
        found = read_case(rest, column)
    return (table, column, found) if found is not None else None


def _enum_labels(cat: Catalog, table: QName, column: str) -> tuple[str, ...] | None:
    t = cat.tables.get(table)
    col = t.column(column) if t is not None else None
    if col is None:
        return None
    name, suffix = type_base(col.type)
    e = cat.enums.get(name)
    return e.values if e is not None and not suffix else None


def unmap(analysis: ScriptAnalysis, step: Step) -> Inverse | None:
    """``UPDATE t SET c = CASE c WHEN … END`` (or ``= 'b' WHERE c = 'a'``) undone by the
    inverse mapping."""
    found = _mapping(step.statement.text)
    if found is None:
        return None
    table, column, m = found
    labels = _enum_labels(analysis.before, table, column) or _enum_labels(
        analysis.after, table, column
    )
    where = f'{table_name(table)}."{column}"'
    if m.identity_else and labels is None:
        ambiguous = tuple(dict.fromkeys(literal_value(b) for _, b in m.pairs))
    else:
        ambiguous = m.collisions(labels or ())
    keep = m.inverse()
    keep = replace(keep, pairs=tuple(p for p in keep.pairs if literal_value(p[0]) not in ambiguous))
    if not keep.pairs:
        return None
    col = quote(column)
    # an enum compared as text: where the migration never ran, its type may lack a label
    subject = f"{col}::text" if labels is not None else col
    case = case_sql(keep, subject, col)
    sql = f"UPDATE {escape.qualified(table, 'postgres')} SET {col} = {case}"
    guarded = ch.Guarded(ch.Guard("column", (table.name, column), False, table.schema),
                         (ch.Verbatim(sql),))  # fmt: skip
    mapped = ((table, column, tuple(literal_value(a) for a, _ in keep.pairs)),)
    if not ambiguous:
        note = f"values of {where} mapped back by the inverse CASE"
        return Inverse((guarded,), Risk.EXACT, note, mapped=mapped)
    shown = quoted_list(ambiguous)
    check = Check(
        "labels",
        table,
        (column,),
        ambiguous,
        f'rows of {table_name(table)} hold {shown} in "{column}", which the migration made '
        "from more than one value, so they cannot be mapped back: change or delete them first",
    )
    return Inverse(
        (guarded,),
        Risk.LOSES_DATA,
        f"{shown} in {where} cannot be mapped back (more than one value became each)",
        (check,),
        mapped,
    )
