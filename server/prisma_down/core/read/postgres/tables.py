"""CREATE TABLE, ALTER TABLE (columns, constraints, renames) and DROP TABLE."""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.read.postgres.columns import column_definition
from prisma_down.core.read.postgres.constraints import dedupe, table_constraint
from prisma_down.core.read.postgres.syntax import if_exists, never
from prisma_down.core.read.tokens import Cursor, ReadError
from prisma_down.core.schema import Column, Constraint, QName, Table


def create_table(c: Cursor, prefix: str) -> ch.Change:
    ine = c.if_not_exists()
    name = c.qname()
    while c.accept("ON", "COMMIT") or c.is_word("WITH"):
        c.skip_group()
        if c.is_punct("("):
            c.skip_group()
        elif c.accept("DELETE") or c.accept("PRESERVE"):
            c.accept("ROWS")
    if c.accept("AS") or c.is_word("PARTITION", "OF") or c.is_word("OF"):
        return ch.CreateTable(Table(name, (), (), c.rest(), prefix), ine)  # columns unknown
    c.expect_punct("(")
    columns: list[Column] = []
    constraints: list[Constraint] = []
    while not c.accept_punct(")"):
        if (
            c.is_word("CONSTRAINT")
            or c.is_word("PRIMARY")
            or c.is_word("UNIQUE")
            or c.is_word("FOREIGN")
            or c.is_word("CHECK")
            or c.is_word("EXCLUDE")
        ):
            constraints.append(table_constraint(c, name.name))
        elif c.is_word("LIKE"):
            raise ReadError("CREATE TABLE ... (LIKE ...) is not modelled")
        else:
            col, extra = column_definition(c, name.name)
            columns.append(col)
            constraints.extend(extra)
        if not c.accept_punct(","):
            c.expect_punct(")")
            break
    tail = c.rest()
    return ch.CreateTable(
        Table(name, tuple(columns), tuple(dedupe(constraints)), tail, prefix), ine
    )


def _alter_actions(c: Cursor, table: QName) -> tuple[ch.Change, ...]:
    c.accept_punct("*")
    if c.accept("SET", "SCHEMA"):  # the table moves, with its indexes and owned sequences
        schema = c.name()
        schema = "" if schema == c.default_schema else schema
        return (ch.RenameTable(table, QName(schema, table.name)),)
    if c.accept("RENAME"):
        if c.accept("TO"):
            return (ch.RenameTable(table, QName(table.schema, c.name())),)
        if c.accept("CONSTRAINT"):
            old = c.name()
            c.expect("TO")
            return (ch.RenameConstraint(table, old, c.name()),)
        c.accept("COLUMN")
        old = c.name()
        c.expect("TO")
        return (ch.RenameColumn(table, old, c.name()),)
    out: list[ch.Change] = []
    while True:
        out.extend(_alter_table_action(c, table))
        if not c.accept_punct(","):
            break
    if not c.at_end():
        raise ReadError(f"unexpected {c.describe()} in ALTER TABLE")
    return tuple(out)


def _alter_table_action(c: Cursor, table: QName) -> list[ch.Change]:
    if c.accept("ADD"):
        if (
            c.is_word("CONSTRAINT")
            or c.is_word("PRIMARY")
            or c.is_word("UNIQUE")
            or c.is_word("FOREIGN")
            or c.is_word("CHECK")
            or c.is_word("EXCLUDE")
        ):
            k = table_constraint(c, table.name)
            not_valid = k.tail.upper().endswith("NOT VALID")
            if not_valid:
                k = Constraint(
                    k.name,
                    k.kind,
                    k.columns,
                    k.ref_table,
                    k.ref_columns,
                    k.tail[: -len("NOT VALID")].rstrip(),
                )
            return [ch.AddConstraint(table, k, not_valid)]
        c.accept("COLUMN")
        ine = c.if_not_exists()
        col, extra = column_definition(c, table.name)
        return [ch.AddColumn(table, col, tuple(extra), ine)]
    if c.accept("DROP"):
        if c.accept("CONSTRAINT"):
            ie = c.if_exists()
            name = c.name()
            cascade = c.accept("CASCADE")
            c.accept("RESTRICT")
            return [ch.DropConstraint(table, name, ie, cascade)]
        c.accept("COLUMN")
        ie = c.if_exists()
        name = c.name()
        cascade = c.accept("CASCADE")
        c.accept("RESTRICT")
        return [ch.DropColumn(table, name, ie, cascade)]
    if c.accept("ALTER"):
        c.accept("COLUMN")
        column = c.name()
        if c.accept("SET", "DATA", "TYPE") or c.accept("TYPE"):
            type_text = c.take_until(lambda x: x.is_word("USING") or x.is_word("COLLATE"))
            collate = using = None
            if c.accept("COLLATE"):
                collate = c.take_until(lambda x: x.is_word("USING"))
            if c.accept("USING"):
                using = c.take_until(never)
            return [ch.AlterColumnType(table, column, type_text, using, collate)]
        if c.accept("SET", "DEFAULT"):
            return [ch.SetColumnDefault(table, column, c.take_until(never))]
        if c.accept("DROP", "DEFAULT"):
            return [ch.SetColumnDefault(table, column, None)]
        if c.accept("SET", "NOT", "NULL"):
            return [ch.SetColumnNotNull(table, column, True)]
        if c.accept("DROP", "NOT", "NULL"):
            return [ch.SetColumnNotNull(table, column, False)]
        if c.accept("ADD"):
            return [ch.SetColumnIdentity(table, column, c.take_until(never))]
        if c.accept("DROP", "IDENTITY"):
            return [ch.SetColumnIdentity(table, column, None, c.if_exists())]
        raise ReadError("this ALTER COLUMN action is not modelled")
    if c.accept("VALIDATE", "CONSTRAINT"):
        return [ch.ValidateConstraint(table, c.name())]
    if c.accept("OWNER", "TO"):
        c.name()
        return []
    raise ReadError("this ALTER TABLE action is not modelled")


def alter_table(c: Cursor) -> tuple[ch.Change, ...]:
    """``ALTER TABLE`` after its first two words."""
    ie = c.if_exists()
    c.accept("ONLY")
    table = c.qname()
    changes = _alter_actions(c, table)
    return if_exists(ie, ch.Guard("table", (table.name,), False, table.schema), changes)


def drop_table(c: Cursor) -> tuple[ch.Change, ...]:
    ie = c.if_exists()
    names = [c.qname()]
    while c.accept_punct(","):
        names.append(c.qname())
    cascade = c.accept("CASCADE")
    return tuple(ch.DropTable(n, ie, cascade) for n in names)
