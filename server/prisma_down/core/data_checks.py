"""Preflight: what the rows must satisfy before down.sql changes anything.

An inverse that puts NOT NULL back, re-creates a unique key, removes an enum value or
narrows a column fails on rows that do not fit. MySQL commits every DDL statement on its
own and SQLite runs down.sql statement by statement, so such a failure halfway leaves the
database neither before nor after. ``checks`` lists, from down.sql's changes, the data
checks that must pass first; each dialect's renderer turns them into statements at the top
of down.sql that stop it with ``message`` when they do not (``render.preflight``).

Only columns that exist, under the same name, both before and after the migration are
checked: those are there whatever prefix of a failed migration ran, so a check never fails
on a column or table that is missing. A column or table an earlier inverse renames, adds,
drops or rebuilds is left alone (its rows are not the ones the check would see).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from prisma_down.core import changes as ch
from prisma_down.core import preflight as shared
from prisma_down.core import seed_checks
from prisma_down.core.catalog import Catalog
from prisma_down.core.schema import Column, QName


@dataclass(frozen=True)
class NoNulls:
    """NOT NULL comes back on ``columns[0]``: no row may hold NULL there."""

    table: QName
    columns: tuple[str, ...]
    message: str
    values: tuple[str, ...] = ()
    kind: str = "no-nulls"


@dataclass(frozen=True)
class NoDuplicates:
    """A unique key or primary key comes back on ``columns``: no two rows may share values
    there (rows with a NULL in one of them are never duplicates)."""

    table: QName
    columns: tuple[str, ...]
    message: str
    values: tuple[str, ...] = ()
    kind: str = "no-duplicates"


@dataclass(frozen=True)
class NoValues:
    """Enum labels ``values`` go away from ``columns[0]``'s type: no row may hold one."""

    table: QName
    columns: tuple[str, ...]
    message: str
    values: tuple[str, ...] = ()
    kind: str = "no-values"


@dataclass(frozen=True)
class FitsLength:
    """``columns[0]`` is narrowed to ``values[0]`` characters: no longer value may be there."""

    table: QName
    columns: tuple[str, ...]
    message: str
    values: tuple[str, ...] = ()
    kind: str = "fits-length"


@dataclass(frozen=True)
class OneRow:
    """A unique key comes back on columns that come back without their values (one value
    on every row): the table may hold one row at most."""

    table: QName
    columns: tuple[str, ...]
    message: str
    values: tuple[str, ...] = ()
    kind: str = "one-row"


# shared.Check: the checks PostgreSQL's preflight renders too (kind ``pointed``: rows
# pointing at rows a DELETE of down.sql deletes, ``core.seed_checks``)
Check = NoNulls | NoDuplicates | NoValues | FitsLength | OneRow | shared.Check


def checks(changes: Sequence[ch.Change], after: Catalog, before: Catalog) -> list[Check]:
    """The data checks down.sql's ``changes`` (in the order they run) need, without repeats.

    ``after`` is the catalog down.sql starts from (after the migration), ``before`` the one
    it restores.
    """
    out: dict[Check, None] = {}
    moved: set[tuple[QName, str | None]] = set()  # (table, column); column None: all of it
    same: set[tuple[QName, str]] = set()  # columns that come back with one value on every row
    for c in ch.flat(changes):
        same = {x for x in same if x not in _moves(c)} | _one_value(c, after)
        for check in [*_of(c, after, before), *_lost_keys(c, after, before, same)]:
            if not any((check.table, x) in moved for x in (None, *check.columns)):
                out.setdefault(check)
        moved |= _moves(c)
    for check in seed_checks.pointed(changes, after, before):
        out.setdefault(check)
    return list(out)


