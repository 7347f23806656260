"""Hostile names through every renderer, run on real PostgreSQL, MariaDB and SQLite.

Issue 11: a column named ``x⏎DROP TABLE IF EXISTS canary;--`` put a live ``DROP TABLE``
into down.sql, through a ``--`` comment. Here tables, columns, indexes, constraints, views,
enum types, enum labels and migration folders get names built (seeded, bounded) from the
pieces that end a context: line breaks of every kind, ``*/``, ``$$``, ``$down$``, quotes,
backticks, brackets, backslashes, ``--``, ``;``, each with or without a payload aimed at a
``canary`` table. Each history (create/drop/rename table, add/drop/rename column, enum
value added/renamed, index, foreign key, view) is generated and every down.sql is run AS ONE
SCRIPT by the engine itself (its own lexer decides where comments and strings end, not
prisma-down's splitter): the canary must keep its rows after every script, and each down.sql
must give back the schema from before its migration (``verify_history``). SQL Server and
CockroachDB have no server here: their files must split back into the statements rendered
(``generate`` checks it) and parse with sqlglot, with no statement touching the canary.
"""

from __future__ import annotations

import random
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import TokenType

from prisma_down.core.analysis import Analyzer
from prisma_down.core.dialects.mysql.guard import read_guarded
from prisma_down.core.down import generate
from prisma_down.core.inverse import Risk
from prisma_down.core.statements import split
from prisma_down.verify import mysql_snapshot
from prisma_down.verify import sqlite as sqlite_verify
from prisma_down.verify.mariadb import MariaDBServer
from prisma_down.verify.postgres import PostgresServer
from prisma_down.verify.postgres import apply as pg_apply
from prisma_down.verify.roundtrip import verify_history

