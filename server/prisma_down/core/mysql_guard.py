"""MySQL existence checks: a ``Guard`` as SQL over ``information_schema``, and back.

Every MySQL statement commits on its own, so a migration that failed half-way leaves a
prefix of its statements applied, and down.sql must skip the inverses of the rest. MySQL 8
has ``IF [NOT] EXISTS`` for tables, views, triggers and routines but not for columns,
indexes or constraints (MariaDB has them), so a guarded statement is run through a prepared
statement whose text a condition picks::

    SET @prisma_down := IF(NOT EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE
        TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'User' AND COLUMN_NAME = 'bio'),
        'ALTER TABLE `User` ADD COLUMN `bio` TEXT NULL', 'DO 0');
    PREPARE prisma_down FROM @prisma_down;
    EXECUTE prisma_down;
    DEALLOCATE PREPARE prisma_down;

Both MySQL 8 and MariaDB 10.5+ run it, one statement at a time or as one multi-statement
script (``prisma db execute``). ``read_guarded`` reads the ``SET`` back for the replay.
"""

from __future__ import annotations

import re

from prisma_down.core import changes as ch
from prisma_down.core import escape
from prisma_down.core.read.tokens import Cursor, ReadError, tokenize

VARIABLE = "prisma_down"  # the user variable and the prepared statement's name
NOTHING = "DO 0"  # what the prepared statement runs when the guard does not hold

# the schema column of each information_schema view a guard asks ("" none: SCHEMATA)
_SCHEMA = {
    "TABLES": "TABLE_SCHEMA", "COLUMNS": "TABLE_SCHEMA", "STATISTICS": "TABLE_SCHEMA",
    "TABLE_CONSTRAINTS": "TABLE_SCHEMA", "VIEWS": "TABLE_SCHEMA", "TRIGGERS": "TRIGGER_SCHEMA",
    "ROUTINES": "ROUTINE_SCHEMA", "EVENTS": "EVENT_SCHEMA", "SCHEMATA": "",
}  # fmt: skip
# what a table's part is called there; PRIMARY KEY (named PRIMARY), UNIQUE (a unique index),
# FOREIGN KEY and CHECK are all in TABLE_CONSTRAINTS
_PARTS = {"column": ("COLUMNS", "COLUMN_NAME"), "index": ("STATISTICS", "INDEX_NAME"),
          "constraint": ("TABLE_CONSTRAINTS", "CONSTRAINT_NAME")}  # fmt: skip
_OBJECTS = {"view": ("VIEWS", "TABLE_NAME"), "trigger": ("TRIGGERS", "TRIGGER_NAME"),
            "procedure": ("ROUTINES", "ROUTINE_NAME"), "function": ("ROUTINES", "ROUTINE_NAME"),
            "event": ("EVENTS", "EVENT_NAME")}  # fmt: skip


def literal(text: str) -> str:
    """``text`` as a MySQL string expression that means the same under every ``sql_mode``
    (``core.escape``: backslashes and NULs spliced in as ``CHAR(n USING utf8mb4)``)."""
    return escape.literal(text, "mysql")


def condition(guard: ch.Guard) -> str:
    """``[NOT] EXISTS (SELECT 1 FROM information_schema.… WHERE …)`` for ``guard``.

    Raises ValueError for what MySQL has no notion of (types, extensions, sequences).
    """
    view, pairs = _query(guard)
    where = [f"{col} = {literal(value)}" for col, value in pairs]
    if _SCHEMA[view]:
        schema = literal(guard.schema) if guard.schema else "DATABASE()"
        where.insert(0, f"{_SCHEMA[view]} = {schema}")
    text = f"EXISTS (SELECT 1 FROM information_schema.{view} WHERE {' AND '.join(where)})"
    return f"NOT {text}" if guard.negated else text


def _query(g: ch.Guard) -> tuple[str, list[tuple[str, str]]]:
    """The view that answers ``g`` and the (column, value) pairs to look for (``Guard``)."""
    n = g.names
    if g.kind == "table" and len(n) == 1:
        return "TABLES", [("TABLE_NAME", n[0])]
    if g.kind in _PARTS and len(n) in (1, 2) and (len(n) == 2 or g.kind != "column"):
        view, column = _PARTS[g.kind]
        return view, [*([("TABLE_NAME", n[0])] if len(n) == 2 else []), (column, n[-1])]
    if g.kind == "schema" and len(n) == 1:
        return "SCHEMATA", [("SCHEMA_NAME", n[0])]
    if g.kind == "object" and len(n) in (2, 3) and n[0] in _OBJECTS:
        view, column = _OBJECTS[n[0]]
        pairs = [(column, n[1])]
        if view == "ROUTINES":
            pairs.insert(0, ("ROUTINE_TYPE", n[0].upper()))
        if len(n) == 3 and view == "TRIGGERS":
            pairs.append(("EVENT_OBJECT_TABLE", n[2]))
        elif len(n) == 3:
            raise ValueError(f"a MySQL {n[0]} is on no table")
        return view, pairs
    raise ValueError(f"MySQL has no {g.kind} {'.'.join(n)} to check for")


