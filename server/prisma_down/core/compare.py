"""Compare two catalogs and name each difference the way a reviewer would say it.

Used by ``down-does-not-restore``: the catalog after up-then-down must equal the one before.
Column order is not compared (PostgreSQL cannot re-insert a column at a position). Only
the entries that are not the very same objects in both catalogs are looked at: the catalog
after down.sql shares everything up and down left alone with the one before, so this costs
what the migration touched, not the size of the schema.
"""

from __future__ import annotations

import functools
import re

from prisma_down.core.catalog import Catalog, ObjectKey
from prisma_down.core.schema import Column, Constraint, Index, QName, Table

# ``"public"."Role"`` and ``"Role"`` name the same type: PostgreSQL's default schema
_DEFAULT_SCHEMA = re.compile(r'(?<![\w"])(?:"public"|public)\s*\.\s*(?=["\w])')


# ``"name"`` and ``name`` are one identifier when it is lower case (PostgreSQL folds bare
# names to lower case): a renamed column comes back quoted in a check's text
_LOWER_QUOTED = re.compile(r'"([a-z_][a-z0-9_$]*)"')


@functools.lru_cache(maxsize=8192)
def _n(text: str | None) -> str | None:
    """Text as PostgreSQL compares it: layout, case and the default schema's name aside."""
    if text is None:
        return None
    text = _DEFAULT_SCHEMA.sub("", re.sub(r"\s+", " ", text.strip()))
    return _LOWER_QUOTED.sub(r"\1", text).lower()


def _elements(ix: Index) -> tuple[tuple[str | None, str | None, str], ...]:
    """Index elements with default orderings dropped: ``"a" ASC`` is ``"a"``."""
    out = []
    for e in ix.elements:
        suffix = _n(e.suffix) or ""
        suffix = re.sub(r"\basc\b", "", suffix)
        if "desc" in suffix:
            suffix = suffix.replace("nulls first", "")
        else:
            suffix = suffix.replace("nulls last", "")
        out.append((e.column, _n(e.expression), " ".join(suffix.split())))
    return tuple(out)


