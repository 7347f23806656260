"""The catalog's lookups as they were written before the catalog kept reverse indexes:
scans of the whole catalog. Tests compare the indexed answers with these."""

from __future__ import annotations

import re

from prisma_down.core import changes as ch
from prisma_down.core.catalog import Catalog
from prisma_down.core.schema import Constraint, QName, Table

_RELATIONS = ("TABLE", "VIEW", "MATERIALIZED VIEW", "FOREIGN TABLE")
_LAST_PART = re.compile(r'(.*)\.("(?:[^"]|"")*")')
_OBJECT_FAMILY = {
    "function": ("function", "procedure", "aggregate"),
    "procedure": ("function", "procedure", "aggregate"),
    "aggregate": ("function", "procedure", "aggregate"),
}


def constraint_named_by_scan(cat: Catalog, name: QName) -> tuple[QName, Constraint] | None:
    for t in cat.tables.values():
        if t.name.schema == name.schema:
            for k in t.constraints:
                if k.name == name.name and k.kind in "pux":
                    return t.name, k
    return None


def _on_relation(kind: str, target: str, relation: str) -> bool:
    m = _LAST_PART.fullmatch(target)
    return kind == "COLUMN" and m is not None and m.group(1) == relation


def comments_by_scan(cat: Catalog, kind: str, target: str) -> list[ch.SetComment]:
    relation = kind in _RELATIONS
    return [
        ch.SetComment(k, t, text)
        for (k, t), text in cat.comments.items()
        if (k, t) == (kind, target) or (relation and _on_relation(k, t, target))
    ]


def found_by_scan(guard: ch.Guard, cat: Catalog) -> bool:
    kind, names, schema = guard.kind, guard.names, guard.schema
    mysql = cat.dialect.name == "mysql"

    def same(a: str, b: str) -> bool:
        return a == b or (mysql and a.lower() == b.lower())

    def in_schema(name: QName) -> bool:
        return schema is None or name.schema == schema

    def tables(name: str | None) -> list[Table]:
        if name is not None and schema is not None:
            t = cat.tables.get(QName(schema, name))
            return [t] if t is not None else []
        return [t for t in cat.tables.values() if in_schema(t.name) and name in (None, t.name.name)]

    scoped = kind in ("index", "constraint") and len(names) == 1
    table, name = (None, names[0]) if scoped else (names[0], names[-1])
    if kind == "table":
        return bool(tables(table))
    if kind == "column":
        return any(any(same(c.name, name) for c in t.columns) for t in tables(table))
    if kind in ("constraint", "index"):
        owners = tables(table)
        backing = "" if kind == "constraint" else "u" if mysql else "pux"
        if any(
            k.name and same(k.name, name) and (kind == "constraint" or k.kind in backing)
            for t in owners
            for k in t.constraints
        ):
            return True
        if kind == "constraint" and not mysql:
            return False
        if not mysql and schema is not None and table is not None:
            hit = cat.indexes.get(QName(schema, name))
            return hit is not None and hit[0].name == table
        names_on = {t.name for t in owners}
        return any(
            tb in names_on and same(ix.name.name, name) and (kind == "index" or ix.unique)
            for tb, ix in cat.indexes.values()
        )
    if kind in ("type", "value") and schema is not None:
        e = cat.enums.get(QName(schema, table or name))
        if kind == "value":
            return e is not None and name in e.values
        return e is not None or any(
            (k, QName(schema, name), None) in cat.objects for k in ("type", "domain")
        )
    if kind == "type":
        return any(in_schema(e) and e.name == name for e in cat.enums) or any(
            k in ("type", "domain") and in_schema(n) and n.name == name for k, n, _ in cat.objects
        )
    if kind == "value":
        return any(
            in_schema(e.name) and e.name.name == table and name in e.values
            for e in cat.enums.values()
        )
    if kind in ("extension", "schema"):
        return (kind, QName("", name), None) in cat.objects
    if kind == "sequence":
        return any(k == "sequence" and in_schema(n) and n.name == name for k, n, _ in cat.objects)
    if kind == "object":
        want = _OBJECT_FAMILY.get(names[0], (names[0],))
        on = names[2] if len(names) > 2 else None
        return any(
            k in want
            and n.name == names[1]
            and (
                in_schema(n) if on is None else (tb is not None and tb.name == on and in_schema(tb))
            )
            for k, n, tb in cat.objects
        )
    return False


def differences_by_scan(before: Catalog, after: Catalog) -> list[str]:
    """``compare.differences`` as it was: every entry of both catalogs looked at."""
    from prisma_down.core.compare import _column_diffs, _elements, _key, _t, _values
    from prisma_down.core.compare import normalized as _n

    out: list[str] = []
    for name in sorted(before.tables.keys() | after.tables.keys()):
        a, b = before.tables.get(name), after.tables.get(name)
        if b is None:
            out.append(f"table {_t(name)} is missing after down.sql")
            continue
        if a is None:
            out.append(f"table {_t(name)} is still there after down.sql")
            continue
        acols = {c.name: c for c in a.columns}
        bcols = {c.name: c for c in b.columns}
        for col in sorted(acols.keys() - bcols.keys()):
            out.append(f'column {_t(name)}."{col}" is missing after down.sql')
        for col in sorted(bcols.keys() - acols.keys()):
            out.append(f'column {_t(name)}."{col}" is still there after down.sql')
        for col in sorted(acols.keys() & bcols.keys()):
            out.extend(_column_diffs(name, acols[col], bcols[col]))
        acons = {_key(k): k for k in a.constraints}
        bcons = {_key(k): k for k in b.constraints}
        for k in sorted(acons.keys() | bcons.keys()):
            if k not in bcons:
                out.append(f'constraint "{k}" on {_t(name)} is missing after down.sql')
            elif k not in acons:
                out.append(f'constraint "{k}" on {_t(name)} is still there after down.sql')
            elif (
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
    for name in sorted(before.indexes.keys() | after.indexes.keys()):
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
    for name in sorted(before.enums.keys() | after.enums.keys()):
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
    for key in sorted(before.objects.keys() | after.objects.keys(), key=str):
        kind, name, _ = key
        if key not in after.objects:
            out.append(f"{kind} {_t(name)} is missing after down.sql")
        elif key not in before.objects:
            out.append(f"{kind} {_t(name)} is still there after down.sql")
        elif kind == "sequence" and before.dialect.name == "cockroachdb":
            from prisma_down.core.dialects.cockroach.overrides import sequence_differences

            out += sequence_differences(name, before.objects[key].sql, after.objects[key].sql)
    return out