def _moves(c: ch.Change) -> set[tuple[QName, str | None]]:
    """What ``c`` renames, adds, drops or rebuilds: later checks there would ask too late."""
    if isinstance(c, ch.RenameTable):
        return {(c.old, None), (c.new, None)}
    if isinstance(c, ch.CreateTable):
        return {(c.table.name, None)}
    if isinstance(c, ch.DropTable):
        return {(c.name, None)}
    if isinstance(c, ch.RedefineTable):  # rows copied: a column copied to itself stays
        same = {new for new, old in c.copied if new == old}
        return {(c.table.name, x.name) for x in c.table.columns if x.name not in same} | {
            (c.table.name, old) for new, old in c.copied if new != old
        }
    if isinstance(c, ch.RenameColumn):
        return {(c.table, c.old), (c.table, c.new)}
    if isinstance(c, ch.AddColumn):
        return {(c.table, c.column.name)}
    if isinstance(c, ch.DropColumn):
        return {(c.table, c.name)}
    if isinstance(c, ch.ReplaceColumn) and c.new.name != c.column:
        return {(c.table, c.column), (c.table, c.new.name)}
    return set()


def _stable(after: Catalog, before: Catalog, table: QName, column: str) -> Column | None:
    """The column as it is now, when it exists now and before the migration."""
    now, then = after.tables.get(table), before.tables.get(table)
    if now is None or then is None or then.column(column) is None:
        return None
    return now.column(column)


def _name(table: QName, columns: Sequence[str]) -> str:
    return f"{table.name}.{','.join(columns)}"


def _of(c: ch.Change, after: Catalog, before: Catalog) -> list[Check]:
    if isinstance(c, ch.SetColumnNotNull) and c.not_null:
        return _not_null(after, before, c.table, c.column, c.column)
    if isinstance(c, ch.ReplaceColumn):
        return _restated(after, before, c.table, c.column, c.new)
    if isinstance(c, ch.AlterColumnType):
        now = _stable(after, before, c.table, c.column)
        return _narrowed(c.table, c.column, now.type, c.type) if now else []
    if isinstance(c, ch.CreateIndex) and c.index.unique and c.index.where is None:
        cols = tuple(e.column for e in c.index.elements if e.column is not None)
        if len(cols) == len(c.index.elements):
            return _unique(after, before, c.index.table, cols)
    if isinstance(c, ch.AddConstraint) and c.constraint.kind in "pu" and c.constraint.columns:
        k = c.constraint
        out = _unique(after, before, c.table, k.columns)
        if k.kind == "p":
            for col in k.columns:
                out += _not_null(after, before, c.table, col, col)
        return out
    if isinstance(c, ch.RedefineTable):
        return _redefined(after, before, c)
    return []


def _not_null(
    after: Catalog, before: Catalog, table: QName, source: str, target: str
) -> list[Check]:
    """``target`` comes back NOT NULL, filled from ``source`` as it is now."""
    now = _stable(after, before, table, source)
    if now is None or now.not_null or now.generated:
        return []
    message = (
        f"prisma-down preflight: {_name(table, [source])} holds NULL; "
        f"{target} becomes NOT NULL again: fill or delete those rows first"
    )
    return [NoNulls(table, (source,), message)]


def _unique(after: Catalog, before: Catalog, table: QName, columns: tuple[str, ...]) -> list[Check]:
    if any(_stable(after, before, table, col) is None for col in columns):
        return []
    if _already_unique(after, table, columns):
        return []
    message = (
        f"prisma-down preflight: {_name(table, columns)} has duplicates; "
        "a unique key comes back there: remove them first"
    )
    return [NoDuplicates(table, columns, message)]


def _already_unique(cat: Catalog, table: QName, columns: tuple[str, ...]) -> bool:
    """A unique key or index on a subset of ``columns`` already keeps them distinct."""
    t = cat.tables.get(table)
    wanted = {x.lower() for x in columns}
    keys = [k.columns for k in (t.constraints if t else ()) if k.kind in "pu" and k.columns]
    keys += [
        tuple(e.column or "" for e in ix.elements)
        for ix in cat.table_indexes(table)
        if ix.unique and ix.where is None and all(e.column for e in ix.elements)
    ]
    return any({x.lower() for x in key} <= wanted for key in keys)


