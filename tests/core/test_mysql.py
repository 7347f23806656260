"""MySQL / MariaDB fixture folders, and what the engine makes of MySQL's own habits.

``PRISMA_DOWN_UPDATE_FIXTURES=1 pytest tests/core/test_mysql.py`` (re)writes every
``expected.down.sql`` under ``fixtures/mysql``; whether each is *right* is decided on a real
MariaDB by ``tests/verify/test_mysql_roundtrip.py``.
"""

from __future__ import annotations

import pytest

from prisma_down.core import changes as ch
from prisma_down.core.dialects.mysql.overrides import index_key
from prisma_down.core.inverse import Risk
from prisma_down.core.read import read_statement
from prisma_down.core.schema import QName
from tests.core.fixture_cases import (
    Case,
    assert_every_statement_fits,
    assert_expected,
    load,
    names,
)

CASES = names("mysql")


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest) -> Case:
    return load(request.param, "mysql")


def test_there_are_cases() -> None:
    assert len(CASES) >= 20


def test_expected_down(case: Case) -> None:
    assert_expected(case)


def test_every_statement_fits(case: Case) -> None:
    assert_every_statement_fits(case)


# -- reading -------------------------------------------------------------------------------


def _changes(sql: str) -> tuple[ch.Change, ...]:
    reading = read_statement(sql, "mysql")
    assert reading.problem is None, reading.problem
    return reading.changes


def test_multi_clause_alter_table() -> None:
    changes = _changes(
        "ALTER TABLE `Post` DROP FOREIGN KEY `Post_a_fkey`,\n    DROP INDEX `Post_a_idx`,\n"
        "    MODIFY `title` VARCHAR(255) NOT NULL, RENAME INDEX `x` TO `y`, DROP PRIMARY KEY"
    )
    post = QName("", "Post")
    assert [type(c) for c in changes] == [
        ch.DropConstraint,
        ch.DropIndex,
        ch.ReplaceColumn,
        ch.RenameIndex,
        ch.DropConstraint,
    ]
    assert changes[0] == ch.DropConstraint(post, "Post_a_fkey", kind="f")
    assert changes[1] == ch.DropIndex(index_key(post, "Post_a_idx"), table=post)
    assert changes[4] == ch.DropConstraint(post, "PRIMARY", kind="p")


def test_column_keeps_every_attribute_verbatim() -> None:
    (change,) = _changes(
        "ALTER TABLE `t` MODIFY `s` VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin "
        "NOT NULL DEFAULT 'a' ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'x' AFTER `id`"
    )
    assert isinstance(change, ch.ReplaceColumn)
    col = change.new
    assert (col.type, col.collate, col.default, col.not_null) == (
        "VARCHAR(10)",
        "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        "'a'",
        True,
    )
    assert col.options == "ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'x'"


def test_rename_table_statement() -> None:
    assert _changes("RENAME TABLE `a` TO `b`, `c` TO `d`") == (
        ch.RenameTable(QName("", "a"), QName("", "b")),
        ch.RenameTable(QName("", "c"), QName("", "d")),
    )


def test_index_names_are_per_table() -> None:
    (a,) = _changes("CREATE INDEX `idx` ON `a`(`x`)")
    (b,) = _changes("CREATE INDEX `idx` ON `b`(`x`)")
    assert isinstance(a, ch.CreateIndex) and isinstance(b, ch.CreateIndex)
    assert a.index.name != b.index.name


# -- what MySQL does by itself ---------------------------------------------------------------


def test_foreign_key_gets_and_leaves_its_index() -> None:
    case = load("drop_foreign_key_keeps_index", "mysql")
    post = QName("", "Post")
    before, after = case.last.before, case.last.after
    assert before.index(index_key(post, "Post_authorId_fkey")) is not None
    assert after.index(index_key(post, "Post_authorId_fkey")) is not None  # the key went, not it
    assert "DROP INDEX" not in case.body
    create = load("create_tables_and_foreign_keys", "mysql").body
    assert "DROP FOREIGN KEY `Post_authorId_fkey`,\n    DROP INDEX `Post_authorId_fkey`'" in create


def test_covering_index_swallows_the_implicit_one() -> None:
    case = load("index_replaces_foreign_key_index", "mysql")
    post = QName("", "Post")
    assert case.last.after.index(index_key(post, "Post_authorId_fkey")) is None
    body = case.body  # the key is dropped and added again: the server re-creates its index
    drop = body.index("DROP FOREIGN KEY `Post_authorId_fkey`")
    assert drop < body.index("DROP INDEX `Post_authorId_updatedAt_idx`")
    assert body.index("ADD CONSTRAINT `Post_authorId_fkey`") > drop


def test_drop_column_shrinks_indexes() -> None:
    case = load("drop_column_with_indexes", "mysql")
    post = QName("", "Post")
    shrunk = case.last.after.index(index_key(post, "Post_title_published_idx"))
    assert shrunk is not None and [e.column for e in shrunk.elements] == ["title"]
    assert case.last.after.index(index_key(post, "Post_published_idx")) is None


def test_one_alter_table_undoes_one_alter_table() -> None:
    body = load("modify_auto_increment_and_primary_key", "mysql").body
    assert body.count("\nALTER TABLE") == 1
    assert "DROP PRIMARY KEY" in body and "ADD PRIMARY KEY (`id`)" in body
    assert "MODIFY `id` INTEGER NOT NULL AUTO_INCREMENT" in body


def test_modify_restores_the_whole_previous_column() -> None:
    body = load("modify_column_full_definition", "mysql").body
    assert "MODIFY `views` INTEGER NULL DEFAULT 0 COMMENT 'page views'" in body
    assert "MODIFY `slug` VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL" in body
    assert "MODIFY `editedAt` DATETIME(3) NULL ON UPDATE CURRENT_TIMESTAMP(3)" in body


def test_enum_risks() -> None:
    case = load("modify_enum_values", "mysql")
    widened, narrowed = (a.steps[0].risk for a in case.analyses[1:])
    assert widened is Risk.LOSES_DATA  # EDITOR rows written since do not fit back
    assert narrowed is Risk.EXACT  # every value written since fits the longer list
    assert "MODIFY `role` ENUM('USER', 'EDITOR', 'ADMIN') NOT NULL DEFAULT 'USER'" in case.body


def test_data_statements() -> None:
    case = load("insert_rows_and_update", "mysql")
    assert "DELETE FROM `User` WHERE `email` IN ('admin@example.com', 'bot@example.com');" in (
        case.body
    )
    assert "-- irreversible (up statement at line 5): UPDATE" in case.body
