"""MySQL / MariaDB statements → changes.

Covers the DDL Prisma writes for its ``mysql`` provider and what people add by hand:
backticks, multi-clause ``ALTER TABLE``, ``MODIFY`` / ``CHANGE`` with the full column,
``DROP FOREIGN KEY``, ``DROP INDEX … ON``, ``RENAME INDEX`` / ``COLUMN``, table options.
A guarded statement (``SET @v := IF(EXISTS (…information_schema…), '<sql>', 'DO 0')``, then
PREPARE / EXECUTE / DEALLOCATE, as prisma-down writes them: ``core.mysql_guard``) is read as
``<sql>`` under its guards, so the replay decides it as the server would.
Names keep their case (MySQL on Linux compares table names exactly). Anything else falls to
``read.data`` or comes back ``Unsupported``: never an exception.
"""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core import mysql_guard
from prisma_down.core.mysql import index_key
from prisma_down.core.read.tokens import Cursor, ReadError, tokenize
from prisma_down.core.schema import Column, Constraint, Index, IndexElement, Opaque, QName, Table

_COLUMN_STOP = frozenset(
    {
        "NOT", "NULL", "DEFAULT", "AUTO_INCREMENT", "PRIMARY", "KEY", "UNIQUE", "COMMENT",
        "COLLATE", "CHARACTER", "CHARSET", "ON", "GENERATED", "AS", "REFERENCES", "CHECK",
        "CONSTRAINT", "INVISIBLE", "VISIBLE", "SRID", "COLUMN_FORMAT", "STORAGE", "FIRST",
        "AFTER", "ENGINE_ATTRIBUTE", "SECONDARY_ENGINE_ATTRIBUTE", "VIRTUAL", "STORED",
        "PERSISTENT",
    }
)  # fmt: skip
_KEY_WORDS = ("CONSTRAINT", "PRIMARY", "UNIQUE", "INDEX", "KEY", "FULLTEXT", "SPATIAL",
              "FOREIGN", "CHECK")  # fmt: skip
_OBJECTS = {"VIEW": "view", "TRIGGER": "trigger", "PROCEDURE": "procedure",
            "FUNCTION": "function", "EVENT": "event"}  # fmt: skip
_SESSION = ("SET", "USE", "ANALYZE", "OPTIMIZE", "FLUSH", "LOCK", "UNLOCK", "CHECKSUM", "DO")


def cursor(text: str) -> Cursor:
    return Cursor(text, tokenize(text, "mysql"), lambda name: name)


class NotDdlError(Exception):
    """The statement is no DDL: ``read.data`` reads it."""


def read(text: str) -> tuple[ch.Change, ...]:
    """The changes one statement makes; raises ReadError for malformed DDL."""
    c = cursor(text)
    if c.at_end():
        return ()
    head = c.peek()
    assert head is not None
    word = head.upper if head.kind == "word" else ""
    if word in ("BEGIN", "START"):
        return (ch.Transaction(True),)
    if word == "COMMIT":
        return (ch.Transaction(False),)
    if word == "SET":
        found = mysql_guard.read_guarded(text)
        if found is not None:
            return (_guarded(*found),)
    if mysql_guard.is_plumbing(text) or mysql_guard.is_preflight(text):
        return (ch.SessionSetting(text),)
    if word in _SESSION and not (word == "DO" and c.is_punct("(", 1)):
        return (ch.SessionSetting(text),)
    c.next()
    if word == "CREATE":
        return _create(c, text)
    if word == "ALTER":
        return _alter(c)
    if word == "DROP":
        return _drop(c)
    if word == "RENAME":
        # sqlglot reads what follows RENAME as one string: tokenize it on its own
        c = cursor(" " * head.end + text[head.end :])
        c.expect("TABLE")
        out: list[ch.Change] = []
        while True:
            old = c.qname()
            c.expect("TO")
            out.append(ch.RenameTable(old, c.qname()))
            if not c.accept_punct(","):
                break
        return tuple(out)
    raise NotDdlError()


def _guarded(guards: tuple[ch.Guard, ...], sql: str) -> ch.Guarded:
    """The statement a guarded ``SET @prisma_down := IF(…)`` prepares, under its guards.

    The ``SET`` stands for the ``PREPARE`` / ``EXECUTE`` after it (``core.mysql_guard``);
    every guard is checked before the statement runs, as nested ``Guarded`` are.
    """
    from prisma_down.core.read import read_statement  # the package imports this module

    inner = read_statement(sql, "mysql")
    if inner.problem is not None:
        raise ReadError(f"the guarded statement: {inner.problem}")
    out = ch.Guarded(guards[-1], inner.changes)
    for guard in reversed(guards[:-1]):
        out = ch.Guarded(guard, (out,))
    return out


