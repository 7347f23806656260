"""PostgreSQL (and CockroachDB's PostgreSQL flavour) statements → changes.

Covers the DDL Prisma writes and what people add by hand. Anything else falls to
``read.data`` (INSERT/UPDATE/...) or comes back ``Unsupported``: never an exception.
"""

from __future__ import annotations

from collections.abc import Callable

from prisma_down.core import changes as ch
from prisma_down.core.catalog import comment_target
from prisma_down.core.read.tokens import Cursor, ReadError, Tok, tokenize
from prisma_down.core.schema import (
    Column,
    Constraint,
    Enum,
    Index,
    IndexElement,
    Opaque,
    QName,
    Table,
)

_SERIAL = {
    "SERIAL": "INTEGER",
    "SERIAL4": "INTEGER",
    "BIGSERIAL": "BIGINT",
    "SERIAL8": "BIGINT",
    "SMALLSERIAL": "SMALLINT",
    "SERIAL2": "SMALLINT",
}
_COLUMN_STOP = {
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
}
_MAXLEN = 63  # NAMEDATALEN - 1


def fold(name: str) -> str:
    return name.lower()


def cursor(text: str, dialect: str = "postgres") -> Cursor:
    return Cursor(text, tokenize(text, dialect), fold, "public")


def read(text: str, dialect: str = "postgres") -> tuple[ch.Change, ...]:
    """The changes one statement makes; raises ReadError for malformed DDL."""
    c = cursor(text, dialect)
    if c.at_end():
        return ()
    head = c.peek()
    assert head is not None
    word = head.upper if head.kind == "word" else ""
    if word in ("BEGIN", "START"):
        return (ch.Transaction(True),)
    if word in ("COMMIT", "END"):
        return (ch.Transaction(False),)
    if word in (
        "SET",
        "RESET",
        "ANALYZE",
        "VACUUM",
        "REINDEX",
        "CLUSTER",
        "CHECKPOINT",
        "NOTIFY",
        "LOCK",
        "DISCARD",
    ):
        return (ch.SessionSetting(text),)
    c.next()
    if word == "CREATE":
        return _create(c, text)
    if word == "ALTER":
        return _alter(c)
    if word == "DROP":
        return _drop(c)
    if word == "COMMENT":
        return (_comment(c),)
    raise _NotDdlError()


class _NotDdlError(Exception):
    pass


_NotDdl = _NotDdlError()


def is_not_ddl(e: BaseException) -> bool:
    return isinstance(e, _NotDdlError)


# -- names PostgreSQL gives unnamed objects (src/backend/commands/indexcmds.c ChooseRelationName)
def pg_name(table: str, columns: tuple[str, ...] | list[str], label: str) -> str:
    name1, name2 = table, "_".join(columns)
    avail = _MAXLEN - len(label) - 1 - (1 if name2 else 0)
    l1, l2 = len(name1.encode()), len(name2.encode())
    while l1 + l2 > avail:
        if l1 > l2:
            l1 -= 1
        else:
            l2 -= 1
    n1 = name1.encode()[:l1].decode(errors="ignore")
    n2 = name2.encode()[:l2].decode(errors="ignore")
    return f"{n1}_{n2}_{label}" if n2 else f"{n1}_{label}"


# -- CREATE
def _create(c: Cursor, text: str) -> tuple[ch.Change, ...]:
    or_replace = c.accept("OR", "REPLACE")
    if c.is_word("UNIQUE") or c.is_word("INDEX"):
        return (_create_index(c),)
    temp = c.accept("TEMP") or c.accept("TEMPORARY") or c.accept("LOCAL", "TEMP")
    unlogged = c.accept("UNLOGGED")
    if c.accept("TABLE"):
        return (_create_table(c, "TEMPORARY" if temp else "UNLOGGED" if unlogged else ""),)
    if c.accept("TYPE"):
        name = c.qname()
        if c.accept("AS", "ENUM"):
            c.expect_punct("(")
            values: list[str] = []
            while not c.accept_punct(")"):
                values.append(_string(c.next()))
                c.accept_punct(",")
            return (ch.CreateEnum(Enum(name, tuple(values))),)
        return (ch.CreateObject(Opaque("type", name, text)),)
    materialized = c.accept("MATERIALIZED")
    recursive = c.accept("RECURSIVE")
    kind = _object_kind(c)
    if kind is None or (materialized and kind != "view") or (recursive and kind != "view"):
        raise ReadError("CREATE of an object this tool does not model")
    if materialized:
        kind = "materialized view"
    ine = c.if_not_exists()
    if kind == "trigger" or kind == "policy" or kind == "rule":
        name = QName("", c.name())
        table = _find_on_table(c, "TO" if kind == "rule" else "ON")  # RULE r AS ON e TO t
        return (ch.CreateObject(Opaque(kind, name, text, table), ine, or_replace),)
    name = c.qname()
    return (ch.CreateObject(Opaque(kind, name, text), ine, or_replace),)


