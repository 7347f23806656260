"""What the faster reading of down.sql must keep: the same statements, the same tokens, and
nothing of a history kept alive by reading one statement."""

from __future__ import annotations

import gc
import weakref

import pytest

from prisma_down.core.read import read_statement
from prisma_down.core.read.do_block import read as read_do
from prisma_down.core.read.tokens import Cursor, _pg_fast
from prisma_down.core.statements import split


class _Sentinel:
    pass


def _read_in_a_frame(text: str) -> weakref.ref[_Sentinel]:
    here = _Sentinel()  # a local of the caller: reachable only through this frame
    read_statement(text, "postgres")
    return weakref.ref(here)


@pytest.mark.parametrize(
    "text",
    [
        "INSERT INTO t VALUES (1)",  # not DDL: the reader gives up and the data reader reads it
        "UPDATE t SET a = 1",
        "SELECT 1",
    ],
)
def test_reading_a_statement_keeps_no_caller_alive(text: str) -> None:
    # The PostgreSQL reader raised one module-level exception instance for "not DDL"; its
    # traceback (frames, and every caller's locals through f_back) lived on in it, so a whole
    # analysed history stayed in memory until exit and the collector scanned it there.
    enabled = gc.isenabled()
    gc.disable()  # freed by reference counting alone, not by a collection that may not run
    try:
        ref = _read_in_a_frame(text)
        assert ref() is None
    finally:
        if enabled:
            gc.enable()


@pytest.mark.parametrize(
    ("dialect", "text", "first"),
    [
        ("postgres", "SELECT 'a''b;c' ; SELECT 2;", "SELECT 'a''b;c'"),
        ("postgres", "SELECT 'a\\'; SELECT 2;", "SELECT 'a\\'"),  # a standard string
        ("postgres", "SELECT E'a\\';b'; SELECT 2;", "SELECT E'a\\';b'"),  # an escape string
        ("postgres", 'SELECT "a""b;c" FROM t; SELECT 2;', 'SELECT "a""b;c" FROM t'),
        ("postgres", "SELECT 1 -- c;\n+ 2; SELECT 2;", "SELECT 1 -- c;\n+ 2"),
        ("postgres", "SELECT a/*x;*/b; SELECT 2;", "SELECT a/*x;*/b"),
        ("postgres", "SELECT 1-2, 4/2 ; SELECT 2;", "SELECT 1-2, 4/2"),
        ("postgres", "SELECT $x$ a; $x$ ; SELECT 2;", "SELECT $x$ a; $x$"),
        ("postgres", "SELECT a$b ; SELECT 2;", "SELECT a$b"),
        ("mysql", 'SELECT "a\\";b"; SELECT 2;', 'SELECT "a\\";b"'),
        ("mysql", "SELECT 1 # c;\n+ 2; SELECT 2;", "SELECT 1 # c;\n+ 2"),
        ("mysql", "SELECT `a;b`; SELECT 2;", "SELECT `a;b`"),
        ("sqlite", "SELECT [a;b]; SELECT 2;", "SELECT [a;b]"),
        ("sqlite", "SELECT 1 /* a */ ;\n SELECT 2;", "SELECT 1"),
    ],
)
def test_split_keeps_quotes_comments_and_ends(dialect: str, text: str, first: str) -> None:
    statements = split(text, dialect).statements
    assert [s.text for s in statements] == [first, "SELECT 2"]
    assert statements[0].span.start == 0 and text[statements[0].span.end - 1] == ";"


def test_split_ends_code_before_blanks_and_comments() -> None:
    text = 'ALTER TABLE "t"  DROP COLUMN "c"   -- why\n  ;\n-- next\nDROP TABLE x ;'
    script = split(text)
    assert [s.text for s in script.statements] == [
        'ALTER TABLE "t"  DROP COLUMN "c"',
        "DROP TABLE x",
    ]
    assert [c.text for c in script.comments] == ["-- why", "-- next"]
    assert script.statements[0].comments[0].text == "-- why"
    assert script.statements[1].comments[0].text == "-- next"


def test_cursor_words_by_position() -> None:
    text = 'ALTER TABLE IF EXISTS "t" DROP COLUMN x'
    toks = _pg_fast(text)
    assert toks is not None
    c = Cursor(text, toks, str.lower)
    assert c.is_word("ALTER", "TABLE") and not c.is_word("ALTER", "INDEX")
    assert not c.accept("TABLE")
    assert c.accept("ALTER", "TABLE", "IF", "EXISTS")
    assert c.is_punct("(") is False and c.name() == "t"
    assert c.is_word("COLUMN", k=1) and c.is_word("DROP", k=0)
    assert c.accept("DROP", "COLUMN") and c.name() == "x"
    assert c.at_end() and not c.accept("X") and not c.accept_punct(")")
    assert not c.is_word("X", k=5)


def test_do_block_end_found_at_the_very_end() -> None:
    guarded = (
        "DO $down$ BEGIN\n  IF EXISTS (SELECT 1 FROM information_schema.tables WHERE "
        "table_schema = current_schema() AND table_name = 'end') THEN\n"
        '    DROP TABLE "end";\n  END IF;\nEND $down$'
    )
    changes = read_do(guarded, "postgres", lambda t, d: read_statement(t, d).changes)
    assert changes is not None and len(changes) == 1
    for tail in ("END; ;", "END END", "ENDX"):  # not one END at the end: not a block
        text = f"DO $$ BEGIN DROP TABLE x; {tail} $$"
        assert read_do(text, "postgres", lambda t, d: read_statement(t, d).changes) is None
