"""CREATE TABLE and ALTER TABLE (multi-clause: columns, keys, MODIFY / CHANGE, renames, table
options).
"""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.dialects.mysql.indexes import index_key
from prisma_down.core.dialects.mysql.read_columns import column_definition, never
from prisma_down.core.dialects.mysql.read_keys import KEY_WORDS, key_definition
from prisma_down.core.read.tokens import Cursor, ReadError
from prisma_down.core.schema import Column, Constraint, Index, QName, Table


def create_table(c: Cursor, prefix: str) -> ch.Change:
    ine = c.if_not_exists()
    name = c.qname()
    if c.accept("LIKE") or c.is_word("AS") or c.is_word("SELECT") or not c.is_punct("("):
        return ch.CreateTable(Table(name, (), (), c.rest() or "AS", prefix), ine)
    c.expect_punct("(")
    columns: list[Column] = []
    constraints: list[Constraint] = []
    indexes: list[Index] = []
    while not c.accept_punct(")"):
        if any(c.is_word(w) for w in KEY_WORDS):
            key = key_definition(
                c, name, [k.name for k in constraints], [ix.name.name for ix in indexes]
            )
            if isinstance(key, Index):
                indexes.append(key)
            else:
                constraints.append(key)
        else:
            col, extra = column_definition(c, name)
            columns.append(col)
            for k in extra:
                if isinstance(k, Index):
                    indexes.append(k)
                else:
                    constraints.append(k)
        if not c.accept_punct(","):
            c.expect_punct(")")
            break
    tail = c.rest()
    return ch.CreateTable(
        Table(name, tuple(columns), tuple(constraints), tail, prefix), ine, tuple(indexes)
    )


def alter_table(c: Cursor) -> tuple[ch.Change, ...]:
    c.accept("ONLINE")
    c.accept("IGNORE")
    if not c.accept("TABLE"):
        raise ReadError("this ALTER statement is not modelled")
    c.if_exists()
    table = c.qname()
    out: list[ch.Change] = []
    while not c.at_end():
        out.extend(_action(c, table, out))
        if not c.accept_punct(","):
            break
    if not c.at_end():
        raise ReadError(f"unexpected {c.describe()} in ALTER TABLE")
    return tuple(out)


def _taken(changes: list[ch.Change]) -> list[str]:
    return [x.index.name.name for x in changes if isinstance(x, ch.CreateIndex)]


def _action(c: Cursor, table: QName, so_far: list[ch.Change]) -> list[ch.Change]:
    if c.accept("ADD"):
        if any(c.is_word(w) for w in KEY_WORDS):
            taken = [x.constraint.name for x in so_far if isinstance(x, ch.AddConstraint)]
            key = key_definition(c, table, taken, _taken(so_far), number_keys=False)
            if isinstance(key, Index):
                return [ch.CreateIndex(key)]
            return [ch.AddConstraint(table, key)]
        c.accept("COLUMN")
        ine = c.if_not_exists()
        if c.is_punct("("):
            raise ReadError("ADD COLUMN (a, b) is not modelled")
        col, extra = column_definition(c, table)
        _position(c)
        return _with_keys(ch.AddColumn(table, col, (), ine), table, extra)
    if c.accept("DROP"):
        if c.accept("PRIMARY", "KEY"):
            return [ch.DropConstraint(table, "PRIMARY", kind="p")]
        if c.accept("FOREIGN", "KEY"):
            ie = c.if_exists()
            return [ch.DropConstraint(table, c.name(), ie, kind="f")]
        if c.accept("INDEX") or c.accept("KEY"):
            ie = c.if_exists()
            return [ch.DropIndex(index_key(table, c.name()), ie, table=table)]
        if c.accept("CHECK"):
            ie = c.if_exists()
            return [ch.DropConstraint(table, c.name(), ie, kind="c")]
        if c.accept("CONSTRAINT"):
            ie = c.if_exists()
            return [ch.DropConstraint(table, c.name(), ie)]
        c.accept("COLUMN")
        ie = c.if_exists()
        name = c.name()
        c.accept("CASCADE") or c.accept("RESTRICT")
        return [ch.DropColumn(table, name, ie)]
    if c.accept("MODIFY"):
        c.accept("COLUMN")
        c.if_exists()
        col, extra = column_definition(c, table)
        _position(c)
        return _with_keys(ch.ReplaceColumn(table, col.name, col), table, extra)
    if c.accept("CHANGE"):
        c.accept("COLUMN")
        c.if_exists()
        old = c.name()
        col, extra = column_definition(c, table)
        _position(c)
        return _with_keys(ch.ReplaceColumn(table, old, col), table, extra)
    if c.accept("RENAME"):
        if c.accept("COLUMN"):
            old = c.name()
            c.expect("TO")
            return [ch.RenameColumn(table, old, c.name())]
        if c.accept("INDEX") or c.accept("KEY"):
            old = c.name()
            c.expect("TO")
            new = c.name()
            return [ch.RenameIndex(index_key(table, old), index_key(table, new), table)]
        c.accept("TO") or c.accept("AS")
        return [ch.RenameTable(table, c.qname())]
    if c.accept("ALTER"):
        if c.is_word("INDEX") or c.is_word("CHECK") or c.is_word("CONSTRAINT"):
            raise ReadError("ALTER INDEX / CHECK … [NOT] VISIBLE / ENFORCED is not modelled")
        c.accept("COLUMN")
        column = c.name()
        if c.accept("SET", "DEFAULT"):
            return [ch.SetColumnDefault(table, column, c.take_until(never))]
        if c.accept("DROP", "DEFAULT"):
            return [ch.SetColumnDefault(table, column, None)]
        raise ReadError("this ALTER COLUMN action is not modelled")
    if c.is_word("ALGORITHM") or c.is_word("LOCK"):
        c.next()
        c.accept_punct("=")
        c.next()
        return []
    if c.accept("FORCE"):
        return []
    if c.is_word("AUTO_INCREMENT"):
        begin = c.i
        c.next()
        c.accept_punct("=")
        c.next()
        what = c.source(begin, c.i)
        return [ch.DataChange(f"{what} moves the counter; where it stood is not recorded")]
    if c.accept("CONVERT", "TO"):
        c.take_until(never)
        return [ch.Unsupported("CONVERT TO CHARACTER SET rewrites every text column")]
    begin = c.i
    c.take_until(never)
    return [ch.Unsupported(f"table option {c.source(begin, c.i)} is not modelled")]


def _position(c: Cursor) -> None:
    """``FIRST`` / ``AFTER x``: column order is not part of the model (nor of the comparison)."""
    if c.accept("FIRST"):
        return
    if c.accept("AFTER"):
        c.name()


def _with_keys(change: ch.Change, table: QName, extra: list[Constraint | Index]) -> list[ch.Change]:
    out = [change]
    for k in extra:
        out.append(ch.CreateIndex(k) if isinstance(k, Index) else ch.AddConstraint(table, k))
    return out