# -- CREATE
def _create(c: Cursor, text: str) -> tuple[ch.Change, ...]:
    or_replace = c.accept("OR", "REPLACE")
    temporary = c.accept("TEMPORARY")
    if c.accept("TABLE"):
        return (_create_table(c, "TEMPORARY" if temporary else ""),)
    if c.is_word("UNIQUE") or c.is_word("INDEX") or c.is_word("FULLTEXT") or c.is_word("SPATIAL"):
        return (_create_index(c),)
    kind = None
    while kind is None and not c.at_end():  # past ALGORITHM = x, DEFINER = u@h, SQL SECURITY x
        t = c.next()
        kind = _OBJECTS.get(t.upper) if t.kind == "word" else None
    if kind is None:
        raise ReadError("CREATE of an object this tool does not model")
    ine = c.if_not_exists()
    name = c.qname()
    table = _on_table(c) if kind == "trigger" else None
    return (ch.CreateObject(Opaque(kind, name, text, table), ine, or_replace),)


def _on_table(c: Cursor) -> QName | None:
    while not c.at_end():
        if c.accept("ON"):
            return c.qname()
        c.skip_group()
    return None


def _create_table(c: Cursor, prefix: str) -> ch.Change:
    ine = c.if_not_exists()
    name = c.qname()
    if c.accept("LIKE") or c.is_word("AS") or c.is_word("SELECT") or not c.is_punct("("):
        return ch.CreateTable(Table(name, (), (), c.rest() or "AS", prefix), ine)
    c.expect_punct("(")
    columns: list[Column] = []
    constraints: list[Constraint] = []
    indexes: list[Index] = []
    while not c.accept_punct(")"):
        if any(c.is_word(w) for w in _KEY_WORDS):
            key = _key(c, name, [k.name for k in constraints], [ix.name.name for ix in indexes])
            if isinstance(key, Index):
                indexes.append(key)
            else:
                constraints.append(key)
        else:
            col, extra = _column(c, name)
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


def _stop(c: Cursor) -> bool:
    t = c.peek()
    return t is not None and t.kind == "word" and t.upper in _COLUMN_STOP


def _never(c: Cursor) -> bool:
    return False


def _column(c: Cursor, table: QName) -> tuple[Column, list[Constraint | Index]]:
    """``name type [attributes]``: type, default and attributes kept as source text."""
    name = c.name()
    type_text = c.take_until(_stop)
    if not type_text:
        raise ReadError(f"column {name} has no type")
    not_null = False
    default: str | None = None
    identity = generated = None
    collate: list[str] = []
    options: list[str] = []
    extra: list[Constraint | Index] = []
    while not c.at_end() and not (c.is_punct(",") or c.is_punct(")")):
        begin = c.i
        cname: str | None = None
        if c.accept("CONSTRAINT") and not (c.is_word("CHECK") or c.is_word("REFERENCES")):
            cname = c.name()
        if c.accept("NOT", "NULL"):
            not_null = True
        elif c.accept("NULL"):
            not_null = False
        elif c.accept("DEFAULT"):
            default = c.take_until(_stop)
        elif c.accept("AUTO_INCREMENT"):
            identity = "AUTO_INCREMENT"
        elif c.accept("PRIMARY", "KEY") or c.accept("KEY"):
            extra.append(Constraint("PRIMARY", "p", (name,)))
            not_null = True
        elif c.accept("UNIQUE"):
            c.accept("KEY")
            key = index_key(table, name)
            extra.append(Index(key, table, (IndexElement(name),), unique=True))
        elif c.accept("CHARACTER", "SET") or c.accept("CHARSET") or c.accept("COLLATE"):
            c.next()
            collate.append(c.source(begin, c.i))
        elif c.is_word("GENERATED") or c.is_word("AS"):
            c.accept("GENERATED", "ALWAYS")
            c.expect("AS")
            c.skip_group()
            if c.is_word("VIRTUAL") or c.is_word("STORED") or c.is_word("PERSISTENT"):
                c.next()
            generated = c.source(begin, c.i)
        elif c.accept("REFERENCES"):
            # MySQL parses an inline REFERENCES and ignores it: no foreign key comes of it
            c.take_until(lambda x: _stop(x) and not x.is_word("ON") and not _after_set(x))
        elif c.accept("CHECK"):
            c.skip_group()
            extra.append(Constraint(cname or name, "c", (), tail=c.source(begin, c.i)))
        elif c.accept("ON", "UPDATE"):
            c.take_until(_stop)
            options.append(c.source(begin, c.i))
        elif any(c.accept(w) for w in ("COMMENT", "SRID", "COLUMN_FORMAT", "STORAGE")):
            c.next()
            options.append(c.source(begin, c.i))
        elif c.accept("INVISIBLE") or c.accept("VISIBLE"):
            options.append(c.source(begin, c.i))
        elif c.is_word("FIRST") or c.is_word("AFTER"):
            break  # a position: the caller's business
        else:
            raise ReadError(f"unexpected {c.describe()} in column {name}")
    col = Column(
        name,
        type_text,
        default,
        not_null,
        " ".join(collate) or None,
        identity,
        generated,
        options=" ".join(options) or None,
    )
    return col, extra