def guarded(guards: tuple[ch.Guard, ...], sql: str) -> list[str]:
    """The four statements that run ``sql`` only when every guard holds (no ``;``)."""
    cond = "\n    AND ".join(condition(g) for g in guards)
    return [
        f"SET @{VARIABLE} := IF({cond},\n    {literal(sql)},\n    '{NOTHING}')",
        f"PREPARE {VARIABLE} FROM @{VARIABLE}",
        f"EXECUTE {VARIABLE}",
        f"DEALLOCATE PREPARE {VARIABLE}",
    ]


# -- preflight: stop before the first change when the rows do not fit


PREFLIGHT = "prisma_down_preflight"  # the user variable a preflight check sets


def preflight(violation: str, message: str) -> list[str]:
    """The four statements that stop down.sql with ``message`` when ``violation`` holds.

    ``violation`` is an ``EXISTS (…)`` over the rows. ``SIGNAL SQLSTATE '45000'`` is run
    through the same prepared statement as a guard: MariaDB prepares it (checked on 10.11);
    MySQL 8 refuses to prepare SIGNAL ("Restrictions on Condition Handling"), so there the
    PREPARE fails instead, which stops the script at the same place. MESSAGE_TEXT is at
    most 128 characters and must be a plain literal: no backslash, quote or NUL.
    """
    text = re.sub(r"[\\'\x00-\x1f`]", "", message)[:128]
    signal = f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{text}'"
    return [
        f"SET @{PREFLIGHT} := IF({violation},\n    {literal(signal)},\n    '{NOTHING}')",
        f"PREPARE {VARIABLE} FROM @{PREFLIGHT}",
        f"EXECUTE {VARIABLE}",
        f"DEALLOCATE PREPARE {VARIABLE}",
    ]


def is_preflight(text: str) -> bool:
    """A preflight statement (``preflight``): it changes nothing when the rows fit."""
    return re.match(rf"\s*SET\s+@`?{PREFLIGHT}`?\s*:?=", text, re.I) is not None


# -- the checks of one statement


Key = tuple[str, ...]
Effect = tuple[Key, "bool | None"]


def _key(kind: str, table: str | None, name: str) -> Key:
    """What an existence check asks about; MySQL compares these names without case."""
    if kind in ("column", "index", "constraint"):
        return (kind, table or "", name.lower())
    return (kind, name)


def _guard_key(g: ch.Guard) -> Key | None:
    if g.kind == "table":
        return _key("table", None, g.names[0])
    if g.kind in ("column", "index", "constraint") and len(g.names) == 2:
        return _key(g.kind, g.names[0], g.names[1])
    return None  # an object, or an index named without its table: no change here makes one


