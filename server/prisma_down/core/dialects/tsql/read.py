"""SQL Server (T-SQL) statements → changes.

Covers what Prisma's SQL Server migrations hold (``[dbo].[T]`` names, defaults as named
constraints, ``CLUSTERED``/``NONCLUSTERED``, ``EXEC SP_RENAME``, the ``_prisma_new_T`` table
redefinition) and what people add by hand (``EXEC('…')``, ``IF EXISTS (…)``, the
``sys.default_constraints`` lookup that drops an unnamed default). Names keep the case they
are written in; ``dbo`` is the default schema. A default named by ``CONSTRAINT [x] DEFAULT``
is a constraint of kind ``d`` on its column (SQL Server drops and renames it as one); an
unnamed one is the column's ``default``.
"""

from __future__ import annotations

import re

from prisma_down.core import changes as ch
from prisma_down.core.dialects.tsql.split import block_body, if_parts, split_tsql
from prisma_down.core.read.tokens import Cursor, ReadError, tokenize
from prisma_down.core.schema import Column, Constraint, Index, IndexElement, Opaque, QName, Table

DEFAULT_SCHEMA = "dbo"
_COLUMN_STOP = frozenset(
    {
        "CONSTRAINT", "NOT", "NULL", "DEFAULT", "IDENTITY", "PRIMARY", "UNIQUE", "REFERENCES",
        "CHECK", "COLLATE", "ROWGUIDCOL", "SPARSE", "FOREIGN", "FILESTREAM", "MASKED",
        "GENERATED", "HIDDEN", "ENCRYPTED", "AS",
    }
)  # fmt: skip
_KINDS = {
    "VIEW": "view",
    "PROC": "procedure",
    "PROCEDURE": "procedure",
    "FUNCTION": "function",
    "TRIGGER": "trigger",
    "SCHEMA": "schema",
    "TYPE": "type",
    "SEQUENCE": "sequence",
    "SYNONYM": "synonym",
}
_NEW = "_prisma_new_"


def index_key(table: QName, name: str) -> QName:
    """How the catalog keys index ``name`` of ``table``: SQL Server scopes them per table."""
    return QName(str(table), name)


class NotDdlError(Exception):
    """A data statement (UPDATE, INSERT, ...): ``read.data`` classifies it."""


def cursor(text: str) -> Cursor:
    return Cursor(text, tokenize(text, "tsql"), lambda name: name, DEFAULT_SCHEMA)


def read(text: str) -> tuple[ch.Change, ...]:
    """The changes one statement makes; raises ReadError for malformed DDL, NotDdlError."""
    c = cursor(text)
    if c.at_end():
        return ()
    word = _word(c)
    if word == "BEGIN":
        if c.is_word("BEGIN", "TRANSACTION") or c.is_word("BEGIN", "TRAN"):
            if _NEW in text:
                return _redefinition(text)
            return (ch.SessionSetting(text),)
        body = block_body(text)
        if body is not None:
            return read_script(body)
        return (ch.SessionSetting(text),)  # BEGIN TRY / BEGIN CATCH ... END CATCH
    if word in ("COMMIT", "ROLLBACK", "SAVE", "END", "DECLARE", "SET", "PRINT", "GO", "THROW"):
        return (ch.SessionSetting(text),)  # transactions, variables, session options
    if word == "RAISERROR":
        return (ch.SessionSetting(text),)
    if word == "DBCC":
        return (
            ch.DataChange(
                "DBCC changes the server's state (an identity seed, ...); "
                "what it was before is not recorded"
            ),
        )
    c.next()
    if word == "CREATE":
        return _create(c, text, c.accept("OR", "ALTER"))
    if word == "ALTER":
        if c.accept("TABLE"):
            return _alter_table(c)
        return _create(c, text, True)  # ALTER VIEW / PROCEDURE / ... replaces the definition
    if word == "DROP":
        return _drop(c)
    if word in ("EXEC", "EXECUTE"):
        return _exec(c)
    if word in ("IF", "WHILE"):
        return _if(text)
    if word == "SELECT":
        dropped = _default_lookup(text)
        if dropped is not None:
            return (dropped,)
    raise NotDdlError


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


def _word(c: Cursor) -> str:
    t = c.peek()
    return t.upper if t is not None and t.kind == "word" else ""