def _after_set(c: Cursor) -> bool:
    t = c.peek(-1)
    return t is not None and t.kind == "word" and t.upper == "SET"


def _key(
    c: Cursor,
    table: QName,
    constraint_names: list[str],
    index_names: list[str],
    number_keys: bool = True,
) -> Constraint | Index:
    """A key or constraint in CREATE TABLE or ALTER TABLE … ADD.

    An unnamed foreign key is numbered ``<table>_ibfk_<n>`` here in CREATE TABLE (1, 2, …
    in order); in ALTER TABLE (``number_keys`` False) its name depends on the keys the
    table has then, so it is left "" for the catalog to name (``core.mysql``).
    """
    cname: str | None = None
    if c.accept("CONSTRAINT") and not any(
        c.is_word(w) for w in ("PRIMARY", "UNIQUE", "FOREIGN", "CHECK")
    ):
        cname = c.name()
    if c.accept("PRIMARY", "KEY"):
        using = _using(c)
        cols = c.name_list()
        tail = " ".join(x for x in (using, c.take_until(_never)) if x)
        return Constraint("PRIMARY", "p", cols, tail=tail)
    if c.accept("FOREIGN", "KEY"):
        c.if_not_exists()
        iname = None if c.is_punct("(") else c.name()
        cols = c.name_list()
        c.expect("REFERENCES")
        ref = c.qname()
        ref_cols = c.name_list() if c.is_punct("(") else ()
        name = cname or iname or ""
        if not name and number_keys:
            name = _numbered(f"{table.name}_ibfk_", constraint_names)
        return Constraint(name, "f", cols, ref, ref_cols, c.take_until(_never))
    if c.is_word("CHECK"):
        body = c.take_until(_never)
        return Constraint(cname or _numbered(f"{table.name}_chk_", constraint_names), "c", (),
                          tail=body)  # fmt: skip
    unique = c.accept("UNIQUE")
    method = None
    if not unique and (c.is_word("FULLTEXT") or c.is_word("SPATIAL")):
        method = c.next().upper
    if not (c.accept("INDEX") or c.accept("KEY")) and not (unique or method):
        raise ReadError(f"unexpected {c.describe()} in a key")
    c.if_not_exists()
    iname = None
    if not c.is_punct("(") and not c.is_word("USING"):
        iname = c.name()
    return _index_rest(c, table, iname or cname, unique, method, index_names)


def _using(c: Cursor) -> str:
    if c.accept("USING"):
        return f"USING {c.next().upper}"
    return ""


def _numbered(prefix: str, taken: list[str]) -> str:
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def _index_rest(
    c: Cursor,
    table: QName,
    name: str | None,
    unique: bool,
    method: str | None,
    taken: list[str],
) -> Index:
    """``[USING x] (elements) [options]`` of an index, from the element list on."""
    using = _using(c)
    elements = _elements(c)
    options = [using] if using else []
    while not c.at_end() and not c.is_punct(",") and not c.is_punct(")"):
        if c.is_word("ALGORITHM") or c.is_word("LOCK"):  # how to build it, not what it is
            c.next()
            c.accept_punct("=")
            c.next()
            continue
        begin = c.i
        if c.accept("USING"):
            c.next()
        elif c.accept("COMMENT") or c.accept("KEY_BLOCK_SIZE") or c.accept("WITH", "PARSER"):
            c.accept_punct("=")
            c.next()
        elif c.accept("VISIBLE") or c.accept("INVISIBLE") or c.accept("IGNORED"):
            pass
        else:
            raise ReadError(f"unexpected {c.describe()} in an index")
        options.append(c.source(begin, c.i))
    if name is None:  # MySQL names it after its first column: a, a_2, a_3 ...
        first = elements[0].column or "functional_index"
        name, n = first, 2
        while name in taken:
            name, n = f"{first}_{n}", n + 1
    return Index(index_key(table, name), table, elements, unique, method, tail=" ".join(options))


