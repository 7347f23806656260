"""PostgreSQL: rows that survive down.sql, a preflight that stops it first, one transaction.

``survive`` rewrites inverses so rows come through: an ``UPDATE t SET c = CASE c …`` of
the migration is undone by its inverse mapping when that is one-to-one, and a NOT NULL
column the migration copied elsewhere before dropping it (``UPDATE t SET new = old``, then
``DROP COLUMN old``) comes back nullable, filled from the copy, then NOT NULL; one whose
values are lost comes back filled with a placeholder where its type has one
(``core.placeholders``).

``frame`` puts the checks (``core.preflight_needs``) in one PL/pgSQL ``DO`` block at the
top, raising with what to fix, and the whole file between ``BEGIN`` and ``COMMIT``, so
psql, ``prisma db execute`` and any client apply all of it or nothing. PostgreSQL's
documentation on what cannot run in a transaction block: CREATE INDEX CONCURRENTLY
("a regular CREATE INDEX command can be performed within a transaction block, but CREATE
INDEX CONCURRENTLY cannot", sql-createindex.html), VACUUM, CREATE DATABASE; and an enum
label added in a transaction "cannot be used until after the transaction has been
committed" (sql-altertype.html): the file commits right after such an ADD VALUE.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from prisma_down.core import changes as ch
from prisma_down.core import escape, seed_checks
from prisma_down.core.analysis import ScriptAnalysis, Step
from prisma_down.core.catalog import Catalog, type_base
from prisma_down.core.inverse import Inverse, Risk, cast_back
from prisma_down.core.names import quote
from prisma_down.core.placeholders import refill
from prisma_down.core.preflight import Check, quoted_list, table_name
from prisma_down.core.read.do_block import exists_query
from prisma_down.core.schema import QName
from prisma_down.core.value_map import case_sql, literal_value, read_case, unquote

Pairs = list[tuple[Step, Inverse]]

_QNAME = r'(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*))?'
_IDENT = r'(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)'
_UPDATE = re.compile(
    rf"^\s*UPDATE\s+(?:ONLY\s+)?({_QNAME})\s+SET\s+({_IDENT})\s*=\s*(.+?)\s*;?\s*$", re.I | re.S
)
_COPY = re.compile(rf"^\(?\s*({_IDENT})\s*\)?(?:\s*::\s*[\w\" .\[\]()]+)?$", re.S)
_NO_TRANSACTION = re.compile(
    r"^\s*(?:CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY|DROP\s+INDEX\s+CONCURRENTLY|"
    r"REINDEX\b.*\bCONCURRENTLY|VACUUM|CREATE\s+DATABASE|DROP\s+DATABASE|ALTER\s+SYSTEM|"
    r"CREATE\s+TABLESPACE|DROP\s+TABLESPACE)\b",
    re.I | re.S,
)
_ADD_VALUE = re.compile(
    r"^\s*ALTER\s+TYPE\s+.+?\s+ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"((?:[Ee]'(?:[^'\\]|''|\\.)*'|'(?:[^']|'')*'))",
    re.I | re.S,
)


def _update(text: str) -> tuple[QName, str, str] | None:
    """``(table, column, expression)`` of ``UPDATE t SET c = expr`` with nothing else."""
    m = _UPDATE.match(text)
    if m is None or re.search(r"\b(WHERE|FROM|RETURNING)\b", m.group(3), re.I):
        return None
    name, _ = type_base(m.group(1))
    return name, unquote(m.group(2)), m.group(3)


def _enum_labels(cat: Catalog, table: QName, column: str) -> tuple[str, ...] | None:
    t = cat.tables.get(table)
    col = t.column(column) if t is not None else None
    if col is None:
        return None
    name, suffix = type_base(col.type)
    e = cat.enums.get(name)
    return e.values if e is not None and not suffix else None


def survive(analysis: ScriptAnalysis) -> ScriptAnalysis:
    """``analysis`` with value mappings undone and dropped NOT NULL columns filled back
    (its steps' inverses rewritten: what ``generate``, ``check`` and the editor report)."""
    copies = _copies(analysis)
    steps: list[Step] = []
    changed = False
    for step in analysis.steps:
        inverses = []
        for inv in step.inverses:
            new = inv
            if inv.risk is Risk.IRREVERSIBLE and not inv.changes:
                new = _unmap(analysis, step) or inv
            elif copies:
                new = _fill(analysis, inv, copies)
            new = refill(new, analysis.after, analysis.before)  # values lost: a placeholder
            changed = changed or new is not inv
            inverses.append(new)
        steps.append(replace(step, inverses=tuple(inverses)))
    return replace(analysis, steps=tuple(steps)) if changed else analysis


def _unmap(analysis: ScriptAnalysis, step: Step) -> Inverse | None:
    """``UPDATE t SET c = CASE c WHEN … END`` undone by the inverse mapping."""
    found = _update(step.statement.text)
    if found is None:
        return None
    table, column, expression = found
    m = read_case(expression, column)
    if m is None:
        return None
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
    sql = f"UPDATE {escape.qualified(table, 'postgres')} SET {col} = {case_sql(keep, col, col)}"
    guarded = ch.Guarded(ch.Guard("column", (table.name, column), False, table.schema),
                         (ch.Verbatim(sql),))  # fmt: skip
    if not ambiguous:
        return Inverse((guarded,), Risk.EXACT, f"values of {where} mapped back by the inverse CASE")
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
    )


