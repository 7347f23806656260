"""PostgreSQL: rows that survive down.sql, a preflight that stops it first, one transaction.

``survive`` rewrites inverses so rows come through: an ``UPDATE t SET c = CASE c …`` of
the migration is undone by its inverse mapping when that is one-to-one, and a NOT NULL
column the migration copied elsewhere before dropping it (``UPDATE t SET new = f(old)``,
``DROP COLUMN old``, often ``RENAME COLUMN new TO old``) comes back nullable, filled from
the copy by the inverse of ``f`` (``core.conversions``), then NOT NULL; one whose values
are lost comes back filled with a placeholder where its type has one
(``core.placeholders``). Both are judged by the catalog as down.sql finds it at the step
it undoes (``core.copies``), not as the whole migration left it.

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
from prisma_down.core.catalog import Catalog
from prisma_down.core.conversions import undo
from prisma_down.core.copies import Fill, States, follow, states
from prisma_down.core.inverse import Inverse, Risk
from prisma_down.core.names import quote
from prisma_down.core.placeholders import refill
from prisma_down.core.preflight import Check, table_name
from prisma_down.core.read.do_block import exists_query
from prisma_down.core.schema import QName
from prisma_down.core.update_map import unmap

Pairs = list[tuple[Step, Inverse]]

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


def survive(analysis: ScriptAnalysis) -> ScriptAnalysis:
    """``analysis`` with value mappings undone and dropped NOT NULL columns filled back
    (its steps' inverses rewritten: what ``generate``, ``check`` and the editor report).

    A column put back is judged by the catalog as down.sql finds it at that step
    (``core.copies``), not as the whole migration left it."""
    at = states(analysis) if any(_adds_not_null(s.inverses) for s in analysis.steps) else None
    fills = follow(analysis, at) if at is not None else {}
    steps: list[Step] = []
    changed = False
    for si, step in enumerate(analysis.steps):
        inverses = []
        for ii, inv in enumerate(step.inverses):
            new = inv
            if inv.risk is Risk.IRREVERSIBLE and not inv.changes:
                new = unmap(analysis, step) or inv
            elif (si, ii) in fills and at is not None:
                new = _fill(at[si][ii][1], inv, fills[(si, ii)])
            if at is not None and not _renamed_into(new, at, (si, ii)):  # values lost
                new = refill(new, at[si][ii][1], analysis.before)
            changed = changed or new is not inv
            inverses.append(new)
        steps.append(replace(step, inverses=tuple(inverses)))
    return replace(analysis, steps=tuple(steps)) if changed else analysis


def _renamed_into(inv: Inverse, at: States, where: tuple[int, int]) -> bool:
    """Whether a column ``inv`` puts back gets its name later in the migration from a
    RENAME: down.sql renames that one back first, and where the migration never ran,
    that is the column itself, holding its values; a placeholder would replace them."""
    added: set[tuple[QName, str]] = set()

    def collect(changes: Sequence[ch.Change]) -> None:
        for c in changes:
            if isinstance(c, ch.Guarded):
                collect(c.changes)
            elif isinstance(c, ch.AddColumn):
                added.add((c.table, c.column.name))

    collect(inv.changes)
    if not added:
        return False
    return any(
        isinstance(c, ch.RenameColumn) and (c.table, c.new) in added
        for si, row in enumerate(at)
        for ii, (_, _, c) in enumerate(row)
        if (si, ii) > where
    )


def _adds_not_null(inverses: Sequence[Inverse]) -> bool:
    def adds(changes: Sequence[ch.Change]) -> bool:
        return any(
            adds(c.changes) if isinstance(c, ch.Guarded)
            else isinstance(c, ch.AddColumn) and c.column.not_null
            for c in changes
        )  # fmt: skip

    return any(adds(inv.changes) for inv in inverses)


def _fill(cat: Catalog, inv: Inverse, fills: dict[tuple[QName, str], Fill]) -> Inverse:
    """``inv`` with each NOT NULL column it puts back that a copy still holds added
    nullable, filled by the inverse of the copy's conversion, then made NOT NULL; ``cat``:
    the catalog as down.sql finds it at this step."""
    checks: list[Check] = []
    notes: list[str] = []
    lost: list[str] = []

    def rewrite(changes: tuple[ch.Change, ...]) -> tuple[ch.Change, ...]:
        out: list[ch.Change] = []
        for c in changes:
            if isinstance(c, ch.Guarded):
                out.append(ch.Guarded(c.guard, rewrite(c.changes)))
                continue
            fill = fills.get((c.table, c.column.name)) if isinstance(c, ch.AddColumn) else None
            value = _value(cat, c, fill) if isinstance(c, ch.AddColumn) else None
            if not isinstance(c, ch.AddColumn) or fill is None or value is None:
                if fill is not None and isinstance(c, ch.AddColumn) and c.column.not_null:
                    lost.append(
                        f'the migration made "{fill.target}" from {table_name(c.table)}.'
                        f'"{c.column.name}" by {_short(fill.conversion.text)}, which has no '
                        "exact inverse"
                    )
                out.append(c)
                continue
            col, t = c.column, c.table
            sql = f"UPDATE {escape.qualified(t, 'postgres')} SET {quote(col.name)} = {value}"
            together = (  # one guard: the UPDATE needs the column just added
                replace(c, column=replace(col, not_null=False)),
                ch.Verbatim(sql),
                ch.SetColumnNotNull(t, col.name, True),
            )
            absent = ch.Guarded(ch.Guard("column", (t.name, col.name), True, t.schema), together)
            out.append(ch.Guarded(ch.Guard("table", (t.name,), False, t.schema), (absent,)))
            how = "copied" if fill.conversion.rule == "cast" else "converted"
            notes.append(
                f'{table_name(t)}."{col.name}" filled from "{fill.target}", where the migration '
                f"{how} its values"
            )
            if (fill.table, fill.column) == (t, col.name):
                continue  # renamed back: preflight_needs checks it as NOT NULL coming back
            checks.append(
                Check(
                    "nulls",
                    fill.table,
                    (fill.column,),
                    (),
                    f'rows of {table_name(fill.table)} hold NULL in "{fill.column}", from which '
                    f'down.sql fills "{col.name}" NOT NULL: set a value in those rows or delete '
                    "them first",
                    absent=col.name,
                )
            )
        return tuple(out)

    changes = rewrite(inv.changes)
    if not notes:
        return replace(inv, note="; ".join([inv.note, *lost])) if lost else inv
    return Inverse(changes, Risk.EXACT, "; ".join(notes), (*inv.checks, *checks))


def _short(sql: str) -> str:
    return sql if len(sql) <= 60 else sql[:59] + "…"


def _value(cat: Catalog, c: ch.AddColumn, fill: Fill | None) -> str | None:
    """SQL giving ``c``'s values back from the copy, or None (no exact inverse known)."""
    if fill is None or not c.column.not_null:
        return None
    t = cat.tables.get(c.table)
    now = t.column(fill.target) if t is not None else None
    if now is None:
        return None
    return undo(fill.conversion, fill.target, now.type, c.column.type, cat)


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
