"""Changes → MySQL / MariaDB, in Prisma's quoting and layout.

Types, defaults and column attributes are the original source text. Only SQL that MySQL 8
and MariaDB 10.5+ both accept: ``RENAME COLUMN`` and ``RENAME INDEX`` (MySQL 8.0, MariaDB
10.5.2), ``DROP CONSTRAINT`` for checks (MySQL 8.0.19, MariaDB 10.2).

``render_all`` writes the changes that undo one statement on one table as ONE
``ALTER TABLE … ,\\n    …``, as Prisma writes them: MySQL checks the table only once the
whole statement is done (``DROP PRIMARY KEY, ADD PRIMARY KEY`` on an AUTO_INCREMENT column,
``ADD COLUMN … AUTO_INCREMENT, ADD PRIMARY KEY``), and each statement commits on its own.

Guarded changes (``ch.Guarded``) are undone only where their up statement ran: a migration
that failed half-way left the statements before the failing one applied. The guards of one
statement are checked together before it runs (``guard_statement``): MySQL's own
``IF [NOT] EXISTS`` where it has one, else a prepared statement (``dialects.mysql.guard``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from prisma_down.core import changes as ch
from prisma_down.core import data_checks as pf
from prisma_down.core import escape
from prisma_down.core.dialects.mysql import guard as mysql_guard
from prisma_down.core.render.rows import delete_rows
from prisma_down.core.schema import Column, Constraint, Index, QName


def quote(name: str) -> str:
    return escape.identifier(name, "mysql")


def table_name(name: QName) -> str:
    return escape.qualified(name, "mysql")


def _cols(names: tuple[str, ...]) -> str:
    return ", ".join(quote(n) for n in names)


def column_sql(c: Column) -> str:
    """``name type [charset/collation] [AS (…)] NULL|NOT NULL [DEFAULT …] [AUTO_INCREMENT] …``."""
    parts = [quote(c.name), c.type]
    if c.collate:
        parts.append(c.collate)
    if c.generated:
        parts.append(c.generated)
        if c.not_null:  # MariaDB accepts no NULL attribute on a generated column
            parts.append("NOT NULL")
    else:
        parts.append("NOT NULL" if c.not_null else "NULL")
    if c.default is not None:
        parts.append(f"DEFAULT {c.default}")
    if c.identity:
        parts.append(c.identity)
    if c.options:
        parts.append(c.options)
    return " ".join(parts)


def constraint_sql(k: Constraint, unnamed: bool = False) -> str:
    """A key as in CREATE TABLE or ADD; ``unnamed``: without its name (the server gives it
    the same one, see ``_server_named``), so that its implicit index is named as before."""
    tail = f" {k.tail}" if k.tail else ""
    if k.kind == "p":
        return f"PRIMARY KEY ({_cols(k.columns)}){tail}"
    head = "" if unnamed or not k.name else f"CONSTRAINT {quote(k.name)} "
    if k.kind == "u":
        return f"{head}UNIQUE ({_cols(k.columns)}){tail}"
    if k.kind == "f":
        assert k.ref_table is not None
        ref = f"({_cols(k.ref_columns)})" if k.ref_columns else ""
        ref = f"{table_name(k.ref_table)}{ref}"
        return f"{head}FOREIGN KEY ({_cols(k.columns)}) REFERENCES {ref}{tail}"
    return f"{head}{k.tail}"


def _elements(ix: Index) -> str:
    out = []
    for e in ix.elements:
        if e.column is None:
            out.append(f"{e.expression or ''} {e.suffix}".rstrip())
        else:
            gap = "" if not e.suffix or e.suffix.startswith("(") else " "
            out.append(f"{quote(e.column)}{gap}{e.suffix}")
    return ", ".join(out)


def _index_kind(ix: Index) -> str:
    """``UNIQUE INDEX``, ``FULLTEXT INDEX``, ``SPATIAL INDEX`` or ``INDEX``."""
    if ix.unique:
        return "UNIQUE INDEX"
    return f"{ix.method} INDEX" if ix.method in ("FULLTEXT", "SPATIAL") else "INDEX"


def _index_tail(ix: Index) -> str:
    return f" {ix.tail}" if ix.tail else ""


def index_definition(ix: Index) -> str:
    """As in CREATE TABLE and ADD: ``UNIQUE INDEX `name`(`a`, `b`)``."""
    return f"{_index_kind(ix)} {quote(ix.name.name)}({_elements(ix)}){_index_tail(ix)}"


def create_index(ix: Index) -> str:
    return (
        f"CREATE {_index_kind(ix)} {quote(ix.name.name)} ON {table_name(ix.table)}"
        f"({_elements(ix)}){_index_tail(ix)}"
    )


def create_table(c: ch.CreateTable, indexes: Sequence[Index] = ()) -> str:
    t = c.table
    lines = [column_sql(col) for col in t.columns]
    keys = [index_definition(ix) for ix in (*c.indexes, *indexes)]
    keys += [constraint_sql(k) for k in t.constraints if k.kind == "p"]
    named = _server_named(t.name, t.constraints)
    keys += [constraint_sql(k, k.name in named) for k in t.constraints if k.kind != "p"]
    body = ",\n".join("    " + x for x in lines)
    if keys:
        body += ",\n\n" + ",\n".join("    " + x for x in keys)
    prefix = f"{t.prefix} " if t.prefix else ""
    tail = f" {t.tail}" if t.tail else ""
    return f"CREATE {prefix}TABLE {table_name(t.name)} (\n{body}\n){tail}"


def _server_named(table: QName, keys: Sequence[Constraint]) -> set[str]:
    """Foreign keys CREATE TABLE may write without a name: those the server names alike.

    Unnamed foreign keys of CREATE TABLE become ``<table>_ibfk_1``, ``_2`` … in order
    (checked on MariaDB 10.11; ``fk_names.generated_fk_name`` for ALTER TABLE). A key
    whose generated name is not its place in that order (one dropped before it) is written
    with its name, which MySQL keeps as given.
    """
    out: set[str] = set()
    n = 0
    for k in keys:
        if k.kind == "f" and re.fullmatch(re.escape(table.name) + r"_ibfk_\d+", k.name):
            n += 1
            if k.name == f"{table.name}_ibfk_{n}":
                out.add(k.name)
    return out


def _drop_constraint(c: ch.DropConstraint) -> str:
    if c.kind == "p" or c.name == "PRIMARY":
        return "DROP PRIMARY KEY"
    if c.kind == "f":
        return f"DROP FOREIGN KEY {quote(c.name)}"
    return f"DROP CONSTRAINT {quote(c.name)}"


def _add_column(c: ch.AddColumn) -> str:
    clauses = [f"ADD COLUMN {column_sql(c.column)}"]
    clauses += [f"ADD {constraint_sql(k)}" for k in c.constraints]
    return ",\n    ".join(clauses)


def _replace_column(c: ch.ReplaceColumn) -> str:
    if c.new.name == c.column:
        return f"MODIFY {column_sql(c.new)}"
    return f"CHANGE {quote(c.column)} {column_sql(c.new)}"


def _set_default(c: ch.SetColumnDefault) -> str:
    action = "DROP DEFAULT" if c.default is None else f"SET DEFAULT {c.default}"
    return f"ALTER COLUMN {quote(c.column)} {action}"


@dataclass(frozen=True)
class _Clause:
    """One ``ALTER TABLE`` clause, and the foreign keys it drops and adds.

    A foreign key dropped and added again under its name must be two statements: MariaDB
    fails on both in one (errno 121, duplicate key); an index dropped and re-added is fine.
    """

    table: QName
    text: str
    drops: frozenset[str] = frozenset()
    adds: frozenset[str] = frozenset()


def _clause(c: ch.Change) -> _Clause | None:
    """The change as a clause of ``ALTER TABLE``, or None when it is a statement of its own."""
    if isinstance(c, ch.AddColumn):
        return _Clause(c.table, _add_column(c))
    if isinstance(c, ch.DropColumn):
        return _Clause(c.table, f"DROP COLUMN {quote(c.name)}")
    if isinstance(c, ch.RenameColumn):
        return _Clause(c.table, f"RENAME COLUMN {quote(c.old)} TO {quote(c.new)}")
    if isinstance(c, ch.ReplaceColumn):
        return _Clause(c.table, _replace_column(c))
    if isinstance(c, ch.SetColumnDefault):
        return _Clause(c.table, _set_default(c))
    if isinstance(c, ch.AddConstraint):
        k = c.constraint
        fk = frozenset({k.name} if k.kind == "f" else ())
        return _Clause(c.table, f"ADD {constraint_sql(k)}", adds=fk)
    if isinstance(c, ch.DropConstraint):
        fk = frozenset({c.name} if c.kind == "f" else ())
        return _Clause(c.table, _drop_constraint(c), drops=fk)
    if isinstance(c, ch.CreateIndex):
        return _Clause(c.index.table, f"ADD {index_definition(c.index)}")
    if isinstance(c, ch.DropIndex) and c.table is not None:
        return _Clause(c.table, f"DROP INDEX {quote(c.name.name)}")
    if isinstance(c, ch.RenameIndex) and c.table is not None:
        return _Clause(c.table, f"RENAME INDEX {quote(c.old.name)} TO {quote(c.new.name)}")
    return None


def _delete_rows(c: ch.DeleteRows) -> str:
    return delete_rows(c, table_name(c.table), quote, query="cte")


def _drop_object(c: ch.DropObject) -> str:
    kind = "TABLE" if c.kind == "table" else c.kind.upper()
    return f"DROP {kind} {table_name(c.name)}"


def _create_object(c: ch.CreateObject) -> str:
    sql = c.object.sql
    if c.or_replace and not re.match(r"\s*CREATE\s+OR\s+REPLACE\b", sql, re.I):
        sql = re.sub(r"^\s*CREATE\b", "CREATE OR REPLACE", sql, count=1, flags=re.I)
    return sql


_STATEMENT: dict[type, Callable[..., str]] = {
    ch.CreateTable: create_table,
    ch.DropTable: lambda c: f"DROP TABLE {table_name(c.name)}",
    ch.RenameTable: lambda c: f"RENAME TABLE {table_name(c.old)} TO {table_name(c.new)}",
    ch.CreateIndex: lambda c: create_index(c.index),
    ch.DropIndex: lambda c: (
        f"DROP INDEX {quote(c.name.name)} ON {table_name(c.table or QName('', c.name.schema))}"
    ),
    ch.CreateObject: _create_object,
    ch.DropObject: _drop_object,
    ch.RenameObject: lambda c: f"RENAME TABLE {table_name(c.old)} TO {table_name(c.new)}",
    ch.Transaction: lambda c: "BEGIN" if c.begin else "COMMIT",
    ch.SessionSetting: lambda c: c.sql,
    ch.DeleteRows: _delete_rows,
    ch.Verbatim: lambda c: c.sql,
}


def render(change: ch.Change) -> str:
    """One change as MySQL, without the terminating ``;``.

    A guarded change that needs the prepared-statement check is several statements: they
    come joined by ``;`` and a newline, the last one without it.
    """
    if isinstance(change, ch.Guarded):
        return ";\n".join(render_all((change,)))
    f = _STATEMENT.get(type(change))
    if f is not None:
        return f(change)
    clause = _clause(change)
    if clause is None:
        raise ValueError(f"cannot render {type(change).__name__} for MySQL")
    return f"ALTER TABLE {table_name(clause.table)} {clause.text}"


@dataclass(frozen=True)
class _Item:
    """A change and the guards it runs under (outermost first)."""

    change: ch.Change
    guards: tuple[ch.Guard, ...] = ()


def _unwrap(changes: Sequence[ch.Change], outer: tuple[ch.Guard, ...] = ()) -> list[_Item]:
    out: list[_Item] = []
    for c in changes:
        if isinstance(c, ch.Guarded):
            out += _unwrap(c.changes, (*outer, c.guard))
        else:
            out.append(_Item(c, outer))
    return out


def render_all(changes: Sequence[ch.Change]) -> list[str]:
    """Statements for ``changes`` in order: clauses on one table joined into one ALTER TABLE,
    indexes right after a CREATE TABLE written into it, guarded statements checked first
    (``guard_statement``)."""
    out: list[str] = []
    for sql, first, guards in _statements(_unwrap(changes)):
        out += guard_statement(sql, first, guards)
    return out


def _statements(items: list[_Item]) -> list[tuple[str, ch.Change, list[ch.Guard]]]:
    """Each statement, the change it starts with, and the guards it is checked against.

    Guarded and unguarded changes never share a statement: an unguarded change runs in
    every state (``core.guards`` counts on it, e.g. a foreign key dropped and added again
    around a guarded DROP INDEX), while a statement runs whole or not at all. Guarded
    changes share one when their checks can all be made before it runs
    (``mysql_guard.Checks``).
    """
    out: list[tuple[str, ch.Change, list[ch.Guard]]] = []
    i, n = 0, len(items)
    while i < n:
        c = items[i].change
        guarded = bool(items[i].guards)
        checks = mysql_guard.Checks()
        checks.admit(items[i].guards, c)
        if isinstance(c, ch.CreateTable):
            j = i + 1
            while j < n:
                nxt = items[j].change
                if not (isinstance(nxt, ch.CreateIndex) and nxt.index.table == c.table.name):
                    break
                if not _joins(items[j], guarded, checks):
                    break
                j += 1
            indexes = [
                x.change.index for x in items[i + 1 : j] if isinstance(x.change, ch.CreateIndex)
            ]
            out.append((create_table(c, indexes), c, checks.guards))
            i = j
            continue
        first = _clause(c)
        if first is None:
            out.append((render(c), c, checks.guards))
            i += 1
            continue
        run = [first]
        dropped = set(first.drops)
        j = i + 1
        while j < n:
            more = _clause(items[j].change)
            if more is None or more.table != first.table or more.adds & dropped:
                break
            if "" in more.adds and dropped:  # numbered by the server from the keys it has
                break
                break
            if not _joins(items[j], guarded, checks):
                break
            run.append(more)
            dropped |= more.drops
            j += 1
        if len(run) == 1:
            out.append((render(c), c, checks.guards))
        else:
            body = ",\n    ".join(x.text for x in run)
            out.append((f"ALTER TABLE {table_name(first.table)} {body}", c, checks.guards))
        i = j
    return out


def _joins(item: _Item, guarded: bool, checks: mysql_guard.Checks) -> bool:
    """Whether ``item`` may join a statement of guarded (or unguarded) changes."""
    return bool(item.guards) == guarded and checks.admit(item.guards, item.change)


_UNPREPARABLE = ("trigger", "procedure", "function", "event")  # MySQL 8 cannot PREPARE them


def guard_statement(sql: str, first: ch.Change, guards: Sequence[ch.Guard]) -> list[str]:
    """``sql`` (made from ``first`` and the changes after it) run only when the guards hold.

    One statement is atomic in MySQL, so its guards are checked together, before it runs:
    the native ``IF [NOT] EXISTS`` where MySQL 8 has one for that guard, else the prepared
    statement of ``dialects.mysql.guard``. Triggers and routines cannot be prepared in MySQL 8:
    they get ``IF [NOT] EXISTS`` on their own name (``CREATE TRIGGER IF NOT EXISTS`` needs
    MySQL 8.0.29).
    """
    kept = _needed(guards)
    if not kept:
        return [sql]
    kind = first.kind if isinstance(first, ch.DropObject) else None
    if isinstance(first, ch.CreateObject):
        kind = first.object.kind
    if kind in _UNPREPARABLE or (len(kept) == 1 and _native(first, kept[0])):
        return [_if_exists(sql, first)]
    return mysql_guard.guarded(tuple(kept), sql)


def _needed(guards: Sequence[ch.Guard]) -> list[ch.Guard]:
    """The guards that say something: without repeats (an object's first check is the one
    made before the statement runs), without checks a table check answers already (a table
    that is missing has no columns; a column that is there has its table)."""
    seen: dict[tuple[str, tuple[str, ...], str], ch.Guard] = {}
    for g in guards:
        seen.setdefault((g.kind, g.names, g.schema or ""), g)

    def part(g: ch.Guard) -> bool:
        return g.kind in ("column", "index", "constraint") and len(g.names) == 2

    absent = {
        (g.schema or "", g.names[0]) for g in seen.values() if g.kind == "table" and g.negated
    }
    present = {(g.schema or "", g.names[0]) for g in seen.values() if part(g) and not g.negated}
    return [
        g
        for g in seen.values()
        if not (g.negated and part(g) and (g.schema or "", g.names[0]) in absent)
        and not (not g.negated and g.kind == "table" and (g.schema or "", g.names[0]) in present)
    ]


def _native(first: ch.Change, g: ch.Guard) -> bool:
    """Whether ``g`` asks exactly what the statement's own ``IF [NOT] EXISTS`` asks."""
    if isinstance(first, ch.CreateTable):
        return (g.kind, g.names, g.negated) == ("table", (first.table.name.name,), True)
    if isinstance(first, ch.DropTable):
        return (g.kind, g.names, g.negated) == ("table", (first.name.name,), False)
    if isinstance(first, ch.DropObject) and first.kind == "view":
        return (g.kind, g.names, g.negated) == ("object", ("view", first.name.name), False)
    if isinstance(first, ch.DropObject) and first.kind == "table":
        return (g.kind, g.names, g.negated) == ("table", (first.name.name,), False)
    return False


