"""Guarded MySQL down.sql (issue 6): rendered for MySQL 8 and MariaDB, and read back.

Whether the SQL runs and restores every half-applied state is decided on a real MariaDB by
``tests/verify/test_partial_mysql.py``; here: the shapes, the quoting, and that the replay
(``prisma-down check``) reads our own output as the changes it came from.
"""

from __future__ import annotations

import pytest

from prisma_down.core import changes as ch
from prisma_down.core.analysis import Analyzer, replay
from prisma_down.core.compare import differences
from prisma_down.core.dialects.mysql.guard import literal, read_guarded, unquote
from prisma_down.core.dialects.mysql.overrides import index_key
from prisma_down.core.dialects.mysql.render import render, render_all
from prisma_down.core.read import read_statement
from prisma_down.core.schema import Column, Constraint, Index, IndexElement, Opaque, QName, Table
from prisma_down.core.statements import split
from tests.core.fixture_cases import load, names

USER = QName("", "User")
POST = QName("", "Post")


def _g(kind: str, *names: str, negated: bool = False) -> ch.Guard:
    return ch.Guard(kind, names, negated, "")  # "": the current database, DATABASE()


def _guarded(guard: ch.Guard, *changes: ch.Change) -> ch.Guarded:
    return ch.Guarded(guard, changes)


def _script(changes: list[ch.Change]) -> str:
    return "".join(sql + ";\n" for sql in render_all(changes))


def _read(script: str) -> list[ch.Change]:
    out: list[ch.Change] = []
    for st in split(script, "mysql").statements:
        reading = read_statement(st.text, "mysql")
        assert reading.problem is None, reading.problem
        out += reading.changes
    return [c for c in out if not isinstance(c, ch.SessionSetting)]


# -- quoting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain",
        "it's",
        "''",
        "\\",
        "a\\b",
        "\\\\a'b\\",
        "DEFAULT 'C:\\\\temp\\\\' COMMENT 'it''s'",
        "multi\nline\ttext",
        "ünïcödé ✓",
        "100% _like_",
        '"double"',
    ],
)
def test_literals_read_back_exactly(text: str) -> None:
    sql = f"SET @prisma_down := IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'T'), {literal(text)}, 'DO 0')"  # noqa: E501
    found = read_guarded(sql)
    assert found is not None and found[1] == text


def test_no_backslash_is_written_into_a_literal() -> None:
    """Under NO_BACKSLASH_ESCAPES a backslash is no escape: CHAR(92) means the same in both."""
    assert (
        literal("a\\\\b\\")
        == "CONCAT('a', CHAR(92, 92 USING utf8mb4), 'b', CHAR(92 USING utf8mb4))"
    )
    assert literal("it's") == "'it''s'"


def test_unquote_follows_mysql_escapes() -> None:
    assert unquote(r"'a\'b\\c\nd\%'") == "a'b\\c\nd\\%"
    assert unquote("'it''s'") == "it's"
    assert unquote('"say ""hi"""') == 'say "hi"'


# -- one guard of each kind ------------------------------------------------------------------


@pytest.mark.parametrize("negated", [False, True])
@pytest.mark.parametrize(
    ("guard", "view"),
    [
        (("table", "User"), "TABLES"),
        (("column", "User", "email"), "COLUMNS"),
        (("index", "User", "User_email_key"), "STATISTICS"),
        (("index", "User_email_key"), "STATISTICS"),
        (("constraint", "Post", "Post_authorId_fkey"), "TABLE_CONSTRAINTS"),
        (("object", "view", "PublishedPost"), "VIEWS"),
        (("object", "trigger", "Post_touch", "Post"), "TRIGGERS"),
        (("object", "function", "slugify"), "ROUTINES"),
        (("object", "event", "nightly"), "EVENTS"),
        (("schema", "app"), "SCHEMATA"),
    ],
)
def test_each_kind_reads_back(guard: tuple[str, ...], view: str, negated: bool) -> None:
    g = _g(guard[0], *guard[1:], negated=negated)
    drop = ch.DropColumn(USER, "x")
    script = _script([_guarded(g, drop)])
    assert f"information_schema.{view} " in script
    assert ("IF(NOT EXISTS" in script) is negated
    assert _read(script) == [_guarded(g, drop)]


def test_a_schema_reads_back() -> None:
    g = ch.Guard("table", ("User",), False, "app")
    script = _script([_guarded(g, ch.DropColumn(USER, "x"))])
    assert "TABLE_SCHEMA = 'app'" in script
    assert _read(script) == [_guarded(g, ch.DropColumn(USER, "x"))]


