"""Changes → MySQL / MariaDB, in Prisma's quoting and layout.

Types, defaults and column attributes are the original source text. Only SQL that MySQL 8
and MariaDB 10.5+ both accept: ``RENAME COLUMN`` and ``RENAME INDEX`` (MySQL 8.0, MariaDB
10.5.2), ``DROP CONSTRAINT`` for checks (MySQL 8.0.19, MariaDB 10.2).

``render_all`` writes the changes that undo one statement on one table as ONE
``ALTER TABLE … ,\\n    …``, as Prisma writes them: MySQL checks the table only once the
whole statement is done (``DROP PRIMARY KEY, ADD PRIMARY KEY`` on an AUTO_INCREMENT column,
``ADD COLUMN … AUTO_INCREMENT, ADD PRIMARY KEY``), and each statement commits on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from prisma_down.core import changes as ch
from prisma_down.core.render.rows import delete_rows
from prisma_down.core.schema import Column, Constraint, Index, QName


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def table_name(name: QName) -> str:
    return f"{quote(name.schema)}.{quote(name.name)}" if name.schema else quote(name.name)


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


def constraint_sql(k: Constraint, table: QName | None = None) -> str:
    tail = f" {k.tail}" if k.tail else ""
    if k.kind == "p":
        return f"PRIMARY KEY ({_cols(k.columns)}){tail}"
    head = f"CONSTRAINT {quote(k.name)} "
    if (
        k.kind == "f"
        and table is not None
        and re.fullmatch(re.escape(table.name) + r"_ibfk_\d+", k.name)
    ):
        head = ""  # a key added without a name: named again by the server, its index too
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
    keys += [constraint_sql(k, t.name) for k in t.constraints if k.kind != "p"]
    body = ",\n".join("    " + x for x in lines)
    if keys:
        body += ",\n\n" + ",\n".join("    " + x for x in keys)
    prefix = f"{t.prefix} " if t.prefix else ""
    tail = f" {t.tail}" if t.tail else ""
    return f"CREATE {prefix}TABLE {table_name(t.name)} (\n{body}\n){tail}"


def _drop_constraint(c: ch.DropConstraint) -> str:
    if c.kind == "p" or c.name == "PRIMARY":
        return "DROP PRIMARY KEY"
    if c.kind == "f":
        return f"DROP FOREIGN KEY {quote(c.name)}"
    return f"DROP CONSTRAINT {quote(c.name)}"


def _add_column(c: ch.AddColumn) -> str:
    clauses = [f"ADD COLUMN {column_sql(c.column)}"]
    clauses += [f"ADD {constraint_sql(k, c.table)}" for k in c.constraints]
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
        return _Clause(c.table, f"ADD {constraint_sql(k, c.table)}", adds=fk)
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
    return delete_rows(c, table_name(c.table), quote)


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
    """One change as one MySQL statement, without the terminating ``;``."""
    f = _STATEMENT.get(type(change))
    if f is not None:
        return f(change)
    clause = _clause(change)
    if clause is None:
        raise ValueError(f"cannot render {type(change).__name__} for MySQL")
    return f"ALTER TABLE {table_name(clause.table)} {clause.text}"


def render_all(changes: Sequence[ch.Change]) -> list[str]:
    """Statements for ``changes`` in order: clauses on one table joined into one ALTER TABLE,
    indexes right after a CREATE TABLE written into it."""
    out: list[str] = []
    i, n = 0, len(changes)
    while i < n:
        c = changes[i]
        if isinstance(c, ch.CreateTable):
            indexes: list[Index] = []
            j = i + 1
            while j < n:
                nxt = changes[j]
                if not (isinstance(nxt, ch.CreateIndex) and nxt.index.table == c.table.name):
                    break
                indexes.append(nxt.index)
                j += 1
            out.append(create_table(c, indexes))
            i = j
            continue
        first = _clause(c)
        if first is None:
            out.append(render(c))
            i += 1
            continue
        run = [first]
        dropped = set(first.drops)
        j = i + 1
        while j < n:
            more = _clause(changes[j])
            if more is None or more.table != first.table or more.adds & dropped:
                break
            run.append(more)
            dropped |= more.drops
            j += 1
        if len(run) == 1:
            out.append(render(c))
        else:
            body = ",\n    ".join(x.text for x in run)
            out.append(f"ALTER TABLE {table_name(first.table)} {body}")
        i = j
    return out
