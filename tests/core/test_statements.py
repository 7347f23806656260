"""Splitting SQL scripts into statements with exact code-point spans and their comments."""

from __future__ import annotations

import time

import pytest

from prisma_down.core.statements import Script, split
from prisma_down.core.text import LineIndex, Position, Span


def texts(script: Script) -> list[str]:
    return [st.text for st in script.statements]


def assert_spans_exact(script: Script) -> None:
    """Each span runs from the statement's first character to its ';' inclusive."""
    for st in script.statements:
        body = st.span.slice(script.text)
        assert body.startswith(st.text)
        if st.terminated:
            assert body.endswith(";")
            assert body[:-1].rstrip() == st.text


# --- Prisma output ---------------------------------------------------------------------


def test_prisma_step_comments_lead_their_statement() -> None:
    text = (
        "-- CreateEnum\n"
        "CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN');\n"
        "\n"
        "-- CreateTable\n"
        'CREATE TABLE "User" (\n'
        '    "id" SERIAL NOT NULL,\n'
        '    CONSTRAINT "User_pkey" PRIMARY KEY ("id")\n'
        ");\n"
    )
    script = split(text, "postgres")
    assert len(script.statements) == 2
    first, second = script.statements
    assert [c.text for c in first.comments] == ["-- CreateEnum"]
    assert [c.body for c in second.comments] == ["CreateTable"]
    assert first.text == "CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN')"
    start = text.index("CREATE TYPE")
    assert first.span == Span(start, text.index(";") + 1)
    assert second.span.start == text.index("CREATE TABLE")
    assert second.span.end == len(text) - 1  # the final newline is not part of it
    assert second.text.endswith('PRIMARY KEY ("id")\n)')
    assert [st.index for st in script.statements] == [0, 1]
    assert script.unterminated is None
    assert [c.text for c in script.comments] == ["-- CreateEnum", "-- CreateTable"]
    assert_spans_exact(script)


def test_warnings_block_comment() -> None:
    text = (
        "/*\n"
        "  Warnings:\n"
        "\n"
        "  - You are about to drop the column `bio`; all the data will be lost.\n"
        "\n"
        "*/\n"
        "-- AlterTable\n"
        'ALTER TABLE "User" DROP COLUMN "bio";\n'
    )
    script = split(text, "postgres")
    assert texts(script) == ['ALTER TABLE "User" DROP COLUMN "bio"']
    (st,) = script.statements
    warnings, step = st.comments
    assert warnings.text.startswith("/*") and warnings.text.endswith("*/")
    assert warnings.body.startswith("Warnings:")
    assert warnings.span == Span(0, text.index("*/") + 2)
    assert step.text == "-- AlterTable"
    assert st.span == Span(text.index("ALTER"), len(text) - 1)


# --- quoting ---------------------------------------------------------------------------


def test_dollar_quoted_bodies_keep_their_semicolons() -> None:
    text = (
        "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  x := 1;\n  RETURN NEW;\nEND;\n"
        "$$ LANGUAGE plpgsql;\n"
        "CREATE FUNCTION g() RETURNS int AS $fn$ SELECT 1; SELECT $$;$$; $fn$ LANGUAGE sql;\n"
        "SELECT 3;\n"
    )
    script = split(text, "postgres")
    assert len(script.statements) == 3
    assert script.statements[0].text.endswith("$$ LANGUAGE plpgsql")
    assert "RETURN NEW;" in script.statements[0].text
    assert script.statements[1].text.endswith("$fn$ LANGUAGE sql")
    assert script.statements[2].text == "SELECT 3"
    assert script.unterminated is None
    assert_spans_exact(script)


def test_positional_parameter_is_not_a_dollar_quote() -> None:
    script = split("PREPARE p AS SELECT $1;\nSELECT 2;\n", "postgres")
    assert texts(script) == ["PREPARE p AS SELECT $1", "SELECT 2"]


def test_escape_strings_and_doubled_quotes() -> None:
    text = "SELECT E'it\\'s; fine';\nSELECT 'it''s; fine';\nSELECT e'\\\\';\nSELECT 4;"
    script = split(text, "postgres")
    assert texts(script) == [
        "SELECT E'it\\'s; fine'",
        "SELECT 'it''s; fine'",
        "SELECT e'\\\\'",
        "SELECT 4",
    ]
    assert script.unterminated is None
    assert_spans_exact(script)


