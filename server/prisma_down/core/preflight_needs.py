"""Which preflight checks a down.sql needs, read off its changes (engine-neutral).

Each inverse may name checks of its own (``Inverse.checks``: what only it knows, such as
values a conversion cannot map back); the rest follow from the changes themselves and the
catalog as down.sql finds it (``after``, what the whole migration left): a type cast back
to an enum, NOT NULL put back, a NOT NULL column re-added with no default, a foreign key
put back onto a table re-created empty, a unique key put back, rows pointing at rows a
DELETE deletes (``seed_checks``).
"""

from __future__ import annotations

from collections.abc import Sequence

from prisma_down.core import changes as ch
from prisma_down.core.catalog import Catalog, type_base
from prisma_down.core.inverse import Inverse
from prisma_down.core.preflight import Check, quoted_list, table_name, unique
from prisma_down.core.schema import Column, Constraint, QName
from prisma_down.core.seed_checks import pointed
from prisma_down.core.value_map import literal_value, read_case


def needs(inverses: Sequence[Inverse], after: Catalog, before: Catalog) -> list[Check]:
    """The checks for ``inverses`` (in the order down.sql runs them)."""
    out: list[Check] = []
    enums: dict[QName, tuple[str, ...]] = {}  # enums down.sql creates or renames, by name
    created: set[QName] = set()  # tables down.sql creates (empty)
    mapped: dict[tuple[QName, str], set[str]] = {}  # values an earlier inverse maps away
    for inv in inverses:
        out += inv.checks
        for table, column, values in inv.mapped:
            mapped.setdefault((table, column), set()).update(values)
        for c in ch.flat(inv.changes):
            if isinstance(c, ch.CreateEnum):
                enums[c.enum.name] = c.enum.values
            elif isinstance(c, ch.RenameEnum):  # an enum rebuild undone: names move
                labels = enums.pop(c.old, None)
                if labels is None and (e := after.enums.get(c.old)) is not None:
                    labels = e.values
                if labels is not None:
                    enums[c.new] = labels
            elif isinstance(c, ch.CreateTable):
                created.add(c.table.name)
            elif c.__class__ is ch.AlterColumnType:
                out += _type_back(c, after, before, enums, mapped.get((c.table, c.column)))
            elif isinstance(c, ch.SetColumnNotNull) and c.not_null:
                col = _column(after, c.table, c.column)
                if col is not None and not col.not_null:
                    out.append(_nulls(c.table, (c.column,), "NOT NULL comes back"))
            elif isinstance(c, ch.AddColumn) and c.table not in created:
                out += _readded(c, after, before)
            elif isinstance(c, ch.AddConstraint) and c.table not in created:
                out += _constraint(c.table, c.constraint, after, created)
            elif isinstance(c, ch.CreateIndex) and c.index.table not in created:
                ix = c.index
                cols = tuple(e.column for e in ix.elements if e.column)
                if ix.unique and ix.where is None and len(cols) == len(ix.elements):
                    out += _duplicates(ix.table, cols, after, f'unique index "{ix.name.name}"')
    out += pointed([c for inv in inverses for c in inv.changes], after)
    return unique(out)


def _column(cat: Catalog, table: QName, name: str) -> Column | None:
    t = cat.tables.get(table)
    return t.column(name) if t is not None else None


def _col(table: QName, name: str) -> str:
    return f'{table_name(table)}."{name}"'


def _nulls(table: QName, columns: tuple[str, ...], why: str) -> Check:
    shown = ", ".join(f'"{c}"' for c in columns)
    return Check(
        "nulls",
        table,
        columns,
        (),
        f"rows of {table_name(table)} hold NULL in {shown}, and {why}: "
        "set a value in those rows or delete them first",
    )


def _enum_labels(
    type_text: str, cat: Catalog, enums: dict[QName, tuple[str, ...]]
) -> tuple[tuple[str, ...] | None, bool]:
    name, suffix = type_base(type_text)
    if name in enums:
        return enums[name], bool(suffix)
    e = cat.enums.get(name)
    return (e.values if e is not None else None), bool(suffix)


