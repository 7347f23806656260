"""The rows verify puts in the tables, and what it concludes from them, on the real engines.

Each test holds a small history written here: one down.sql that is right on empty tables
but not on rows must be caught (with ``--empty`` it passes); a stop halfway must be told from
a clean one (PostgreSQL inside the file's transaction, MariaDB where every DDL commits,
SQLite); ``loses-data`` steps report what they lost; every column type gets values.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from prisma_down.core.history import load_history
from prisma_down.verify.command import verify
from prisma_down.verify.fill import ROWS, fill
from prisma_down.verify.mariadb import MariaDBServer
from prisma_down.verify.postgres import PostgresServer
from prisma_down.verify.postgres_rows import ENGINE as PG_ROWS
from prisma_down.verify.roundtrip import Verdict
from prisma_down.verify.withrows import STOPPED_CLEAN, STOPPED_HALFWAY
from tests.verify.histories import write

PG_INIT = """CREATE TYPE "Kind" AS ENUM ('a', 'b');
CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "email" TEXT NOT NULL,
  "kind" "Kind" NOT NULL DEFAULT 'a', "age" INTEGER, "bio" TEXT, "nick" TEXT NOT NULL);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
CREATE TABLE "Post" ("id" SERIAL PRIMARY KEY, "title" TEXT,
  "userId" INTEGER NOT NULL REFERENCES "User"("id") ON DELETE CASCADE);
"""
PG_INIT_DOWN = 'DROP TABLE "Post";\nDROP TABLE "User";\nDROP TYPE "Kind";\n'


def _pg(
    tmp_path: Path, url: str, migrations: dict[str, tuple[str, str | None]], empty: bool = False
) -> dict[str, Verdict]:
    root = write(tmp_path / f"h{len(list(tmp_path.iterdir()))}", "postgres", migrations)
    history = load_history(root)
    return {v.name: v for v in verify(history, database_url=url, reuse=True, empty=empty)}


@pytest.fixture
def pg_url(pg_server: PostgresServer, pg_db: str) -> str:
    return pg_server.url(pg_db)


def test_postgres_rows_go_in_and_a_loses_data_step_says_what_it_lost(
    tmp_path: Path, pg_url: str
) -> None:
    got = _pg(
        tmp_path,
        pg_url,
        {
            "1_init": (PG_INIT, PG_INIT_DOWN),
            "2_drop": ('ALTER TABLE "Post" DROP COLUMN "title";', None),
        },
    )
    # no down.sql for 2_drop yet: generate it as a user would
    assert got["2_drop"].status == "no-down"
    root = tmp_path / "h0"
    from prisma_down.cli import main

    assert main(["generate", str(root)]) == 0
    got = {v.name: v for v in verify(load_history(root), database_url=pg_url, reuse=True)}
    v = got["2_drop"]
    assert v.status == "restored", v
    assert v.rows is not None
    inserted = dict(v.rows.inserted)
    assert inserted['"User"'] >= ROWS and inserted['"Post"'] >= ROWS
    assert v.rows.refused == ()
    assert v.rows.compared == 1  # "User": no step touched it; "Post" lost a column
    (lost,) = v.rows.lost
    assert re.fullmatch(
        r'\d+ values? of column "Post"\."title" differ: \'\w+\' before, NULL after', lost
    )


def test_postgres_rows_of_an_exact_table_must_come_back(tmp_path: Path, pg_url: str) -> None:
    """A down.sql that empties a table it should not is caught with rows, not without."""
    bad = {
        "1_init": (PG_INIT, PG_INIT_DOWN),
        "2_index": (
            'CREATE INDEX "Post_userId_idx" ON "Post"("userId");',
            'DROP INDEX "Post_userId_idx";\nDELETE FROM "Post";\n',
        ),
    }
    assert _pg(tmp_path, pg_url, bad, empty=True)["2_index"].status == "restored"
    v = _pg(tmp_path, pg_url, bad)["2_index"]
    assert v.status == "mismatch"
    assert v.differences[0].startswith('rows of "Post": ')
    assert v.differences[0].endswith(" before, 0 after")


_TWO_COLUMNS = 'ALTER TABLE "User" DROP COLUMN "bio";\nALTER TABLE "User" DROP COLUMN "nick";\n'
_BACK = (
    'ALTER TABLE "User" ADD COLUMN "bio" TEXT;\n'
    'ALTER TABLE "User" ADD COLUMN "nick" TEXT NOT NULL;\n'
)
_NEXT = ('ALTER TABLE "Post" ADD COLUMN "x" INTEGER;', 'ALTER TABLE "Post" DROP COLUMN "x";')


def test_postgres_a_stop_halfway_is_told_from_a_clean_stop(tmp_path: Path, pg_url: str) -> None:
    """The NOT NULL column put back on a table with rows: psql without a transaction stops
    after the first statement; inside the file's BEGIN … COMMIT nothing stays."""
    plain = {"1_init": (PG_INIT, PG_INIT_DOWN), "2_drop": (_TWO_COLUMNS, _BACK), "3_x": _NEXT}
    assert [v.status for v in _pg(tmp_path, pg_url, plain, empty=True).values()] == ["restored"] * 3
    got = _pg(tmp_path, pg_url, plain)
    v = got["2_drop"]
    assert v.status == STOPPED_HALFWAY
    assert v.error is not None and 'column "nick" of relation "User" contains null values' in (
        v.error
    )
    assert "line 2" in v.error  # the statement that failed, placed in the whole file
    assert v.differences == ('where down.sql stopped: column "User"."bio" was not there before',)
    assert got["3_x"].status == "restored"  # the history was rebuilt under the next one

    wrapped = dict(plain, **{"2_drop": (_TWO_COLUMNS, f"BEGIN;\n{_BACK}COMMIT;\n")})
    got = _pg(tmp_path, pg_url, wrapped)
    v = got["2_drop"]
    assert (v.status, v.differences) == (STOPPED_CLEAN, ())
    assert v.error is not None and "contains null values" in v.error and "line 3" in v.error
    assert got["3_x"].status == "restored"