_KINDS = {
    "EXTENSION": "extension",
    "SCHEMA": "schema",
    "SEQUENCE": "sequence",
    "VIEW": "view",
    "FUNCTION": "function",
    "PROCEDURE": "procedure",
    "TRIGGER": "trigger",
    "COLLATION": "collation",
    "POLICY": "policy",
    "DOMAIN": "domain",
    "RULE": "rule",
    "AGGREGATE": "aggregate",
    "OPERATOR": "operator",
    "ROLE": "role",
}


def _object_kind(c: Cursor) -> str | None:
    c.accept("CONSTRAINT")  # CREATE CONSTRAINT TRIGGER
    t = c.peek()
    if t is not None and t.kind == "word" and t.upper in _KINDS:
        c.next()
        return _KINDS[t.upper]
    return None


def _find_on_table(c: Cursor, word: str = "ON") -> QName | None:
    while not c.at_end():
        if c.accept(word):
            return c.qname()
        c.skip_group()
    return None


def _string(t: Tok) -> str:
    if t.kind != "string":
        raise ReadError(f"expected a string, found {t.text}")
    s = t.text
    if s[:1] in "eE" and s[1:2] == "'":
        s = s[1:]
    return s[1:-1].replace("''", "'")


def _create_table(c: Cursor, prefix: str) -> ch.Change:
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
            constraints.append(_table_constraint(c, name.name))
        elif c.is_word("LIKE"):
            raise ReadError("CREATE TABLE ... (LIKE ...) is not modelled")
        else:
            col, extra = _column(c, name.name)
            columns.append(col)
            constraints.extend(extra)
        if not c.accept_punct(","):
            c.expect_punct(")")
            break
    tail = c.rest()
    return ch.CreateTable(
        Table(name, tuple(columns), tuple(_dedupe(constraints)), tail, prefix), ine
    )


def _dedupe(cons: list[Constraint]) -> list[Constraint]:
    seen: set[str] = set()
    out = []
    for k in cons:
        if k.name not in seen:
            seen.add(k.name)
            out.append(k)
    return out


def _stop(c: Cursor) -> bool:
    t = c.peek()
    return t is not None and t.kind == "word" and t.upper in _COLUMN_STOP


def _after(c: Cursor, word: str) -> bool:
    """Whether the token before the cursor is ``word`` (``SET NULL``: NULL is no new clause)."""
    t = c.peek(-1)
    return t is not None and t.kind == "word" and t.upper == word


def _tail(c: Cursor, stop: Callable[[Cursor], bool] = _stop) -> str:
    """The options after a column constraint, up to the next clause; often none at all.

    ``take_until`` always takes one token (a DEFAULT may start with NULL): here that would
    swallow the next clause, as in ``UNIQUE NOT NULL``.
    """
    if c.at_end() or c.is_punct(",") or c.is_punct(")") or stop(c):
        return ""
    return c.take_until(stop)


def _fk_stop(c: Cursor) -> bool:
    """REFERENCES options run on through ``ON DELETE SET NULL`` and ``NOT DEFERRABLE``."""
    return _stop(c) and not c.is_word("NOT", "DEFERRABLE") and not _after(c, "SET")


def _unique_stop(c: Cursor) -> bool:
    return _stop(c) and not (c.is_word("NOT") and _after(c, "NULLS"))  # NULLS NOT DISTINCT


def _generated_stop(c: Cursor) -> bool:
    return _stop(c) and not (c.is_word("DEFAULT") and _after(c, "BY"))  # BY DEFAULT AS IDENTITY


