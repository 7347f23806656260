"""SQLite statements → changes, and Prisma's table redefinition across statements.

SQLite keeps every CREATE TABLE as written (``sqlite_master.sql``) and edits that text on
ALTER TABLE, so the catalog keeps what the text says: a constraint written in its column
stays there (``inline``), an unnamed one stays unnamed (``name == ""``). Names keep their
case (SQLite compares them ignoring ASCII case; Prisma always writes them the same way).

SQLite alters little in place (ADD, DROP and RENAME COLUMN, RENAME TO); Prisma changes a
table by redefining it: ``CREATE TABLE "new_X"``, ``INSERT INTO "new_X" (...) SELECT ...
FROM "X"``, ``DROP TABLE "X"``, ``ALTER TABLE "new_X" RENAME TO "X"``, between PRAGMAs.
``redefinitions`` reads those statements as one ``RedefineTable``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from prisma_down.core import changes as ch
from prisma_down.core.read import data
from prisma_down.core.read.tokens import Cursor, ReadError, tokenize
from prisma_down.core.schema import Column, Constraint, Index, IndexElement, Opaque, QName, Table

_COLUMN_STOP = frozenset(
    {
        "CONSTRAINT",
        "NOT",
        "NULL",
        "DEFAULT",
        "PRIMARY",
        "UNIQUE",
        "REFERENCES",
        "CHECK",
        "GENERATED",
        "COLLATE",
        "AS",
    }
)
_TABLE_CONSTRAINT = ("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK")
_C = TypeVar("_C")
Pairs = tuple[tuple[str, str], ...]
_SESSION = frozenset({"PRAGMA", "ANALYZE", "VACUUM", "REINDEX", "SAVEPOINT", "RELEASE"})


def fold(name: str) -> str:
    return name


def cursor(text: str) -> Cursor:
    return Cursor(text, tokenize(text, "sqlite"), fold, "main")


def read(text: str) -> tuple[ch.Change, ...]:
    """The changes one statement makes; raises ReadError for malformed DDL."""
    c = cursor(text)
    if c.at_end():
        return ()
    head = c.peek()
    assert head is not None
    word = head.upper if head.kind == "word" else ""
    if word == "BEGIN":
        return (ch.Transaction(True),)
    if word in ("COMMIT", "END"):
        return (ch.Transaction(False),)
    if word in _SESSION:
        return (ch.SessionSetting(text),)
    if word == "CREATE":
        c.next()
        return _create(c, text)
    if word == "ALTER":
        c.next()
        return _alter(c)
    if word == "DROP":
        c.next()
        return _drop(c)
    return tuple(_quoted_strings(x) for x in data.read(c, text, "sqlite"))


def _quoted_strings(change: ch.Change) -> ch.Change:
    """In VALUES no column is in scope: SQLite reads a "double-quoted" value as a string."""
    if not isinstance(change, ch.InsertRows) or change.query:  # a query is run as written
        return change
    rows = tuple(tuple(_as_string(v) for v in row) for row in change.rows)
    return ch.InsertRows(change.table, change.columns, rows)


def _as_string(value: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] == '"' and '"' not in v[1:-1].replace('""', ""):
        return "'" + v[1:-1].replace('""', '"').replace("'", "''") + "'"
    return value


# -- CREATE
def _create(c: Cursor, text: str) -> tuple[ch.Change, ...]:
    temp = c.accept("TEMP") or c.accept("TEMPORARY")
    if c.accept("UNIQUE"):
        c.expect("INDEX")
        return (_create_index(c, True),)
    if c.accept("INDEX"):
        return (_create_index(c, False),)
    if c.accept("TABLE"):
        return (_create_table(c, "TEMPORARY" if temp else ""),)
    if c.accept("VIEW"):
        ine = c.if_not_exists()
        return (ch.CreateObject(Opaque("view", c.qname(), text), ine),)
    if c.accept("TRIGGER"):
        ine = c.if_not_exists()
        name = c.qname()
        while not c.at_end() and not c.is_word("ON"):
            c.skip_group()
        c.expect("ON")
        return (ch.CreateObject(Opaque("trigger", name, text, c.qname()), ine),)
    raise ReadError("CREATE of an object this tool does not model")


def _create_table(c: Cursor, prefix: str) -> ch.CreateTable:
    ine = c.if_not_exists()
    name = c.qname()
    if c.accept("AS"):
        return ch.CreateTable(Table(name, (), (), c.rest(), prefix), ine)  # columns unknown
    c.expect_punct("(")
    columns: list[Column] = []
    constraints: list[Constraint] = []
    while True:
        if any(c.is_word(w) for w in _TABLE_CONSTRAINT):
            constraints.append(_table_constraint(c))
        else:
            col, extra = column(c)
            columns.append(col)
            constraints.extend(extra)
        if not c.accept_punct(","):
            c.expect_punct(")")
            break
    inline = [k for k in constraints if k.inline]
    table_level = [k for k in constraints if not k.inline]
    return ch.CreateTable(
        Table(name, tuple(columns), (*inline, *table_level), c.rest(), prefix), ine
    )


def _stop(c: Cursor) -> bool:
    t = c.peek()
    return t is not None and t.kind == "word" and t.upper in _COLUMN_STOP


def _after(c: Cursor, word: str) -> bool:
    t = c.peek(-1)
    return t is not None and t.kind == "word" and t.upper == word


def _fk_stop(c: Cursor) -> bool:
    """``ON DELETE SET NULL`` / ``SET DEFAULT`` and ``NOT DEFERRABLE`` belong to the key."""
    return (
        _stop(c)
        and not c.is_word("NOT", "DEFERRABLE")
        and not _after(c, "SET")
        and not _after(c, "MATCH")
    )


def _never(c: Cursor) -> bool:
    return False


def _tail(c: Cursor, stop: Callable[[Cursor], bool] = _stop) -> str:
    """Options after a column constraint up to the next clause; often none at all."""
    if c.at_end() or c.is_punct(",") or c.is_punct(")") or stop(c):
        return ""
    return c.take_until(stop)


def column(c: Cursor) -> tuple[Column, list[Constraint]]:
    """``name [type] [constraints]``: type and default kept as written (types are free text)."""
    name = c.name()
    type_text = _tail(c)
    extra: list[Constraint] = []
    not_null = False
    default: str | None = None
    collate = generated = None
    while not (c.at_end() or c.is_punct(",") or c.is_punct(")")):
        cname = c.name() if c.accept("CONSTRAINT") else ""
        if c.accept("NOT", "NULL"):
            not_null = True
        elif c.accept("NULL"):
            not_null = False
        elif c.accept("DEFAULT"):
            default = c.take_until(_stop)
        elif c.accept("COLLATE"):
            collate = c.take_until(_stop)
        elif c.accept("PRIMARY", "KEY"):
            extra.append(Constraint(cname, "p", (name,), tail=_tail(c), inline=True))
        elif c.accept("UNIQUE"):
            extra.append(Constraint(cname, "u", (name,), tail=_tail(c), inline=True))
        elif c.is_word("CHECK"):
            body = c.take_until(_stop)
            extra.append(Constraint(cname, "c", (name,), tail=body, inline=True))
        elif c.accept("REFERENCES"):
            ref = c.qname()
            ref_cols = c.name_list() if c.is_punct("(") else ()
            tail = _tail(c, _fk_stop)
            extra.append(Constraint(cname, "f", (name,), ref, ref_cols, tail, inline=True))
        elif c.is_word("GENERATED") or c.is_word("AS"):
            generated = c.take_until(_stop)
        else:
            raise ReadError(f"unexpected {c.describe()} in column {name}")
    col = Column(name, type_text, default, not_null, collate, None, generated)
    return col, extra


def _table_constraint(c: Cursor) -> Constraint:
    name = c.name() if c.accept("CONSTRAINT") else ""
    if c.accept("PRIMARY", "KEY"):
        return Constraint(name, "p", _key_columns(c), tail=c.take_until(_never))
    if c.accept("UNIQUE"):
        return Constraint(name, "u", _key_columns(c), tail=c.take_until(_never))
    if c.accept("FOREIGN", "KEY"):
        cols = c.name_list()
        c.expect("REFERENCES")
        ref = c.qname()
        ref_cols = c.name_list() if c.is_punct("(") else ()
        return Constraint(name, "f", cols, ref, ref_cols, c.take_until(_never))
    if c.is_word("CHECK"):
        return Constraint(name, "c", (), tail=c.take_until(_never))
    raise ReadError("unknown table constraint")


def _key_columns(c: Cursor) -> tuple[str, ...]:
    """``("a", "b")``; a column with COLLATE or ASC/DESC is not modelled."""
    return c.name_list()


def _create_index(c: Cursor, unique: bool) -> ch.CreateIndex:
    ine = c.if_not_exists()
    name = c.qname()
    c.expect("ON")
    table = c.qname()
    c.expect_punct("(")
    elements: list[IndexElement] = []
    while True:
        t = c.peek()
        if (
            t is not None
            and t.kind in ("ident", "word")
            and (c.is_punct(",", 1) or c.is_punct(")", 1) or _order_word(c, 1))
        ):
            col = c.name()
            elements.append(IndexElement(col, None, c.take_until(_never)))
        else:
            begin = c.i
            while not (c.at_end() or c.is_punct(",") or c.is_punct(")") or _order_word(c, 0)):
                c.skip_group()
            expr = c.source(begin, c.i)
            elements.append(IndexElement(None, expr, c.take_until(_never)))
        if not c.accept_punct(","):
            break
    c.expect_punct(")")
    where = c.rest() if c.accept("WHERE") else None
    if where is None and not c.at_end():
        raise ReadError(f"unexpected {c.describe()} after the index columns")
    index = Index(QName(table.schema, name.name), table, tuple(elements), unique, None, where)
    return ch.CreateIndex(index, ine)


def _order_word(c: Cursor, k: int) -> bool:
    return c.is_word("ASC", k=k) or c.is_word("DESC", k=k) or c.is_word("COLLATE", k=k)


# -- ALTER, DROP
def _alter(c: Cursor) -> tuple[ch.Change, ...]:
    c.expect("TABLE")
    table = c.qname()
    if c.accept("RENAME"):
        if c.accept("TO"):
            return (ch.RenameTable(table, QName(table.schema, c.name())),)
        c.accept("COLUMN")
        old = c.name()
        c.expect("TO")
        return (ch.RenameColumn(table, old, c.name()),)
    if c.accept("ADD"):
        c.accept("COLUMN")
        col, extra = column(c)
        _end(c)
        return (ch.AddColumn(table, col, tuple(extra)),)
    if c.accept("DROP"):
        c.accept("COLUMN")
        name = c.name()
        _end(c)
        return (ch.DropColumn(table, name),)
    raise ReadError("this ALTER TABLE is not one SQLite has")


def _end(c: Cursor) -> None:
    if not c.at_end():
        raise ReadError(f"unexpected {c.describe()}")


def _drop(c: Cursor) -> tuple[ch.Change, ...]:
    for kind in ("TABLE", "INDEX", "VIEW", "TRIGGER"):
        if c.accept(kind):
            ie = c.if_exists()
            name = c.qname()
            _end(c)
            if kind == "TABLE":
                return (ch.DropTable(name, ie),)
            if kind == "INDEX":
                return (ch.DropIndex(name, ie),)
            return (ch.DropObject(kind.lower(), name, ie),)
    raise ReadError("DROP of an object this tool does not model")


# -- the redefinition idiom, across the statements of one script
def redefinitions(
    texts: Sequence[str], changes: Sequence[tuple[ch.Change, ...]]
) -> list[tuple[ch.Change, ...]]:
    """Each ``new_X`` create, copy, drop, rename as one RedefineTable on the CREATE statement.

    The copy, drop and rename statements then change nothing; indexes created on ``new_X``
    before the rename move with it. Anything else touching either table between the CREATE
    and the rename leaves the statements as they are (each is undone on its own).
    """
    out = list(changes)
    for i in range(len(out)):
        create = _only(out[i], ch.CreateTable)
        if create is None or create.table.prefix or not create.table.columns:
            continue
        temp = create.table.name
        end = next(
            (
                n
                for n in range(i + 1, len(out))
                if (r := _only(out[n], ch.RenameTable)) is not None and r.old == temp
            ),
            None,
        )
        if end is None:
            continue
        rename = _only(out[end], ch.RenameTable)
        assert rename is not None
        target = rename.new
        found = _between(texts, out, i + 1, end, temp, target)
        if found is None:
            continue
        copied, filled, indexes, absorbed = found
        table = _named(create.table, temp, target)
        out[i] = (ch.RedefineTable(table, copied, indexes, filled),)
        for n in (*absorbed, end):
            out[n] = ()
    return out


def _between(
    texts: Sequence[str],
    changes: Sequence[tuple[ch.Change, ...]],
    start: int,
    end: int,
    temp: QName,
    target: QName,
) -> tuple[Pairs, Pairs, tuple[Index, ...], list[int]] | None:
    """What the statements between CREATE and rename do: copies (plain, then by an
    expression), the drop, indexes."""
    copied: list[tuple[str, str]] = []
    filled: list[tuple[str, str]] = []
    indexes: list[Index] = []
    absorbed: list[int] = []
    dropped = False
    for n in range(start, end):
        drop = _only(changes[n], ch.DropTable)
        index = _only(changes[n], ch.CreateIndex)
        pairs = _copy(texts[n], temp, target)
        if drop is not None and drop.name == target and not dropped:
            dropped = True
        elif index is not None and index.index.table == temp:
            indexes.append(_index_on(index.index, target))
        elif pairs is not None:
            copied.extend((col, src) for col, src, plain in pairs if plain)
            filled.extend((col, src) for col, src, plain in pairs if not plain)
        elif _touches(changes[n], (temp, target)):
            return None
        else:
            continue
        absorbed.append(n)
    return (tuple(copied), tuple(filled), tuple(indexes), absorbed) if dropped else None


def _only(changes: tuple[ch.Change, ...], kind: type[_C]) -> _C | None:
    """The statement's one change, when it is a ``kind``."""
    return changes[0] if len(changes) == 1 and isinstance(changes[0], kind) else None


