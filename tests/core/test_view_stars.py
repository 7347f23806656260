"""core.view_stars: which columns a view's ``*`` meant when the view was created.

Whether the spelled-out view is what PostgreSQL really keeps is decided on a real server by
the fixture ``view_star_after_table_grew`` (tests/verify) and langfuse's views (corpus).
"""

from __future__ import annotations

import pytest

from prisma_down.core.analysis import replay
from prisma_down.core.catalog import Catalog
from prisma_down.core.changes import CreateObject
from prisma_down.core.schema import QName
from prisma_down.core.view_stars import expand

TABLES = """
CREATE TABLE "Post" ("id" INTEGER NOT NULL, "title" TEXT NOT NULL, "authorId" INTEGER);
CREATE TABLE "User" ("id" INTEGER NOT NULL, "email" TEXT NOT NULL);
"""


def catalog(sql: str = TABLES, dialect: str = "postgres") -> Catalog:
    return replay(sql, dialect, Catalog(dialect=dialect)).after


def spelled(sql: str, cat: Catalog) -> str | None:
    found = expand(sql, cat)
    return found.text if found is not None else None


def test_qualified_star_is_spelled_out_with_its_alias() -> None:
    sql = (
        'CREATE VIEW v AS SELECT p.*, u."email" '
        'FROM "Post" p JOIN "User" u ON u."id" = p."authorId"'
    )
    assert spelled(sql, catalog()) == (
        'CREATE VIEW v AS SELECT p."id", p."title", p."authorId", u."email" '
        'FROM "Post" p JOIN "User" u ON u."id" = p."authorId"'
    )


def test_star_qualified_by_the_table_name_and_schema() -> None:
    sql = 'CREATE VIEW v AS SELECT "User".* FROM public."User"'
    assert (
        spelled(sql, catalog())
        == 'CREATE VIEW v AS SELECT "User"."id", "User"."email" FROM public."User"'
    )


def test_bare_star_over_one_table() -> None:
    sql = 'CREATE VIEW v AS SELECT * FROM "User" WHERE "id" > 0'
    assert (
        spelled(sql, catalog())
        == 'CREATE VIEW v AS SELECT "id", "email" FROM "User" WHERE "id" > 0'
    )


def test_star_inside_a_lateral_subquery_is_read_too() -> None:
    sql = (
        'CREATE VIEW v AS SELECT p."id", x."email" FROM "Post" p '
        'LEFT JOIN LATERAL (SELECT "User".* FROM "User" WHERE "User"."id" = p."authorId") x ON true'
    )
    out = spelled(sql, catalog())
    assert out is not None
    assert '(SELECT "User"."id", "User"."email" FROM "User"' in out


@pytest.mark.parametrize(
    "sql",
    [
        # x names a subquery, not a table
        'CREATE VIEW v AS SELECT x.* FROM (SELECT "id" FROM "User") x',
        # c names a CTE
        'CREATE VIEW v AS WITH c AS (SELECT "id" FROM "User") SELECT c.* FROM c',
        # o is two different things in two scopes: ambiguous, left as written
        'CREATE VIEW v AS WITH m AS (SELECT o."id" FROM "Post" o) '
        'SELECT o.* FROM "User" o JOIN m ON true',
        # a table the history does not know
        'CREATE VIEW v AS SELECT t.* FROM "Missing" t',
        # bare star over a join: which columns come first is not ours to guess
        'CREATE VIEW v AS SELECT * FROM "Post" JOIN "User" ON true',
        # no star at all; count(*) is not one
        'CREATE VIEW v AS SELECT count(*) FROM "Post"',
    ],
)
def test_left_alone_when_not_certain(sql: str) -> None:
    assert spelled(sql, catalog()) is None


def test_sqlite_keeps_star_as_text() -> None:
    # SQLite expands * when the view is queried, so the text is already right
    cat = catalog('CREATE TABLE "User" ("id" INTEGER, "email" TEXT);', "sqlite")
    assert spelled('CREATE VIEW v AS SELECT u.* FROM "User" u', cat) is None


def test_mysql_quotes_with_backticks() -> None:
    cat = catalog("CREATE TABLE `User` (`id` INTEGER NOT NULL, `email` VARCHAR(191));", "mysql")
    assert spelled("CREATE VIEW v AS SELECT u.* FROM `User` u", cat) == (
        "CREATE VIEW v AS SELECT u.`id`, u.`email` FROM `User` u"
    )


def test_catalog_keeps_the_columns_of_the_day_and_the_inverse_uses_them() -> None:
    history = TABLES + 'CREATE VIEW "V" AS SELECT p.* FROM "Post" p;'
    cat = catalog(history)
    view = cat.object("view", QName("", "V"))
    assert view is not None and view.expanded is not None
    grown = replay('ALTER TABLE "Post" ADD COLUMN "slug" TEXT;', "postgres", cat)
    down = replay('DROP VIEW "V";', "postgres", grown.after).steps[0].inverses[0]
    (create,) = [c for c in down.changes if isinstance(c, CreateObject)]
    assert '"slug"' not in create.object.sql
    assert 'p."title"' in create.object.sql


def test_inverse_keeps_the_authors_text_when_nothing_changed() -> None:
    cat = catalog(TABLES + 'CREATE VIEW "V" AS SELECT p.* FROM "Post" p;')
    down = replay('DROP VIEW "V";', "postgres", cat).steps[0].inverses[0]
    (create,) = [c for c in down.changes if isinstance(c, CreateObject)]
    assert "p.*" in create.object.sql


def test_a_column_renamed_since_keeps_the_authors_text() -> None:
    """The spelled-out list would name a column that is gone: the original text runs."""
    cat = catalog(TABLES + 'CREATE VIEW "V" AS SELECT p.* FROM "Post" p;')
    view = cat.object("view", QName("", "V"))
    assert view is not None and view.expanded is not None
    assert view.expanded.columns == ((QName("", "Post"), ("id", "title", "authorId")),)
    grown = replay(
        'ALTER TABLE "Post" RENAME COLUMN "title" TO "headline";'
        'ALTER TABLE "Post" ADD COLUMN "slug" TEXT;',
        "postgres",
        cat,
    )
    down = replay('DROP VIEW "V";', "postgres", grown.after).steps[0].inverses[0]
    (create,) = [c for c in down.changes if isinstance(c, CreateObject)]
    assert "p.*" in create.object.sql