_EVERY_TYPE = """CREATE EXTENSION IF NOT EXISTS citext;
CREATE TYPE "Mood" AS ENUM ('happy', 'sad', 'it''s');
CREATE DOMAIN "Positive" AS INTEGER CHECK (VALUE > 0);
CREATE TABLE "Every" (
  "id" BIGSERIAL PRIMARY KEY,
  "ident" INTEGER GENERATED ALWAYS AS IDENTITY,
  "small" SMALLINT NOT NULL, "big" BIGINT, "price" DECIMAL(10,2) NOT NULL,
  "ratio" DOUBLE PRECISION, "real" REAL, "name" VARCHAR(5) NOT NULL, "code" CHAR(3),
  "body" TEXT NOT NULL DEFAULT 'x', "flag" BOOLEAN NOT NULL, "day" DATE,
  "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "atz" TIMESTAMPTZ, "clock" TIME,
  "clocktz" TIMETZ, "span" INTERVAL, "uid" UUID NOT NULL, "doc" JSONB NOT NULL, "raw" JSON,
  "tags" TEXT[], "nums" INTEGER[] NOT NULL, "moods" "Mood"[], "blob" BYTEA,
  "mood" "Mood" NOT NULL, "bits" BIT(4), "vbits" VARBIT(8), "ip" INET, "net" CIDR,
  "mac" MACADDR, "cash" MONEY, "search" TSVECTOR, "x" XML, "p" POINT, "r" INT4RANGE,
  "tr" TSTZRANGE, "pos" "Positive" NOT NULL,
  "state" TEXT NOT NULL CHECK ("state" IN ('on', 'off')), "ci" CITEXT,
  "twice" INTEGER GENERATED ALWAYS AS ("small" * 2) STORED,
  "parentId" BIGINT REFERENCES "Every"("id"),
  UNIQUE ("small", "name")
);
CREATE TABLE "A" ("id" TEXT PRIMARY KEY, "bId" TEXT);
CREATE TABLE "B" ("id" TEXT PRIMARY KEY, "aId" TEXT NOT NULL REFERENCES "A"("id"));
ALTER TABLE "A" ADD FOREIGN KEY ("bId") REFERENCES "B"("id");
CREATE TABLE "One" ("id" SERIAL PRIMARY KEY,
  "everyId" BIGINT NOT NULL UNIQUE REFERENCES "Every"("id"));
CREATE TABLE "Pair" ("a" INTEGER NOT NULL, "b" TEXT NOT NULL, PRIMARY KEY ("a", "b"));
"""


def test_postgres_every_column_type_gets_rows(tmp_path: Path, pg_url: str) -> None:
    """Types, enum labels, a domain's CHECK, a CHECK's list, identity and generated
    columns, a self reference, a cycle of foreign keys, a one-to-one reference and a
    composite key: every table gets its rows, none refused, and all of them come back."""
    got = _pg(
        tmp_path,
        pg_url,
        {
            "1_types": (_EVERY_TYPE, None),
            "2_index": (
                'CREATE INDEX "Every_day_idx" ON "Every"("day");',
                'DROP INDEX "Every_day_idx";',
            ),
        },
    )
    v = got["2_index"]
    assert v.status == "restored", got
    assert v.rows is not None and v.rows.refused == ()
    inserted = dict(v.rows.inserted)
    assert set(inserted) == {'"Every"', '"A"', '"B"', '"One"', '"Pair"'}
    assert all(n >= ROWS for n in inserted.values()), inserted
    assert v.rows.compared == 5


