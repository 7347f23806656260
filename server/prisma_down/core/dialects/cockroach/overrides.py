"""What CockroachDB does differently when a change is undone: inverters that replace inverse.py's.

``inverse.invert`` takes these over the generic ones when the catalog's dialect is
``cockroachdb``. From the CockroachDB documentation (ALTER TYPE, ALTER COLUMN) and the way
Prisma's CockroachDB migrations are written:

- ``ALTER TYPE … DROP VALUE`` exists, so a value added to an enum is dropped again (Prisma
  does the same), instead of PostgreSQL's ``X_new`` replacement.
- Changing a column's type in place is limited (``enable_experimental_alter_column_type_
  general``); Prisma drops the column and adds it back with the new type, and so does the
  way back: the column comes back empty.
- ``ALTER PRIMARY KEY USING COLUMNS`` keeps the old key's columns as a UNIQUE secondary
  index (ALTER PRIMARY KEY: "the old primary key index becomes a UNIQUE secondary index",
  not when the old key is the hidden ``rowid``, the columns stay the same, or a unique index
  on them exists already), named ``t_<old columns>_key``. ``APPLY`` models that index; the
  way back alters the key back in one statement, then drops the index that statement made
  and the one the up made.
- ``ALTER SEQUENCE`` options are kept in the sequence's CREATE SEQUENCE text; the way back
  sets exactly the options changed to their previous values, CockroachDB's defaults
  (CREATE SEQUENCE) where the history never set them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core import inverse as iv
from prisma_down.core.catalog import Catalog, CatalogError, apply
from prisma_down.core.dialects.cockroach.read import sequence_options
from prisma_down.core.names import qualified
from prisma_down.core.read.postgres import cursor
from prisma_down.core.read.tokens import ReadError
from prisma_down.core.render.postgres import option_sql
from prisma_down.core.schema import Constraint, Index, IndexElement, Opaque, QName, Table


def _add_enum_value(c: ch.AddEnumValue, cat: Catalog) -> iv.Inverse:
    e = cat.enums.get(c.enum)
    if e is None:
        return iv.never(f'enum "{c.enum.name}" is not created earlier in the history')
    if c.value in e.values and c.if_not_exists:
        return iv.NOTHING
    return iv.lossy(
        f"rows holding '{c.value}' make this fail: change them first",
        ch.DropEnumValue(c.enum, c.value),
    )


def _alter_type(c: ch.AlterColumnType, cat: Catalog) -> iv.Inverse:
    """DROP COLUMN, then the column as it was, with its indexes and constraints."""
    t = cat.tables.get(c.table)
    before = t.column(c.column) if t is not None else None
    if before is None:
        return iv.missing_column(c.table, c.column)
    if iv.normalized_type(c.type) == iv.normalized_type(before.type):
        return iv.exact(ch.AlterColumnType(c.table, c.column, before.type, None, before.collate))
    restore = iv.invert_drop_column(ch.DropColumn(c.table, c.column), cat)
    return iv.lossy(
        f'column {qualified(c.table)}."{c.column}" is dropped and added back as {before.type} '
        "(CockroachDB changes a type that way): its values are lost",
        ch.DropColumn(c.table, c.column),
        *restore.changes,
    )


# -- ALTER PRIMARY KEY
def _primary_key(t: Table) -> Constraint | None:
    return next((k for k in t.constraints if k.kind == "p"), None)


def _kept_index(cat: Catalog, t: Table, old: Constraint | None, new: Constraint) -> Index | None:
    """The UNIQUE index CockroachDB makes of the old primary key's columns, if it makes one."""
    if old is None or not old.columns or old.columns == new.columns:
        return None  # the hidden rowid, a key the catalog cannot see, or no change of columns
    for ix in cat.table_indexes(t.name):
        if ix.unique and ix.where is None and tuple(e.column for e in ix.elements) == old.columns:
            return None
    if any(k.kind == "u" and k.columns == old.columns for k in t.constraints):
        return None
    base = f"{t.name.name}_{'_'.join(old.columns)}_key"

    def taken(name: str) -> bool:
        """An index of the schema, or a constraint of any table, is called ``name``."""
        return QName(t.name.schema, name) in cat.indexes or any(
            cat.tables[tn].constraint(name) is not None for tn in cat.tables.with_constraint(name)
        )

    name, n = base, 0
    while taken(name):  # CockroachDB's GenerateUniqueName: x, x1, x2, ...
        n += 1
        name = f"{base}{n}"
    elements = tuple(IndexElement(col) for col in old.columns)
    return Index(QName(t.name.schema, name), t.name, elements, unique=True)