def _elements(c: Cursor) -> tuple[IndexElement, ...]:
    c.expect_punct("(")
    out: list[IndexElement] = []
    while True:
        if c.is_punct("("):
            begin = c.i
            c.skip_group()
            expr = c.source(begin, c.i)
            out.append(IndexElement(None, expr, c.take_until(_never)))
        else:
            col = c.name()
            out.append(IndexElement(col, None, c.take_until(_never)))
        if not c.accept_punct(","):
            break
    c.expect_punct(")")
    return tuple(out)


def _create_index(c: Cursor) -> ch.Change:
    unique = c.accept("UNIQUE")
    method = None
    if not unique and (c.is_word("FULLTEXT") or c.is_word("SPATIAL")):
        method = c.next().upper
    c.expect("INDEX")
    ine = c.if_not_exists()
    name = c.name()
    using = _using(c)
    c.expect("ON")
    table = c.qname()
    ix = _index_rest(c, table, name, unique, method, [])
    if using:
        ix = Index(ix.name, ix.table, ix.elements, ix.unique, ix.method,
                   tail=f"{using} {ix.tail}".strip())  # fmt: skip
    if not c.at_end():
        raise ReadError(f"unexpected {c.describe()} after CREATE INDEX")
    return ch.CreateIndex(ix, ine)


# -- ALTER
def _alter(c: Cursor) -> tuple[ch.Change, ...]:
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
        if any(c.is_word(w) for w in _KEY_WORDS):
            taken = [x.constraint.name for x in so_far if isinstance(x, ch.AddConstraint)]
            key = _key(c, table, taken, _taken(so_far), number_keys=False)
            if isinstance(key, Index):
                return [ch.CreateIndex(key)]
            return [ch.AddConstraint(table, key)]
        c.accept("COLUMN")
        ine = c.if_not_exists()
        if c.is_punct("("):
            raise ReadError("ADD COLUMN (a, b) is not modelled")
        col, extra = _column(c, table)
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
        col, extra = _column(c, table)
        _position(c)
        return _with_keys(ch.ReplaceColumn(table, col.name, col), table, extra)
    if c.accept("CHANGE"):
        c.accept("COLUMN")
        c.if_exists()
        old = c.name()
        col, extra = _column(c, table)
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
            return [ch.SetColumnDefault(table, column, c.take_until(_never))]
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
        c.take_until(_never)
        return [ch.Unsupported("CONVERT TO CHARACTER SET rewrites every text column")]
    begin = c.i
    c.take_until(_never)
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


# -- DROP
def _drop(c: Cursor) -> tuple[ch.Change, ...]:
    temporary = c.accept("TEMPORARY")
    if c.accept("TABLE") or c.accept("TABLES"):
        ie = c.if_exists()
        names = [c.qname()]
        while c.accept_punct(","):
            names.append(c.qname())
        cascade = c.accept("CASCADE")
        c.accept("RESTRICT")
        return tuple(ch.DropTable(n, ie, cascade) for n in names)
    if temporary:
        raise ReadError("expected TABLE after DROP TEMPORARY")
    if c.accept("INDEX"):
        c.accept("ONLINE")
        ie = c.if_exists()
        name = c.name()
        c.expect("ON")
        table = c.qname()
        while c.is_word("ALGORITHM") or c.is_word("LOCK"):
            c.next()
            c.accept_punct("=")
            c.next()
        return (ch.DropIndex(index_key(table, name), ie, table=table),)
    t = c.peek()
    kind = _OBJECTS.get(t.upper) if t is not None and t.kind == "word" else None
    if kind is None:
        raise ReadError("DROP of an object this tool does not model")
    c.next()
    ie = c.if_exists()
    names = [c.qname()]
    while c.accept_punct(","):
        names.append(c.qname())
    return tuple(ch.DropObject(kind, n, ie) for n in names)