def _restated(
    after: Catalog, before: Catalog, table: QName, column: str, new: Column
) -> list[Check]:
    """A column restated in full (MODIFY / CHANGE): nullability, labels, length."""
    now = _stable(after, before, table, column)
    if now is None:
        return []
    out: list[Check] = []
    if new.not_null and not now.not_null and not now.generated:
        out += _not_null(after, before, table, column, new.name)
    labels_now, labels_then = enum_labels(now.type), enum_labels(new.type)
    if labels_now is not None and labels_then is not None:
        gone = tuple(x for x in labels_now if x not in labels_then)
        if gone:
            message = (
                f"prisma-down preflight: {_name(table, [column])} holds a value that goes away "
                f"({', '.join(gone)[:40]}): change those rows first"
            )
            out.append(NoValues(table, (column,), message, gone))
    out += _narrowed(table, column, now.type, new.type)
    return out


_LENGTH = re.compile(
    r"\s*(?:national\s+)?(?:var)?char(?:acter)?(?:\s+varying)?\s*\(\s*(\d+)\s*\)", re.I
)
_UNBOUNDED = re.compile(r"\s*(?:(?:tiny|medium|long)?text|clob|string)\b", re.I)


def _narrowed(table: QName, column: str, now: str, then: str) -> list[Check]:
    """A character column that comes back shorter than values it may hold now."""
    to = _LENGTH.match(then)
    if to is None:
        return []
    limit = int(to.group(1))
    at = _LENGTH.match(now)
    if not ((at is not None and int(at.group(1)) > limit) or _UNBOUNDED.match(now)):
        return []
    message = (
        f"prisma-down preflight: {_name(table, [column])} holds values longer than {limit} "
        "characters: shorten them first"
    )
    return [FitsLength(table, (column,), message, (str(limit),))]


def enum_labels(type_text: str) -> tuple[str, ...] | None:
    """The labels of an inline ``ENUM('a', 'b')`` type, None for any other type."""
    m = re.fullmatch(r"\s*ENUM\s*\((.*)\)\s*", type_text, re.I | re.S)
    if m is None:
        return None
    return tuple(x.replace("''", "'") for x in re.findall(r"'((?:[^'\\]|''|\\.)*)'", m.group(1)))


def _redefined(after: Catalog, before: Catalog, c: ch.RedefineTable) -> list[Check]:
    """A table rebuilt by copying its rows: NOT NULL and unique keys of the rebuilt one."""
    t = c.table
    source = dict(c.copied)  # column of the rebuilt table ← column it is copied from
    out: list[Check] = []
    for col in t.columns:
        src = source.get(col.name)
        if src is not None and col.not_null:
            out += _not_null(after, before, t.name, src, col.name)
    keys = [k.columns for k in t.constraints if k.kind in "pu" and k.columns]
    keys += [
        tuple(e.column or "" for e in ix.elements)
        for ix in c.indexes
        if ix.unique and ix.where is None and all(e.column for e in ix.elements)
    ]
    for key in keys:
        if all(x in source for x in key):
            out += _unique(after, before, t.name, tuple(source[x] for x in key))
    return out


_LITERAL = re.compile(r"\s*(?:'(?:[^']|'')*'|[xX]'[0-9a-fA-F]*'|[-+]?\d+(?:\.\d*)?)\s*")


def _one_value(c: ch.Change, after: Catalog) -> set[tuple[QName, str]]:
    """Columns ``c`` brings back with one value on every row: their values are lost and a
    literal (a redefinition's placeholder, an added column's default) stands in for them."""
    if isinstance(c, ch.RedefineTable):
        return {(c.table.name, name) for name, value in c.filled if _LITERAL.fullmatch(value)}
    if isinstance(c, ch.AddColumn):
        col, now = c.column, after.tables.get(c.table)
        if now is None or now.column(col.name) is not None:
            return set()
        if col.generated or col.identity or col.serial:
            return set()
        extra = f"{col.type} {col.options or ''}".lower()
        if "auto_increment" in extra or "autoincrement" in extra:
            return set()
        if (col.default is None and col.not_null) or (
            col.default is not None and _LITERAL.fullmatch(col.default)
        ):
            return {(c.table, col.name)}
    return set()