def _copies(analysis: ScriptAnalysis) -> dict[tuple[QName, str], str]:
    """``(table, dropped column) → column its values were copied to`` by the migration, for
    copies that are still there when down.sql starts."""
    out: dict[tuple[QName, str], str] = {}
    for step in analysis.steps:
        found = _update(step.statement.text)
        if found is None:
            continue
        table, target, expression = found
        m = _COPY.match(expression.strip())
        if m is None:
            continue
        source = unquote(m.group(1))
        t = analysis.after.tables.get(table)
        if t is not None and t.column(target) is not None and t.column(source) is None:
            out[(table, source)] = target
    return out


def _fill(analysis: ScriptAnalysis, inv: Inverse, copies: dict[tuple[QName, str], str]) -> Inverse:
    checks: list[Check] = []
    notes: list[str] = []

    def rewrite(changes: tuple[ch.Change, ...]) -> tuple[ch.Change, ...]:
        out: list[ch.Change] = []
        for c in changes:
            if isinstance(c, ch.Guarded):
                out.append(ch.Guarded(c.guard, rewrite(c.changes)))
                continue
            copy = copies.get((c.table, c.column.name)) if isinstance(c, ch.AddColumn) else None
            if not isinstance(c, ch.AddColumn) or copy is None or not c.column.not_null:
                out.append(c)
                continue
            col, t = c.column, c.table
            now = analysis.after.tables[t].column(copy)
            assert now is not None
            value = cast_back(analysis.after, copy, now.type, col.type) or quote(copy)
            fill = f"UPDATE {escape.qualified(t, 'postgres')} SET {quote(col.name)} = {value}"
            together = (  # one guard: the UPDATE needs the column just added
                replace(c, column=replace(col, not_null=False)),
                ch.Verbatim(fill),
                ch.SetColumnNotNull(t, col.name, True),
            )
            absent = ch.Guarded(ch.Guard("column", (t.name, col.name), True, t.schema), together)
            out.append(ch.Guarded(ch.Guard("table", (t.name,), False, t.schema), (absent,)))
            notes.append(
                f'{table_name(t)}."{col.name}" filled from "{copy}", where the migration '
                "copied its values"
            )
            checks.append(
                Check(
                    "nulls",
                    t,
                    (copy,),
                    (),
                    f'rows of {table_name(t)} hold NULL in "{copy}", from which down.sql fills '
                    f'"{col.name}" NOT NULL: set a value in those rows or delete them first',
                    absent=col.name,
                )
            )
        return tuple(out)

    changes = rewrite(inv.changes)
    if not notes:
        return inv
    return Inverse(changes, Risk.EXACT, "; ".join(notes), (*inv.checks, *checks))


# -- the file: preflight at the top, one transaction --------------------------------------


def _exists(g: ch.Guard) -> str:
    return f"EXISTS ({exists_query(g)})"


def _rows(c: Check) -> str:
    """A query returning a row when ``c`` fails."""
    t = escape.qualified(c.table, "postgres")
    cols = [quote(n) for n in c.columns]
    lits = ", ".join(escape.literal(v, "postgres") for v in c.values)
    if c.kind in ("values", "labels"):
        subject = f"{cols[0]}::text[]" if c.array else f"{cols[0]}::text"
        if c.array:
            test = f"{subject} && ARRAY[{lits}]::text[]"
            if c.kind == "values":
                test = f"NOT ({subject} <@ ARRAY[{lits}]::text[])"
        else:
            test = f"{subject} {'NOT ' if c.kind == 'values' else ''}IN ({lits})"
        return f"SELECT 1 FROM {t} WHERE {cols[0]} IS NOT NULL AND {test}"
    if c.kind == "nulls":
        return f"SELECT 1 FROM {t} WHERE " + " OR ".join(f"{x} IS NULL" for x in cols)
    if c.kind == "rows":
        return f"SELECT 1 FROM {t}"
    if c.kind == "held":  # any value, while the column has type values[0]
        same = f"pg_typeof({cols[0]}) = {escape.literal(c.values[0], 'postgres')}::regtype"
        return f"SELECT 1 FROM {t} WHERE {cols[0]} IS NOT NULL AND {same}"
    if c.kind == "several":  # an array of other than one element (to_jsonb: any type)
        doc = f"to_jsonb({cols[0]})"
        return (
            f"SELECT 1 FROM {t} WHERE jsonb_typeof({doc}) = 'array' "
            f"AND jsonb_array_length({doc}) <> 1"
        )
    if c.kind == "orphans":
        return f"SELECT 1 FROM {t} WHERE " + " AND ".join(f"{x} IS NOT NULL" for x in cols)
    if c.kind == "pointed" and c.delete is not None:
        parent = escape.qualified(c.delete.table, "postgres")
        return seed_checks.rows(c, t, parent, quote, "derived")
    if c.kind == "duplicates":
        on = ", ".join(cols)
        nn = " AND ".join(f"{x} IS NOT NULL" for x in cols)
        return f"SELECT 1 FROM {t} WHERE {nn} GROUP BY {on} HAVING count(*) > 1"
    raise ValueError(f"no PostgreSQL preflight for a {c.kind} check")