def test_the_whole_shape() -> None:
    script = _script([_guarded(_g("column", "User", "bio"), ch.DropColumn(USER, "bio"))])
    assert script == (
        "SET @prisma_down := IF(EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE "
        "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'User' AND COLUMN_NAME = 'bio'),\n"
        "    'ALTER TABLE `User` DROP COLUMN `bio`',\n"
        "    'DO 0');\n"
        "PREPARE prisma_down FROM @prisma_down;\n"
        "EXECUTE prisma_down;\n"
        "DEALLOCATE PREPARE prisma_down;\n"
    )


def test_kinds_mysql_does_not_have_are_refused() -> None:
    with pytest.raises(ValueError, match="no type"):
        render_all([_guarded(_g("type", "Role"), ch.DropColumn(USER, "role"))])
    with pytest.raises(ValueError, match="no object"):
        render_all([_guarded(_g("object", "policy", "p"), ch.DropColumn(USER, "role"))])


# -- MySQL's own IF [NOT] EXISTS ----------------------------------------------------------------


def _table() -> Table:
    col = Column("id", "INTEGER", None, True)
    return Table(POST, (col,), (Constraint("PRIMARY", "p", ("id",)),))


def test_tables_and_views_use_if_exists() -> None:
    ix = Index(index_key(POST, "Post_id_idx"), POST, (IndexElement("id"),))
    out = render_all(
        [
            _guarded(_g("table", "Post", negated=True), ch.CreateTable(_table())),
            _guarded(_g("index", "Post", "Post_id_idx", negated=True), ch.CreateIndex(ix)),
            _guarded(_g("table", "User"), ch.DropTable(USER)),
            _guarded(_g("object", "view", "V"), ch.DropObject("view", QName("", "V"))),
        ]
    )
    assert len(out) == 3  # the index inside CREATE TABLE: a missing table has no index
    assert out[0].startswith("CREATE TABLE IF NOT EXISTS `Post` (\n")
    assert "INDEX `Post_id_idx`(`id`)" in out[0]
    assert out[1:] == ["DROP TABLE IF EXISTS `User`", "DROP VIEW IF EXISTS `V`"]


def test_a_guard_on_something_else_is_checked_first() -> None:
    (set_, *_) = render_all([_guarded(_g("table", "Other"), ch.DropTable(USER))])
    assert set_.startswith("SET @prisma_down := IF(EXISTS (SELECT 1 FROM information_schema.TABLES")
    assert "'DROP TABLE `User`'" in set_


def test_triggers_and_routines_cannot_be_prepared() -> None:
    trigger = Opaque(
        "trigger",
        QName("", "Post_touch"),
        "CREATE DEFINER=`root`@`%` TRIGGER `Post_touch` BEFORE UPDATE ON `Post` "
        "FOR EACH ROW SET NEW.`updatedAt` = CURRENT_TIMESTAMP(3)",
        POST,
    )
    out = render_all(
        [
            _guarded(_g("object", "trigger", "Post_touch", negated=True), ch.CreateObject(trigger)),
            _guarded(_g("object", "function", "f"), ch.DropObject("function", QName("", "f"))),
        ]
    )
    assert out == [
        "CREATE DEFINER=`root`@`%` TRIGGER IF NOT EXISTS `Post_touch` BEFORE UPDATE ON `Post` "
        "FOR EACH ROW SET NEW.`updatedAt` = CURRENT_TIMESTAMP(3)",
        "DROP FUNCTION IF EXISTS `f`",
    ]


# -- one statement, one check ------------------------------------------------------------------


def test_guarded_clauses_make_one_alter_table() -> None:
    ix = Index(index_key(POST, "Post_a_idx"), POST, (IndexElement("a"),))
    changes: list[ch.Change] = [
        _guarded(_g("column", "Post", "a", negated=True), ch.AddColumn(POST, Column("a", "INT"))),
        _guarded(_g("index", "Post", "Post_a_idx"), ch.DropIndex(ix.name, table=POST)),
        _guarded(_g("index", "Post", "Post_a_idx", negated=True), ch.CreateIndex(ix)),
    ]
    script = _script(changes)
    assert script.count("SET @prisma_down") == 1 and script.count("ALTER TABLE") == 1
    # the index is checked once, as it is before the statement runs: it is there
    assert script.count("INDEX_NAME = 'Post_a_idx'") == 1
    assert "AND EXISTS (SELECT 1 FROM information_schema.STATISTICS" in script
    (read,) = _read(script)
    assert read == _guarded(
        _g("column", "Post", "a", negated=True),
        _guarded(
            _g("index", "Post", "Post_a_idx"),
            ch.AddColumn(POST, Column("a", "INT")),
            ch.DropIndex(ix.name, table=POST),
            ch.CreateIndex(ix),
        ),
    )