def _touches(changes: tuple[ch.Change, ...], names: tuple[QName, QName]) -> bool:
    for change in changes:
        for attr in ("table", "name", "old", "new"):
            value = getattr(change, attr, None)
            if isinstance(value, Table):
                value = value.name
            if isinstance(value, QName) and value in names:
                return True
        if isinstance(change, ch.CreateIndex) and change.index.table in names:
            return True
    return False


def _named(t: Table, temp: QName, target: QName) -> Table:
    constraints = tuple(
        Constraint(
            k.name, k.kind, k.columns, target if k.ref_table == temp else k.ref_table,
            k.ref_columns, k.tail, k.not_valid, k.inline,
        )
        for k in t.constraints
    )  # fmt: skip
    return Table(target, t.columns, constraints, t.tail, t.prefix)


def _index_on(ix: Index, table: QName) -> Index:
    return Index(ix.name, table, ix.elements, ix.unique, ix.method, ix.where, ix.include, ix.tail)


def _copy(text: str, temp: QName, target: QName) -> list[tuple[str, str, bool]] | None:
    """``INSERT INTO temp (cols) SELECT exprs FROM target ...``: what fills each column.

    ``(column, source, plain)``: ``plain`` when the source is a column of the old table
    (copied as it is), else the source is the expression's text (``coalesce("a", 'x')``,
    ``'user-' || id``: values it changes are not the old ones). None when the statement is
    not such a copy.
    """
    try:
        c = cursor(text)
        if not (c.accept("INSERT", "INTO") and c.qname() == temp):
            return None
        columns = c.name_list() if c.is_punct("(") else None
        c.expect("SELECT")
        sources: list[tuple[str, bool]] = []
        while True:
            begin = c.i
            while not (c.at_end() or c.is_punct(",") or c.is_word("FROM")):
                c.skip_group()
            name = _plain(c, begin, c.i, target)
            sources.append((name, True) if name is not None else (_text(text, c, begin), False))
            if not c.accept_punct(","):
                break
        c.expect("FROM")
        if c.qname() != target:
            return None
    except ReadError:
        return None
    if columns is None or len(columns) != len(sources):
        return []
    return [(col, src, plain) for col, (src, plain) in zip(columns, sources, strict=True)]


def _text(text: str, c: Cursor, begin: int) -> str:
    """The source text of the expression from token ``begin`` to the cursor, without a
    trailing ``AS alias``."""
    toks = c.toks[begin : c.i]
    if len(toks) >= 2 and toks[-2].kind == "word" and toks[-2].upper == "AS":
        toks = toks[:-2]
    return text[toks[0].start : toks[-1].end] if toks else ""


def _plain(c: Cursor, begin: int, end: int, table: QName) -> str | None:
    """The column an expression names (``"a"``, ``"X"."a"``, ``a AS "a"``), or None."""
    toks = c.toks[begin:end]
    if len(toks) >= 2 and toks[-2].kind == "word" and toks[-2].upper == "AS":
        toks = toks[:-2]
    if len(toks) == 3 and toks[1].text == "." and toks[0].text == table.name:
        toks = toks[2:]
    if len(toks) == 1 and toks[0].kind in ("ident", "word"):
        return toks[0].text
    return None
