"""The schema as of one point in a history, and how each change moves it.

A ``Catalog`` is an immutable value: ``apply`` returns a new one sharing everything that
did not change, so the state before every statement can be kept for free. The rules here
mirror what the database does implicitly (PostgreSQL drops a column's indexes with it,
makes primary-key columns NOT NULL, gives SERIAL columns an owned sequence, ...).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core.catalog_maps import (
    Comments,
    Indexes,
    Objects,
    Tables,
    keys_in,
    relation_of,
)
from prisma_down.core.catalog_maps import ObjectKey as ObjectKey
from prisma_down.core.catalog_maps import type_base as type_base
from prisma_down.core.pmap import PMap
from prisma_down.core.schema import Column, Columns, Constraint, Enum, Index, Opaque, QName, Table


class CatalogError(Exception):
    """A change that does not fit the schema the history built (unknown table, ...)."""


_MAPS: dict[str, type[PMap[Any, Any]]] = {
    "tables": Tables,
    "indexes": Indexes,
    "enums": PMap,
    "objects": Objects,
    "comments": Comments,
}


@dataclass(frozen=True)
class Catalog:
    """The schema at one point of a history. Its maps are persistent (``core.pmap``): a
    change shares everything it did not touch with the catalog it came from. Given plain
    dicts, it converts them."""

    tables: Tables = field(default_factory=Tables)
    indexes: Indexes = field(default_factory=Indexes)  # name → (table, index)
    enums: PMap[QName, Enum] = field(default_factory=PMap)
    objects: Objects = field(default_factory=Objects)
    comments: Comments = field(default_factory=Comments)
    dialect: str = "postgres"

    def __post_init__(self) -> None:
        for name, kind in _MAPS.items():
            value = getattr(self, name)
            if value.__class__ is not kind:
                object.__setattr__(self, name, kind(value))

    # -- lookups
    def table(self, name: QName) -> Table | None:
        return self.tables.get(name)

    def index(self, name: QName) -> Index | None:
        hit = self.indexes.get(name)
        return hit[1] if hit else None

    def table_indexes(self, table: QName) -> list[Index]:
        return [self.indexes[n][1] for n in self.indexes.on(table)]

    def object(self, kind: str, name: QName, table: QName | None = None) -> Opaque | None:
        return self.objects.get((kind, name, table))

    def objects_on(self, table: QName) -> list[Opaque]:
        """The objects (triggers, owned sequences, ...) that belong to ``table``, in order."""
        return [self.objects[k] for k in self.objects.on(table)]

    def objects_named(self, kind: str, name: QName) -> list[tuple[ObjectKey, Opaque]]:
        """Objects of ``kind`` called ``name``, whatever table they are keyed with."""
        return [
            (k, self.objects[k]) for k in self.objects.named(name.name, (kind,)) if k[1] == name
        ]

    def foreign_keys_to(self, table: QName) -> list[tuple[QName, Constraint]]:
        out = []
        for tn in self.tables.referencing(table):
            if tn != table:
                out += [
                    (tn, k)
                    for k in self.tables[tn].constraints
                    if k.kind == "f" and k.ref_table == table
                ]
        return out

    def enum_columns(self, enum: QName) -> list[tuple[QName, Column]]:
        out = []
        for tn in self.tables.using_type(enum):
            out += [(tn, c) for c in self.tables[tn].columns if type_refers(c.type, enum)]
        return out

    def owned_sequences(self, table: QName, column: str | None = None) -> list[Opaque]:
        return [
            o
            for (kind, _, tb), o in ((k, self.objects[k]) for k in self.objects.on(table))
            if kind == "sequence"
            and tb == table
            and (column is None or o.sql.endswith(f'."{column}"'))
        ]


def _keys_to(cat: Catalog, table: QName, column: str) -> list[tuple[QName, Constraint]]:
    """``foreign_keys_to(table)`` that reference ``column``: usually none, so the tables
    referencing ``table`` are only put in order when some of them do."""
    hits = [
        (tn, k)
        for tn in keys_in(cat.tables.refs, table)
        if tn != table
        for k in cat.tables[tn].constraints
        if k.kind == "f" and column in k.ref_columns and k.ref_table == table  # cheapest first
    ]
    if len(hits) > 1:
        hits.sort(key=lambda hit: cat.tables.seq(hit[0]))  # stable: each table's in order
    return hits


def _with(cat: Catalog, **maps: Any) -> Catalog:
    """``replace(cat, **maps)`` without its cost: called for every change of a history, with
    maps of the right kinds (``Tables``, ``Indexes`` ...)."""
    new = object.__new__(Catalog)
    new.__dict__.update(cat.__dict__)
    new.__dict__.update(maps)
    return new


def type_refers(type_text: str, enum: QName) -> bool:
    return type_base(type_text)[0] == enum


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qualified(name: QName) -> str:
    return f"{quote(name.schema)}.{quote(name.name)}" if name.schema else quote(name.name)


# -- dependents: what the database drops along with a column or a table
@functools.lru_cache(maxsize=2048)
def _mention(column: str) -> re.Pattern[str]:
    """The column's name as an expression mentions it (quoted, or bare when lower case).

    Kept per name: a history drops columns of the same few names again and again, and
    compiling it anew each time was ~6% of ``generate``'s time on trigger.dev.
    """
    bare = re.escape(column) if column.islower() else "(?!)"
    return re.compile(r'(?<![\w"])(?:"' + re.escape(column) + r'"|' + bare + r')(?![\w"])')


def column_dependents(
    cat: Catalog, table: QName, column: str
) -> tuple[list[Constraint], list[Index], list[tuple[QName, Constraint]]]:
    """Constraints and indexes of ``table`` that use ``column``, and foreign keys elsewhere."""
    t = cat.tables[table]

    def mentioned(text: str) -> bool:  # the name must be in the text for the pattern to match
        return column in text and _mention(column).search(text) is not None

    cons = [
        k for k in t.constraints if column in k.columns or (k.kind in "cx" and mentioned(k.tail))
    ]
    idx = [
        ix
        for ix in cat.table_indexes(table)
        if any(
            e.column == column or (e.expression and mentioned(e.expression)) for e in ix.elements
        )
        or column in ix.include
        or (ix.where is not None and mentioned(ix.where))
    ]
    fks = _keys_to(cat, table, column)
    return cons, idx, fks


# -- applying changes
def _set_table(cat: Catalog, t: Table) -> Catalog:
    return _with(cat, tables=cat.tables.set(t.name, t))


def _set_tables(cat: Catalog, tables: Iterable[Table]) -> Catalog:
    out = cat.tables
    for t in tables:
        out = out.set(t.name, t)
    return _with(cat, tables=out) if out is not cat.tables else cat


def _table(cat: Catalog, name: QName) -> Table:
    t = cat.tables.get(name)
    if t is None:
        raise CatalogError(f"table {name} does not exist at this point of the history")
    return t


def _column(t: Table, name: str) -> Column:
    c = t.column(name)
    if c is None:
        raise CatalogError(f'column "{t.name.name}"."{name}" does not exist at this point')
    return c


def _map_columns(t: Table, name: str, f: Callable[[Column], Column]) -> Table:
    _column(t, name)
    return replace(t, columns=t.cols.mapped(name, f))


def serial_sequence(table: QName, column: Column) -> QName:
    from prisma_down.core.read.postgres import pg_name

    return QName(table.schema, pg_name(table.name, [column.name], "seq"))


def serial_default(seq: QName) -> str:
    return f"nextval('{qualified(seq)}'::regclass)"


def _add_column(cat: Catalog, table: QName, col: Column) -> Catalog:
    """Add ``col`` to ``table``; SERIAL gets its owned sequence and nextval default."""
    cat, col = _serial(cat, table, col)
    t = _table(cat, table)
    return _set_table(cat, replace(t, columns=t.cols.appended(col)))


def _serial(cat: Catalog, table: QName, col: Column) -> tuple[Catalog, Column]:
    """A SERIAL column's owned sequence, and the column with its nextval default."""
    if col.serial and cat.dialect in ("postgres",):
        seq = serial_sequence(table, col)
        col = replace(col, default=serial_default(seq), not_null=True)
        sql = (
            f"CREATE SEQUENCE {qualified(seq)} AS {col.type} "
            f"OWNED BY {qualified(table)}.{quote(col.name)}"
        )
        objects = cat.objects.set(("sequence", seq, table), Opaque("sequence", seq, sql, table))
        cat = _with(cat, objects=objects)
    return cat, col


