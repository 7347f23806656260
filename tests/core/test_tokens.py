"""The PostgreSQL fast tokenizer gives exactly sqlglot's tokens, and data statements in
their plain shapes are read without sqlglot at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from prisma_down.core import changes as ch
from prisma_down.core.read import read_statement
from prisma_down.core.read.tokens import ReadError, _pg_fast, sqlglot_tokens, tokenize
from prisma_down.core.statements import split
from tests.core.fixture_cases import FIXTURES

CORPUS = Path(os.environ.get("PRISMA_DOWN_CORPUS", "/work/shared/corpus"))


def _statements() -> list[str]:
    roots = [CORPUS / "postgresql", FIXTURES / "postgres", FIXTURES / "cockroachdb"]
    files = [f for root in roots for f in sorted(root.glob("**/*.sql")) if f.is_file()]
    return [
        st.text
        for f in files
        for st in split(f.read_text(encoding="utf-8", errors="replace"), "postgres").statements
    ]


def test_fast_tokens_are_sqlglots_on_every_corpus_statement() -> None:
    if not (CORPUS / "postgresql").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the PostgreSQL corpus is missing: {CORPUS / 'postgresql'}")
        pytest.skip(f"no corpus at {CORPUS}")
    texts = _statements()
    fast = 0
    for text in texts:
        mine = _pg_fast(text)
        if mine is None:
            continue
        fast += 1
        try:
            theirs = sqlglot_tokens(text, "postgres")
        except ReadError:
            pytest.fail(f"fast path read what sqlglot cannot tokenize: {text[:120]!r}")
        assert mine == theirs, text[:200]
    print(f"\n{fast}/{len(texts)} statements on the fast path, all equal to sqlglot's tokens")
    assert len(texts) > 5000
    assert fast / len(texts) > 0.99, "the fast path must carry real histories"


@pytest.mark.parametrize(
    "text",
    [
        "SELECT $1",  # a parameter, not a dollar quote
        "SELECT 'a\\'b'",  # sqlglot reads a backslash-escaped quote
        "SELECT café",  # non-ASCII word
        "SELECT a !~ 'x'",  # operators the fast path does not know
        "SELECT /* outer /* inner */ */ 1",  # nested comment
        "SELECT $tag$ never closed",
        "SELECT 1e",
    ],
)
def test_unusual_statements_go_to_sqlglot_and_come_back_the_same(text: str) -> None:
    assert _pg_fast(text) is None
    try:
        expected = sqlglot_tokens(text, "postgres")
    except ReadError:
        with pytest.raises(ReadError):
            tokenize(text, "postgres")
        return
    assert tokenize(text, "postgres") == expected


def test_a_line_comment_ends_at_a_carriage_return_on_both_paths() -> None:
    """As PostgreSQL (scan.l) and sqlglot read it, and as the splitter cuts statements: the
    fast path read ``-- c⏎, b INT`` (a lone CR) as one comment, and lost a column."""
    text = "CREATE TABLE a (\r  id INT -- c\r, b INT\r)"
    fast = _pg_fast(text)
    assert fast is not None
    assert fast == sqlglot_tokens(text, "postgres")
    assert [t.text for t in fast][-4:] == [",", "b", "INT", ")"]


def test_plain_ddl_and_backfills_never_import_sqlglot(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from prisma_down.core.analysis import Analyzer\n"
        "Analyzer('postgres').analyse([sys.stdin.read()])\n"
        "print('sqlglot' in sys.modules)\n"
    )
    up = (
        'CREATE TABLE "User" ("id" SERIAL NOT NULL, "email" TEXT, '
        'CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n'
        'UPDATE "User" SET "email" = lower("email") WHERE "email" ~ \'\\d\';\n'
        'DELETE FROM "User" WHERE "id" > 10;\n'
        'WITH gone AS (DELETE FROM "User" RETURNING "id") SELECT count(*) FROM gone;\n'
        'INSERT INTO "User" ("id", "email") VALUES (1, \'a@b.c\');\n'
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], input=up, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "False"


_FIRST_SQLGLOT_USE_IN_THREADS = """
import threading
from prisma_down.core.read import read_statement
# half-typed statements: read_statement falls back to sqlglot (tokens, or a parse)
texts = [
    ('CREATE TABLE "a" ("x" int', "postgres"),
    ('CREATE TABLE "a" ("x" int', "cockroachdb"),
    ("CREATE TABLE `a` (`x` int", "mysql"),
    ('CREATE TABLE "a" ("x" int', "sqlite"),
    ("CREATE TABLE [a] ([x] int", "tsql"),
]
barrier = threading.Barrier(len(texts))
errors = []
def read(text, dialect):
    barrier.wait()
    try:
        read_statement(text, dialect)
    except BaseException as e:
        errors.append(repr(e))
threads = [threading.Thread(target=read, args=t) for t in texts]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(errors)
"""


def test_threads_reaching_sqlglot_first_at_once_all_read() -> None:
    """The language server analyses two migrations folders in two threads: the first
    statements needing sqlglot, at once, met a half-imported sqlglot (_DeadlockError or
    ImportError, 8 runs in 10) and the whole folder went unanalysed. Each run is a fresh
    interpreter: sqlglot is imported once per process."""
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _FIRST_SQLGLOT_USE_IN_THREADS],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    outs = [run.communicate(timeout=120) for run in runs]
    assert [out for out, _ in outs] == ["[]\n"] * len(runs), outs


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('UPDATE "User" SET "a" = 1', "UPDATE overwrites"),
        ('UPDATE ONLY "User" AS u SET "a" = u."b" WHERE u."id" = 1', "UPDATE overwrites"),
        ('DELETE FROM "public"."User" WHERE "id" = 1', "DELETE removes"),
        ('TRUNCATE TABLE "User"', "TRUNCATE removes"),
        ('INSERT INTO "U" ("id") SELECT "id" FROM "Old" ON CONFLICT DO NOTHING', "INSERT of rows"),
        ('WITH x AS (SELECT 1) UPDATE "User" SET "a" = 1', "UPDATE overwrites"),
        ('WITH x AS (DELETE FROM "User" RETURNING *) SELECT * FROM x', "DELETE removes"),
    ],
)
def test_plain_data_statements(text: str, says: str) -> None:
    reading = read_statement(text, "postgres")
    assert reading.problem is None
    (change,) = reading.changes
    assert isinstance(change, ch.DataChange) and change.what.startswith(says)


@pytest.mark.parametrize(
    "text",
    ['UPDATE "User" SET "a" =', 'DELETE FROM "User" WHERE (', 'UPDATE "User" SET "a" = ("b"'],
)
def test_half_typed_data_statements_are_still_unreadable(text: str) -> None:
    reading = read_statement(text, "postgres")
    assert reading.problem is not None