def _string(text: str) -> str:
    """A T-SQL string literal's value: ``N'it''s'`` → ``it's``."""
    if text[:1] in "nN":
        text = text[1:]
    return text[1:-1].replace("''", "'")


def _literal(c: Cursor) -> str | None:
    """A string literal, or literals joined by ``+``, at the cursor; None if anything else."""
    parts: list[str] = []
    while True:
        t = c.peek()
        if t is None or t.kind != "string":
            return None
        parts.append(_string(c.next().text))
        if not c.accept_punct("+"):
            return "".join(parts)


# -- CREATE
def _create(c: Cursor, text: str, or_replace: bool) -> tuple[ch.Change, ...]:
    if c.accept("TABLE"):
        return (ch.CreateTable(_table(c)),)
    unique = c.accept("UNIQUE")
    clustering = _clustering(c)
    if c.accept("INDEX"):
        return (_create_index(c, unique, clustering),)
    if unique or clustering:
        raise ReadError("expected INDEX")
    t = c.next()
    kind = _KINDS.get(t.upper) if t.kind == "word" else None
    if kind is None:
        raise ReadError("CREATE of an object this tool does not model")
    name = c.qname()
    table = None
    if kind == "trigger":
        c.expect("ON")
        table = c.qname()
    return (ch.CreateObject(Opaque(kind, name, text, table), or_replace=or_replace),)


def _clustering(c: Cursor) -> str:
    if c.accept("CLUSTERED"):
        return "CLUSTERED"
    if c.accept("NONCLUSTERED"):
        return "NONCLUSTERED"
    return ""


def _table(c: Cursor) -> Table:
    name = c.qname()
    c.expect_punct("(")
    columns: list[Column] = []
    constraints: list[Constraint] = []
    while not c.accept_punct(")"):
        if _at_constraint(c):
            constraints.append(_table_constraint(c))
        else:
            col, extra = _column(c)
            columns.append(col)
            constraints.extend(extra)
        if not c.accept_punct(","):
            c.expect_punct(")")
            break
    return Table(name, tuple(columns), tuple(constraints), c.rest())


def _at_constraint(c: Cursor) -> bool:
    return any(c.is_word(w) for w in ("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK"))


def _stop(c: Cursor) -> bool:
    t = c.peek()
    return t is not None and t.kind == "word" and t.upper in _COLUMN_STOP


def _fk_stop(c: Cursor) -> bool:
    return _stop(c) and not c.is_word("NOT", "FOR")  # NOT FOR REPLICATION


def _column(c: Cursor) -> tuple[Column, list[Constraint]]:
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
            extra.append(Constraint(cname, "p", (name,), tail=_clustering(c)))
            not_null = True
        elif c.accept("UNIQUE"):
            extra.append(Constraint(cname, "u", (name,), tail=_clustering(c)))
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


def _table_constraint(c: Cursor) -> Constraint:
    name = c.name() if c.accept("CONSTRAINT") else ""
    if c.accept("PRIMARY", "KEY") or c.accept("UNIQUE"):
        kind = "p" if c.peek(-1) is not None and c.is_word("KEY", k=-1) else "u"
        clustering = _clustering(c)
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


def _create_index(c: Cursor, unique: bool, clustering: str) -> ch.Change:
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


# -- ALTER TABLE
def _alter_table(c: Cursor) -> tuple[ch.Change, ...]:
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
            elif _at_constraint(c):
                out.append(ch.AddConstraint(table, _table_constraint(c), not_valid))
            else:
                col, extra = _column(c)
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


# -- DROP
def _drop(c: Cursor) -> tuple[ch.Change, ...]:
    if c.accept("TABLE"):
        ie = c.if_exists()
        names = [c.qname()]
        while c.accept_punct(","):
            names.append(c.qname())
        return tuple(ch.DropTable(n, ie) for n in names)
    if c.accept("INDEX"):
        ie = c.if_exists()
        out = []
        while True:
            name = c.qname()
            # DROP INDEX [T].[ix], the old spelling, names the table first
            table = c.qname() if c.accept("ON") else QName("", name.schema)
            out.append(ch.DropIndex(index_key(table, name.name), ie, table=table))
            if not c.accept_punct(","):
                break
        return tuple(out)
    t = c.next()
    kind = _KINDS.get(t.upper) if t.kind == "word" else None
    if kind is None:
        raise ReadError("DROP of an object this tool does not model")
    ie = c.if_exists()
    names = [c.qname()]
    while c.accept_punct(","):
        names.append(c.qname())
    return tuple(ch.DropObject(kind, n, ie) for n in names)