def _if_exists(sql: str, first: ch.Change) -> str:
    """``sql`` with ``IF EXISTS`` (a drop) or ``IF NOT EXISTS`` (a create) after its kind."""
    if isinstance(first, ch.CreateObject) and first.or_replace:
        return sql  # OR REPLACE and IF NOT EXISTS do not go together; it replaces anyway
    words = {"TABLE", "VIEW", *(k.upper() for k in _UNPREPARABLE)}
    m = re.match(r"\s*(?:CREATE|DROP)\b", sql, re.I)
    if m is None:
        return sql
    for tok in re.finditer(r"`(?:[^`]|``)*`|'(?:[^'\\]|''|\\.)*'|[A-Za-z_]+|\S", sql):
        if tok.group().upper() in words:
            rest = sql[tok.end() :]
            if re.match(r"\s+IF\s+(NOT\s+)?EXISTS\b", rest, re.I):
                return sql
            ine = " IF NOT EXISTS" if m.group().strip().upper() == "CREATE" else " IF EXISTS"
            return sql[: tok.end()] + ine + rest
    return sql


def violation(check: pf.Check) -> str:
    """``EXISTS (…)``: some row does not fit what ``check`` says comes back."""
    return pf.violation(
        check,
        table_name(check.table),
        quote,
        mysql_guard.literal,
        "CHAR_LENGTH",
        "COUNT",
        table_name,
    )


def preflight(checks: Sequence[pf.Check]) -> list[str]:
    """Statements that stop down.sql before its first change when a check fails."""
    return [sql for k in checks for sql in mysql_guard.preflight(violation(k), k.message)]