def _effects(c: ch.Change) -> list[Effect]:
    """What ``c`` makes exist (True), not exist (False) or leaves unknown (None).

    Only what a clause of ``ALTER TABLE`` or a CREATE TABLE with its indexes does: the
    changes that share a statement.
    """
    if isinstance(c, ch.CreateTable):
        return [(_key("table", None, c.table.name.name), True)]
    if isinstance(c, ch.CreateIndex):
        t, name = c.index.table.name, c.index.name.name
        out: list[Effect] = [(_key("index", t, name), True)]
        return out + ([(_key("constraint", t, name), True)] if c.index.unique else [])
    if isinstance(c, ch.DropIndex) and c.table is not None:
        t, name = c.table.name, c.name.name
        return [(_key("index", t, name), False), (_key("constraint", t, name), False)]
    if isinstance(c, ch.RenameIndex) and c.table is not None:
        t = c.table.name
        return [
            *((_key(kind, t, c.old.name), False) for kind in ("index", "constraint")),
            (_key("index", t, c.new.name), True),
            (_key("constraint", t, c.new.name), None),  # if it was unique
        ]
    if isinstance(c, ch.AddConstraint):
        k, t = c.constraint, c.table.name
        name = "PRIMARY" if k.kind == "p" else k.name
        out = [(_key("constraint", t, name), True)]
        if k.kind in "pu":
            out.append((_key("index", t, name), True))
        if k.kind == "f":  # the server may make it an index of its own
            out.append((_key("index", t, name), None))
        return out
    if isinstance(c, ch.DropConstraint):
        t = c.table.name
        name = "PRIMARY" if c.kind == "p" else c.name
        out = [(_key("constraint", t, name), False)]
        return out + ([(_key("index", t, name), False)] if c.kind in "pu" else [])
    if isinstance(c, ch.AddColumn):
        out = [(_key("column", c.table.name, c.column.name), True)]
        for k in c.constraints:
            out += _effects(ch.AddConstraint(c.table, k))
        return out
    if isinstance(c, ch.DropColumn):  # its indexes shrink or go: "index" on "*" unknown
        return [(_key("column", c.table.name, c.name), False), (("index", c.table.name, "*"), None)]
    if isinstance(c, ch.RenameColumn):
        t = c.table.name
        return [(_key("column", t, c.old), False), (_key("column", t, c.new), True)]
    if isinstance(c, ch.ReplaceColumn):
        t = c.table.name
        gone = (
            [(_key("column", t, c.column), False)] if c.column.lower() != c.new.name.lower() else []
        )
        return [*gone, (_key("column", t, c.new.name), True)]
    return []


class Checks:
    """The guards one statement is checked against, gathered change by change.

    ``core.guards`` decides each change's guards as if it ran alone, after the changes before
    it; a statement runs whole, its checks made before it starts. A check on something an
    earlier change of the statement makes or drops is answered by that change: when it
    holds, it is left out; when it does not, the change cannot join the statement
    (``admit`` is False). The rest are checked up front, each once.
    """

    def __init__(self) -> None:
        self.guards: list[ch.Guard] = []
        self._now: dict[Key, bool | None] = {}

    def admit(self, guards: tuple[ch.Guard, ...], change: ch.Change) -> bool:
        """Take ``change`` into the statement, unless its guards cannot be checked up front."""
        kept: list[ch.Guard] = []
        for g in guards:
            key = _guard_key(g)
            if key is not None and key[0] == "index" and ("index", key[1], "*") in self._now:
                return False
            if key is None or key not in self._now:
                kept.append(g)
            elif self._now[key] is None or self._now[key] == g.negated:
                return False
        self.guards += [g for g in kept if g not in self.guards]
        self._now.update(_effects(change))
        return True


# -- reading it back


_NAME = rf"`?{VARIABLE}`?"
_PLUMBING = re.compile(
    rf"\s*(?:PREPARE\s+{_NAME}\s+FROM\s+@(?:{_NAME}|`?{PREFLIGHT}`?)|EXECUTE\s+{_NAME}"
    rf"|(?:DEALLOCATE|DROP)\s+PREPARE\s+{_NAME})\s*",
    re.I,
)


def is_plumbing(text: str) -> bool:
    """``PREPARE prisma_down FROM @prisma_down``, ``EXECUTE`` or ``DEALLOCATE`` it: the
    ``SET`` before them carries the change, they change nothing more."""
    return _PLUMBING.fullmatch(text) is not None


# what the other branch may run: nothing (people write SELECT 1 for it too)
_IDLE = re.compile(r"\s*(?:DO\s+(?:\d+|'[^']*')|SELECT\s+(?:\d+|'[^']*'))\s*", re.I)


def read_guarded(text: str) -> tuple[tuple[ch.Guard, ...], str] | None:
    """``SET @v := IF(<guards>, '<sql>', 'DO 0')`` as (guards, sql); None for any other SET.

    Raises ReadError when the statement starts like one but breaks off.
    """
    if is_preflight(text):
        return None  # a check on the rows (``preflight``), no guard
    c = Cursor(text, tokenize(text, "mysql"), lambda name: name)
    if not (c.accept("SET") and c.accept_punct("@") and c.peek() is not None):
        return None
    c.next()
    if not (c.accept_punct(":=") or c.accept_punct("=")) or not c.accept("IF"):
        return None
    if not c.accept_punct("(") or not (c.is_word("EXISTS") or c.is_word("NOT", "EXISTS")):
        return None
    guards = [_guard(c)]
    while c.accept("AND"):
        guards.append(_guard(c))
    c.expect_punct(",")
    sql = _string(c)
    c.expect_punct(",")
    if not _IDLE.fullmatch(_string(c)):
        raise ReadError("a guarded statement's other branch must do nothing ('DO 0')")
    c.expect_punct(")")
    if not c.at_end():
        raise ReadError(f"unexpected {c.describe()} after a guarded statement")
    return tuple(guards), sql


