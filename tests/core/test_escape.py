"""Text into generated SQL: each escaping context on its own, then through ``generate``.

Issue 11: identifiers, enum labels and folder names went into ``--`` comments as they
were, so a line break in a name ended the comment and what followed ran. These tests hold
each context (comment, string literal, identifier, dollar quote, shell word) to what the
engines do, SQLite for real in-process (PostgreSQL and MariaDB: tests/verify), and
``generate`` to its self-check: what it writes splits back into the statements it rendered.
"""

from __future__ import annotations

import shlex
import sqlite3
from pathlib import Path

import pytest

from prisma_down.cli import main
from prisma_down.core import escape
from prisma_down.core.analysis import Analyzer
from prisma_down.core.dialects.mysql.guard import read_guarded
from prisma_down.core.down import generate, read_header
from prisma_down.core.escape import UnsafeSQL
from prisma_down.core.schema import QName
from prisma_down.core.statements import split

DIALECTS = ("postgres", "cockroachdb", "mysql", "sqlite", "tsql")
# everything some engine, client or editor takes for the end of a line
BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
HOSTILE = [
    *(f"x{b}DROP TABLE canary;--" for b in BREAKS),
    "x*/DROP TABLE canary;/*",
    "x$$;DROP TABLE canary;--",
    "x$down$;DROP TABLE canary;--",
    "x';DROP TABLE canary;--",
    "x\\';DROP TABLE canary;--",
    'x";DROP TABLE canary;--',
    "x`;DROP TABLE canary;--",
    "x];DROP TABLE canary;--",
    "x\u202eDROP TABLE canary;--",
    "--",
    ";",
    "\\",
]


# -- comment ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_comment_stays_one_comment_line(text: str, dialect: str) -> None:
    line = "-- " + escape.comment(text)
    assert line.splitlines() == [line]  # Python's str.splitlines knows every line break
    assert not any(b in line for b in BREAKS)
    script = split(line + "\nSELECT 1;\n", dialect)
    assert [st.text for st in script.statements] == ["SELECT 1"]


def test_a_comment_shows_what_it_escaped() -> None:
    assert escape.comment("a\nb\rc\x00d\u2028e\u202ef") == "a\\nb\\rc\\x00d\\u2028e\\u202ef"


@pytest.mark.parametrize("text", ["plain", 'column "User"."bio"', "tab\there", "üñí €", ""])
def test_a_comment_leaves_ordinary_text_alone(text: str) -> None:
    assert escape.comment(text) == text  # generated files stay byte-identical


def test_sqlite_runs_an_escaped_comment_as_a_comment() -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript("CREATE TABLE canary (id INTEGER); INSERT INTO canary VALUES (1);")
    for text in HOSTILE:
        conn.executescript("-- " + escape.comment(text) + "\nSELECT 1;")
    assert conn.execute("SELECT count(*) FROM canary").fetchone() == (1,)


# -- identifiers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("postgres", '"a""b`c]"'),
        ("cockroachdb", '"a""b`c]"'),
        ("sqlite", '"a""b`c]"'),
        ("mysql", '`a"b``c]`'),
        ("tsql", '[a"b`c]]]'),
    ],
)
def test_an_identifier_doubles_its_own_quote(dialect: str, expected: str) -> None:
    assert escape.identifier('a"b`c]', dialect) == expected


def test_a_qualified_name_quotes_each_part() -> None:
    assert escape.qualified(QName("s.x", 't"'), "postgres") == '"s.x"."t"""'
    assert escape.qualified(QName("", "t"), "mysql") == "`t`"


