"""T-SQL that runs other T-SQL: ``EXEC('…')`` and ``sp_executesql`` strings, ``sp_rename``,
``IF …`` blocks, and the ``sys.default_constraints`` lookup that drops an unnamed default.
"""

from __future__ import annotations

import re

from prisma_down.core import changes as ch
from prisma_down.core.dialects.tsql.read_lexis import (
    NEW,
    NotDdlError,
    index_key,
    literal,
    name_parts,
    qname,
    string_value,
)
from prisma_down.core.dialects.tsql.split import if_parts, split_tsql
from prisma_down.core.read.tokens import Cursor, ReadError


def read_script(text: str) -> tuple[ch.Change, ...]:
    """Every statement of a script (an EXEC string, a BEGIN … END block) read in turn."""
    from prisma_down.core.read import read_statement  # the package dispatches data statements

    out: list[ch.Change] = []
    for st in split_tsql(text, group=False).statements:
        reading = read_statement(st.text, "tsql")
        if reading.problem is not None:
            raise ReadError(reading.problem)
        out.extend(reading.changes)
    return tuple(out)


def exec_statement(c: Cursor) -> tuple[ch.Change, ...]:
    if c.accept_punct("("):
        inner = literal(c)
        if inner is None or not c.accept_punct(")") or not c.at_end():
            return (ch.Unsupported("EXEC of SQL built at run time: its effect is not known"),)
        return read_script(inner)
    proc = c.qname()
    if proc.name.lower() == "sp_executesql":
        inner = literal(c)
        if inner is None:
            return (
                ch.Unsupported("sp_executesql of SQL built at run time: its effect is unknown"),
            )
        return read_script(inner)
    if proc.name.lower() == "sp_rename":
        return (_rename(c),)
    raise NotDdlError  # a procedure call


def _rename(c: Cursor) -> ch.Change:
    """``EXEC sp_rename 'dbo.T.old', 'new', 'COLUMN'`` (also INDEX, OBJECT, or a table)."""
    args: list[str] = []
    while not c.at_end():
        if c.is_punct("@"):  # @objname = N'...'
            while not c.at_end() and not c.accept_punct("="):
                c.next()
        t = c.next()
        if t.kind != "string":
            raise ReadError("sp_rename with an argument that is not a string")
        args.append(string_value(t.text))
        if not c.accept_punct(","):
            break
    if len(args) < 2 or not c.at_end():
        raise ReadError("sp_rename needs an object and a new name")
    parts = name_parts(args[0])
    new = args[1]
    kind = args[2].upper() if len(args) > 2 else "OBJECT"
    if kind in ("COLUMN", "INDEX"):
        if len(parts) < 2:
            raise ReadError(f"sp_rename of a {kind.lower()} needs table.{kind.lower()}")
        table = qname(parts[:-1])
        if kind == "COLUMN":
            return ch.RenameColumn(table, parts[-1], new)
        return ch.RenameIndex(index_key(table, parts[-1]), index_key(table, new), table=table)
    if kind != "OBJECT":
        raise ReadError(f"sp_rename of a {kind.lower()} is not modelled")
    old = qname(parts)
    if old.name.startswith(NEW):
        return ch.RenameTable(old, old.renamed(new))
    return ch.RenameObject("object", old, old.renamed(new))  # a table or a constraint


def if_statement(text: str) -> tuple[ch.Change, ...]:
    parts = if_parts(text)
    if parts is None:
        raise ReadError("IF without a statement")
    cond, bodies = parts
    changes = [x for body in bodies for x in read_script(body)]
    if all(isinstance(x, ch.SessionSetting) for x in changes):
        return (ch.SessionSetting(text),)
    if re.fullmatch(r"@\w+\s+IS\s+NOT\s+NULL", cond.strip(), re.I) and all(
        isinstance(x, ch.Unsupported) for x in changes
    ):
        # ``IF @name IS NOT NULL EXEC('… DROP CONSTRAINT ' + @name)``: the lookup before it
        # (``SELECT @name = name FROM sys.default_constraints``) already read as the drop
        return (ch.SessionSetting(text),)
    schema = [
        x
        for x in changes
        if not isinstance(x, ch.DataChange | ch.InsertRows | ch.SessionSetting | ch.DeleteRows)
    ]
    if not schema:
        return (ch.DataChange("a conditional data change: which rows it touched is not recorded"),)
    return (ch.Unsupported("a schema change under IF: whether it ran is not known"),)


_LOOKUP = re.compile(
    r"SELECT\s+@\w+\s*=\s*name\s+FROM\s+sys\.default_constraints\s+WHERE\s+"
    r"parent_object_id\s*=\s*OBJECT_ID\(\s*N?'([^']+)'\s*\)\s+AND\s+"
    r"col_name\(\s*parent_object_id\s*,\s*parent_column_id\s*\)\s*=\s*N?'([^']+)'\s*",
    re.I,
)


def default_lookup(text: str) -> ch.Change | None:
    """``SELECT @n = name FROM sys.default_constraints WHERE … = 'c'``, then a drop of @n.

    The idiom drops whatever default column ``c`` has, named or not: read as that drop.
    """
    m = _LOOKUP.fullmatch(text.strip())
    if m is None:
        return None
    return ch.SetColumnDefault(qname(name_parts(m.group(1))), m.group(2), None)