def _conditions(c: Check) -> list[str]:
    """What must hold for ``c`` to apply: its table and columns there, the absent not."""
    s, name = c.table.schema, c.table.name
    out = [_exists(ch.Guard("table", (name,), False, s))]
    out += [_exists(ch.Guard("column", (name, n), False, s)) for n in c.columns]
    if c.absent is not None:
        out.append("NOT " + _exists(ch.Guard("column", (name, c.absent), False, s)))
    if c.delete is not None:  # the table its rows point at, and that table's key
        d = c.delete
        out.append(_exists(ch.Guard("table", (d.table.name,), False, d.table.schema)))
        out += [
            _exists(ch.Guard("column", (d.table.name, n), False, d.table.schema))
            for n in dict.fromkeys((*d.key, *c.values))
        ]
    if c.missing is not None:
        m = c.missing
        out.append("NOT " + _exists(ch.Guard("table", (m.name,), False, m.schema)))
    return out


def preflight(checks: Sequence[Check]) -> str | None:
    """One DO block raising on the first check that fails, or None without checks.

    Each query runs only once its table and columns are known to be there: PL/pgSQL plans
    a statement when it first runs it, so a nested IF keeps a missing table from failing.
    """
    if not checks:
        return None
    lines: list[str] = []
    for c in checks:
        lines.append(f"  IF {' AND '.join(_conditions(c))} THEN")
        lines.append(f"    IF EXISTS ({_rows(c)}) THEN")
        message = escape.literal("down.sql changed nothing: " + c.message, "postgres")
        lines.append(f"      RAISE EXCEPTION '%', {message};")
        lines.append("    END IF;")
        lines.append("  END IF;")
    body = "\n".join(lines)
    tag = escape.dollar_tag(body, "preflight")
    return f"DO {tag} BEGIN\n{body}\nEND {tag}"


def transactions(statements: Sequence[str]) -> tuple[list[int] | None, str]:
    """Where the file commits: None when it cannot run in a transaction at all, else the
    indexes of statements after which it commits and begins again (an enum label added
    and used later); and the header's sentence saying so."""
    for sql in statements:
        if _NO_TRANSACTION.match(sql):
            what = " ".join(sql.split()[:4])
            return None, f"not run in one transaction: {what} cannot run in a transaction block"
    cuts: list[int] = []
    for i, sql in enumerate(statements):
        m = _ADD_VALUE.match(sql)
        if m is not None and any(m.group(1) in later for later in statements[i + 1 :]):
            cuts.append(i)
    if cuts:
        return cuts, (
            f"runs in {len(cuts) + 1} transactions: an enum value added in a transaction "
            "cannot be used before it commits"
        )
    return [], "runs in one transaction (BEGIN … COMMIT): any client applies all of it or nothing"


def strip_transactions(pairs: Pairs) -> Pairs:
    """Without the BEGIN/COMMIT that undo the migration's own: the file has one of its own."""
    out: Pairs = []
    for step, inv in pairs:
        kept = tuple(c for c in inv.changes if not isinstance(c, ch.Transaction))
        out.append((step, inv if len(kept) == len(inv.changes) else replace(inv, changes=kept)))
    return out


Part = tuple[list[str], list[str]]  # a block of down.sql: its comment lines, its statements


def frame(parts: list[Part], checks: Sequence[Check]) -> tuple[list[Part], str]:
    """The file's blocks with the preflight first and the transaction around them, and
    the header's sentence on how it runs."""
    statements = [s for _, st in parts for s in st]
    cuts, note = transactions(statements)
    check = preflight(checks)
    head: list[Part] = []
    if check is not None:
        why = "-- Preflight: stops down.sql before its first change when rows would make it fail"
        head.append(([why], [check]))
    if cuts is None:
        return [*head, *parts], note
    out: list[Part] = [([], ["BEGIN"]), *head]
    i = 0
    for comments, st in parts:
        kept: list[str] = []
        for sql in st:
            kept.append(sql)
            if i in cuts:
                kept += ["COMMIT", "BEGIN"]
            i += 1
        out.append((comments, kept))
    return [*out, ([], ["COMMIT"])], note