def _column(c: Cursor, table: str) -> tuple[Column, list[Constraint]]:
    """``name type [COLLATE x] [constraints]`` — type and default kept as source text."""
    name = c.name()
    type_text = c.take_until(_stop)
    if not type_text:
        raise ReadError(f"column {name} has no type")
    col = Column(name, type_text)
    serial = _SERIAL.get(type_text.upper())
    extra: list[Constraint] = []
    not_null = False
    default: str | None = None
    collate = identity = generated = None
    while not c.at_end() and not (c.is_punct(",") or c.is_punct(")")):
        cname: str | None = None
        if c.accept("CONSTRAINT"):
            cname = c.name()
        if c.accept("NOT", "NULL"):
            not_null = True
        elif c.accept("NULL"):
            not_null = False
        elif c.accept("DEFAULT"):
            default = c.take_until(_stop)
        elif c.accept("COLLATE"):
            collate = c.take_until(_stop)
        elif c.accept("PRIMARY", "KEY"):
            tail = _tail(c)
            extra.append(Constraint(cname or pg_name(table, [], "pkey"), "p", (name,), tail=tail))
            not_null = True
        elif c.accept("UNIQUE"):
            tail = _tail(c, _unique_stop)
            extra.append(
                Constraint(cname or pg_name(table, [name], "key"), "u", (name,), tail=tail)
            )
        elif c.accept("REFERENCES"):
            ref = c.qname()
            ref_cols = c.name_list() if c.is_punct("(") else ()
            tail = _tail(c, _fk_stop)
            extra.append(
                Constraint(
                    cname or pg_name(table, [name], "fkey"), "f", (name,), ref, ref_cols, tail
                )
            )
        elif c.is_word("CHECK"):
            body = c.take_until(_stop)
            extra.append(Constraint(cname or pg_name(table, [name], "check"), "c", (), tail=body))
        elif c.is_word("GENERATED"):
            gen = c.take_until(_generated_stop)
            if "IDENTITY" in gen.upper():
                identity = gen
                not_null = True
            else:
                generated = gen
        else:
            raise ReadError(f"unexpected {c.describe()} in column {name}")
    if serial:
        return Column(
            name, serial, None, True, collate, identity, generated, type_text.upper()
        ), extra
    return Column(col.name, type_text, default, not_null, collate, identity, generated), extra


def _table_constraint(c: Cursor, table: str) -> Constraint:
    name: str | None = None
    if c.accept("CONSTRAINT"):
        name = c.name()
    if c.accept("PRIMARY", "KEY"):
        if c.accept("USING", "INDEX"):  # the index becomes the constraint (its columns: catalog's)
            index = c.name()
            return Constraint(
                name or pg_name(table, [], "pkey"), "p", (), tail=f"USING INDEX {index}"
            )
        cols = c.name_list()
        return Constraint(name or pg_name(table, [], "pkey"), "p", cols, tail=c.take_until(_never))
    if c.accept("UNIQUE"):
        if c.accept("USING", "INDEX"):
            index = c.name()
            return Constraint(
                name or pg_name(table, [], "key"), "u", (), tail=f"USING INDEX {index}"
            )
        pre = ""
        if c.is_word("NULLS"):
            pre = c.take_until(lambda x: x.is_punct("("))
        cols = c.name_list()
        tail = (pre + " " + c.take_until(_never)).strip() if pre else c.take_until(_never)
        return Constraint(name or pg_name(table, list(cols), "key"), "u", cols, tail=tail)
    if c.accept("FOREIGN", "KEY"):
        cols = c.name_list()
        c.expect("REFERENCES")
        ref = c.qname()
        ref_cols = c.name_list() if c.is_punct("(") else ()
        return Constraint(
            name or pg_name(table, list(cols), "fkey"),
            "f",
            cols,
            ref,
            ref_cols,
            c.take_until(_never),
        )
    if c.is_word("CHECK"):
        body = c.take_until(_never)
        return Constraint(name or pg_name(table, [], "check"), "c", (), tail=body)
    if c.is_word("EXCLUDE"):
        body = c.take_until(_never)
        return Constraint(name or pg_name(table, [], "excl"), "x", (), tail=body)
    raise ReadError("unknown table constraint")


def _never(c: Cursor) -> bool:
    return False