def _drop_sequences(cat: Catalog, table: QName, column: str | None) -> Catalog:
    owned = cat.owned_sequences(table, column)
    if not owned:
        return cat
    # every object equal to an owned one goes (a value comparison, as it always was)
    gone = [k for o in owned for k in cat.objects.named(o.name.name) if cat.objects[k] == o]
    return _with(cat, objects=cat.objects.without(gone))


def _add_constraint(cat: Catalog, table: QName, k: Constraint) -> Catalog:
    t = _table(cat, table)
    if k.name and t.constraint(k.name):  # SQLite constraints may have no name
        raise CatalogError(f'constraint "{k.name}" already exists on {table}')
    cols = t.cols
    if k.kind == "p":
        for name in dict.fromkeys(k.columns):
            cols = cols.mapped(name, _not_null)
    return _set_table(cat, replace(t, columns=cols, constraints=(*t.constraints, k)))


def _not_null(c: Column) -> Column:
    return replace(c, not_null=True)


def _drop_index_named(cat: Catalog, names: set[QName]) -> Catalog:
    if not names:
        return cat
    return _with(cat, indexes=cat.indexes.without(names))


def apply(cat: Catalog, change: ch.Change) -> Catalog:
    """The catalog after ``change``; raises CatalogError when it does not fit."""
    handler = _APPLY.get(type(change))
    if cat.dialect == "mysql":  # what MySQL does by itself: core.mysql
        from prisma_down.core import mysql

        handler = mysql.APPLY.get(type(change), handler)
    if cat.dialect == "tsql":  # what SQL Server does by itself: core.tsql
        from prisma_down.core import tsql

        handler = tsql.APPLY.get(type(change), handler)
    if cat.dialect == "cockroachdb":  # ALTER PRIMARY KEY, ALTER SEQUENCE: core.cockroach
        from prisma_down.core import cockroach

        handler = cockroach.APPLY.get(type(change), handler)
    if handler is None:
        return cat
    return _follow_comments(handler(cat, change), cat, change)


