"""Prisma's table redefinition (``_prisma_new_T``: create, copy, drop, rename) read as one
RedefineTable.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from prisma_down.core import changes as ch
from prisma_down.core.dialects.tsql.read_lexis import NEW, cursor, name_parts
from prisma_down.core.dialects.tsql.read_tables import table_definition
from prisma_down.core.dialects.tsql.split import split_tsql
from prisma_down.core.read.tokens import ReadError
from prisma_down.core.schema import Table

Reader = Callable[[str], tuple[ch.Change, ...]]


_INSERT = re.compile(
    r"INSERT\s+INTO\s+(\S+)\s*\(([^)]*)\)\s*SELECT\s+(.*?)\s+FROM\s+(\S+)", re.I | re.S
)


def redefinition(text: str, read: Reader) -> tuple[ch.Change, ...]:
    """``BEGIN TRANSACTION; … _prisma_new_T … COMMIT;`` as one RedefineTable of T.

    Read statement by statement: DROP CONSTRAINT before the copy are their own changes; the
    ``DECLARE @SQL … sys.objects`` batch drops every constraint left on T (the new
    definition brings its own); the copy's column lists pair new and old columns. ``read``
    reads each of the other statements.
    """
    before: list[ch.Change] = []
    after: list[ch.Change] = []
    new: Table | None = None
    copied: tuple[tuple[str, str], ...] = ()
    dropped = renamed = False
    for st in split_tsql(text, group=False).statements:
        c = cursor(st.text)
        if c.is_word("BEGIN") or c.is_word("COMMIT") or c.is_word("DECLARE"):
            continue
        if c.is_word("SELECT") and "SYS.OBJECTS" in st.text.upper():
            continue
        if c.is_word("EXEC", "SP_EXECUTESQL") or c.is_word("SET", "IDENTITY_INSERT"):
            continue
        if c.accept("CREATE", "TABLE"):
            t = table_definition(c)
            if not t.name.name.startswith(NEW):
                raise ReadError("a redefinition creates _prisma_new_<table>")
            new = Table(t.name.renamed(t.name.name[len(NEW) :]), t.columns, t.constraints)
            continue
        if c.is_word("IF") and new is not None:
            m = _INSERT.search(st.text)
            if m is None:
                raise ReadError("a redefinition copies its rows with INSERT … SELECT")
            targets = [name_parts(x.strip())[-1] for x in m.group(2).split(",")]
            sources = [name_parts(x.strip())[-1] for x in m.group(3).split(",")]
            copied = tuple(zip(targets, sources, strict=False))
            continue
        changes = read(st.text)
        if new is None:
            before.extend(changes)
        elif any(isinstance(x, ch.DropTable) and x.name == new.name for x in changes):
            dropped = True
        elif any(isinstance(x, ch.RenameTable) and x.new == new.name for x in changes):
            renamed = True
        else:
            after.extend(changes)
    if new is None or not dropped or not renamed:
        raise ReadError("not Prisma's table redefinition")
    return (*before, ch.RedefineTable(new, copied), *after)