SEED = 20_251_104
TRIALS = 8  # histories per engine; each runs ~10 migrations up, down and up again
ENDERS = ["\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "*/", "/*", "$$"]
ENDERS += ["$down$", "'", '"', "`", "]", "[", "\\", "\\'", "--", ";", "# "]
PAYLOADS = [
    "\nDROP TABLE IF EXISTS canary;--",
    "\rDELETE FROM canary;--",
    "\u2028DROP TABLE canary;--",
    "';DROP TABLE canary;--",
    "\\';DELETE FROM canary;--",
    '";DROP TABLE canary;--',
    "`;DROP TABLE canary;--",
    "];DROP TABLE canary;--",
    "$down$;DROP TABLE canary;--",
    "*/DELETE FROM canary;/*",
]
ROWS = 3
MAX_BYTES = 38  # PostgreSQL cuts names at 63 bytes; renderers add "_new", "prisma_down_"
Names = dict[str, str]


def hostile(rng: random.Random, prefix: str, dialect: str) -> str:
    """``prefix`` and one or two context enders, and a payload half of the time."""
    while True:
        parts = [prefix, *rng.sample(ENDERS, rng.randint(1, 2))]
        if rng.random() < 0.5:
            parts.append(rng.choice(PAYLOADS))
        name = "".join(parts)
        if dialect == "mysql":  # MySQL: no name ends in white space (enum labels lose it)
            name = name.rstrip()
        if len(name.encode()) <= MAX_BYTES:
            return name


def names(rng: random.Random, dialect: str) -> Names:
    """One hostile name per role, all distinct (each starts with its own prefix)."""
    roles = ("T", "U", "U2", "C", "D", "D2", "I", "J", "J2", "K", "V", "E", "L", "M", "M2", "F")
    return {role: hostile(rng, role + "_", dialect) for role in roles}


# -- quoting for the test's own migration.sql (what Prisma or a person would write) ---------


def q(name: str, dialect: str) -> str:
    if dialect == "mysql":
        return "`" + name.replace("`", "``") + "`"
    if dialect == "tsql":
        return "[" + name.replace("]", "]]") + "]"
    return '"' + name.replace('"', '""') + '"'


def s(text: str, dialect: str) -> str:
    """A string literal as the up migration writes it (default settings of each engine)."""
    if dialect == "mysql":
        text = text.replace("\\", "\\\\")
    return ("N'" if dialect == "tsql" else "'") + text.replace("'", "''") + "'"


def history(dialect: str, n: Names) -> list[tuple[str, str]]:
    """``(folder, migration.sql)`` pairs exercising every renderer of ``dialect``."""

    def Q(role: str) -> str:
        return q(n[role], dialect)

    def S(role: str) -> str:
        return s(n[role], dialect)

    if dialect == "mysql":
        ups = [
            f"CREATE TABLE {Q('T')} (\n    `id` INTEGER NOT NULL,\n"
            f"    {Q('C')} VARCHAR(191) NULL,\n"
            f"    `e` ENUM('a', {S('L')}) NOT NULL DEFAULT 'a',\n\n    PRIMARY KEY (`id`)\n)"
            " DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
            f"CREATE TABLE {Q('U')} (\n    `id` INTEGER NOT NULL,\n    `tid` INTEGER NULL,\n\n"
            "    PRIMARY KEY (`id`)\n) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
            f"CREATE INDEX {Q('I')} ON {Q('T')}({Q('C')});\n"
            f"ALTER TABLE {Q('U')} ADD CONSTRAINT {Q('K')} FOREIGN KEY (`tid`) "
            f"REFERENCES {Q('T')}(`id`) ON DELETE SET NULL ON UPDATE CASCADE;\n"
            f"CREATE VIEW {Q('V')} AS SELECT `id`, {Q('C')} FROM {Q('T')};",
            f"ALTER TABLE {Q('T')} MODIFY `e` ENUM('a', {S('L')}, {S('M')}) NOT NULL DEFAULT 'a';",
            f"ALTER TABLE {Q('T')} ADD COLUMN {Q('D')} VARCHAR(191) NULL;",
            f"ALTER TABLE {Q('T')} RENAME COLUMN {Q('D')} TO {Q('D2')};",
            f"CREATE INDEX {Q('J')} ON {Q('T')}({Q('D2')});",
            f"ALTER TABLE {Q('T')} RENAME INDEX {Q('J')} TO {Q('J2')};",
            f"RENAME TABLE {Q('U')} TO {Q('U2')};",
            f"DROP VIEW {Q('V')};\nALTER TABLE {Q('U2')} DROP FOREIGN KEY {Q('K')};\n"
            f"DROP INDEX {Q('I')} ON {Q('T')};\nALTER TABLE {Q('T')} DROP COLUMN {Q('C')};",
            f"DROP TABLE {Q('U2')};",
        ]
    elif dialect == "sqlite":
        ups = [
            f'CREATE TABLE {Q("T")} (\n    "id" INTEGER NOT NULL PRIMARY KEY,\n    {Q("C")} TEXT,\n'
            f'    "e" TEXT NOT NULL DEFAULT {S("L")}\n);\n'
            f'CREATE TABLE {Q("U")} (\n    "id" INTEGER NOT NULL PRIMARY KEY,\n    "tid" INTEGER,\n'
            f'    CONSTRAINT {Q("K")} FOREIGN KEY ("tid") REFERENCES {Q("T")} ("id") '
            "ON DELETE SET NULL ON UPDATE CASCADE\n);\n"
            f"CREATE INDEX {Q('I')} ON {Q('T')}({Q('C')});\n"
            f'CREATE VIEW {Q("V")} AS SELECT "id", {Q("C")} FROM {Q("T")};',
            f"ALTER TABLE {Q('T')} ADD COLUMN {Q('D')} TEXT;",
            f"ALTER TABLE {Q('T')} RENAME COLUMN {Q('D')} TO {Q('D2')};",
            f"CREATE UNIQUE INDEX {Q('J')} ON {Q('T')}({Q('D2')});",
            f"ALTER TABLE {Q('U')} RENAME TO {Q('U2')};",
            f"DROP VIEW {Q('V')};\nDROP INDEX {Q('I')};",
            f"ALTER TABLE {Q('T')} DROP COLUMN {Q('C')};",
            f"DROP TABLE {Q('U2')};",
        ]
    elif dialect == "tsql":
        ups = [
            f"CREATE TABLE [dbo].{Q('T')} (\n    [id] INT NOT NULL,\n    {Q('C')} NVARCHAR(1000),\n"
            f"    CONSTRAINT [T_pkey] PRIMARY KEY CLUSTERED ([id])\n);\n"
            f"CREATE TABLE [dbo].{Q('U')} (\n    [id] INT NOT NULL,\n    [tid] INT,\n"
            "    CONSTRAINT [U_pkey] PRIMARY KEY CLUSTERED ([id])\n);\n"
            f"CREATE NONCLUSTERED INDEX {Q('I')} ON [dbo].{Q('T')}({Q('C')});\n"
            f"ALTER TABLE [dbo].{Q('U')} ADD CONSTRAINT {Q('K')} FOREIGN KEY ([tid]) "
            f"REFERENCES [dbo].{Q('T')}([id]) ON DELETE NO ACTION ON UPDATE CASCADE;",
            f"ALTER TABLE [dbo].{Q('T')} ADD {Q('D')} NVARCHAR(1000) NOT NULL DEFAULT {S('L')};",
            f"EXEC SP_RENAME {s('dbo.' + q(n['T'], 'tsql') + '.' + q(n['D'], 'tsql'), 'tsql')}, "
            f"{S('D2')}, N'COLUMN';",
            f"EXEC SP_RENAME {s('dbo.' + q(n['U'], 'tsql'), 'tsql')}, {S('U2')};",
            f"DROP INDEX {Q('I')} ON [dbo].{Q('T')};\n"
            f"ALTER TABLE [dbo].{Q('U2')} DROP CONSTRAINT {Q('K')};\n"
            f"ALTER TABLE [dbo].{Q('T')} DROP COLUMN {Q('C')};",
            f"DROP TABLE [dbo].{Q('U2')};",
        ]
    else:  # postgres, cockroachdb
        ups = [
            f"CREATE TYPE {Q('E')} AS ENUM ('a', {S('L')});\n"
            f'CREATE TABLE {Q("T")} (\n    "id" INTEGER NOT NULL,\n    {Q("C")} TEXT,\n'
            f"    \"e\" {Q('E')} NOT NULL DEFAULT 'a',\n\n"
            f'    CONSTRAINT "T_pkey" PRIMARY KEY ("id")\n);\n'
            f'CREATE TABLE {Q("U")} (\n    "id" INTEGER NOT NULL,\n    "tid" INTEGER,\n\n'
            f'    CONSTRAINT "U_pkey" PRIMARY KEY ("id")\n);\n'
            f"CREATE INDEX {Q('I')} ON {Q('T')}({Q('C')});\n"
            f'ALTER TABLE {Q("U")} ADD CONSTRAINT {Q("K")} FOREIGN KEY ("tid") '
            f'REFERENCES {Q("T")}("id") ON DELETE SET NULL ON UPDATE CASCADE;\n'
            f'CREATE VIEW {Q("V")} AS SELECT "id", {Q("C")} FROM {Q("T")};',
            f"ALTER TYPE {Q('E')} ADD VALUE {S('M')};",
            f"ALTER TYPE {Q('E')} RENAME VALUE {S('M')} TO {S('M2')};",
            f"ALTER TABLE {Q('T')} ADD COLUMN {Q('D')} TEXT;",
            f"ALTER TABLE {Q('T')} RENAME COLUMN {Q('D')} TO {Q('D2')};",
            f"CREATE UNIQUE INDEX {Q('J')} ON {Q('T')}({Q('D2')});",
            f"ALTER INDEX {Q('J')} RENAME TO {Q('J2')};",
            f"ALTER TABLE {Q('U')} RENAME TO {Q('U2')};",
            f"DROP VIEW {Q('V')};\nALTER TABLE {Q('U2')} DROP CONSTRAINT {Q('K')};\n"
            f"DROP INDEX {Q('I')};\nALTER TABLE {Q('T')} DROP COLUMN {Q('C')};",
            f"DROP TABLE {Q('U2')};",
        ]
    folder = n["F"].replace("/", "")  # a folder name holds anything but '/' and NUL
    return [(f"{i:03d}_{folder}", up) for i, up in enumerate(ups, 1)]


def downs(dialect: str, n: Names) -> list[tuple[str, str, str]]:
    """``(folder, up, down)`` for the history, down.sql as ``generate`` writes it."""
    pairs = history(dialect, n)
    analyses = Analyzer(dialect).analyse([up for _, up in pairs])
    out = []
    for (folder, up), analysis in zip(pairs, analyses, strict=True):
        for step in analysis.steps:  # read in full, or the renderers were not exercised
            assert not step.problems, (step.statement.text, step.problems)
            assert step.risk is not Risk.IRREVERSIBLE, (step.statement.text, step.inverses)
        out.append((folder, up, generate(folder, up, analysis, dialect)))
    return out


def trials(dialect: str) -> Iterator[tuple[int, Names]]:
    rng = random.Random(f"{SEED}-{dialect}")
    for i in range(TRIALS):
        yield i, names(rng, dialect)


# -- what must hold of every generated file -------------------------------------------------

_SQLGLOT = {"postgres": "postgres", "cockroachdb": "postgres", "mysql": "mysql"}
_SQLGLOT |= {"sqlite": "sqlite", "tsql": "tsql"}
_DOLLARS = re.compile(r"\$(\w*)\$(.*)\$\1\$", re.S)


def bare_words(sql: str, dialect: str) -> Iterator[str]:
    """The unquoted words of ``sql`` as sqlglot's tokenizer reads them, and of the SQL it
    carries in strings to run: a DO block's body, a MySQL guard's prepared statement,
    SQL Server's ``EXEC sp_executesql N'…'`` and ``EXEC('…')``."""
    if dialect == "mysql":
        found = read_guarded(sql) if sql.lstrip().upper().startswith("SET") else None
        if found is not None:
            yield from bare_words(found[1], dialect)
    toks = Dialect.get_or_raise(_SQLGLOT[dialect]).tokenize(sql)
    for i, t in enumerate(toks):
        kind = t.token_type
        if kind == TokenType.VAR:
            yield t.text
        elif kind == TokenType.STRING and i and toks[i - 1].text.upper() == "DO":
            m = _DOLLARS.fullmatch(t.text)
            if m is not None:
                yield from bare_words(m.group(2), dialect)
        elif kind in (TokenType.STRING, TokenType.NATIONAL_STRING) and dialect == "tsql":
            before = " ".join(x.text.upper() for x in toks[max(i - 2, 0) : i])
            if before.endswith(("SP_EXECUTESQL", "EXEC (")):
                yield from bare_words(t.text, dialect)


def touches_canary(sql: str, dialect: str) -> bool:
    """Whether ``sql`` names the canary outside a quoted name or a string (every name
    prisma-down writes is quoted: a bare ``canary`` is a payload that escaped)."""
    return any(w.lower() == "canary" for w in bare_words(sql, dialect))


_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00"


def check_text(down: str, dialect: str) -> None:
    """Every comment line is one line to every engine and editor; every statement parses,
    and none of them drops or empties the canary."""
    script = split(down, dialect)
    for comment in script.comments:
        assert not any(c in comment.text for c in _BREAKS), repr(comment.text)
    for st in script.statements:
        assert not touches_canary(st.text, dialect), st.text


# -- the engines ------------------------------------------------------------------------------


def _canary_rows(conn: Any, dialect: str) -> list[tuple[Any, ...]]:
    sql = "SELECT id, note FROM canary ORDER BY id"
    if dialect == "sqlite":
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    if dialect == "mysql":
        with conn.cursor() as cur:
            cur.execute(sql)
            return [tuple(r) for r in cur.fetchall()]
    return [tuple(r) for r in conn.execute(sql).fetchall()]


EXPECTED = [(i, f"row {i}") for i in range(1, ROWS + 1)]
CANARY = "CREATE TABLE canary (id INTEGER NOT NULL PRIMARY KEY, note VARCHAR(20) NOT NULL);" + (
    "".join(f"INSERT INTO canary (id, note) VALUES ({i}, 'row {i}');" for i in range(1, ROWS + 1))
)


def guarded(apply: Callable[[Any, str], str | None], dialect: str) -> Callable[[Any, str], Any]:
    """``apply`` that checks, after every script, that the canary still has all its rows."""

    def run(conn: Any, script: str) -> str | None:
        error = apply(conn, script)
        assert _canary_rows(conn, dialect) == EXPECTED, f"the canary lost rows running:\n{script}"
        return error

    return run


def _mysql_whole(conn: Any, script: str) -> str | None:
    """The whole script in one multi-statement query: the server's lexer splits it."""
    import pymysql

    try:
        with conn.cursor() as cur:
            cur.execute(script)
            while cur.nextset():
                pass
    except pymysql.err.MySQLError as error:
        return str(error)
    return None


def _sqlite_whole(conn: sqlite3.Connection, script: str) -> str | None:
    """The whole script through ``executescript``: SQLite's own tokenizer splits it."""
    try:
        conn.executescript(script)
    except sqlite3.Error as error:
        return f"{type(error).__name__}: {error}"
    finally:
        conn.execute("PRAGMA foreign_keys=ON")
    return None


def _assert_restored(verdicts: list[Any], generated: list[tuple[str, str, str]]) -> None:
    bad = [(v, down) for v, (_, _, down) in zip(verdicts, generated, strict=True) if not v.ok]
    assert not bad, "\n\n".join(f"{v}\n{down}" for v, down in bad)
    assert len(verdicts) == len(generated)


@pytest.mark.parametrize("trial", range(TRIALS))
def test_sqlite(trial: int, tmp_path: Path) -> None:
    _, n = list(trials("sqlite"))[trial]
    generated = downs("sqlite", n)
    for _, _, down in generated:
        check_text(down, "sqlite")
    conn = sqlite_verify.connect(tmp_path / "db.sqlite")
    try:
        conn.executescript(CANARY)
        run = guarded(_sqlite_whole, "sqlite")
        verdicts = verify_history(conn, generated, run, sqlite_verify.snapshot, sqlite_verify.diff)
    finally:
        conn.close()
    _assert_restored(verdicts, generated)


@pytest.mark.parametrize("trial", range(TRIALS))
def test_postgres(trial: int, pg_server: PostgresServer, pg_db: str) -> None:
    _, n = list(trials("postgres"))[trial]
    generated = downs("postgres", n)
    for _, _, down in generated:
        check_text(down, "postgres")
    with pg_server.connect(pg_db) as conn:
        assert pg_apply(conn, CANARY) is None
        verdicts = verify_history(conn, generated, guarded(pg_apply, "postgres"))
    _assert_restored(verdicts, generated)


@pytest.mark.parametrize("trial", range(TRIALS))
def test_mariadb(trial: int, mariadb: MariaDBServer) -> None:
    import pymysql
    from pymysql.constants import CLIENT

    _, n = list(trials("mysql"))[trial]
    generated = downs("mysql", n)
    for _, _, down in generated:
        check_text(down, "mysql")
    name = f"hostile_{uuid.uuid4().hex[:10]}"
    with mariadb.database(name):
        conn = pymysql.connect(
            unix_socket=mariadb.socket,
            user="root",
            database=name,
            autocommit=True,
            charset="utf8mb4",
            client_flag=CLIENT.MULTI_STATEMENTS,
        )
        try:
            assert _mysql_whole(conn, CANARY) is None
            run = guarded(_mysql_whole, "mysql")
            verdicts = verify_history(
                conn, generated, run, mysql_snapshot.snapshot, mysql_snapshot.diff
            )
        finally:
            conn.close()
    _assert_restored(verdicts, generated)


@pytest.mark.parametrize("dialect", ["tsql", "cockroachdb"])
@pytest.mark.parametrize("trial", range(TRIALS))
def test_without_a_server(dialect: str, trial: int) -> None:
    """No server: ``generate`` re-split its file (it raises otherwise); sqlglot parses each
    statement and finds none that drops or empties the canary."""
    _, n = list(trials(dialect))[trial]
    for _, _, down in downs(dialect, n):
        check_text(down, dialect)
        for st in split(down, dialect).statements:
            sqlglot.parse(st.text, read=_SQLGLOT[dialect])  # raises on a parse error


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite", "tsql", "cockroachdb"])
def test_every_piece_is_tried(dialect: str) -> None:
    """The seeded names use every context ender and every payload on every engine."""
    used = "".join(name for _, n in trials(dialect) for name in n.values())
    assert [p for p in PAYLOADS if p.rstrip() not in used] == []
    assert [e for e in ENDERS if e.strip() and e.strip() not in used] == []
    assert [e for e in ENDERS if not e.strip() and e not in used] == []