def test_backslash_in_plain_string_is_not_an_escape() -> None:
    # standard_conforming_strings: '\' is a complete string holding one backslash.
    script = split("SELECT '\\';\nSELECT 2;", "postgres")
    assert texts(script) == ["SELECT '\\'", "SELECT 2"]
    assert script.unterminated is None


def test_quoted_identifier_with_semicolon() -> None:
    text = 'CREATE TABLE "a;b" ("c;""d" INT);\nDROP TABLE "a;b";'
    script = split(text, "postgres")
    assert texts(script) == ['CREATE TABLE "a;b" ("c;""d" INT)', 'DROP TABLE "a;b"']
    assert script.statements[1].span == Span(text.index("DROP"), len(text))


def test_nested_block_comments_postgres() -> None:
    text = "/* outer /* inner; */ still comment; */ SELECT 1;\nSELECT 2;"
    script = split(text, "postgres")
    assert texts(script) == ["SELECT 1", "SELECT 2"]
    (comment,) = script.statements[0].comments
    assert comment.text == "/* outer /* inner; */ still comment; */"
    assert script.unterminated is None


def test_comment_inside_statement_stays_with_it() -> None:
    text = "CREATE TABLE t (\n  a INT, -- the a\n  b INT /* the b */\n);\nSELECT 1;"
    script = split(text, "postgres")
    assert len(script.statements) == 2
    assert [c.text for c in script.statements[0].comments] == ["-- the a", "/* the b */"]
    assert script.statements[1].comments == ()


# --- trailing comments -----------------------------------------------------------------


def test_trailing_comment_after_semicolon() -> None:
    text = 'ALTER TABLE "Post" DROP COLUMN "x"; -- manually written\n-- next\nSELECT 2;\n'
    script = split(text, "postgres")
    first, second = script.statements
    assert [c.text for c in first.trailing] == ["-- manually written"]
    assert first.comments == ()
    assert first.span == Span(0, text.index(";") + 1)
    assert [c.text for c in second.comments] == ["-- next"]
    assert second.trailing == ()


# --- broken and odd input --------------------------------------------------------------


def test_unterminated_string_at_end_keeps_earlier_statements() -> None:
    text = "CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);\nINSERT INTO a VALUES ('half"
    script = split(text, "postgres")
    assert texts(script)[:2] == ["CREATE TABLE a (id INT)", "CREATE TABLE b (id INT)"]
    assert all(st.terminated for st in script.statements[:2])
    assert script.unterminated is not None
    assert script.unterminated.start == text.index("'half")
    assert script.unterminated.end == len(text)
    assert script.statements[-1].terminated is False


@pytest.mark.parametrize(
    "text",
    ["SELECT 'x", 'SELECT "x', "SELECT $$ x", "SELECT 1; /* open", "E'\\", "$tag$", "'"],
)
def test_unterminated_never_raises(text: str) -> None:
    script = split(text, "postgres")
    assert script.unterminated is not None
    assert script.unterminated.end == len(text)


def test_empty_input() -> None:
    script = split("", "postgres")
    assert script.statements == ()
    assert script.comments == ()
    assert script.unterminated is None


def test_whitespace_and_comments_only() -> None:
    script = split("\n  -- nothing here\n/* none */\n", "postgres")
    assert script.statements == ()
    assert len(script.comments) == 2


def test_lone_semicolons_are_not_statements() -> None:
    assert split(";;", "postgres").statements == ()
    script = split("SELECT 1;;\n;SELECT 2;", "postgres")
    assert texts(script) == ["SELECT 1", "SELECT 2"]
    assert [st.index for st in script.statements] == [0, 1]


def test_crlf_line_endings() -> None:
    text = "-- CreateTable\r\nCREATE TABLE a (\r\n  id INT\r\n);\r\nSELECT 2; -- done\r\n"
    script = split(text, "postgres")
    first, second = script.statements
    assert first.comments[0].text == "-- CreateTable"  # no '\r' in the comment
    assert first.span == Span(text.index("CREATE"), text.index(");") + 2)
    assert first.text == "CREATE TABLE a (\r\n  id INT\r\n)"
    assert second.trailing[0].text == "-- done"
    lines = script.lines
    assert lines.position(second.span.start) == Position(4, 0)