def _create_index(c: Cursor) -> ch.Change:
    unique = c.accept("UNIQUE")
    c.expect("INDEX")
    concurrently = c.accept("CONCURRENTLY")
    ine = c.if_not_exists()
    name: QName | None = None
    if not c.is_word("ON"):
        name = c.qname()
    c.expect("ON")
    c.accept("ONLY")
    table = c.qname()
    method = None
    if c.accept("USING"):
        method = c.next().text
    c.expect_punct("(")
    elements: list[IndexElement] = []
    while True:
        t = c.peek()
        if (
            t is not None
            and t.kind in ("ident", "word")
            and not c.is_punct("(", 1)
            and not c.is_punct(".", 1)
            and not c.is_punct("::", 1)
        ):
            col = c.name()
            suffix = c.take_until(_never)
            elements.append(IndexElement(col, None, suffix))
        else:
            begin = c.i
            if c.is_punct("("):
                c.skip_group()
            else:
                while (
                    not c.at_end()
                    and not (c.is_punct(",") or c.is_punct(")"))
                    and not c.is_word("ASC")
                    and not c.is_word("DESC")
                    and not c.is_word("NULLS")
                ):
                    c.skip_group()
            expr = c.source(begin, c.i)
            suffix = c.take_until(_never)
            elements.append(IndexElement(None, expr, suffix))
        if not c.accept_punct(","):
            break
    c.expect_punct(")")
    include: tuple[str, ...] = ()
    if c.accept("INCLUDE"):
        include = c.name_list()
    where = None
    tail_parts: list[str] = []
    while not c.at_end():
        if c.accept("WHERE"):
            where = c.rest()
            break
        begin = c.i
        c.skip_group()
        tail_parts.append(c.source(begin, c.i))
    if name is None:
        cols = [e.column or "expr" for e in elements]
        name = QName(table.schema, pg_name(table.name, cols, "key" if unique else "idx"))
    else:
        name = QName(table.schema, name.name) if not name.schema else name
    index = Index(
        name, table, tuple(elements), unique, method, where, include, " ".join(tail_parts)
    )
    return ch.CreateIndex(index, ine, concurrently)


# -- ALTER
def _alter(c: Cursor) -> tuple[ch.Change, ...]:
    if c.accept("TABLE"):
        ie = c.if_exists()
        c.accept("ONLY")
        table = c.qname()
        changes = _alter_table(c, table)
        return _if_exists(ie, ch.Guard("table", (table.name,), False, table.schema), changes)
    if c.accept("TYPE"):
        return (_alter_type(c),)
    if c.accept("INDEX"):
        ie = c.if_exists()
        old = c.qname()
        if c.accept("RENAME", "TO"):
            index = ch.Guard("index", (old.name,), False, old.schema)  # on whichever table
            return _if_exists(ie, index, (ch.RenameIndex(old, QName(old.schema, c.name())),))
        raise ReadError("ALTER INDEX other than RENAME is not modelled")
    materialized = c.accept("MATERIALIZED")
    kind = _object_kind(c)
    if kind is not None:
        if materialized:
            kind = "materialized view"
        ie = c.if_exists()
        old = c.qname()
        if kind in ("function", "procedure") and c.is_punct("("):
            c.skip_group()
        if c.accept("RENAME", "TO"):
            sequence = kind == "sequence"
            names = (old.name,) if sequence else (kind, old.name)
            guard = ch.Guard("sequence" if sequence else "object", names, False, old.schema)
            return _if_exists(ie, guard, (ch.RenameObject(kind, old, QName(old.schema, c.name())),))
        if kind == "sequence":
            raise ReadError("ALTER SEQUENCE is not modelled")
    raise ReadError("this ALTER statement is not modelled")


def _if_exists(ie: bool, guard: ch.Guard, changes: tuple[ch.Change, ...]) -> tuple[ch.Change, ...]:
    """``ALTER … IF EXISTS x``: the changes happen only where ``x`` is."""
    return (ch.Guarded(guard, changes),) if ie else changes


def _alter_type(c: Cursor) -> ch.Change:
    name = c.qname()
    if c.accept("ADD", "VALUE"):
        ine = c.if_not_exists()
        value = _string(c.next())
        before = after = None
        if c.accept("BEFORE"):
            before = _string(c.next())
        elif c.accept("AFTER"):
            after = _string(c.next())
        return ch.AddEnumValue(name, value, before, after, ine)
    if c.accept("RENAME", "TO"):
        return ch.RenameEnum(name, QName(name.schema, c.name()))
    if c.accept("RENAME", "VALUE"):
        old = _string(c.next())
        c.expect("TO")
        return ch.RenameEnumValue(name, old, _string(c.next()))
    if c.accept("DROP", "VALUE"):
        return ch.DropEnumValue(name, _string(c.next()))
    raise ReadError("this ALTER TYPE is not modelled")


