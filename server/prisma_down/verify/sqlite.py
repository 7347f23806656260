"""SQLite databases for verification: Python's sqlite3, in-process, one file per history.

SQLite keeps each CREATE statement as written (``sqlite_master.sql``) and edits that text
on ALTER TABLE; the snapshot compares it normalised (tokens, names unquoted, case folded,
comments and layout dropped), together with what the PRAGMAs report of each table:
columns in order (type, NOT NULL, default, primary-key position), indexes and foreign keys.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prisma_down.core.read.tokens import ReadError, tokenize
from prisma_down.core.statements import split
from prisma_down.verify.roundtrip import failed_at


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection as Prisma's: autocommit (scripts run as given), foreign keys enforced."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def apply(conn: sqlite3.Connection, script: str) -> str | None:
    """Run a whole script as ``prisma db execute`` does: as given, statement by statement.

    Returns the error text with the line of the statement that failed, or None. A failing
    script is undone (the database is copied back from before it), so checks go on from a
    known state, as on PostgreSQL, where a failing script leaves nothing behind. Each
    script starts with foreign keys enforced, as on a fresh Prisma connection.
    """
    saved = sqlite3.connect(":memory:")
    try:
        conn.backup(saved)
        error = run(conn, script)
        if error is not None:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            saved.backup(conn)
        return error
    finally:
        saved.close()
        conn.execute("PRAGMA foreign_keys=ON")


def run(conn: sqlite3.Connection, script: str) -> str | None:
    """Run ``script`` statement by statement and stop at the first error, leaving what ran
    (as ``prisma db execute`` does); the error names the statement's line."""
    for st in split(script, "sqlite").statements:
        try:
            conn.executescript(st.text + ";")
        except sqlite3.Error as e:
            return failed_at(f"{type(e).__name__}: {e}", script, st.span.start)
    return None


@dataclass(frozen=True)
class Column:
    type: str
    not_null: bool
    default: str | None
    pk: int  # position in the primary key, 0 when not in it
    hidden: int  # 0 plain, 2/3 generated (pragma table_xinfo)


@dataclass(frozen=True)
class ForeignKey:
    table: str
    columns: tuple[tuple[str, str | None], ...]  # (from, to)
    on_update: str
    on_delete: str
    match: str


@dataclass(frozen=True)
class Table:
    sql: str  # normalised
    columns: tuple[tuple[str, Column], ...]  # in order
    foreign_keys: tuple[ForeignKey, ...]


@dataclass(frozen=True)
class Index:
    table: str
    sql: str | None  # normalised; None for the ones SQLite makes (PRIMARY KEY, UNIQUE)
    unique: bool
    origin: str  # c (CREATE INDEX), u (UNIQUE), pk
    partial: bool
    columns: tuple[tuple[str | None, int, str, int], ...]  # (name, desc, collation, key)
    text: str | None = field(default=None, compare=False)  # as written, to show


@dataclass(frozen=True)
class Snapshot:
    tables: Mapping[str, Table]
    indexes: Mapping[str, Index]
    others: Mapping[tuple[str, str], str]  # (view/trigger, name) → normalised sql


_SIMPLE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def normalise(sql: str) -> str:
    """One token per word: names unquoted and upper-cased, layout and comments gone."""
    try:
        toks = tokenize(sql, "sqlite")
    except ReadError:
        return " ".join(sql.split())
    out = []
    for t in toks:
        if t.kind in ("ident", "word") and _SIMPLE.fullmatch(t.text):
            out.append(t.text.upper())
        elif t.kind == "ident":
            out.append('"' + t.text.replace('"', '""') + '"')
        else:
            out.append(t.text)
    return " ".join(out)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def snapshot(conn: sqlite3.Connection) -> Snapshot:
    rows = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master "
        "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' OR type = 'index'"
    ).fetchall()
    tables: dict[str, Table] = {}
    others: dict[tuple[str, str], str] = {}
    for kind, name, _, sql in rows:
        if kind == "table" and not name.startswith("sqlite_"):
            tables[name] = _table(conn, name, sql)
        elif kind in ("view", "trigger"):
            others[(kind, name)] = normalise(sql or "")
    indexes: dict[str, Index] = {}
    for table in tables:
        for _, name, unique, origin, partial in conn.execute(f"PRAGMA index_list({_q(table)})"):
            sql = next((s for k, n, _, s in rows if k == "index" and n == name), None)
            cols = tuple(
                (col, desc, coll, key)
                for _, _, col, desc, coll, key in conn.execute(f"PRAGMA index_xinfo({_q(name)})")
            )
            indexes[name] = Index(
                table,
                normalise(sql) if sql else None,
                bool(unique),
                origin,
                bool(partial),
                cols,
                " ".join(sql.split()) if sql else None,
            )
    return Snapshot(tables, indexes, others)