def _create_table(cat: Catalog, c: ch.CreateTable) -> Catalog:
    t = c.table
    if t.name in cat.tables:
        if c.if_not_exists:
            return cat
        raise CatalogError(f"table {t.name} already exists")
    pk = {n for k in t.constraints if k.kind == "p" for n in k.columns}
    if cat.dialect == "sqlite":  # a SQLite primary key allows NULL unless it says NOT NULL
        pk = set()
    cols = []
    for col in t.columns:
        cat, col = _serial(cat, t.name, replace(col, not_null=True) if col.name in pk else col)
        cols.append(col)
    return _set_table(cat, replace(t, columns=cols))


def _drop_table(cat: Catalog, c: ch.DropTable) -> Catalog:
    if c.name not in cat.tables:
        if c.if_exists:
            return cat
        raise CatalogError(f"table {c.name} does not exist")
    tables = cat.tables.delete(c.name)
    # SQLite keeps foreign keys to a dropped table (with foreign_keys=OFF): they are text
    for tn, k in cat.foreign_keys_to(c.name) if cat.dialect != "sqlite" else []:
        other = tables[tn]
        tables = tables.set(
            tn, replace(other, constraints=tuple(x for x in other.constraints if x is not k))
        )
    objects = cat.objects.without(cat.objects.on(c.name))
    indexes = cat.indexes.without(cat.indexes.on(c.name))
    return _with(cat, tables=tables, objects=objects, indexes=indexes)


def _rename_table(cat: Catalog, c: ch.RenameTable) -> Catalog:
    t = _table(cat, c.old)
    if c.new in cat.tables:
        raise CatalogError(f"table {c.new} already exists")

    def retarget(constraints: tuple[Constraint, ...]) -> tuple[Constraint, ...]:
        return tuple(
            replace(k, ref_table=c.new) if k.ref_table == c.old else k for k in constraints
        )

    tables = cat.tables
    for name in cat.tables.referencing(c.old):
        if name != c.old:
            other = tables[name]
            tables = tables.set(name, replace(other, constraints=retarget(other.constraints)))
    tables = tables.delete(c.old).set(
        c.new, replace(t, name=c.new, constraints=retarget(t.constraints))
    )
    indexes = cat.indexes
    for k in cat.indexes.on(c.old):
        indexes = indexes.set(k, (c.new, replace(indexes[k][1], table=c.new)))
    objects = cat.objects.rekeyed(
        {
            key: ((key[0], key[1], c.new), replace(cat.objects[key], table=c.new))
            for key in cat.objects.on(c.old)
            if key[2] == c.old
        }
    )
    return _with(cat, tables=tables, indexes=indexes, objects=objects)


def _redefine_table(cat: Catalog, c: ch.RedefineTable) -> Catalog:
    """The table replaced by its new definition; its old indexes went with the old table.

    Foreign keys of other tables keep pointing at the name (SQLite stores them as text).
    """
    name = c.table.name
    tables = cat.tables.set(name, c.table)
    objects = cat.objects.without(cat.objects.on(name))  # triggers went too
    indexes = cat.indexes.without(cat.indexes.on(name))
    for ix in c.indexes:
        indexes = indexes.set(ix.name, (name, ix))
    return _with(cat, tables=tables, indexes=indexes, objects=objects)


def _add_col(cat: Catalog, c: ch.AddColumn) -> Catalog:
    t = _table(cat, c.table)
    if t.column(c.column.name):
        if c.if_not_exists:
            return cat
        raise CatalogError(f'column "{t.name.name}"."{c.column.name}" already exists')
    cat = _add_column(cat, c.table, c.column)
    for k in c.constraints:
        cat = _add_constraint(cat, c.table, k)
    return cat


def _drop_column(cat: Catalog, c: ch.DropColumn) -> Catalog:
    t = _table(cat, c.table)
    if t.column(c.name) is None:
        if c.if_exists:
            return cat
        raise CatalogError(f'column "{t.name.name}"."{c.name}" does not exist')
    cons, idx, fks = column_dependents(cat, c.table, c.name)
    cat = _drop_sequences(cat, c.table, c.name)
    cat = _drop_index_named(cat, {ix.name for ix in idx})
    kept = tuple(k for k in t.constraints if k not in cons) if cons else t.constraints
    tables = cat.tables.set(c.table, replace(t, columns=t.cols.without(c.name), constraints=kept))
    for tn, k in fks:
        other = tables[tn]
        tables = tables.set(
            tn, replace(other, constraints=tuple(x for x in other.constraints if x is not k))
        )
    return _with(cat, tables=tables)