def _values(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{x}'" for x in values) + ")"


def _t(name: QName) -> str:
    return f'"{name.schema}"."{name.name}"' if name.schema else f'"{name.name}"'


def _column_diffs(table: QName, a: Column, b: Column) -> list[str]:
    where = f'column {_t(table)}."{a.name}"'
    out = []
    if _n(a.type) != _n(b.type):
        out.append(f"{where} has type {a.type} before, {b.type} after down.sql")
    if a.not_null != b.not_null:
        before, after = ("NOT NULL", "nullable") if a.not_null else ("nullable", "NOT NULL")
        out.append(f"{where} is {before} before, {after} after down.sql")
    if _n(a.default) != _n(b.default):
        out.append(
            f"default of {where} is {a.default or 'none'} before, "
            f"{b.default or 'none'} after down.sql"
        )
    if _n(a.identity) != _n(b.identity):
        out.append(f"identity of {where} differs after down.sql")
    return out


def _key(k: Constraint) -> str:
    """A constraint's name; an unnamed one (SQLite has them) goes by what it is."""
    if k.name:
        return k.name
    what = {"p": "PRIMARY KEY", "u": "UNIQUE", "f": "FOREIGN KEY", "c": k.tail}.get(k.kind, k.kind)
    return f"{what} ({', '.join(k.columns)})" if k.kind != "c" else what


def differences(before: Catalog, after: Catalog) -> list[str]:
    """Every difference between the schema before a migration and after its down.sql."""
    out: list[str] = []
    for name in sorted(before.tables.changed(after.tables)):
        a, b = before.tables.get(name), after.tables.get(name)
        if b is None:
            out.append(f"table {_t(name)} is missing after down.sql")
            continue
        if a is None:
            out.append(f"table {_t(name)} is still there after down.sql")
            continue
        if not _same_items(a.cols.as_tuple(), b.cols.as_tuple()):
            out.extend(_columns_differ(name, a, b))
        if not _same_items(a.constraints, b.constraints):
            out.extend(_constraints_differ(name, a, b))
    for name in sorted(before.indexes.changed(after.indexes)):
        ia, ib = before.index(name), after.index(name)
        if ib is None:
            out.append(f"index {_t(name)} is missing after down.sql")
        elif ia is None:
            out.append(f"index {_t(name)} is still there after down.sql")
        elif (ia.table, ia.unique, _elements(ia), _n(ia.where), _n(ia.method)) != (
            ib.table,
            ib.unique,
            _elements(ib),
            _n(ib.where),
            _n(ib.method),
        ):
            out.append(f"index {_t(name)} differs after down.sql")
    for name in sorted(before.enums.changed(after.enums)):
        ea, eb = before.enums.get(name), after.enums.get(name)
        if eb is None:
            out.append(f"enum {_t(name)} is missing after down.sql")
        elif ea is None:
            out.append(f"enum {_t(name)} is still there after down.sql")
        elif ea.values != eb.values:
            out.append(
                f"enum {_t(name)} values are {_values(ea.values)} before, "
                f"{_values(eb.values)} after down.sql"
            )
    changed = before.objects.changed(after.objects)
    for key in sorted(changed - _moved(before, after, changed), key=str):
        kind, name, _ = key
        if key not in after.objects:
            out.append(f"{kind} {_t(name)} is missing after down.sql")
        elif key not in before.objects:
            out.append(f"{kind} {_t(name)} is still there after down.sql")
        elif kind == "sequence" and before.dialect == "cockroachdb":  # options: core.cockroach
            from prisma_down.core.cockroach import sequence_differences

            out += sequence_differences(name, before.objects[key].sql, after.objects[key].sql)
    return out


# kinds whose table in the catalog's key names where they belong: a trigger, policy or rule
# of one name on two tables are two objects; a sequence's table is only its owner
_ON_TABLE = ("trigger", "policy", "rule")


def _moved(before: Catalog, after: Catalog, keys: set[ObjectKey]) -> set[ObjectKey]:
    """Keys of objects found on both sides under another owner: the same object.

    A sequence that SERIAL made is keyed with its table; the one down.sql re-creates with
    ``CREATE SEQUENCE ... OWNED BY`` is read without it. Both name one sequence of a
    schema, so it was neither lost nor left over.
    """
    gone = {(k[0], k[1]): k for k in keys if k not in after.objects and k[0] not in _ON_TABLE}
    new = {(k[0], k[1]): k for k in keys if k not in before.objects and k[0] not in _ON_TABLE}
    return {k for pair in gone.keys() & new.keys() for k in (gone[pair], new[pair])}


def _same_items(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """The very same objects in the same order: nothing to compare (most tables a down.sql
    touched keep every column and constraint object; only the ones it re-made differ)."""
    return a is b or (len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True)))


def _columns_differ(name: QName, a: Table, b: Table) -> list[str]:
    out: list[str] = []
    acols = {c.name: c for c in a.columns}
    bcols = {c.name: c for c in b.columns}
    for col in sorted(acols.keys() - bcols.keys()):
        out.append(f'column {_t(name)}."{col}" is missing after down.sql')
    for col in sorted(bcols.keys() - acols.keys()):
        out.append(f'column {_t(name)}."{col}" is still there after down.sql')
    for col in sorted(acols.keys() & bcols.keys()):
        if acols[col] is not bcols[col]:  # the very same column differs in nothing
            out.extend(_column_diffs(name, acols[col], bcols[col]))
    return out


def _constraints_differ(name: QName, a: Table, b: Table) -> list[str]:
    out: list[str] = []
    acons = {_key(k): k for k in a.constraints}
    bcons = {_key(k): k for k in b.constraints}
    for k in sorted(acons.keys() | bcons.keys()):
        if k not in bcons:
            out.append(f'constraint "{k}" on {_t(name)} is missing after down.sql')
        elif k not in acons:
            out.append(f'constraint "{k}" on {_t(name)} is still there after down.sql')
        elif acons[k] is not bcons[k] and (
            acons[k].kind,
            acons[k].columns,
            acons[k].ref_table,
            acons[k].ref_columns,
            _n(acons[k].tail),
        ) != (
            bcons[k].kind,
            bcons[k].columns,
            bcons[k].ref_table,
            bcons[k].ref_columns,
            _n(bcons[k].tail),
        ):
            out.append(f'constraint "{k}" on {_t(name)} differs after down.sql')
    return out