def _table(conn: sqlite3.Connection, name: str, sql: str) -> Table:
    columns = tuple(
        (col, Column(type_, bool(notnull), default, pk, hidden))
        for _, col, type_, notnull, default, pk, hidden in conn.execute(
            f"PRAGMA table_xinfo({_q(name)})"
        )
    )
    fks: dict[int, list[Any]] = {}
    for fid, _, ref, frm, to, on_update, on_delete, match in conn.execute(
        f"PRAGMA foreign_key_list({_q(name)})"
    ):
        fks.setdefault(fid, [ref, [], on_update, on_delete, match])[1].append((frm, to))
    keys = sorted(
        (
            ForeignKey(ref, tuple(cols), upd, dele, match)
            for ref, cols, upd, dele, match in fks.values()
        ),
        key=repr,
    )
    return Table(normalise(sql), columns, tuple(keys))


# -- comparing ------------------------------------------------------------------------------


def diff(before: Snapshot, after: Snapshot) -> list[str]:
    """One sentence per difference; empty when the schemas are equal."""
    out: list[str] = []
    for name in sorted(before.tables.keys() | after.tables.keys()):
        a, b = before.tables.get(name), after.tables.get(name)
        if a is None or b is None:
            out.append(f"table {_q(name)} {_presence(a is not None)}")
            continue
        out += _table_diff(name, a, b)
    gone = before.tables.keys() ^ after.tables.keys()
    for name in sorted(before.indexes.keys() | after.indexes.keys()):
        x, y = before.indexes.get(name), after.indexes.get(name)
        if x is None or y is None:
            if (x or y).table not in gone:  # type: ignore[union-attr]
                out.append(f"index {_q(name)} {_presence(x is not None)}")
        elif x != y:
            out.append(f"index {_q(name)} is {_index(x)} before, {_index(y)} after")
    for key in sorted(before.others.keys() | after.others.keys()):
        s, t = before.others.get(key), after.others.get(key)
        if s is None or t is None:
            out.append(f"{key[0]} {_q(key[1])} {_presence(s is not None)}")
        elif s != t:
            out.append(f"{key[0]} {_q(key[1])} differs: {s} before, {t} after")
    return out


def _table_diff(name: str, a: Table, b: Table) -> list[str]:
    out: list[str] = []
    acols, bcols = dict(a.columns), dict(b.columns)
    for col in sorted(acols.keys() | bcols.keys()):
        x, y = acols.get(col), bcols.get(col)
        what = f"column {_q(name)}.{_q(col)}"
        if x is None or y is None:
            out.append(f"{what} {_presence(x is not None)}")
            continue
        for attribute in ("type", "not_null", "default", "pk", "hidden"):
            u, v = getattr(x, attribute), getattr(y, attribute)
            if u != v:
                out.append(f"{attribute} of {what} is {u} before, {v} after")
    if not out and [c for c, _ in a.columns] != [c for c, _ in b.columns]:
        order = ", ".join(c for c, _ in b.columns)
        out.append(f"columns of {_q(name)} are in another order after: {order}")
    if a.foreign_keys != b.foreign_keys:
        out.append(
            f"foreign keys of {_q(name)} differ: {a.foreign_keys} before, {b.foreign_keys} after"
        )
    if not out and a.sql != b.sql:
        out.append(f"definition of {_q(name)} differs: {a.sql} before, {b.sql} after")
    return out


def _index(ix: Index) -> str:
    """An index in a reader's words: ``UNIQUE on "Post" ("slug", "id" DESC) WHERE …``."""
    if ix.text is not None:
        return ix.text
    keys = [c for c in ix.columns if c[3]]  # index_xinfo also lists the rowid it carries
    cols = ", ".join(
        (_q(n) if n is not None else "<expression>")
        + (" DESC" if desc else "")
        + (f" COLLATE {coll}" if coll.upper() != "BINARY" else "")
        for n, desc, coll, _ in keys
    )
    made = {"pk": " (the PRIMARY KEY's)", "u": " (a UNIQUE constraint's)"}.get(ix.origin, "")
    return f"{'UNIQUE ' if ix.unique else ''}on {_q(ix.table)} ({cols}){made}"


def _presence(was_before: bool) -> str:
    return "is missing" if was_before else "was not there before"
