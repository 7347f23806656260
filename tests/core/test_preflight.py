"""The PostgreSQL file frame (one transaction, preflight first) and CASE mappings read back."""

from __future__ import annotations

import re

import pytest

from prisma_down.core.preflight_pg import transactions
from prisma_down.core.value_map import read_case
from tests.core.fixture_cases import load


def _statements(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.fullmatch(r"(BEGIN|COMMIT);", line)]


@pytest.mark.parametrize("name", ["enum_replace", "survive_fails_halfway", "drop_column"])
def test_one_transaction_around_the_whole_file(name: str) -> None:
    """The migration's own BEGIN/COMMIT are not undone by a COMMIT halfway: one pair."""
    down = load(name).downs[-1]
    assert _statements(down) == ["BEGIN;", "COMMIT;"]
    body = down.split("\n\n", 1)[1]
    assert body.startswith("BEGIN;\n") and body.endswith("\nCOMMIT;\n")
    assert "-- This file runs in one transaction" in down


def test_a_step_that_cannot_run_in_a_transaction_says_so() -> None:
    down = load("create_index_concurrently").downs[-1]
    assert _statements(down) == []
    assert "not run in one transaction: DROP INDEX CONCURRENTLY" in down


def test_preflight_comes_before_the_first_change() -> None:
    body = load("survive_enum_label_removed").body
    first = body.index("DO $preflight$")
    assert body[:first].strip().splitlines()[0] == "BEGIN;"
    assert "RAISE EXCEPTION '%', 'down.sql changed nothing: rows of \"Job\" hold ''PAUSED''" in body
    assert first < body.index("CREATE TYPE")


def test_enum_value_used_later_splits_the_transaction() -> None:
    cuts, how = transactions(["ALTER TYPE \"S\" ADD VALUE 'b'", "SELECT 'b'::\"S\""])
    assert cuts == [0] and "2 transactions" in how
    cuts, _ = transactions(["ALTER TYPE \"S\" ADD VALUE 'b'", "SELECT 1"])
    assert cuts == []


@pytest.mark.parametrize(
    ("expression", "pairs", "identity"),
    [
        ("""CASE "s" WHEN 'a' THEN 'x' WHEN 'b' THEN 'y' END""",
         [("'a'", "'x'"), ("'b'", "'y'")], False),
        ("""(CASE "s"::text WHEN 'a' THEN 'x' ELSE "s"::text END)::"E\"""", [("'a'", "'x'")], True),
        ("""CASE WHEN "s" = 'a' THEN 'x'::"E" WHEN s = 'b' THEN 'y' ELSE NULL END""",
         [("'a'", "'x'"), ("'b'", "'y'")], False),
        ("""CASE "s" WHEN 1 THEN 'one' END""", [("1", "'one'")], False),
    ],
)  # fmt: skip
def test_simple_case_is_read(expression: str, pairs: list[tuple[str, str]], identity: bool) -> None:
    m = read_case(expression, "s")
    assert m is not None
    assert list(m.pairs) == pairs and m.identity_else is identity


@pytest.mark.parametrize(
    "expression",
    [
        """CASE "s" WHEN 'a' THEN 'x' ELSE 'z' END""",  # a constant ELSE: many to one
        """CASE WHEN "s" = 'a' OR "s" = 'b' THEN 'x' END""",
        """CASE "other" WHEN 'a' THEN 'x' END""",
        """lower(CASE "s" WHEN 'a' THEN 'x' END)""",
        """CASE WHEN "s" > 'a' THEN 'x' END""",
    ],
)
def test_anything_else_is_not_read(expression: str) -> None:
    assert read_case(expression, "s") is None


def test_collisions() -> None:
    m = read_case("""CASE "s" WHEN 'a' THEN 'x' WHEN 'b' THEN 'x' WHEN 'c' THEN 'y' END""", "s")
    assert m is not None and m.collisions() == ("x",)
    m = read_case("""CASE "s" WHEN 'a' THEN 'b' ELSE "s" END""", "s")
    assert m is not None and m.collisions(("a", "b", "c")) == ("b",)  # 'b' passes through too
    assert m.collisions(("a", "c")) == ()
