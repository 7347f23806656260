"""CREATE TABLE, its columns and constraints (a named DEFAULT is a constraint of kind ``d``),
CREATE INDEX and ALTER TABLE, as SQL Server writes them.
"""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.dialects.tsql.read_lexis import index_key
from prisma_down.core.read.tokens import Cursor, ReadError
from prisma_down.core.schema import Column, Constraint, Index, IndexElement, Table

_COLUMN_STOP = frozenset(
    {
        "CONSTRAINT", "NOT", "NULL", "DEFAULT", "IDENTITY", "PRIMARY", "UNIQUE", "REFERENCES",
        "CHECK", "COLLATE", "ROWGUIDCOL", "SPARSE", "FOREIGN", "FILESTREAM", "MASKED",
        "GENERATED", "HIDDEN", "ENCRYPTED", "AS",
    }
)  # fmt: skip


def clustering_of(c: Cursor) -> str:
    if c.accept("CLUSTERED"):
        return "CLUSTERED"
    if c.accept("NONCLUSTERED"):
        return "NONCLUSTERED"
    return ""


def table_definition(c: Cursor) -> Table:
    name = c.qname()
    c.expect_punct("(")
    columns: list[Column] = []
    constraints: list[Constraint] = []
    while not c.accept_punct(")"):
        if at_constraint(c):
            constraints.append(table_constraint(c))
        else:
            col, extra = column_definition(c)
            columns.append(col)
            constraints.extend(extra)
        if not c.accept_punct(","):
            c.expect_punct(")")
            break
    return Table(name, tuple(columns), tuple(constraints), c.rest())


def at_constraint(c: Cursor) -> bool:
    return any(c.is_word(w) for w in ("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK"))


def _stop(c: Cursor) -> bool:
    t = c.peek()
    return t is not None and t.kind == "word" and t.upper in _COLUMN_STOP


def _fk_stop(c: Cursor) -> bool:
    return _stop(c) and not c.is_word("NOT", "FOR")  # NOT FOR REPLICATION


def column_definition(c: Cursor) -> tuple[Column, list[Constraint]]:
    """``[name] TYPE [NOT NULL] [IDENTITY(1,1)] [CONSTRAINT [x] DEFAULT …]``, kept as text."""
    name = c.name()
    if c.accept("AS"):  # a computed column has no type
        return Column(name, "", generated="AS " + c.take_until(lambda _: False)), []
    type_text = c.take_until(_stop)
    if not type_text:
        raise ReadError(f"column {name} has no type")
    not_null = False
    default = collate = identity = None
    extra: list[Constraint] = []
    while not c.at_end() and not (c.is_punct(",") or c.is_punct(")")):
        cname = c.name() if c.accept("CONSTRAINT") else ""
        if c.accept("NOT", "NULL"):
            not_null = True
        elif c.accept("NULL"):
            not_null = False
        elif c.accept("DEFAULT"):
            value = c.take_until(_stop)
            if cname:
                extra.append(Constraint(cname, "d", (name,), tail=value))
            else:
                default = value
        elif c.is_word("IDENTITY"):
            identity = c.take_until(_stop)
            not_null = True
        elif c.accept("COLLATE"):
            collate = c.next().text
        elif c.accept("PRIMARY", "KEY"):
            extra.append(Constraint(cname, "p", (name,), tail=clustering_of(c)))
            not_null = True
        elif c.accept("UNIQUE"):
            extra.append(Constraint(cname, "u", (name,), tail=clustering_of(c)))
        elif c.accept("FOREIGN", "KEY") or c.is_word("REFERENCES"):
            c.expect("REFERENCES")
            ref = c.qname()
            ref_cols = c.name_list() if c.is_punct("(") else ()
            tail = c.take_until(_fk_stop) if not (c.is_punct(",") or c.is_punct(")")) else ""
            extra.append(Constraint(cname, "f", (name,), ref, ref_cols, tail))
        elif c.is_word("CHECK"):
            extra.append(Constraint(cname, "c", (), tail=c.take_until(_stop)))
        elif c.accept("ROWGUIDCOL") or c.accept("SPARSE"):
            pass
        else:
            raise ReadError(f"unexpected {c.describe()} in column {name}")
    return Column(name, type_text, default, not_null, collate, identity), extra


