"""Half-applied MySQL migrations, undone on a real MariaDB (issue 6).

MySQL commits every DDL statement on its own: a migration that failed at statement k
leaves statements 0..k-1 applied. For every migration of every MySQL fixture and corpus
history, ``verify.partial`` applies each prefix k = 0..n-1, then the generated down.sql,
and compares the schema with the snapshot before the migration: it must be identical; then
the complete round trip (up, down, compare, up, compare). A trial that leaves anything
behind is followed by a fresh database, rebuilt by replaying the history. Every script runs
as ONE multi-statement query, the way ``prisma db execute`` sends it: the server still runs
and commits each statement on its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from prisma_down.core import changes as ch
from prisma_down.core.analysis import Analyzer
from prisma_down.core.dialects.mysql.render import render_all
from prisma_down.core.down import generate
from prisma_down.core.schema import Column, QName
from prisma_down.core.statements import split
from prisma_down.verify.mariadb import MariaDBServer
from prisma_down.verify.mysql_snapshot import diff, snapshot
from prisma_down.verify.partial import PartialVerdict, verify_partial_history
from tests.core.fixture_cases import load, names
from tests.verify.conftest import generated, print_figures, require_corpus
from tests.verify.test_mysql_roundtrip import _MYSQL8_STAND_INS, CORPUS, _histories

CASES = names("mysql")
# per source (fixtures, corpus): migrations, partial states tried and restored, complete runs
FIGURES: dict[str, dict[str, int]] = {}

Migration = tuple[str, str, str]  # (name, up, down), as verify_history takes them


@contextmanager
def _database(server: MariaDBServer) -> Iterator[Any]:
    """A fresh database and a connection that may send several statements at once."""
    import pymysql
    from pymysql.constants import CLIENT

    name = f"p_{uuid.uuid4().hex[:12]}"
    server.create_database(name)
    conn = pymysql.connect(
        unix_socket=server.socket,
        user="root",
        database=name,
        autocommit=True,
        charset="utf8mb4",
        client_flag=CLIENT.MULTI_STATEMENTS,  # as prisma db execute sends a script
    )
    try:
        _stand_ins(conn, server)
        yield conn
    finally:
        conn.close()
        server.drop_database(name)


def _stand_ins(conn: Any, server: MariaDBServer) -> None:
    if "mariadb" in server.version.lower():
        with conn.cursor() as cur:
            for sql in _MYSQL8_STAND_INS:
                cur.execute(sql)


def _resetter(server: MariaDBServer) -> Any:
    """``reset`` for ``verify_partial_history``: the same database, emptied."""

    def reset(conn: Any) -> None:
        with conn.cursor() as cur:
            cur.execute("SELECT DATABASE()")
            (name,) = cur.fetchone()
            cur.execute(f"DROP DATABASE `{name}`")
            cur.execute(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        conn.select_db(name)
        _stand_ins(conn, server)

    return reset


def run_script(conn: Any, script: str) -> str | None:
    """Run ``script`` as one multi-statement query; the error and its statement's line."""
    import pymysql

    done = 0
    with conn.cursor() as cur:
        try:
            cur.execute(script)  # no arguments: PyMySQL leaves % alone
            done = 1
            while cur.nextset():
                done += 1
        except pymysql.err.MySQLError as error:
            found = split(script, "mysql").statements
            line = script.count("\n", 0, found[done].span.start) + 1 if done < len(found) else 0
            args: tuple[object, ...] = tuple(error.args)
            message = str(args[1]) if len(args) > 1 else str(error)
            return f"{message} (statement at line {line})"
    return None


def check_prefixes(server: MariaDBServer, migrations: list[Migration]) -> list[PartialVerdict]:
    """Every partial state of every migration in turn, on top of the history before it."""
    with _database(server) as conn:
        return verify_partial_history(
            conn, migrations, "mysql", run_script, snapshot, diff, _resetter(server)
        )


def _count(source: str, verdicts: list[PartialVerdict]) -> None:
    keys = ("migrations", "partial states", "restored", "complete runs restored")
    tally = FIGURES.setdefault(source, dict.fromkeys(keys, 0))
    tally["migrations"] += len(verdicts)
    tally["partial states"] += sum(len(v.trials) for v in verdicts)
    tally["restored"] += sum(t.status == "restored" for v in verdicts for t in v.trials)
    tally["complete runs restored"] += sum(v.ok for v in verdicts)


def _explain(verdicts: list[PartialVerdict]) -> str:
    return "\n".join(
        f"{v.name}: {v.status} {v.error or ''} {'; '.join(v.differences)}"
        for v in verdicts
        if not v.ok
    )


def _assert_restored(verdicts: list[PartialVerdict]) -> None:
    assert all(v.ok for v in verdicts), _explain(verdicts)
    reached = [t.status for v in verdicts for t in v.trials]
    assert "not-reached" not in reached  # every prefix of a history that runs can be built


