"""Issue 13's causes, each a small fixture history round-tripped on the real engine WITH rows.

Every cause the issue names, the fixture histories (``tests/core/fixtures/<engine>/<name>``)
written for it, and the tests that run them with rows in the tables. ``CAUSES`` below is the
same table as data: ``test_every_cause_has_its_fixtures`` keeps it true, and
``test_with_generated_rows`` runs every fixture it names through ``verify`` with generated
rows (every table topped up before each migration, then up, down, compare schema and rows,
up) on PostgreSQL 15, MariaDB or SQLite.

Cause (issue 13) -> fixture(s) -> with-rows tests besides this module's (``rows``: the
fixtures line of ``test_rows_roundtrip``, every fixture with generated rows):

- NOT NULL column back without a default -> survive_copy_then_drop, survive_not_null_back,
  refill_text -> test_survive_rows, test_refill_rows
- value conversion reversed by a plain cast -> survive_case_mapping, survive_update_case,
  survive_case_not_one_to_one -> test_survive_rows
- foreign key onto a table that comes back empty -> survive_fk_to_dropped_table ->
  test_survive_rows
- enum value removed while rows hold it -> survive_enum_label_removed -> test_survive_rows
- dependents (views, materialized views, rules, triggers) on a column or type an inverse
  changes -> deps_enum_value_view, deps_enum_value_matview, deps_enum_value_rule,
  deps_enum_value_trigger, deps_enum_type_in_view -> rows
- dependents of a view an inverse drops -> deps_drop_views_with_hangers,
  deps_replace_view_with_dependent, deps_view_replaced_to_read_later_view -> rows
- two columns of one foreign key that both change type -> deps_fk_both_change_type -> rows
- views written with ``*`` -> view_star_after_table_grew -> rows
- no cast back: jsonb -> jsonb[] (after ``array_to_json``), jsonb[] -> jsonb (after
  ``ARRAY[x]``), boolean -> timestamp, text[] -> an enum -> alter_column_type_no_cast_back,
  named_no_cast_back_with_rows -> test_no_cast_back; here, explicit rows and the rows that
  stop down.sql
- an enum compared with its ``_new`` replacement in a default, a partial index's WHERE, an
  index expression or a CHECK -> named_enum_new_in_default_and_predicate, enum_replace ->
  here, explicit rows
- ``EXECUTE '<literal>'`` in a DO block -> do_block_execute_literal -> rows
- overloaded functions -> drop_function_overload -> rows
- a table named before it exists again or in the wrong schema (``"other"."T"`` beside a
  ``"public"."T"``, a table dropped and re-created, one moved with ``SET SCHEMA``) ->
  named_multi_schema, quoted_public_qualified, create_schema, drop_table, rename_table ->
  rows. NOT covered yet: a migration's own ``SET search_path`` (its bare names are read as
  the default schema's, and down.sql resolves them there)
- a sequence owned by a column whose type changed (``check`` must not report
  down-does-not-restore) -> named_owned_sequence_renamed_then_retyped,
  named_sequence_owned_by_then_retyped (Prisma's ``ALTER SEQUENCE … OWNED BY``),
  alter_column_type_serial_to_bigint, serial_to_text_drops_sequence -> here, explicit rows;
  ``tests/cli/test_fixtures_self_check`` (generate, check)
- MySQL: AUTO_INCREMENT back before its key -> auto_increment_column_and_its_key,
  modify_auto_increment_and_primary_key -> test_rows_mysql_sqlite
- MySQL: foreign keys named ``…_ibfk_1`` by MySQL -> generated_foreign_key_names ->
  test_rows_mysql_sqlite
- SQLite: a redefinition leaving a foreign key at ``new_…`` ->
  redefinition_not_read_keeps_references, redefine_two_tables -> test_rows_mysql_sqlite

Where a value cannot come back (PostgreSQL has no cast back and the migration's conversion
cannot be undone: a ``true`` whose timestamp the migration did not keep, an array of two
elements where there was one value), down.sql stops in its preflight, before its first
change, saying what to fix: never a silent NULL in a column that held values.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from prisma_down.core.history import load_history
from prisma_down.verify.command import verify
from prisma_down.verify.postgres import apply
from prisma_down.verify.withrows import STOPPED_CLEAN
from tests.core.fixture_cases import FIXTURES, load
from tests.verify.histories import with_generated_downs
from tests.verify.test_survive_rows import _same, _state

# cause: (engine, fixture) pairs (the table above)
CAUSES: dict[str, tuple[tuple[str, str], ...]] = {
    "not-null-back": (
        ("postgres", "survive_copy_then_drop"),
        ("postgres", "survive_not_null_back"),
        ("postgres", "refill_text"),
    ),
    "plain-cast-back": (
        ("postgres", "survive_case_mapping"),
        ("postgres", "survive_update_case"),
        ("postgres", "survive_case_not_one_to_one"),
    ),
    "fk-to-empty-table": (("postgres", "survive_fk_to_dropped_table"),),
    "enum-label-held": (("postgres", "survive_enum_label_removed"),),
    "dependents-on-column-or-type": (
        ("postgres", "deps_enum_value_view"),
        ("postgres", "deps_enum_value_matview"),
        ("postgres", "deps_enum_value_rule"),
        ("postgres", "deps_enum_value_trigger"),
        ("postgres", "deps_enum_type_in_view"),
    ),
    "dependents-on-view": (
        ("postgres", "deps_drop_views_with_hangers"),
        ("postgres", "deps_replace_view_with_dependent"),
        ("postgres", "deps_view_replaced_to_read_later_view"),
    ),
    "dependents-fk-both-retyped": (("postgres", "deps_fk_both_change_type"),),
    "view-star": (("postgres", "view_star_after_table_grew"),),
    "no-cast-back": (
        ("postgres", "alter_column_type_no_cast_back"),
        ("postgres", "named_no_cast_back_with_rows"),
    ),
    "enum-new-in-default-or-predicate": (
        ("postgres", "named_enum_new_in_default_and_predicate"),
        ("postgres", "enum_replace"),
    ),
    "execute-literal": (("postgres", "do_block_execute_literal"),),
    "overloaded-functions": (("postgres", "drop_function_overload"),),
    "table-named-in-schema": (
        ("postgres", "named_multi_schema"),
        ("postgres", "quoted_public_qualified"),
        ("postgres", "create_schema"),
        ("postgres", "drop_table"),
        ("postgres", "rename_table"),
    ),
    "owned-sequence-retyped": (
        ("postgres", "named_owned_sequence_renamed_then_retyped"),
        ("postgres", "named_sequence_owned_by_then_retyped"),
        ("postgres", "alter_column_type_serial_to_bigint"),
        ("postgres", "serial_to_text_drops_sequence"),
    ),
    "mysql-auto-increment": (
        ("mysql", "auto_increment_column_and_its_key"),
        ("mysql", "modify_auto_increment_and_primary_key"),
    ),
    "mysql-ibfk-names": (("mysql", "generated_foreign_key_names"),),
    "sqlite-new-table-references": (
        ("sqlite", "redefinition_not_read_keeps_references"),
        ("sqlite", "redefine_two_tables"),
    ),
}

# fixtures whose generated rows are ones down.sql cannot take back: it must stop clean there
# (a CASE that is not one-to-one; rows pointing at a table that comes back empty; a
# timestamp the migration turned into true)
STOPS = {
    "survive_case_not_one_to_one",
    "survive_fk_to_dropped_table",
    "drop_table",
    "alter_column_type_no_cast_back",
    "named_no_cast_back_with_rows",
}

_ALL = sorted({pair for pairs in CAUSES.values() for pair in pairs})


def test_every_cause_has_its_fixtures() -> None:
    for cause, pairs in CAUSES.items():
        assert pairs, cause
        for engine, name in pairs:
            assert (FIXTURES / engine / name / "history").is_dir(), f"{cause}: {engine}/{name}"
    assert all(name in {n for _, n in _ALL} for name in STOPS)


@pytest.mark.parametrize(("engine", "name"), _ALL, ids=[f"{e}-{n}" for e, n in _ALL])
def test_with_generated_rows(
    request: pytest.FixtureRequest, tmp_path: Path, engine: str, name: str
) -> None:
    """``verify`` with rows: each migration restored (schema, and the rows of every table
    its steps called exact), or stopped before any change where listed in ``STOPS``."""
    source = load_history(FIXTURES / engine / name / "history", engine)
    history = with_generated_downs(source, tmp_path / name)
    if engine == "sqlite":
        verdicts = verify(history)
    else:
        server = request.getfixturevalue("pg_server" if engine == "postgres" else "mariadb")
        db = f"causes_{uuid.uuid4().hex[:12]}"
        with server.database(db):
            verdicts = verify(history, database_url=server.url(db))
    assert len(verdicts) == len(source.migrations)
    allowed = {"restored", STOPPED_CLEAN} if name in STOPS else {"restored"}
    wrong = [f"{v.name}: {v.status} {v.error or v.differences}" for v in verdicts]
    assert all(v.status in allowed for v in verdicts), "\n".join(wrong)
    inserted = sum(n for v in verdicts if v.rows for _, n in v.rows.inserted)
    assert inserted > 0, "no row went in"


# -- explicit rows: what comes back, and what stops down.sql -------------------------------


def _before_last(pg_conn: Any, name: str, rows: str) -> tuple[str, str]:
    """Every migration of fixture ``name`` but the last applied, then ``rows``."""
    migrations = load(name).migrations()
    for _, up, _ in migrations[:-1]:
        assert apply(pg_conn, up) is None
    assert apply(pg_conn, rows) is None
    _, up, down = migrations[-1]
    return up, down


_NOTES = """INSERT INTO "Note" ("steps", "meta", "pinnedAt", "mood") VALUES
    (ARRAY['{"a": 1}'::jsonb, '"two"'::jsonb], '"plain"', NULL, 'CALM'),
    (NULL, NULL, NULL, NULL),
    ('{}', '{"k": [1, 2]}', NULL, 'BUSY')"""


def test_no_cast_back_values_come_back(pg_conn: Any) -> None:
    """jsonb[] -> jsonb -> jsonb[], jsonb -> jsonb[] -> jsonb, a NULL timestamp -> false ->
    NULL, an enum -> text[] -> the enum: every row as it was (a NULL stays SQL NULL)."""
    up, down = _before_last(pg_conn, "named_no_cast_back_with_rows", _NOTES)
    before = _state(pg_conn)
    assert apply(pg_conn, up) is None
    assert apply(pg_conn, down) is None, down
    assert _same(before, _state(pg_conn)) == []


@pytest.mark.parametrize(
    ("misfit", "reason"),
    [
        ("""UPDATE "Note" SET "pinnedAt" = true WHERE "id" = 1""", 'hold true in "pinnedAt"'),
        ("""UPDATE "Note" SET "seenAt" = false WHERE "id" = 2""", 'values in "seenAt"'),
        (
            """UPDATE "Note" SET "meta" = array_append("meta", '1'::jsonb) WHERE "id" = 3""",
            'other than one element in "meta"',
        ),
        ("""UPDATE "Note" SET "mood" = ARRAY['CALM', 'BUSY']""", 'one element in "mood"'),
        ("""UPDATE "Note" SET "mood" = '{}' WHERE "id" = 1""", 'one element in "mood"'),
    ],
)
def test_no_cast_back_misfits_stop_before_any_change(
    pg_conn: Any, misfit: str, reason: str
) -> None:
    up, down = _before_last(pg_conn, "named_no_cast_back_with_rows", _NOTES)
    assert apply(pg_conn, up) is None
    assert apply(pg_conn, misfit) is None
    after = _state(pg_conn)
    error = apply(pg_conn, down)
    assert error is not None and "down.sql changed nothing" in error and reason in error, error
    assert _same(after, _state(pg_conn)) == [], "down.sql stopped halfway"


def test_enum_rebuild_steps_around_indexes_and_checks_that_cast(pg_conn: Any) -> None:
    """Undoing ADD VALUE rebuilds the enum as ``X_new``; a partial index, an expression
    index and a CHECK comparing the column with ``'A'::"X"`` go and come back around it."""
    name = "named_enum_new_in_default_and_predicate"
    migrations = load(name).migrations()
    (_, init, _), (_, up, down) = migrations[0], migrations[1]
    assert apply(pg_conn, init) is None
    rows = """INSERT INTO "Ticket" ("title", "state", "closedAt") VALUES
        ('a', 'OPEN', NULL), ('b', 'CLOSED', now()), ('c', DEFAULT, NULL);
        INSERT INTO "Board" ("shown")
        VALUES (DEFAULT), (ARRAY['CLOSED', 'OPEN']::"TicketState"[])"""
    assert apply(pg_conn, rows) is None
    before = _state(pg_conn)
    assert apply(pg_conn, up) is None
    assert apply(pg_conn, down) is None, down
    assert _same(before, _state(pg_conn)) == []
    (used,) = pg_conn.execute(
        """SELECT count(*) FROM pg_index WHERE indrelid = '"Ticket"'::regclass
        AND indisvalid AND indpred IS NOT NULL"""
    ).fetchone()
    assert used == 1, "the partial index did not come back valid"


def test_owned_sequence_follows_its_renamed_table_and_column(pg_conn: Any) -> None:
    """A SERIAL column whose table and column were renamed, then retyped and its sequence
    dropped: down.sql re-creates the sequence owned by the column's name now, and new rows
    still number themselves."""
    name = "named_owned_sequence_renamed_then_retyped"
    rows = """INSERT INTO "Item" ("qty") VALUES (1), (2); INSERT INTO "Tag" VALUES (7)"""
    up, down = _before_last(pg_conn, name, rows)
    before = _state(pg_conn)
    assert apply(pg_conn, up) is None
    assert apply(pg_conn, down) is None, down
    assert _same(before, _state(pg_conn)) == []
    (owner,) = pg_conn.execute("""SELECT pg_get_serial_sequence('"Item"', 'key')""").fetchone()
    assert owner == 'public."Line_id_seq"'
    assert apply(pg_conn, """INSERT INTO "Item" ("qty") VALUES (3)""") is None