def _key_columns(c: Cursor) -> tuple[str, ...]:
    """``([a], [b] DESC)``: the names (a sort order is not kept)."""
    c.expect_punct("(")
    names = [c.name()]
    c.accept("ASC") or c.accept("DESC")
    while c.accept_punct(","):
        names.append(c.name())
        c.accept("ASC") or c.accept("DESC")
    c.expect_punct(")")
    return tuple(names)


def table_constraint(c: Cursor) -> Constraint:
    name = c.name() if c.accept("CONSTRAINT") else ""
    if c.accept("PRIMARY", "KEY") or c.accept("UNIQUE"):
        kind = "p" if c.peek(-1) is not None and c.is_word("KEY", k=-1) else "u"
        clustering = clustering_of(c)
        cols = _key_columns(c)
        after = c.take_until(lambda _: False)
        return Constraint(name, kind, cols, tail=f"{clustering} {after}".strip())
    if c.accept("FOREIGN", "KEY"):
        cols = c.name_list()
        c.expect("REFERENCES")
        ref = c.qname()
        ref_cols = c.name_list() if c.is_punct("(") else ()
        return Constraint(name, "f", cols, ref, ref_cols, c.take_until(lambda _: False))
    if c.is_word("CHECK"):
        return Constraint(name, "c", (), tail=c.take_until(lambda _: False))
    if c.accept("DEFAULT"):
        value = c.take_until(lambda x: x.is_word("FOR"))
        c.expect("FOR")
        return Constraint(name, "d", (c.name(),), tail=value)
    raise ReadError("unknown table constraint")


def create_index(c: Cursor, unique: bool, clustering: str) -> ch.Change:
    name = c.name()
    c.expect("ON")
    table = c.qname()
    c.expect_punct("(")
    elements: list[IndexElement] = []
    while True:
        col = c.name()
        suffix = c.take_until(lambda _: False)
        elements.append(IndexElement(col, None, suffix))
        if not c.accept_punct(","):
            break
    c.expect_punct(")")
    include: tuple[str, ...] = ()
    if c.accept("INCLUDE"):
        include = c.name_list()
    where = None
    if c.accept("WHERE"):
        where = c.take_until(lambda x: x.is_word("WITH") or x.is_word("ON"))
    tail = c.rest()
    index = Index(
        index_key(table, name),
        table,
        tuple(elements),
        unique,
        clustering or None,
        where,
        include,
        tail,
    )
    return ch.CreateIndex(index)


def alter_table(c: Cursor) -> tuple[ch.Change, ...]:
    table = c.qname()
    not_valid = False
    if c.accept("WITH", "NOCHECK"):
        not_valid = True
    else:
        c.accept("WITH", "CHECK")
    if c.accept("ADD"):
        out: list[ch.Change] = []
        while True:
            if c.is_word("DEFAULT"):  # ADD DEFAULT x FOR [c]: an unnamed default
                c.next()
                value = c.take_until(lambda x: x.is_word("FOR"))
                c.expect("FOR")
                out.append(ch.SetColumnDefault(table, c.name(), value))
            elif at_constraint(c):
                out.append(ch.AddConstraint(table, table_constraint(c), not_valid))
            else:
                col, extra = column_definition(c)
                out.append(ch.AddColumn(table, col, tuple(extra)))
            if not c.accept_punct(","):
                break
        return _done(c, out)
    if c.accept("DROP"):
        out = []
        column = False
        while True:
            if c.accept("COLUMN"):
                column = True
            elif c.accept("CONSTRAINT"):
                column = False
            ie = c.if_exists()
            name = c.name()
            out.append(
                ch.DropColumn(table, name, ie) if column else ch.DropConstraint(table, name, ie)
            )
            if not c.accept_punct(","):
                break
        return _done(c, out)
    if c.accept("ALTER", "COLUMN"):
        name = c.name()
        type_text = c.take_until(_stop)
        collate = c.next().text if c.accept("COLLATE") else None
        not_null = False
        if c.accept("NOT", "NULL"):
            not_null = True
        else:
            c.accept("NULL")
        restated = Column(name, type_text, None, not_null, collate)
        return _done(c, [ch.ReplaceColumn(table, name, restated)])
    if c.accept("CHECK", "CONSTRAINT"):  # WITH CHECK CHECK CONSTRAINT x: validated
        return _done(c, [ch.ValidateConstraint(table, c.name())])
    raise ReadError("this ALTER TABLE action is not modelled")


def _done(c: Cursor, out: list[ch.Change]) -> tuple[ch.Change, ...]:
    if not c.at_end():
        raise ReadError(f"unexpected {c.describe()} in ALTER TABLE")
    return tuple(out)