def _alter_table(c: Cursor, table: QName) -> tuple[ch.Change, ...]:
    c.accept_punct("*")
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
            k = _table_constraint(c, table.name)
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
        col, extra = _column(c, table.name)
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
                using = c.take_until(_never)
            return [ch.AlterColumnType(table, column, type_text, using, collate)]
        if c.accept("SET", "DEFAULT"):
            return [ch.SetColumnDefault(table, column, c.take_until(_never))]
        if c.accept("DROP", "DEFAULT"):
            return [ch.SetColumnDefault(table, column, None)]
        if c.accept("SET", "NOT", "NULL"):
            return [ch.SetColumnNotNull(table, column, True)]
        if c.accept("DROP", "NOT", "NULL"):
            return [ch.SetColumnNotNull(table, column, False)]
        if c.accept("ADD"):
            return [ch.SetColumnIdentity(table, column, c.take_until(_never))]
        if c.accept("DROP", "IDENTITY"):
            return [ch.SetColumnIdentity(table, column, None, c.if_exists())]
        raise ReadError("this ALTER COLUMN action is not modelled")
    if c.accept("VALIDATE", "CONSTRAINT"):
        return [ch.ValidateConstraint(table, c.name())]
    if c.accept("OWNER", "TO"):
        c.name()
        return []
    raise ReadError("this ALTER TABLE action is not modelled")


# -- DROP
def _drop(c: Cursor) -> tuple[ch.Change, ...]:
    if c.accept("TABLE"):
        ie = c.if_exists()
        names = [c.qname()]
        while c.accept_punct(","):
            names.append(c.qname())
        cascade = c.accept("CASCADE")
        return tuple(ch.DropTable(n, ie, cascade) for n in names)
    if c.accept("INDEX"):
        conc = c.accept("CONCURRENTLY")
        ie = c.if_exists()
        names = [c.qname()]
        while c.accept_punct(","):
            names.append(c.qname())
        return tuple(ch.DropIndex(n, ie, conc) for n in names)
    if c.accept("TYPE"):
        ie = c.if_exists()
        names = [c.qname()]
        while c.accept_punct(","):
            names.append(c.qname())
        return tuple(ch.DropEnum(n, ie) for n in names)
    materialized = c.accept("MATERIALIZED")
    kind = _object_kind(c)
    if kind is None:
        raise ReadError("DROP of an object this tool does not model")
    if materialized:
        kind = "materialized view"
    ie = c.if_exists()
    if kind in ("trigger", "policy", "rule"):
        name = QName("", c.name())
        c.expect("ON")
        return (ch.DropObject(kind, name, ie, c.qname()),)
    names = [c.qname()]
    if kind in ("function", "procedure") and c.is_punct("("):
        c.skip_group()
    while c.accept_punct(","):
        names.append(c.qname())
        if c.is_punct("("):
            c.skip_group()
    return tuple(ch.DropObject(kind, n, ie) for n in names)


def _comment(c: Cursor) -> ch.Change:
    c.expect("ON")
    words: list[str] = []
    while True:  # the object kind: words up to the target's name
        t, after = c.peek(), c.peek(1)
        if t is None or t.kind != "word" or c.is_word("IS"):
            break
        if after is None or after.kind == "punct" or c.is_word("IS", k=1):
            break
        words.append(c.next().upper)
    kind = " ".join(words)
    begin = c.i
    target = _named_target(c, kind)
    if target is None:
        while not c.at_end() and not c.is_word("IS"):
            c.skip_group()
        target = c.source(begin, c.i)
    c.expect("IS")
    t = c.next()
    text = None if t.kind == "word" and t.upper == "NULL" else t.text
    return ch.SetComment(kind, target, text)


_NAMED_TARGETS = frozenset(
    {
        "TABLE",
        "COLUMN",
        "INDEX",
        "VIEW",
        "MATERIALIZED VIEW",
        "TYPE",
        "SEQUENCE",
        "SCHEMA",
        "EXTENSION",
        "DOMAIN",
        "FOREIGN TABLE",
    }
)


def _named_target(c: Cursor, kind: str) -> str | None:
    """The target as the catalog keys it, so a comment is found whatever the spelling.

    ``public.User.email`` and ``"User"."email"`` both give ``"User"."email"``; a target that
    is not a plain name (a function with arguments, ``x ON t``) gives None, nothing consumed.
    """
    if kind not in _NAMED_TARGETS:
        return None
    begin = c.i
    try:
        if kind != "COLUMN":
            target = comment_target(c.qname())
        else:
            parts = [c.name()]
            while c.accept_punct("."):
                parts.append(c.name())
            schema = parts[-3] if len(parts) > 2 and parts[-3] != c.default_schema else ""
            target = comment_target(QName(schema, parts[-2]), parts[-1]) if len(parts) > 1 else ""
        if target and c.is_word("IS"):
            return target
    except ReadError:
        pass
    c.i = begin
    return None