def test_checks_an_earlier_change_answers_are_left_out_or_split() -> None:
    """``core.guards`` decides each change after the ones before it; a statement checks first.

    ``b`` is checked for ``x`` missing, which the first change (making ``x``) answers No:
    together they would never run, so ``b`` gets a statement of its own.
    """
    x = Index(index_key(POST, "x"), POST, (IndexElement("a"),))
    b = Index(index_key(POST, "b"), POST, (IndexElement("a"),))
    out = render_all(
        [
            _guarded(_g("index", "Post", "x", negated=True), ch.CreateIndex(x)),
            _guarded(_g("index", "Post", "x", negated=True), ch.CreateIndex(b)),
        ]
    )
    assert len(out) == 8 and out[0].count("EXISTS") == out[4].count("EXISTS") == 1


def test_a_dropped_column_leaves_its_indexes_unknown() -> None:
    """DROP COLUMN shrinks or drops the indexes on it: a later index check waits for it."""
    out = render_all(
        [
            _guarded(_g("column", "Post", "a"), ch.DropColumn(POST, "a")),
            _guarded(_g("index", "Post", "i"), ch.DropIndex(index_key(POST, "i"), table=POST)),
        ]
    )
    checks = [sql.split(" WHERE ")[0] for sql in out if sql.startswith("SET")]
    assert checks == [
        "SET @prisma_down := IF(EXISTS (SELECT 1 FROM information_schema.COLUMNS",
        "SET @prisma_down := IF(EXISTS (SELECT 1 FROM information_schema.STATISTICS",
    ]


def test_an_auto_increment_column_and_its_key_stay_one_statement() -> None:
    """MySQL takes AUTO_INCREMENT only on a key: both clauses, both checks, one statement."""
    log = QName("", "Log")
    script = _script(
        [
            _guarded(
                _g("column", "Log", "id", negated=True),
                ch.AddColumn(log, Column("id", "INTEGER", None, True, identity="AUTO_INCREMENT")),
            ),
            _guarded(
                _g("constraint", "Log", "PRIMARY", negated=True),
                ch.AddConstraint(log, Constraint("PRIMARY", "p", ("id",))),
            ),
        ]
    )
    assert script.count("SET @prisma_down") == 1 and script.count("NOT EXISTS") == 2
    assert "AUTO_INCREMENT,\n    ADD PRIMARY KEY (`id`)'" in script


def test_a_foreign_key_dropped_and_added_again_is_two_checked_statements() -> None:
    fk = Constraint("Post_a_fkey", "f", ("a",), USER, ("id",))
    script = _script(
        [
            _guarded(_g("constraint", "Post", fk.name), ch.DropConstraint(POST, fk.name, kind="f")),
            _guarded(_g("constraint", "Post", fk.name, negated=True), ch.AddConstraint(POST, fk)),
        ]
    )
    assert script.count("SET @prisma_down") == 2
    first, second = script.split("DEALLOCATE PREPARE prisma_down;\n")[:2]
    assert "IF(EXISTS" in first and "DROP FOREIGN KEY `Post_a_fkey`" in first
    assert "IF(NOT EXISTS" in second and "ADD CONSTRAINT `Post_a_fkey`" in second


def test_unguarded_changes_render_as_before() -> None:
    plain: list[ch.Change] = [ch.DropColumn(USER, "a"), ch.DropColumn(USER, "b")]
    assert render_all(plain) == ["ALTER TABLE `User` DROP COLUMN `a`,\n    DROP COLUMN `b`"]


def test_one_guarded_change_renders_alone() -> None:
    text = render(_guarded(_g("column", "User", "a"), ch.DropColumn(USER, "a")))
    assert text.count(";\n") == 3 and not text.endswith(";")


# -- reading ---------------------------------------------------------------------------------


def test_the_plumbing_changes_nothing() -> None:
    for sql in (
        "PREPARE prisma_down FROM @prisma_down",
        "EXECUTE prisma_down",
        "DEALLOCATE PREPARE prisma_down",
        "deallocate  prepare prisma_down",
    ):
        assert read_statement(sql, "mysql").changes == (ch.SessionSetting(sql),)