def _apply_alter_primary_key(cat: Catalog, c: ch.AlterPrimaryKey) -> Catalog:
    t = cat.tables.get(c.table)
    if t is None:
        raise CatalogError(f"table {c.table} does not exist at this point of the history")
    old = _primary_key(t)
    new = c.constraint
    clash = t.constraint(new.name)
    if clash is not None and clash is not old:
        raise CatalogError(f'constraint "{new.name}" already exists on {c.table}')
    for col in new.columns:
        if t.column(col) is None:
            raise CatalogError(f'column "{c.table.name}"."{col}" does not exist at this point')
    kept = _kept_index(cat, t, old, new)
    columns = tuple(replace(x, not_null=True) if x.name in new.columns else x for x in t.columns)
    constraints = (*(k for k in t.constraints if k is not old), new)
    tables = cat.tables.set(c.table, replace(t, columns=columns, constraints=constraints))
    indexes = cat.indexes
    if kept is not None:
        indexes = indexes.set(kept.name, (c.table, kept))
    return replace(cat, tables=tables, indexes=indexes)


def _alter_primary_key(c: ch.AlterPrimaryKey, cat: Catalog) -> iv.Inverse:
    """ALTER PRIMARY KEY back, then DROP INDEX of what it and the up kept as UNIQUE indexes."""
    t = cat.tables.get(c.table)
    if t is None:
        return iv.never(f"table {qualified(c.table)} is not created earlier in the history")
    old = _primary_key(t)
    if old is None:
        return iv.never(
            f"table {qualified(c.table)} had no primary key (CockroachDB's hidden rowid): "
            "ALTER PRIMARY KEY cannot give that back"
        )
    if not old.columns:
        return iv.never(f"the columns of the primary key of {qualified(c.table)} are unknown")
    try:
        up = apply(cat, c)
        back: list[ch.Change] = [ch.AlterPrimaryKey(c.table, replace(old, name=c.constraint.name))]
        if old.name != c.constraint.name:
            back.append(ch.RenameConstraint(c.table, c.constraint.name, old.name))
        down = up
        for change in back:
            down = apply(down, change)
    except CatalogError as e:
        return iv.never(str(e))
    made_back = down.indexes.in_order(
        n for n in down.indexes.changed(up.indexes) if n in down.indexes and n not in up.indexes
    )
    made_up = up.indexes.in_order(
        n for n in up.indexes.changed(cat.indexes) if n in up.indexes and n not in cat.indexes
    )
    drops = [ch.DropIndex(n, table=c.table) for n in (*made_back, *made_up)]
    return iv.exact(*back, *drops)


# -- ALTER SEQUENCE
_INT_RANGE = {
    "INT2": (-32768, 32767),
    "INT4": (-2147483648, 2147483647),
    "INT8": (-9223372036854775808, 9223372036854775807),
}
_INT_NAMES = {
    "SMALLINT": "INT2",
    "INT2": "INT2",
    "INT4": "INT4",
    "INT": "INT8",  # default_int_size 8
    "INTEGER": "INT8",
    "BIGINT": "INT8",
    "INT8": "INT8",
}


def _sequence(cat: Catalog, name: QName) -> tuple[tuple[str, QName, QName | None], Opaque] | None:
    return next(iter(cat.objects_named("sequence", name)), None)


def _explicit(sql: str) -> dict[str, str]:
    """The options a CREATE SEQUENCE text sets, keyword → value (RESTART is no option)."""
    c = cursor(sql, "cockroachdb")
    c.expect("CREATE")
    if not c.accept("TEMP"):
        c.accept("TEMPORARY")
    c.expect("SEQUENCE")
    c.if_not_exists()
    c.qname()
    return {k: v for k, v in sequence_options(c) if k != "RESTART"}