# -- EXEC
def _exec(c: Cursor) -> tuple[ch.Change, ...]:
    if c.accept_punct("("):
        inner = _literal(c)
        if inner is None or not c.accept_punct(")") or not c.at_end():
            return (ch.Unsupported("EXEC of SQL built at run time: its effect is not known"),)
        return read_script(inner)
    proc = c.qname()
    if proc.name.lower() == "sp_executesql":
        inner = _literal(c)
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
        args.append(_string(t.text))
        if not c.accept_punct(","):
            break
    if len(args) < 2 or not c.at_end():
        raise ReadError("sp_rename needs an object and a new name")
    parts = _parts(args[0])
    new = args[1]
    kind = args[2].upper() if len(args) > 2 else "OBJECT"
    if kind in ("COLUMN", "INDEX"):
        if len(parts) < 2:
            raise ReadError(f"sp_rename of a {kind.lower()} needs table.{kind.lower()}")
        table = _qname(parts[:-1])
        if kind == "COLUMN":
            return ch.RenameColumn(table, parts[-1], new)
        return ch.RenameIndex(index_key(table, parts[-1]), index_key(table, new), table=table)
    if kind != "OBJECT":
        raise ReadError(f"sp_rename of a {kind.lower()} is not modelled")
    old = _qname(parts)
    if old.name.startswith(_NEW):
        return ch.RenameTable(old, old.renamed(new))
    return ch.RenameObject("object", old, old.renamed(new))  # a table or a constraint


def _parts(name: str) -> list[str]:
    """``dbo.T.c`` or ``[dbo].[T].[c]`` → its parts."""
    return [p[1:-1].replace("]]", "]") if p.startswith("[") else p for p in _PART.findall(name)]


_PART = re.compile(r"\[(?:[^\]]|\]\])*\]|[^.]+")


def _qname(parts: list[str]) -> QName:
    if len(parts) == 1:
        return QName("", parts[0])
    schema = parts[-2]
    return QName("" if schema.lower() == DEFAULT_SCHEMA else schema, parts[-1])


# -- IF
def _if(text: str) -> tuple[ch.Change, ...]:
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


def _default_lookup(text: str) -> ch.Change | None:
    """``SELECT @n = name FROM sys.default_constraints WHERE … = 'c'``, then a drop of @n.

    The idiom drops whatever default column ``c`` has, named or not: read as that drop.
    """
    m = _LOOKUP.fullmatch(text.strip())
    if m is None:
        return None
    return ch.SetColumnDefault(_qname(_parts(m.group(1))), m.group(2), None)


# -- Prisma's table redefinition
_INSERT = re.compile(
    r"INSERT\s+INTO\s+(\S+)\s*\(([^)]*)\)\s*SELECT\s+(.*?)\s+FROM\s+(\S+)", re.I | re.S
)


def _redefinition(text: str) -> tuple[ch.Change, ...]:
    """``BEGIN TRANSACTION; … _prisma_new_T … COMMIT;`` as one RedefineTable of T.

    Read statement by statement: DROP CONSTRAINT before the copy are their own changes; the
    ``DECLARE @SQL … sys.objects`` batch drops every constraint left on T (the new
    definition brings its own); the copy's column lists pair new and old columns.
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
            t = _table(c)
            if not t.name.name.startswith(_NEW):
                raise ReadError("a redefinition creates _prisma_new_<table>")
            new = Table(t.name.renamed(t.name.name[len(_NEW) :]), t.columns, t.constraints)
            continue
        if c.is_word("IF") and new is not None:
            m = _INSERT.search(st.text)
            if m is None:
                raise ReadError("a redefinition copies its rows with INSERT … SELECT")
            targets = [_parts(x.strip())[-1] for x in m.group(2).split(",")]
            sources = [_parts(x.strip())[-1] for x in m.group(3).split(",")]
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