def test_a_hand_written_guard_in_the_same_shape_is_read() -> None:
    sql = (
        "set @ddl = IF(not exists (select 1 from INFORMATION_SCHEMA.columns where "
        "table_schema = database() and table_name = 'T' and column_name = 'c'), "
        "'ALTER TABLE T ADD COLUMN c INT', 'SELECT 1')"
    )
    (change,) = read_statement(sql, "mysql").changes
    assert change == _guarded(
        _g("column", "T", "c", negated=True),
        ch.AddColumn(QName("", "T"), Column("c", "INT")),
    )


def test_other_dynamic_sql_is_still_not_trusted() -> None:
    (change,) = read_statement("EXECUTE stmt", "mysql").changes
    assert isinstance(change, ch.DataChange)
    assert read_statement("SET @x := 1", "mysql").changes == (ch.SessionSetting("SET @x := 1"),)


@pytest.mark.parametrize(
    "sql",
    [
        "SET @p := IF(EXISTS (SELECT 1 FROM information_schema.PARTITIONS WHERE "
        "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'T'), 'DROP TABLE `T`', 'DO 0')",
        "SET @p := IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE "
        "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'T'), 'DROP TABLE `T`', 'DROP TABLE `U`')",
        "SET @p := IF(EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE "
        "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'T'), 'DROP TABLE `T`', 'DO 0')",
        "SET @p := IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE "
        "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'T'), 'DROP TABLE', 'DO 0')",
        "SET @p := IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE "
        "TABLE_NAME = 'T'), 'DROP TABLE `T`', 'DO 0')",
    ],
    ids=["unknown-view", "other-branch", "missing-name", "broken-inner", "any-database"],
)
def test_a_broken_guard_is_a_problem_not_a_guess(sql: str) -> None:
    reading = read_statement(sql, "mysql")
    assert reading.problem is not None or isinstance(reading.changes[0], ch.Unsupported)


# -- the replay decides the guards as the server does ------------------------------------------


def test_replay_runs_only_what_holds() -> None:
    (setup,) = Analyzer("mysql").analyse(
        ["CREATE TABLE `User` (`id` INTEGER NOT NULL, `a` INTEGER NULL, PRIMARY KEY (`id`));"]
    )
    down = "".join(  # three up statements undone: three checks, each made when it runs
        _script([c])
        for c in (
            _guarded(_g("column", "User", "a"), ch.DropColumn(USER, "a")),
            _guarded(_g("column", "User", "b"), ch.DropColumn(USER, "b")),
            _guarded(_g("table", "Post", negated=True), ch.CreateTable(_table())),
        )
    )
    after = replay(down, "mysql", setup.after)
    assert all(not s.problems for s in after.steps)
    user = after.after.tables[USER]
    assert user.column("a") is None  # it was there: dropped; `b` was not: nothing happened
    assert POST in after.after.tables


@pytest.mark.parametrize("name", names("mysql"))
def test_generated_down_replays_to_the_schema_before(name: str) -> None:
    """``check`` reads our own guarded output back: down-does-not-restore stays quiet."""
    case = load(name, "mysql")
    analyzer = Analyzer("mysql")
    for up, down in zip(case.analyses, case.downs, strict=True):
        back = analyzer.replay_down(up, down)
        assert all(s.reading.problem is None and not s.problems for s in back.steps)
        assert differences(up.before, back.after) == []


@pytest.mark.parametrize("name", names("mysql"))
def test_every_prefix_replays_to_the_schema_before(name: str) -> None:
    """The catalog's view of a half-applied migration: the first k statements, then down.sql.

    The same trials as ``tests/verify/test_partial_mysql.py`` on MariaDB, decided by
    ``catalog.holds`` instead of the server: the two must agree for ``check`` to be right.
    """
    case = load(name, "mysql")
    for migration, up, down in zip(case.history.migrations, case.analyses, case.downs, strict=True):
        texts = [st.text for st in split(migration.up.text, "mysql").statements]
        for k in range(len(texts) + 1):
            part = replay("".join(t + ";\n" for t in texts[:k]), "mysql", up.before)
            back = replay(down, "mysql", part.after)
            where = f"{migration.name} after {k} of {len(texts)} statements"
            assert not [p for s in back.steps for p in s.problems], where
            assert differences(up.before, back.after) == [], where