def renamed_in(text: str, old: str, new: str, dialect: str) -> str:
    """An expression kept as source text (check, index, generated column) after RENAME COLUMN.

    PostgreSQL stores expressions parsed, so the rename reaches them; the catalog keeps the
    source and rewrites the references itself. Qualifiers (``t.``), calls (``f(``) and type
    names (``::t``) are other names; strings are left alone.
    """
    from prisma_down.core.read.tokens import ReadError, tokenize  # read imports the catalog

    if old.lower() not in text.lower():
        return text
    try:
        toks = tokenize(text, dialect)
    except ReadError:
        return text
    out: list[str] = []
    last = 0
    for i, t in enumerate(toks):
        name = t.text if t.kind == "ident" else t.text.lower() if t.kind == "word" else None
        before = toks[i - 1].text if i else ""
        after = toks[i + 1].text if i + 1 < len(toks) else ""
        if name == old and after not in (".", "(") and before != "::":
            out += [text[last : t.start], quote_for(new, dialect)]
            last = t.end
    return "".join(out) + text[last:]


def quote_for(name: str, dialect: str) -> str:
    return "`" + name.replace("`", "``") + "`" if dialect == "mysql" else quote(name)


def _rename_column(cat: Catalog, c: ch.RenameColumn) -> Catalog:
    t = _table(cat, c.table)
    _column(t, c.old)
    if t.column(c.new):
        raise CatalogError(f'column "{t.name.name}"."{c.new}" already exists')

    def ren(cols: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(c.new if x == c.old else x for x in cols)

    def expr(text: str) -> str:
        return renamed_in(text, c.old, c.new, cat.dialect)

    def column(x: Column) -> Column:
        return replace(
            x,
            name=c.new if x.name == c.old else x.name,
            generated=x.generated and expr(x.generated),
        )

    cols = t.cols
    if cols.names() is None:
        cols = Columns(column(x) for x in cols)
    else:  # a wide table: change only the columns that change
        cols = cols.mapped(c.old, column)
        for x in t.columns:
            if x.generated and x.name != c.old:
                cols = cols.mapped(x.name, column)
    t = replace(
        t,
        columns=cols,
        constraints=tuple(
            replace(k, columns=ren(k.columns), tail=expr(k.tail) if k.kind in "cx" else k.tail)
            for k in t.constraints
        ),
    )
    tables = cat.tables.set(c.table, t)
    for name in cat.tables.referencing(c.table):
        for k in cat.tables[name].constraints:
            if k.kind == "f" and k.ref_table == c.table and c.old in k.ref_columns:
                cur = tables[name]
                tables = tables.set(
                    name,
                    replace(
                        cur,
                        constraints=tuple(
                            replace(x, ref_columns=ren(x.ref_columns))
                            if x.name == k.name and x.ref_table == k.ref_table
                            else x
                            for x in cur.constraints
                        ),
                    ),
                )
    indexes = cat.indexes
    for key in cat.indexes.on(c.table):
        tb, ix = indexes[key]
        ix = replace(
            ix,
            elements=tuple(
                replace(
                    e,
                    column=c.new if e.column == c.old else e.column,
                    expression=e.expression and expr(e.expression),
                )
                for e in ix.elements
            ),
            include=ren(ix.include),
            where=ix.where and expr(ix.where),
        )
        indexes = indexes.set(key, (tb, ix))
    return _with(cat, tables=tables, indexes=indexes)


def _alter_type(cat: Catalog, c: ch.AlterColumnType) -> Catalog:
    t = _table(cat, c.table)
    return _set_table(
        cat,
        _map_columns(
            t, c.column, lambda x: replace(x, type=c.type, collate=c.collate, serial=None)
        ),
    )


def _replace_column(cat: Catalog, c: ch.ReplaceColumn) -> Catalog:
    if c.new.name != c.column:
        cat = _rename_column(cat, ch.RenameColumn(c.table, c.column, c.new.name))
    t = _table(cat, c.table)
    return _set_table(cat, _map_columns(t, c.new.name, lambda _: c.new))


def _set_default(cat: Catalog, c: ch.SetColumnDefault) -> Catalog:
    t = _table(cat, c.table)
    return _set_table(
        cat,
        _map_columns(
            t,
            c.column,
            lambda x: replace(
                x, default=c.default, serial=x.serial if c.default == x.default else None
            ),
        ),
    )


def _set_not_null(cat: Catalog, c: ch.SetColumnNotNull) -> Catalog:
    t = _table(cat, c.table)
    return _set_table(cat, _map_columns(t, c.column, lambda x: replace(x, not_null=c.not_null)))


def _set_identity(cat: Catalog, c: ch.SetColumnIdentity) -> Catalog:
    t = _table(cat, c.table)
    return _set_table(
        cat,
        _map_columns(
            t,
            c.column,
            lambda x: replace(x, identity=c.identity, not_null=True if c.identity else x.not_null),
        ),
    )


def _add_cons(cat: Catalog, c: ch.AddConstraint) -> Catalog:
    k = c.constraint
    backing = using_index(cat, c.table, k)
    if backing is not None:  # ADD CONSTRAINT ... USING INDEX: the index becomes the constraint
        k = replace(k, columns=tuple(e.column or "" for e in backing.elements), tail="")
        cat = _drop_index_named(cat, {backing.name})
    return _add_constraint(cat, c.table, replace(k, not_valid=c.not_valid))


def using_index(cat: Catalog, table: QName, k: Constraint) -> Index | None:
    """The index an ``ADD CONSTRAINT ... USING INDEX x`` takes over, if that is what ``k`` is."""
    if k.columns or not k.tail.startswith("USING INDEX "):
        return None
    ix = cat.index(QName(table.schema, k.tail[len("USING INDEX ") :]))
    if ix is None:
        raise CatalogError(f'index "{k.tail[12:]}" does not exist')
    return ix


def _drop_cons(cat: Catalog, c: ch.DropConstraint) -> Catalog:
    t = _table(cat, c.table)
    if t.constraint(c.name) is None:
        if c.if_exists:
            return cat
        raise CatalogError(f'constraint "{c.name}" does not exist on {c.table}')
    return _set_table(
        cat, replace(t, constraints=tuple(k for k in t.constraints if k.name != c.name))
    )


def _validate_cons(cat: Catalog, c: ch.ValidateConstraint) -> Catalog:
    t = _table(cat, c.table)
    if t.constraint(c.name) is None:
        raise CatalogError(f'constraint "{c.name}" does not exist on {c.table}')
    return _set_table(
        cat,
        replace(
            t,
            constraints=tuple(
                replace(k, not_valid=False) if k.name == c.name else k for k in t.constraints
            ),
        ),
    )


def _rename_cons(cat: Catalog, c: ch.RenameConstraint) -> Catalog:
    t = _table(cat, c.table)
    if t.constraint(c.old) is None:
        raise CatalogError(f'constraint "{c.old}" does not exist on {c.table}')
    return _set_table(
        cat,
        replace(
            t,
            constraints=tuple(
                replace(k, name=c.new) if k.name == c.old else k for k in t.constraints
            ),
        ),
    )


def _create_index(cat: Catalog, c: ch.CreateIndex) -> Catalog:
    ix = c.index
    if ix.name in cat.indexes or constraint_named(cat, ix.name):
        if c.if_not_exists:
            return cat
        raise CatalogError(f'index "{ix.name}" already exists')
    if ("materialized view", ix.table, None) not in cat.objects:  # it may index one
        _table(cat, ix.table)
    return _with(cat, indexes=cat.indexes.set(ix.name, (ix.table, ix)))


def constraint_named(cat: Catalog, name: QName) -> tuple[QName, Constraint] | None:
    """A primary-key/unique constraint whose backing index is called ``name``."""
    for tn in cat.tables.with_constraint(name.name):
        t = cat.tables[tn]
        if t.name.schema == name.schema:
            for k in t.constraints:
                if k.name == name.name and k.kind in "pux":
                    return t.name, k
    return None


def _drop_index(cat: Catalog, c: ch.DropIndex) -> Catalog:
    if c.name not in cat.indexes:
        if c.if_exists:
            return cat
        raise CatalogError(f'index "{c.name}" does not exist')
    return _drop_index_named(cat, {c.name})


def _rename_index(cat: Catalog, c: ch.RenameIndex) -> Catalog:
    hit = cat.indexes.get(c.old)
    if hit is None:
        owner = constraint_named(cat, c.old)
        if owner is None:
            raise CatalogError(f'index "{c.old}" does not exist')
        return _rename_cons(cat, ch.RenameConstraint(owner[0], c.old.name, c.new.name))
    indexes = cat.indexes.delete(c.old).set(c.new, (hit[0], replace(hit[1], name=c.new)))
    return _with(cat, indexes=indexes)


def _enum(cat: Catalog, name: QName) -> Enum:
    e = cat.enums.get(name)
    if e is None:
        raise CatalogError(f'enum "{name}" does not exist at this point')
    return e


def _set_enum(cat: Catalog, e: Enum) -> Catalog:
    return _with(cat, enums=cat.enums.set(e.name, e))


def _create_enum(cat: Catalog, c: ch.CreateEnum) -> Catalog:
    if c.enum.name in cat.enums:
        raise CatalogError(f'type "{c.enum.name}" already exists')
    return _set_enum(cat, c.enum)


def _drop_enum(cat: Catalog, c: ch.DropEnum) -> Catalog:
    if c.name not in cat.enums:
        if ("type", c.name, None) in cat.objects:
            return _with(cat, objects=cat.objects.delete(("type", c.name, None)))
        if c.if_exists:
            return cat
        raise CatalogError(f'type "{c.name}" does not exist')
    return _with(cat, enums=cat.enums.delete(c.name))


def _with_type(type_text: str) -> Callable[[Column], Column]:
    return lambda col: replace(col, type=type_text)


def _rename_enum(cat: Catalog, c: ch.RenameEnum) -> Catalog:
    e = _enum(cat, c.old)
    enums = cat.enums.delete(c.old).set(c.new, replace(e, name=c.new))
    tables = cat.tables
    for tn, col in cat.enum_columns(c.old):
        _, suffix = type_base(col.type)
        new_type = qualified(c.new) + suffix
        tables = tables.set(tn, _map_columns(tables[tn], col.name, _with_type(new_type)))
    return _with(cat, enums=enums, tables=tables)


def _add_enum_value(cat: Catalog, c: ch.AddEnumValue) -> Catalog:
    e = _enum(cat, c.enum)
    if c.value in e.values:
        if c.if_not_exists:
            return cat
        raise CatalogError(f"enum {c.enum} already has the value '{c.value}'")
    values = list(e.values)
    if c.before is not None and c.before in values:
        values.insert(values.index(c.before), c.value)
    elif c.after is not None and c.after in values:
        values.insert(values.index(c.after) + 1, c.value)
    else:
        values.append(c.value)
    return _set_enum(cat, replace(e, values=tuple(values)))


def _rename_enum_value(cat: Catalog, c: ch.RenameEnumValue) -> Catalog:
    e = _enum(cat, c.enum)
    if c.old not in e.values:
        raise CatalogError(f"enum {c.enum} has no value '{c.old}'")
    return _set_enum(cat, replace(e, values=tuple(c.new if v == c.old else v for v in e.values)))


def _drop_enum_value(cat: Catalog, c: ch.DropEnumValue) -> Catalog:
    e = _enum(cat, c.enum)
    return _set_enum(cat, replace(e, values=tuple(v for v in e.values if v != c.value)))


def _replace_enum(cat: Catalog, c: ch.ReplaceEnum) -> Catalog:
    return _set_enum(cat, replace(_enum(cat, c.enum), values=c.values))


def _create_object(cat: Catalog, c: ch.CreateObject) -> Catalog:
    o = c.object
    key = (o.kind, o.name, o.table)
    if c.if_not_exists and o.kind == "sequence" and key not in cat.objects:
        # one name per schema: the SERIAL one (keyed with its table) is the same sequence
        key = next((k for k, _ in cat.objects_named(o.kind, o.name)), key)
    if key in cat.objects and not c.or_replace:
        if c.if_not_exists:
            return cat
        raise CatalogError(f'{o.kind} "{o.name}" already exists')
    if o.kind in ("view", "materialized view") and "*" in o.sql:
        from prisma_down.core.view_stars import expand  # it imports this module

        o = replace(o, expanded=expand(o.sql, cat))
    return _with(cat, objects=cat.objects.set(key, o))


def _drop_object(cat: Catalog, c: ch.DropObject) -> Catalog:
    key = (c.kind, c.name, c.table)
    # an owned sequence is keyed with its table; SQLite's DROP TRIGGER does not name the table
    if key not in cat.objects and (c.kind == "sequence" or c.table is None):
        key = next((k for k, _ in cat.objects_named(c.kind, c.name)), key)
    if key not in cat.objects:
        if c.if_exists:
            return cat
        raise CatalogError(f'{c.kind} "{c.name}" does not exist')
    objects = cat.objects.delete(key)
    if c.kind in ("view", "materialized view"):  # its indexes, triggers and rules go with it
        cat = _with(cat, indexes=cat.indexes.without(cat.indexes.on(c.name)))
        objects = objects.without(cat.objects.on(c.name))
    return _with(cat, objects=objects)


def _rename_object(cat: Catalog, c: ch.RenameObject) -> Catalog:
    for (kind, name, tb), o in cat.objects_named(c.kind, c.old):
        objects = cat.objects.delete((kind, name, tb)).set(
            (kind, c.new, tb), replace(o, name=c.new)
        )
        return _with(cat, objects=objects)
    raise CatalogError(f'{c.kind} "{c.old}" does not exist')


# -- comments: keyed by (kind, canonical target), they go and move with their object
_RELATIONS = ("TABLE", "VIEW", "MATERIALIZED VIEW", "FOREIGN TABLE")


def comment_target(name: QName, column: str | None = None) -> str:
    """How the catalog keys the target of COMMENT ON TABLE/COLUMN/INDEX/...: fully quoted."""
    target = qualified(name)
    return target if column is None else f"{target}.{quote(column)}"


def _on_relation(kind: str, target: str, relation: str) -> bool:
    """Whether a comment is on a column of ``relation`` (a canonical target)."""
    return relation_of(kind, target) == relation


def _commented(cat: Catalog, kind: str, target: str) -> list[tuple[str, str]]:
    """Keys of the comment on an object and, for a table or view, on its columns."""
    keys = [(kind, target)] if (kind, target) in cat.comments else []
    if kind in _RELATIONS:
        keys += cat.comments.on_columns_of(target)
    return keys


def comments_on(cat: Catalog, kind: str, target: str) -> list[ch.SetComment]:
    """The comment on an object, and on its columns for a table or view: to restore with it."""
    keys = cat.comments.in_order(_commented(cat, kind, target))
    return [ch.SetComment(k, t, cat.comments[(k, t)]) for k, t in keys]


def _move_comments(cat: Catalog, moves: list[tuple[str, str, str | None]]) -> Catalog:
    """Re-key the comments of renamed objects, ``(kind, old, new)``; forget dropped ones.

    A comment several moves reach takes the last one's word, as if each comment were
    checked against every move in turn.
    """
    comments = cat.comments
    reached = {key for kind, old, _ in moves for key in _commented(cat, kind, old)}
    rekey: dict[tuple[str, str], tuple[tuple[str, str], str] | None] = {}
    for k, t in reached:
        key: tuple[str, str] | None = (k, t)
        for kind, old, new in moves:
            if (k, t) == (kind, old):
                key = None if new is None else (k, new)
            elif kind in _RELATIONS and _on_relation(k, t, old):
                key = None if new is None else (k, new + t[len(old) :])
        if key != (k, t):
            rekey[(k, t)] = None if key is None else (key, comments[(k, t)])
    if not rekey:
        return cat
    moved = comments.rekeyed(rekey)
    touched = set(rekey) | {m[0] for m in rekey.values() if m is not None}
    if len(moved) == len(comments) and all(moved.get(k) == comments.get(k) for k in touched):
        return cat  # the same comments (a dict would compare equal): keep the catalog
    return _with(cat, comments=moved)


def _follow_comments(cat: Catalog, before: Catalog, c: ch.Change) -> Catalog:
    """PostgreSQL drops an object's comment with it, and a rename keeps it: mirror both."""
    if not cat.comments:
        return cat
    moves: list[tuple[str, str, str | None]] = []
    if isinstance(c, ch.DropTable | ch.DropColumn | ch.DropIndex):
        # indexes that went with the table or column lose their comments too
        gone = [n for n in before.indexes.changed(cat.indexes) if n not in cat.indexes]
        moves += [("INDEX", comment_target(n), None) for n in before.indexes.in_order(gone)]
    if isinstance(c, ch.DropTable):
        moves.append(("TABLE", comment_target(c.name), None))
    elif isinstance(c, ch.DropColumn):
        moves.append(("COLUMN", comment_target(c.table, c.name), None))
    elif isinstance(c, ch.DropEnum):
        moves.append(("TYPE", comment_target(c.name), None))
    elif isinstance(c, ch.DropObject):
        moves.append((c.kind.upper(), comment_target(c.name), None))
    elif isinstance(c, ch.RenameTable):
        moves.append(("TABLE", comment_target(c.old), comment_target(c.new)))
    elif isinstance(c, ch.RenameColumn):
        moves.append(("COLUMN", comment_target(c.table, c.old), comment_target(c.table, c.new)))
    elif isinstance(c, ch.RenameIndex):
        moves.append(("INDEX", comment_target(c.old), comment_target(c.new)))
    elif isinstance(c, ch.RenameEnum):
        moves.append(("TYPE", comment_target(c.old), comment_target(c.new)))
    elif isinstance(c, ch.RenameObject):
        moves.append((c.kind.upper(), comment_target(c.old), comment_target(c.new)))
    return _move_comments(cat, moves) if moves else cat


def _set_comment(cat: Catalog, c: ch.SetComment) -> Catalog:
    key = (c.target_kind, c.target)
    if c.text is None:
        return _with(cat, comments=cat.comments.delete(key))
    return _with(cat, comments=cat.comments.set(key, c.text))


_APPLY: dict[type[Any], Callable[[Catalog, Any], Catalog]] = {
    ch.CreateTable: _create_table,
    ch.DropTable: _drop_table,
    ch.RenameTable: _rename_table,
    ch.RedefineTable: _redefine_table,
    ch.AddColumn: _add_col,
    ch.DropColumn: _drop_column,
    ch.RenameColumn: _rename_column,
    ch.AlterColumnType: _alter_type,
    ch.ReplaceColumn: _replace_column,
    ch.SetColumnDefault: _set_default,
    ch.SetColumnNotNull: _set_not_null,
    ch.SetColumnIdentity: _set_identity,
    ch.AddConstraint: _add_cons,
    ch.DropConstraint: _drop_cons,
    ch.ValidateConstraint: _validate_cons,
    ch.RenameConstraint: _rename_cons,
    ch.CreateIndex: _create_index,
    ch.DropIndex: _drop_index,
    ch.RenameIndex: _rename_index,
    ch.CreateEnum: _create_enum,
    ch.DropEnum: _drop_enum,
    ch.RenameEnum: _rename_enum,
    ch.AddEnumValue: _add_enum_value,
    ch.RenameEnumValue: _rename_enum_value,
    ch.DropEnumValue: _drop_enum_value,
    ch.ReplaceEnum: _replace_enum,
    ch.CreateObject: _create_object,
    ch.DropObject: _drop_object,
    ch.RenameObject: _rename_object,
    ch.SetComment: _set_comment,
}


def holds(guard: ch.Guard, cat: Catalog) -> bool:
    """Whether an ``IF [NOT] EXISTS`` guard over the system catalogs is true in ``cat``.

    A guard with a schema looks there only ("" the default schema); one without (read from
    a hand-written block that compares names only) looks in every schema. Index and
    constraint names are looked for on the table the guard names, if it names one. What
    the database counts along mirrors its catalogs: PostgreSQL's ``pg_indexes`` lists the
    indexes behind primary-key, unique and exclusion constraints, ``pg_type`` domains and
    composite types too; MySQL's ``table_constraints`` lists unique indexes, and compares
    column and index names without regard to case.
    """
    return _found(guard, cat) != guard.negated


def _found(guard: ch.Guard, cat: Catalog) -> bool:
    kind, names, schema = guard.kind, guard.names, guard.schema
    mysql = cat.dialect == "mysql"
    if schema is not None and not mysql:  # the guards down.sql is full of, looked up directly
        if kind == "table":
            return cat.tables.get(QName(schema, names[0])) is not None
        if kind == "column":
            t = cat.tables.get(QName(schema, names[0]))
            return t is not None and t.column(names[-1]) is not None
        if kind == "constraint" and len(names) > 1:
            t = cat.tables.get(QName(schema, names[0]))
            return t is not None and any(k.name and k.name == names[-1] for k in t.constraints)

    def same(a: str, b: str) -> bool:
        return a == b or (mysql and a.lower() == b.lower())

    def in_schema(name: QName) -> bool:
        return schema is None or name.schema == schema

    def tables(name: str) -> list[Table]:
        if schema is not None:
            t = cat.tables.get(QName(schema, name))
            return [t] if t is not None else []
        return [t for t in map(cat.tables.__getitem__, cat.tables.named(name)) if in_schema(t.name)]

    def column(t: Table) -> bool:
        return t.column(name) is not None or (mysql and any(same(c.name, name) for c in t.columns))

    scoped = kind in ("index", "constraint") and len(names) == 1  # on any table
    table, name = (None, names[0]) if scoped else (names[0], names[-1])
    if kind == "table":
        return bool(tables(names[0]))
    if kind == "column":
        return any(column(t) for t in tables(names[0]))
    if kind in ("constraint", "index"):
        # any table of the schema when scoped: only those with a constraint of that name
        owners = (
            tables(table)
            if table is not None
            else [
                t
                for t in map(cat.tables.__getitem__, cat.tables.with_constraint(name))
                if in_schema(t.name)
            ]
        )
        backing = "" if kind == "constraint" else "u" if mysql else "pux"
        if any(
            k.name and same(k.name, name) and (kind == "constraint" or k.kind in backing)
            for t in owners
            for k in t.constraints
        ):
            return True
        if kind == "constraint" and not mysql:
            return False
        if not mysql and schema is not None and table is not None:  # names are exact: look up
            hit = cat.indexes.get(QName(schema, name))
            return hit is not None and hit[0].name == table

        def on_owner(tb: QName) -> bool:
            if table is not None:
                return any(t.name == tb for t in owners)
            t = cat.tables.get(tb)
            return t is not None and t.name == tb and in_schema(tb)

        return any(
            on_owner(tb) and same(ix.name.name, name) and (kind == "index" or ix.unique)
            for tb, ix in map(cat.indexes.__getitem__, cat.indexes.named(name))
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
            in_schema(n) for _, n, _ in cat.objects.named(name, ("type", "domain"))
        )
    if kind == "value":
        return any(
            in_schema(e.name) and e.name.name == table and name in e.values
            for e in cat.enums.values()
        )
    if kind in ("extension", "schema"):  # read by name alone (``read.postgres``)
        return (kind, QName("", name), None) in cat.objects
    if kind == "sequence":
        return any(in_schema(n) for _, n, _ in cat.objects.named(name, ("sequence",)))
    if kind == "object":  # a trigger, policy or rule is looked for on its table
        want = _OBJECT_FAMILY.get(names[0], (names[0],))
        on = names[2] if len(names) > 2 else None
        return any(
            in_schema(n) if on is None else (tb is not None and tb.name == on and in_schema(tb))
            for _, n, tb in cat.objects.named(names[1], want)
        )
    return False


# pg_proc holds functions, procedures and aggregates alike
_OBJECT_FAMILY = {
    "function": ("function", "procedure", "aggregate"),
    "procedure": ("function", "procedure", "aggregate"),
    "aggregate": ("function", "procedure", "aggregate"),
}