def effective_options(sql: str) -> dict[str, str]:
    """Every option of the sequence a CREATE SEQUENCE text makes, CockroachDB's defaults filled
    in (CREATE SEQUENCE: INCREMENT 1; MINVALUE 1 ascending, the type's minimum descending;
    MAXVALUE the type's maximum ascending, -1 descending; START at MINVALUE ascending, MAXVALUE
    descending; CACHE 1; NO CYCLE; OWNED BY NONE; AS INT8)."""
    opts = _explicit(sql)
    out = dict(opts)
    kind = _INT_NAMES.get(opts.get("AS", "INT8"), opts.get("AS", "INT8"))
    low, high = _INT_RANGE.get(kind, _INT_RANGE["INT8"])
    out["AS"] = kind
    out["INCREMENT"] = str(int(opts.get("INCREMENT") or 1))
    up = int(out["INCREMENT"]) > 0
    out["MINVALUE"] = str(int(opts.get("MINVALUE") or (1 if up else low)))
    out["MAXVALUE"] = str(int(opts.get("MAXVALUE") or (high if up else -1)))
    out["START"] = str(int(opts.get("START") or (out["MINVALUE"] if up else out["MAXVALUE"])))
    out["CACHE"] = str(int(opts.get("CACHE") or 1))
    out["CYCLE"] = opts.get("CYCLE", "")
    out["OWNED BY"] = opts.get("OWNED BY", "")
    return out


def sequence_differences(name: QName, before: str, after: str) -> list[str]:
    """The options of a sequence that differ after down.sql (``compare.differences``)."""
    try:
        a, b = effective_options(before), effective_options(after)
    except ReadError:
        return []
    return [
        f"option {k} of sequence {qualified(name)} is {option_sql(k, a.get(k, '')) or 'unset'} "
        f"before, {option_sql(k, b.get(k, '')) or 'unset'} after down.sql"
        for k in sorted(a.keys() | b.keys())
        if a.get(k, "") != b.get(k, "")
    ]


def _apply_alter_sequence(cat: Catalog, c: ch.AlterSequence) -> Catalog:
    hit = _sequence(cat, c.name)
    if hit is None:
        if c.if_exists:
            return cat
        raise CatalogError(f'sequence "{c.name}" does not exist')
    key, o = hit
    try:
        opts = _explicit(o.sql)
    except ReadError as e:
        raise CatalogError(f'the options of sequence "{c.name}" are unknown: {e}') from e
    opts.update((k, v) for k, v in c.options if k != "RESTART")
    head = "CREATE TEMP SEQUENCE" if o.sql.split()[1].upper().startswith("TEMP") else ""
    sql = " ".join(
        [head or "CREATE SEQUENCE", qualified(o.name), *(option_sql(k, v) for k, v in opts.items())]
    )
    return replace(cat, objects=cat.objects.set(key, replace(o, sql=sql)))


def _alter_sequence(c: ch.AlterSequence, cat: Catalog) -> iv.Inverse:
    """ALTER SEQUENCE back: each option changed to its value before (its default if unset)."""
    hit = _sequence(cat, c.name)
    if hit is None:
        if c.if_exists:
            return iv.NOTHING
        return iv.never(
            f'sequence "{c.name.name}" is not created earlier in the history, '
            "so its options before are unknown"
        )
    try:
        before = effective_options(hit[1].sql)
    except ReadError as e:
        return iv.never(f'the options of sequence "{c.name.name}" are unknown: {e}')
    keys = dict.fromkeys(k for k, _ in c.options if k != "RESTART")
    back = tuple((k, before.get(k, "")) for k in keys)
    restored = ch.AlterSequence(c.name, back) if back else None
    if any(k == "RESTART" for k, _ in c.options):
        note = f'the position of sequence "{c.name.name}" before RESTART is unknown'
        if restored is None:
            return iv.never(note)
        return iv.lossy(note + ": it is not put back", restored)
    return iv.exact(*([restored] if restored else []))


INVERT: dict[type[Any], Callable[[Any, Catalog], iv.Inverse]] = {
    ch.AddEnumValue: _add_enum_value,
    ch.AlterColumnType: _alter_type,
    ch.AlterPrimaryKey: _alter_primary_key,
    ch.AlterSequence: _alter_sequence,
}

APPLY: dict[type[Any], Callable[[Catalog, Any], Catalog]] = {
    ch.AlterPrimaryKey: _apply_alter_primary_key,
    ch.AlterSequence: _apply_alter_sequence,
}