# -- the fixtures and the corpus


@pytest.mark.parametrize("name", CASES)
def test_fixture_prefixes_are_restored(mariadb: MariaDBServer, name: str) -> None:
    verdicts = check_prefixes(mariadb, load(name, "mysql").migrations())
    _count("fixtures", verdicts)
    _assert_restored(verdicts)


@pytest.mark.parametrize("history_dir", _histories(), ids=lambda p: p.name[:60])
def test_corpus_prefixes_are_restored(mariadb: MariaDBServer, history_dir: Path) -> None:
    verdicts = check_prefixes(mariadb, generated(history_dir, "mysql"))
    _count("corpus", verdicts)
    _assert_restored(verdicts)


def test_corpus_is_there() -> None:
    require_corpus(CORPUS, _histories())


def test_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs after the trials (file order): what was tried and restored, for the record."""
    print_figures(capsys, "MySQL half-applied migrations, undone on MariaDB:", FIGURES)
    for f in FIGURES.values():
        assert f["restored"] == f["partial states"]
        assert f["complete runs restored"] == f["migrations"]


# -- the test catches what it should

_INIT = "CREATE TABLE `User` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`));\n"
_UP = """ALTER TABLE `User` ADD COLUMN `a` INTEGER NULL;
ALTER TABLE `User` ADD COLUMN `b` INTEGER NULL;
"""
_UNGUARDED = """ALTER TABLE `User` DROP COLUMN `b`;
ALTER TABLE `User` DROP COLUMN `a`;
"""


def test_an_unguarded_down_is_caught(mariadb: MariaDBServer) -> None:
    """Without guards, a state the migration stopped in breaks down.sql: reported where."""
    init = ("1_init", _INIT, "DROP TABLE IF EXISTS `User`;\n")
    first, second = check_prefixes(mariadb, [init, ("2_add", _UP, _UNGUARDED)])
    assert first.ok
    assert second.status == "partial-down-failed"
    assert [(t.applied, t.status) for t in second.trials] == [
        (0, "partial-down-failed"),
        (1, "partial-down-failed"),
    ]
    assert second.error == (
        "after 0 of 2 statements (stopped before line 1): "
        "Can't DROP COLUMN `b`; check that it exists (statement at line 1)"
    )
    assert (
        "after 1 of 2 statements (stopped before line 2): down.sql failed: "
        "Can't DROP COLUMN `b`; check that it exists (statement at line 1)"
    ) in second.differences
    assert not any("mismatch" in d for d in second.differences)  # the complete run was fine


def test_generated_down_survives_the_same_prefixes(mariadb: MariaDBServer) -> None:
    """The same migration with prisma-down's own down.sql: every state comes back."""
    ups = [_INIT, _UP]
    analyses = Analyzer("mysql").analyse(ups)
    migrations = [
        (name, up, generate(name, up, a, "mysql"))
        for name, up, a in zip(("1_init", "2_add"), ups, analyses, strict=True)
    ]
    verdicts = check_prefixes(mariadb, migrations)
    _assert_restored(verdicts)
    assert [len(v.trials) for v in verdicts] == [1, 2]


@pytest.mark.parametrize("mode", ["", "NO_BACKSLASH_ESCAPES"])
def test_quoting_means_the_same_in_every_sql_mode(mariadb: MariaDBServer, mode: str) -> None:
    """The prepared text is the inner SQL exactly: quotes and backslashes included."""
    inner = "ALTER TABLE `{t}` ADD COLUMN `c` VARCHAR(20) NULL DEFAULT 'a\\\\b''c' COMMENT 'x\\y'"
    column = Column("c", "VARCHAR(20)", "'a\\\\b''c'", options="COMMENT 'x\\y'")
    guard = ch.Guard("column", ("T2", "c"), True, "")
    guarded = render_all([ch.Guarded(guard, (ch.AddColumn(QName("", "T2"), column),))])
    assert "\\" not in "".join(guarded)  # no backslash written into a literal
    script = "".join(sql + ";\n" for sql in guarded)
    with _database(mariadb) as conn:
        assert (
            run_script(conn, "CREATE TABLE `T1` (`id` INT); CREATE TABLE `T2` (`id` INT);") is None
        )
        with conn.cursor() as cur:
            cur.execute(f"SET SESSION sql_mode = '{mode}'")
            cur.execute(inner.format(t="T1"))
        assert run_script(conn, script) is None
        with conn.cursor() as cur:
            cur.execute(
                "SELECT TABLE_NAME, COLUMN_DEFAULT, COLUMN_COMMENT FROM information_schema.COLUMNS"
                " WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME = 'c' ORDER BY TABLE_NAME"
            )
            (t1, *one), (t2, *two) = cur.fetchall()
        assert (t1, t2) == ("T1", "T2") and one == two
        assert run_script(conn, script) is None  # the column is there now: nothing runs