@pytest.mark.parametrize("name", HOSTILE)
def test_sqlite_takes_a_quoted_identifier_as_the_name(name: str) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE {escape.identifier(name, 'sqlite')} (a INTEGER)")
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [(name,)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_nul_in_a_name_is_refused(dialect: str) -> None:
    with pytest.raises(UnsafeSQL, match="NUL") as raised:
        escape.identifier("a\x00b", dialect)
    message = str(raised.value)
    assert "\x00" not in message and "\n" not in message


# -- string literals -------------------------------------------------------------------------


def test_postgres_writes_an_escape_string_only_for_a_backslash() -> None:
    assert escape.literal("it's", "postgres") == "'it''s'"
    assert escape.literal("a\\b'c", "postgres") == "E'a\\\\b''c'"
    assert escape.literal("a\\b", "cockroachdb") == "E'a\\\\b'"


@pytest.mark.parametrize("text", HOSTILE)
def test_sqlite_reads_a_literal_back_as_the_text(text: str) -> None:
    conn = sqlite3.connect(":memory:")
    assert conn.execute(f"SELECT {escape.literal(text, 'sqlite')}").fetchone() == (text,)


def test_mysql_splices_backslashes_and_nuls_in_as_characters() -> None:
    sql = escape.literal("a\\b\x00'", "mysql")
    assert sql == "CONCAT('a', CHAR(92 USING utf8mb4), 'b', CHAR(0 USING utf8mb4), '''')"
    assert "\\" not in sql and "\x00" not in sql
    wrapped = f"SET @prisma_down := IF(EXISTS (SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't'), {sql}, 'DO 0')"  # noqa: E501
    found = read_guarded(wrapped)
    assert found is not None and found[1] == "a\\b\x00'"


def test_tsql_writes_national_strings_and_plain_ones_for_exec() -> None:
    assert escape.literal("it's", "tsql") == "N'it''s'"
    assert escape.literal("it's", "tsql", national=False) == "'it''s'"
    assert escape.literal("Zürich", "tsql", national=False) == "N'Zürich'"


@pytest.mark.parametrize("text", ["a\\\nb", "a\\\r\nb"])
def test_tsql_refuses_a_backslash_before_a_line_break(text: str) -> None:
    with pytest.raises(UnsafeSQL, match="line continuation"):
        escape.literal(text, "tsql")
    assert escape.literal("a\\b\nc", "tsql") == "N'a\\b\nc'"  # not before a break: kept


@pytest.mark.parametrize("dialect", ["postgres", "cockroachdb", "sqlite", "tsql"])
def test_a_nul_in_a_string_is_refused(dialect: str) -> None:
    with pytest.raises(UnsafeSQL, match="NUL"):
        escape.literal("a\x00b", dialect)


# -- dollar quotes and shell words -----------------------------------------------------------


def test_a_dollar_tag_is_one_the_body_does_not_hold() -> None:
    assert escape.dollar_tag("SELECT 1") == "$down$"
    assert escape.dollar_tag('ALTER TABLE "$down$" …') == "$down1$"
    assert escape.dollar_tag("$down$ $down1$") == "$down2$"


@pytest.mark.parametrize("text", ["20240301_init", "with space", *HOSTILE, "a'b", "$(rm -rf x)"])
def test_a_shell_word_reads_back_as_the_text(text: str) -> None:
    word = escape.shell_word(text)
    assert shlex.split(word) == [text]
    if text == "20240301_init":
        assert word == '"20240301_init"'  # as written before: generated files keep their bytes


# -- through generate ------------------------------------------------------------------------


def _q(name: str, dialect: str) -> str:
    """Quoted as a migration.sql writes it (not by the code under test)."""
    if dialect == "mysql":
        return "`" + name.replace("`", "``") + "`"
    if dialect == "tsql":
        return "[" + name.replace("]", "]]") + "]"
    return '"' + name.replace('"', '""') + '"'


def _history(dialect: str, column: str) -> list[str]:
    q = _q
    t = f"[dbo].{q('T', dialect)}" if dialect == "tsql" else q("T", dialect)
    return [
        f"CREATE TABLE {t} ({q('id', dialect)} INTEGER NOT NULL, {q(column, dialect)} INTEGER);",
        f"ALTER TABLE {t} DROP COLUMN {q(column, dialect)};",
    ]


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_hostile_names_stay_in_their_comments(dialect: str, name: str) -> None:
    """The issue's case: a dropped column and the migration folder named to break out."""
    ups = _history(dialect, name)
    analysis = Analyzer(dialect).analyse(ups)[1]
    down = generate(name, ups[1], analysis, dialect)
    script = split(down, dialect)
    for comment in script.comments:
        assert not any(b in comment.text for b in BREAKS), repr(comment.text)
    texts = [st.text for st in script.statements]
    assert texts and not any("canary" in t and t.lstrip().startswith("DROP") for t in texts)
    header = read_header(down)
    assert header is not None and down.endswith(header.body)


def test_generate_refuses_a_name_with_a_nul() -> None:
    """A NUL can come from an editor buffer (files holding one are read as binary)."""
    ups = _history("postgres", "a\x00b")
    analysis = Analyzer("postgres").analyse(ups)[1]
    with pytest.raises(UnsafeSQL, match="NUL"):
        generate("002_drop", ups[1], analysis, "postgres")


def test_generate_checks_its_own_output() -> None:
    """The self-check: the old, unescaped note (what main wrote) does not split back."""
    from prisma_down.core.down import _check

    ups = _history("postgres", "x\nDROP TABLE IF EXISTS canary;--")
    analysis = Analyzer("postgres").analyse(ups)[1]
    down = generate("002", ups[1], analysis, "postgres")
    rendered = [st.text for st in split(down, "postgres").statements]
    _check(down, rendered, "postgres", "002")  # what generate wrote passes
    broken = down.replace("\\nDROP TABLE IF EXISTS canary", "\nDROP TABLE IF EXISTS canary", 1)
    assert broken != down
    with pytest.raises(UnsafeSQL, match=r"refused to write down\.sql for 002"):
        _check(broken, rendered, "postgres", "002")


def test_cli_refuses_in_one_sentence_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQL Server cannot hold a backslash before a line break in a string: that migration is
    refused in one sentence and not written, the others are, and the exit code is 2."""
    migrations = tmp_path / "prisma" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "migration_lock.toml").write_text('provider = "sqlserver"\n')
    ups = [
        "CREATE TABLE [dbo].[T] ([id] INT NOT NULL);",
        "ALTER TABLE [dbo].[T] ADD [a\\\nb] NVARCHAR(10) NOT NULL DEFAULT 'x';",
    ]
    for i, up in enumerate(ups, 1):
        (migrations / f"00{i}_m").mkdir()
        (migrations / f"00{i}_m" / "migration.sql").write_text(up)
    code = main(["generate", str(migrations)])
    err = capsys.readouterr().err
    assert code == 2
    refusals = [line for line in err.splitlines() if "line continuation" in line]
    assert len(refusals) == 1 and "002_m" in refusals[0], err
    assert not (migrations / "002_m" / "down.sql").exists()
    assert (migrations / "001_m" / "down.sql").is_file()