def _type_back(
    c: ch.AlterColumnType,
    after: Catalog,
    before: Catalog,
    enums: dict[QName, tuple[str, ...]],
    mapped: set[str] | None = None,
) -> list[Check]:
    """Values the cast back to an enum cannot take: labels it lacks, or other text (not
    ``mapped``: values an inverse that runs before it turns into others)."""
    col = _column(after, c.table, c.column)
    if col is None:
        return []
    target, target_array = _enum_labels(c.type, before, enums)
    if target is None:
        return []
    accepted = list(target) + sorted((mapped or set()) - set(target))
    using = read_case(c.using, c.column) if c.using else None
    if using is not None:
        accepted += [literal_value(a) for a, _ in using.pairs if literal_value(a) not in target]
    current, current_array = _enum_labels(col.type, after, {})
    if current_array != target_array:
        return []
    shown = f"{_col(c.table, c.column)}"
    if current is not None:
        removed = tuple(v for v in current if v not in accepted)
        if not removed:
            return []
        return [
            Check(
                "labels",
                c.table,
                (c.column,),
                removed,
                f"rows of {table_name(c.table)} hold {quoted_list(removed)} in "
                f'"{c.column}", which its type did not have before this migration: '
                "change or delete those rows first",
                array=current_array,
            )
        ]
    return [
        Check(
            "values",
            c.table,
            (c.column,),
            tuple(accepted),
            f"values of {shown} other than {quoted_list(accepted)} do not convert back to "
            f"{c.type}: change or delete those rows first",
            array=current_array,
        )
    ]


def _readded(c: ch.AddColumn, after: Catalog, before: Catalog) -> list[Check]:
    """A NOT NULL column put back with no default and no values fails on any row. One that
    a foreign key names gets no placeholder (``core.placeholders``): the message says why,
    since a DEFAULT would not do either."""
    col = c.column
    t = after.tables.get(c.table)
    if t is None or t.column(col.name) is not None:
        return []
    if not col.not_null or col.default is not None or col.identity or col.serial:
        return []
    if col.generated:
        return []
    was = before.tables.get(c.table)
    keys = [
        k.name for k in (was.constraints if was else ()) if k.kind == "f" and col.name in k.columns
    ]
    what = (
        f"{table_name(c.table)} has rows, and down.sql puts back {_col(c.table, col.name)} NOT NULL"
    )
    if keys:
        why = (f'{what} while its values are lost, and its foreign key "{keys[0]}" would '
               "point each row at an arbitrary parent if down.sql made a value up: empty the "
               "table, or fill the column in down.sql first")  # fmt: skip
    else:
        why = (f"{what} without a default while its values are lost: empty the table, or give "
               "the column a DEFAULT in down.sql first")  # fmt: skip
    return [Check("rows", c.table, (), (), why, absent=col.name)]


def _constraint(table: QName, k: Constraint, after: Catalog, created: set[QName]) -> list[Check]:
    t = after.tables.get(table)
    if t is None or any(t.column(name) is None for name in k.columns):
        return []
    if k.kind == "f" and k.ref_table is not None and k.ref_table in created:
        if k.ref_table in after.tables:
            return []
        shown = ", ".join(f'"{n}"' for n in k.columns)
        return [
            Check(
                "orphans",
                table,
                k.columns,
                (),
                f"rows of {table_name(table)} point at {table_name(k.ref_table)} through "
                f"{shown}, and down.sql re-creates {table_name(k.ref_table)} empty: delete "
                "those rows or set those columns to NULL first",
                missing=k.ref_table,
            )
        ]
    if k.kind not in ("u", "p") or k.tail.strip():
        return []
    out = _duplicates(table, k.columns, after, f'{"primary key" if k.kind == "p" else "unique"} '
                      f'constraint "{k.name}"')  # fmt: skip
    if k.kind == "p":
        nullable = tuple(n for n in k.columns if not (t.column(n) or Column("", "")).not_null)
        if nullable:
            out.append(_nulls(table, nullable, f'primary key "{k.name}" comes back'))
    return out


def _duplicates(table: QName, columns: tuple[str, ...], after: Catalog, what: str) -> list[Check]:
    t = after.tables.get(table)
    if t is None or not columns or any(t.column(n) is None for n in columns):
        return []
    shown = ", ".join(f'"{n}"' for n in columns)
    return [
        Check(
            "duplicates",
            table,
            columns,
            (),
            f"rows of {table_name(table)} repeat the same ({shown}), and {what} comes back: "
            "make them distinct or delete the extra rows first",
        )
    ]
