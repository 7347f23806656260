"""PostgreSQL ``DO $$ ... $$`` blocks: their DDL, when the control flow is plain enough.

People wrap schema changes in DO blocks, to fill a new column or to make a step idempotent
(``IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'x') THEN ALTER TABLE ...``).
A straight list of statements is read like any other script; an existence guard becomes a
``Guarded`` change that the replay decides against the catalog; other branches, loops and
dynamic SQL leave the block opaque (irreversible).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from prisma_down.core import changes as ch
from prisma_down.core.statements import split

_DOLLAR = re.compile(
    r"^\s*DO\s+(?:LANGUAGE\s+plpgsql\s+)?(\$[A-Za-z_]*\$)(.*)\1\s*(?:LANGUAGE\s+plpgsql\s*)?$",
    re.S | re.I,
)
_IF = re.compile(r"^\s*IF\s+(NOT\s+)?EXISTS\s*\((.*)\)\s*THEN\b(.*)$", re.S | re.I)
_END_IF = re.compile(r"^\s*END\s+IF\s*$", re.I)
_BRANCHY = re.compile(
    r"^\s*(IF|ELSIF|ELSE|CASE|LOOP|FOR|FOREACH|WHILE|EXCEPTION|BEGIN|END|"
    r"EXECUTE|RETURN|EXIT|CONTINUE|GET)\b",
    re.I,
)
_DDL = re.compile(r"^\s*(CREATE|ALTER|DROP|COMMENT)\b", re.I)
_HARMLESS = re.compile(r"^\s*(RAISE\s+(NOTICE|INFO|LOG|DEBUG)|NULL)\b", re.I)
_LITERAL = r"\s*=\s*'((?:[^']|'')*)'"
# catalog relation → (kind, the column names holding the literals, table column first)
_GUARDS = {
    "information_schema.tables": ("table", ("table_name",)),
    "pg_tables": ("table", ("tablename",)),
    "information_schema.columns": ("column", ("table_name", "column_name")),
    "information_schema.table_constraints": ("constraint", ("constraint_name",)),
    "pg_constraint": ("constraint", ("conname",)),
    "pg_type": ("type", ("typname",)),
    "pg_indexes": ("index", ("indexname",)),
    "pg_extension": ("extension", ("extname",)),
}

ReadInner = Callable[[str, str], tuple[ch.Change, ...]]


def read(text: str, dialect: str, read_inner: ReadInner) -> tuple[ch.Change, ...] | None:
    """The changes of a DO block, or None when its flow is not plain enough to follow."""
    m = _DOLLAR.match(text)
    if m is None:
        return None
    body = m.group(2)
    begin = re.search(r"\bBEGIN\b", body, re.I)
    ends = list(re.finditer(r"\bEND\b\s*;?\s*$", body, re.I))
    if begin is None or not ends:
        return None
    pieces = [st.text for st in split(body[begin.end() : ends[-1].start()], dialect).statements]
    out: list[ch.Change] = []
    others: list[str] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        cond = _IF.match(piece)
        if cond is not None:
            guard = guard_of(cond.group(2), bool(cond.group(1)))
            if guard is None:
                return None
            inner = [cond.group(3)] if cond.group(3).strip() else []
            i += 1
            while i < len(pieces) and not _END_IF.match(pieces[i]):
                inner.append(pieces[i])
                i += 1
            if i == len(pieces):
                return None
            changes = _straight(inner, dialect, read_inner, others)
            if changes is None:
                return None
            out.append(ch.Guarded(guard, tuple(changes)))
        else:
            changes = _straight([piece], dialect, read_inner, others)
            if changes is None:
                return None
            out.extend(changes)
        i += 1
    if not out:
        return None
    if others:
        kinds = ", ".join(sorted(set(others)))
        out.append(ch.DataChange(f"the DO block also runs {kinds}, which cannot be undone"))
    return tuple(out)


def _straight(
    pieces: list[str], dialect: str, read_inner: ReadInner, others: list[str]
) -> list[ch.Change] | None:
    out: list[ch.Change] = []
    for text in pieces:
        if _BRANCHY.match(text):
            return None
        if _DDL.match(text):
            out.extend(read_inner(text, dialect))
        elif not _HARMLESS.match(text):
            others.append(text.split(None, 1)[0].upper())
    return out


def guard_of(query: str, negated: bool) -> ch.Guard | None:
    """An existence query over the system catalogs, as a Guard; None for anything else."""
    src = re.search(r"\bFROM\s+([\w.\"]+)", query, re.I)
    if src is None:
        return None
    relation = src.group(1).replace('"', "").lower()
    relation = relation.removeprefix("pg_catalog.").removeprefix("public.")
    spec = _GUARDS.get(relation)
    if spec is None:
        return None
    kind, fields = spec
    names: list[str] = []
    for f in fields:
        hit = re.search(rf"\b{f}{_LITERAL}", query, re.I)
        if hit is None:
            return None
        names.append(hit.group(1).replace("''", "'"))
    return ch.Guard(kind, tuple(names), negated)