def _keys(c: ch.Change) -> list[tuple[QName, tuple[str, ...]]]:
    """The unique and primary keys ``c`` puts back, (table, columns of the table as it
    comes back)."""
    if isinstance(c, ch.CreateIndex) and c.index.unique and c.index.where is None:
        cols = tuple(e.column for e in c.index.elements if e.column is not None)
        return [(c.index.table, cols)] if len(cols) == len(c.index.elements) else []
    if isinstance(c, ch.AddConstraint) and c.constraint.kind in "pu" and c.constraint.columns:
        return [(c.table, c.constraint.columns)]
    if isinstance(c, ch.AddColumn):
        return [(c.table, k.columns) for k in c.constraints if k.kind in "pu" and k.columns]
    if isinstance(c, ch.RedefineTable):
        t = c.table
        keys = [k.columns for k in t.constraints if k.kind in "pu" and k.columns]
        keys += [
            tuple(e.column or "" for e in ix.elements)
            for ix in c.indexes
            if ix.unique and ix.where is None and all(e.column for e in ix.elements)
        ]
        return [(t.name, key) for key in keys]
    return []


def _lost_keys(
    c: ch.Change, after: Catalog, before: Catalog, same: set[tuple[QName, str]]
) -> list[Check]:
    """A unique key that comes back on a column whose values are lost (one value on every
    row): it holds only while the rest of the key tells the rows apart, and when nothing
    else is in the key, only while the table holds one row."""
    out: list[Check] = []
    source = dict(c.copied) if isinstance(c, ch.RedefineTable) else {}
    for table, key in _keys(c):
        lost = tuple(x for x in key if (table, x) in same)
        if not lost or after.tables.get(table) is None or before.tables.get(table) is None:
            continue
        rest = tuple(source.get(x, x) for x in key if (table, x) not in same)
        if rest:
            out += _unique(after, before, table, rest)
            continue
        message = (  # MySQL keeps 128 characters of it
            f"prisma-down preflight: {_name(table, lost)} comes back unique without its "
            f"values; {table.name} has 2+ rows: delete all but one first"
        )
        out.append(OneRow(table, (), message))
    return out


def violation(
    check: Check,
    table: str,
    quote: Callable[[str], str],
    literal: Callable[[str], str],
    length: str = "length",
    count: str = "count",
    qualified: Callable[[QName], str] | None = None,
) -> str:
    """``EXISTS (…)``: some row of ``table`` (quoted) does not fit what ``check`` says comes
    back, in the engine's spelling (its quoting, string literal, length and count names;
    ``qualified`` quotes a table name, for a check naming a second table)."""
    cols = [quote(x) for x in check.columns]
    if isinstance(check, shared.Check):
        if check.kind != "pointed" or check.delete is None or qualified is None:
            raise ValueError(f"no preflight here for a {check.kind} check")
        parent = qualified(check.delete.table)
        return f"EXISTS ({seed_checks.rows(check, table, parent, quote, 'cte')})"
    if isinstance(check, NoNulls):
        where = f"{cols[0]} IS NULL"
    elif isinstance(check, NoValues):
        where = f"{cols[0]} IN ({', '.join(literal(v) for v in check.values)})"
    elif isinstance(check, FitsLength):
        where = f"{length}({cols[0]}) > {int(check.values[0])}"
    elif isinstance(check, OneRow):  # a second row: OFFSET 1 finds it
        return f"EXISTS (SELECT 1 FROM {table} LIMIT 1 OFFSET 1)"
    else:
        present = " AND ".join(f"{c} IS NOT NULL" for c in cols)
        return (
            f"EXISTS (SELECT 1 FROM {table} WHERE {present} "
            f"GROUP BY {', '.join(cols)} HAVING {count}(*) > 1)"
        )
    return f"EXISTS (SELECT 1 FROM {table} WHERE {where})"