def _guard(c: Cursor) -> ch.Guard:
    """``[NOT] EXISTS (SELECT 1 FROM information_schema.<view> WHERE <col> = <value> …)``."""
    negated = c.accept("NOT")
    c.expect("EXISTS")
    c.expect_punct("(")
    c.expect("SELECT")
    c.skip_group()
    c.expect("FROM")
    if c.name().lower() != "information_schema" or not c.accept_punct("."):
        raise ReadError("a guard asks information_schema")
    view = c.name().upper()
    if view not in _SCHEMA:
        raise ReadError(f"information_schema.{view} answers no guard")
    c.expect("WHERE")
    pairs: dict[str, str | None] = {}  # None: DATABASE()
    while True:
        column = c.name().upper()
        c.expect_punct("=")
        if c.accept("DATABASE"):
            c.expect_punct("(")
            c.expect_punct(")")
            pairs[column] = None
        else:
            pairs[column] = _string(c)
        if not c.accept("AND"):
            break
    c.expect_punct(")")
    if _SCHEMA[view] and _SCHEMA[view] not in pairs:
        raise ReadError(f"a check on information_schema.{view} names no schema")
    schema = pairs.pop(_SCHEMA[view]) if _SCHEMA[view] else ""
    found = _guard_of(view, {k: v for k, v in pairs.items() if v is not None})
    if found is None or None in pairs.values():
        raise ReadError(f"this check on information_schema.{view} answers no guard")
    guard = ch.Guard(found[0], found[1], negated, schema or "")  # None: DATABASE(), ""
    try:
        asked = _query(guard)
    except ValueError as e:
        raise ReadError(str(e)) from None
    if asked[0] != view or dict(asked[1]) != pairs:  # what ``condition`` writes, no more
        raise ReadError(f"this check on information_schema.{view} answers no guard")
    return guard


def _guard_of(view: str, pairs: dict[str, str]) -> tuple[str, tuple[str, ...]] | None:
    """The kind and names of the guard whose ``_query`` asks ``view`` for ``pairs``."""
    table = pairs.get("TABLE_NAME")
    for kind, (part_view, column) in _PARTS.items():
        if view == part_view and column in pairs:
            return kind, (*([table] if table else []), pairs[column])
    if view == "TABLES" and table is not None:
        return "table", (table,)
    if view == "SCHEMATA" and "SCHEMA_NAME" in pairs:
        return "schema", (pairs["SCHEMA_NAME"],)
    for kind, (object_view, column) in _OBJECTS.items():
        if view == object_view and column in pairs:
            if view == "ROUTINES":
                kind = pairs.get("ROUTINE_TYPE", "").lower()
            on = pairs.get("EVENT_OBJECT_TABLE")
            return "object", (kind, pairs[column], *([on] if on else []))
    return None


def _string(c: Cursor) -> str:
    """A string literal, or ``CONCAT`` of literals and ``CHAR(n USING cs)`` (see ``literal``)."""
    if c.accept("CONCAT"):
        c.expect_punct("(")
        parts = [_piece(c)]
        while c.accept_punct(","):
            parts.append(_piece(c))
        c.expect_punct(")")
        return "".join(parts)
    return _piece(c)


def _piece(c: Cursor) -> str:
    if c.accept("CHAR"):  # CHAR(n, … [USING charset])
        c.expect_punct("(")
        codes = [c.next()]
        while c.accept_punct(","):
            codes.append(c.next())
        if c.accept("USING"):
            c.next()
        c.expect_punct(")")
        if not all(t.kind == "number" and t.text.isdigit() for t in codes):
            raise ReadError("CHAR(…) of a guarded statement takes character codes")
        return "".join(chr(int(t.text)) for t in codes)
    t = c.next()
    if t.kind != "string" or t.text[:1] not in ("'", '"'):
        raise ReadError(f"expected a string, found {t.text}")
    return unquote(t.text)


_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}


def unquote(source: str) -> str:
    """A MySQL string literal's value (default ``sql_mode``: backslash escapes apply)."""
    quote, body = source[0], source[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        x = body[i]
        if x == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append("\\" + nxt if nxt in "%_" else _ESCAPES.get(nxt, nxt))
            i += 2
        elif x == quote and body[i + 1 : i + 2] == quote:
            out.append(quote)
            i += 2
        else:
            out.append(x)
            i += 1
    return "".join(out)
