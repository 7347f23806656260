"""Every other object, kept as its source text: views, functions, triggers, sequences,
extensions, policies, … (CREATE, ALTER … RENAME, DROP), and COMMENT ON.
"""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.names import comment_target
from prisma_down.core.read.postgres.signature import is_routine, signature_key
from prisma_down.core.read.postgres.syntax import find_on_table, if_exists, object_kind
from prisma_down.core.read.tokens import Cursor, ReadError
from prisma_down.core.schema import Opaque, QName


def create_object(c: Cursor, text: str, or_replace: bool) -> tuple[ch.Change, ...]:
    """``CREATE [OR REPLACE] [TEMP|UNLOGGED]`` of something not a table, index or type."""
    materialized = c.accept("MATERIALIZED")
    recursive = c.accept("RECURSIVE")
    kind = object_kind(c)
    if kind is None or (materialized and kind != "view") or (recursive and kind != "view"):
        raise ReadError("CREATE of an object this tool does not model")
    if materialized:
        kind = "materialized view"
    ine = c.if_not_exists()
    if kind == "trigger" or kind == "policy" or kind == "rule":
        name = QName("", c.name())
        table = find_on_table(c, "TO" if kind == "rule" else "ON")  # RULE r AS ON e TO t
        return (ch.CreateObject(Opaque(kind, name, text, table), ine, or_replace),)
    name = c.qname()
    args = _signature(c) if is_routine(kind) else None
    return (ch.CreateObject(Opaque(kind, name, text, args), ine, or_replace),)


def _signature(c: Cursor) -> QName | None:
    """A routine's argument list, as the key its overloads are told apart by."""
    if not c.is_punct("("):
        return None
    begin = c.i
    c.skip_group()
    return signature_key(c.source(begin, c.i))


def alter_object(c: Cursor) -> tuple[ch.Change, ...]:
    """``ALTER [MATERIALIZED] <kind> … RENAME TO``; anything else is not modelled."""
    materialized = c.accept("MATERIALIZED")
    kind = object_kind(c)
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
            return if_exists(ie, guard, (ch.RenameObject(kind, old, QName(old.schema, c.name())),))
        if kind == "sequence":
            owner = _owned_by(c)
            if owner is not None and c.at_end():
                return (ch.AlterSequence(old, (("OWNED BY", owner),), ie),)
            raise ReadError("ALTER SEQUENCE is not modelled (but OWNED BY)")
    raise ReadError("this ALTER statement is not modelled")


def _owned_by(c: Cursor) -> str | None:
    """``OWNED BY t.c`` as written ("" for NONE), None for any other option: Prisma writes
    it when a column gets ``@default(autoincrement())``."""
    if not c.accept("OWNED", "BY"):
        return None
    if c.accept("NONE"):
        return ""
    begin = c.i
    c.name()
    while c.accept_punct("."):
        c.name()
    return c.source(begin, c.i)


def drop_object(c: Cursor) -> tuple[ch.Change, ...]:
    materialized = c.accept("MATERIALIZED")
    kind = object_kind(c)
    if kind is None:
        raise ReadError("DROP of an object this tool does not model")
    if materialized:
        kind = "materialized view"
    ie = c.if_exists()
    if kind in ("trigger", "policy", "rule"):
        name = QName("", c.name())
        c.expect("ON")
        return (ch.DropObject(kind, name, ie, c.qname()),)
    routine = is_routine(kind)
    names = [(c.qname(), _signature(c) if routine else None)]
    while c.accept_punct(","):
        names.append((c.qname(), _signature(c) if routine else None))
    return tuple(ch.DropObject(kind, n, ie, args) for n, args in names)


def comment(c: Cursor) -> ch.Change:
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