def test_a_carriage_return_ends_a_postgres_line_comment() -> None:
    """PostgreSQL's lexer ends ``--`` at a lone CR too (scan.l: ``non_newline [^\\n\\r]``;
    on PostgreSQL 15, ``SELECT 1; -- note⏎DROP TABLE canary;`` with a CR dropped the table).
    Read as one comment, a CR-only file lost every statement, and the check that generated
    SQL splits back into what was rendered could not see a comment ended by a CR."""
    script = split("SELECT 1; -- note\rDROP TABLE canary;", "postgres")
    assert texts(script) == ["SELECT 1", "DROP TABLE canary"]
    assert [c.text for c in script.comments] == ["-- note"]
    mac = "-- CreateTable\rCREATE TABLE a (\r  id INT\r);\r"
    mac += "-- CreateIndex\rCREATE INDEX i ON a (id);\r"  # a file with classic Mac line ends
    script = split(mac, "postgres")
    assert texts(script) == ["CREATE TABLE a (\r  id INT\r)", "CREATE INDEX i ON a (id)"]
    assert [c.text for c in script.statements[1].comments] == ["-- CreateIndex"]


@pytest.mark.parametrize("dialect", ["mysql", "sqlite", "cockroachdb"])
def test_a_carriage_return_stays_in_the_line_comment_elsewhere(dialect: str) -> None:
    """MySQL, SQLite (sqlite3 runs ``SELECT 1; -- note⏎DROP TABLE canary;`` with a CR and
    keeps the table) and CockroachDB (its scanner's ScanComment) end ``--`` at LF only."""
    script = split("SELECT 1; -- note\rDROP TABLE canary;\nSELECT 2;", dialect)
    assert texts(script) == ["SELECT 1", "SELECT 2"]


def test_non_ascii_identifiers_spans_in_code_points() -> None:
    text = 'CREATE TABLE "Café_😀" ("naïve" TEXT);\nDROP TABLE "Café_😀";'
    script = split(text, "postgres")
    first, second = script.statements
    assert first.span == Span(0, text.index(";") + 1)
    assert second.span.start == text.index("DROP")
    assert second.span.end == len(text)  # code points, not UTF-8 bytes or UTF-16 units
    assert len(text.encode("utf-8")) != len(text)
    assert second.span.slice(text) == 'DROP TABLE "Café_😀";'
    assert script.lines.position(second.span.end) == Position(1, len('DROP TABLE "Café_😀";'))


def test_ten_megabyte_script() -> None:
    unit = "-- Insert\nINSERT INTO \"t\" VALUES (1, 'a;b', $$c;d$$, E'\\';'); /* x; */\n"
    count = 10_000_000 // len(unit) + 1
    text = unit * count
    assert len(text) >= 10_000_000
    began = time.monotonic()
    script = split(text, "postgres")
    assert len(script.statements) == count
    assert script.unterminated is None
    assert script.statements[-1].span.end == len(text) - len(" /* x; */\n")
    assert time.monotonic() - began < 120


# --- LineIndex -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "a", "\n", "one\ntwo\n", "a\r\nbé\r\n\r\nc😀d", "no newline at end", "\n\n\nx"],
)
def test_line_index_round_trip(text: str) -> None:
    index = LineIndex(text)
    assert index.line_count == text.count("\n") + 1
    for offset in range(len(text) + 1):
        pos = index.position(offset)
        assert index.offset(pos) == offset
        line_start = index.line_start(pos.line)
        assert line_start + pos.column == offset
        assert "\n" not in text[line_start:offset]


def test_line_index_positions_and_clamping() -> None:
    text = "ab\ncdé\n"
    index = LineIndex(text)
    assert index.position(0) == Position(0, 0)
    assert index.position(3) == Position(1, 0)
    assert index.position(5) == Position(1, 2)
    assert index.position(len(text)) == Position(2, 0)
    assert index.position(999) == Position(2, 0)
    assert index.position(-5) == Position(0, 0)
    assert index.offset(Position(1, 99)) == 6  # clamps to the end of line 1 (its '\n')
    assert index.offset(Position(99, 0)) == len(text)
    assert index.offset(Position(0, -3)) == 0


def test_span_rejects_reversed_range() -> None:
    with pytest.raises(ValueError):
        Span(5, 2)
    assert Span(2, 5).contains(2) and not Span(2, 5).contains(5)