def test_postgres_rows_are_the_same_on_every_run(pg_server: PostgresServer) -> None:
    """Seeded by the migration's name: two databases filled alike hold the same rows."""
    seen = []
    for db in ("rows_det_a", "rows_det_b"):
        with pg_server.database(db), pg_server.connect(db) as conn:
            assert pg_server.apply(conn, PG_INIT) is None
            report = fill(conn, PG_ROWS, PG_ROWS.tables(conn), "2_drop")
            assert report.refused == {}
            seen.append(PG_ROWS.rows(conn))
    assert seen[0] == seen[1]
    assert all(r.count >= ROWS for r in seen[0].values())


# -- MariaDB: every DDL statement commits on its own -----------------------------------------

MY_INIT = (
    "CREATE TABLE `User` (`id` INTEGER NOT NULL AUTO_INCREMENT, `email` VARCHAR(191) NOT NULL,"
    " `kind` ENUM('a', 'b') NOT NULL DEFAULT 'a', UNIQUE INDEX `User_email_key`(`email`),"
    " PRIMARY KEY (`id`)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
)
MY_UP = (
    "ALTER TABLE `User` ADD COLUMN `bio` TEXT NULL;\n"
    "ALTER TABLE `User` MODIFY `kind` ENUM('a', 'b', 'c') NOT NULL DEFAULT 'a';\n"
    "UPDATE `User` SET `kind` = 'c';\n"
)
MY_DROP = "ALTER TABLE `User` DROP COLUMN `bio`;\n"
MY_ENUM = "ALTER TABLE `User` MODIFY `kind` ENUM('a', 'b') NOT NULL DEFAULT 'a';\n"


def _my(
    tmp_path: Path, server: MariaDBServer, down: str, empty: bool = False
) -> dict[str, Verdict]:
    root = write(
        tmp_path / f"h{len(list(tmp_path.iterdir()))}",
        "mysql",
        {"1_init": (MY_INIT, "DROP TABLE `User`;\n"), "2_kind": (MY_UP, down)},
    )
    name = f"rows_{tmp_path.name[-8:]}_{len(list(tmp_path.iterdir()))}".replace("-", "_")
    with server.database(name):
        found = verify(load_history(root), database_url=server.url(name), empty=empty)
    return {v.name: v for v in found}


def test_mariadb_an_enum_label_removed_while_rows_hold_it(
    tmp_path: Path, mariadb: MariaDBServer
) -> None:
    """Right on empty tables; with rows the label's removal fails after the column's drop
    committed (halfway), or first, before any change (clean)."""
    assert _my(tmp_path, mariadb, MY_DROP + MY_ENUM, empty=True)["2_kind"].status == "restored"
    v = _my(tmp_path, mariadb, MY_DROP + MY_ENUM)["2_kind"]
    assert v.status == STOPPED_HALFWAY, v
    assert v.error is not None and "kind" in v.error
    assert v.differences == ("where down.sql stopped: column `User`.`bio` is missing",)
    v = _my(tmp_path, mariadb, MY_ENUM + MY_DROP)["2_kind"]
    assert (v.status, v.differences) == (STOPPED_CLEAN, ()), v


# -- SQLite ----------------------------------------------------------------------------------

LITE_INIT = (
    'CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, '
    '"email" TEXT NOT NULL, "bio" TEXT, "nick" TEXT NOT NULL);\n'
)
LITE_UP = 'ALTER TABLE "User" DROP COLUMN "bio";\nALTER TABLE "User" DROP COLUMN "nick";\n'
LITE_BACK = (
    'ALTER TABLE "User" ADD COLUMN "bio" TEXT;\n'
    'CREATE TABLE "new_User" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, '
    '"email" TEXT NOT NULL, "bio" TEXT, "nick" TEXT NOT NULL);\n'
    'INSERT INTO "new_User" ("id", "email", "bio") SELECT "id", "email", "bio" FROM "User";\n'
    'DROP TABLE "User";\nALTER TABLE "new_User" RENAME TO "User";\n'
)


def _lite(tmp_path: Path, down: str, empty: bool = False) -> Verdict:
    root = write(
        tmp_path / f"h{len(list(tmp_path.iterdir()))}",
        "sqlite",
        {"1_init": (LITE_INIT, 'DROP TABLE "User";\n'), "2_drop": (LITE_UP, down)},
    )
    return verify(load_history(root), empty=empty)[1]


def test_sqlite_a_redefinition_that_meets_rows(tmp_path: Path) -> None:
    """The NOT NULL column copied from nowhere: fine on empty tables, halfway with rows
    (the added column and the new table stay), clean inside the file's transaction."""
    assert _lite(tmp_path, LITE_BACK, empty=True).status == "restored"
    v = _lite(tmp_path, LITE_BACK)
    assert v.status == STOPPED_HALFWAY, v
    assert v.error is not None and "NOT NULL constraint failed: new_User.nick" in v.error
    assert v.differences == (
        'where down.sql stopped: column "User"."bio" was not there before',
        'where down.sql stopped: table "new_User" was not there before',
    )
    v = _lite(tmp_path, f"BEGIN;\n{LITE_BACK}COMMIT;\n")
    assert (v.status, v.differences) == (STOPPED_CLEAN, ()), v
