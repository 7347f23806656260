"""Columns put back by down.sql on tables with rows, judged at the step undone (real PostgreSQL).

Fixture histories ``tests/core/fixtures/postgres/convert_*`` copy a NOT NULL column into a
new one through a conversion, drop it and rename the copy to its name (the hand-written
type change): down.sql must put every value back through the conversion's inverse.
``convert_no_inverse`` and ``refill_*_later``/``refill_drop_and_recreate`` lose the values:
the column comes back with the placeholder its note names, every other value kept. Where
the migration failed before changing anything, down.sql changes nothing, or stops and
changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from prisma_down.verify.postgres import apply
from prisma_down.verify.snapshot import snapshot
from prisma_down.verify.snapshot_diff import diff
from tests.core.fixture_cases import load
from tests.verify.test_refill_rows import _kept, trial
from tests.verify.test_survive_rows import _same, _state

# name: (rows before the migration, {column: the value every row holds after down.sql} for
# values lost, None: every value restored, or the error down.sql stops with, changing nothing)
CASES: dict[str, tuple[str, dict[str, str] | str | None]] = {
    "convert_copy_rename_array": (
        """INSERT INTO "Hook" VALUES ('h1', 'push'), ('h2', 'it''s {a,b}'), ('h3', '')""",
        None,
    ),
    "convert_copy_rename_epoch": (
        """SET TimeZone = 'Europe/Berlin';
        INSERT INTO "Span" ("begunAt", "loggedAt") VALUES
        ('2024-03-31 02:30:00.123', '2024-03-31 02:30:00.123+02'),
        ('1969-12-31 23:59:59.999', '1950-06-01 12:00:00.001+00'),
        ('2000-02-29 00:00:00', '2262-01-01 00:00:00+00'),
        ('1700-01-01 00:00:00.5', '1970-01-01 00:00:00+00')""",
        None,
    ),
    "convert_copy_rename_json": (
        """INSERT INTO "Template" ("body", "note") VALUES ('Hi {{name}}', 'a "quote"'),
        ('back\\slash é 😀', ''), ('{"not": "json"}', 'null')""",
        None,
    ),
    "convert_copy_rename_enum": (
        """INSERT INTO "Seat" ("kind") VALUES ('OWNER'), ('GUEST'), ('EDITOR')""",
        None,
    ),
    "convert_no_inverse": (
        """INSERT INTO "Tag" ("label") VALUES ('Rust'), ('SQL')""",
        # no placeholder: down.sql renames "label" back first, which where the migration
        # never ran is the column with its values
        'column "label" of relation "Tag" contains null values',
    ),
    "refill_table_renamed_later": (
        """INSERT INTO "Company" VALUES ('c1', 'Acme', 'Main St 1')""",
        {"street": "''"},
    ),
    "refill_drop_and_recreate": (
        """INSERT INTO "Credential" VALUES ('k1', 'vault'), ('k2', 'db')""",
        {"store": "''"},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_come_back_or_the_placeholder_says_they_are_lost(pg_conn: Any, name: str) -> None:
    rows, lost = CASES[name]
    columns = sorted(lost) if isinstance(lost, dict) else []
    t = trial(pg_conn, name, rows, columns)
    before, after, error, down, table, kept = t.before, t.after, t.error, t.down, t.table, t.kept
    if isinstance(lost, str):
        assert error is not None and lost in error, f"{error}\n{down}"
        assert _same(after, _state(pg_conn)) == [], "down.sql left the database halfway"
        assert "which has no exact inverse" in down, down
        return
    assert error is None, f"down.sql failed on rows: {error}\n{down}"
    if lost is None:
        assert _same(before, _state(pg_conn)) == [], down
        assert "comes back NOT NULL with the placeholder" not in down
        return
    assert diff(before[0], snapshot(pg_conn)) == [], "the schema is not restored"
    assert kept and _kept(pg_conn, table, columns) == kept, "rows were lost or changed"
    for column, value in lost.items():
        (wrong,) = pg_conn.execute(
            f'SELECT count(*) FROM {table} WHERE "{column}" IS DISTINCT FROM {value}'
        ).fetchone()
        assert wrong == 0, f"{wrong} rows do not hold {value} in {column}"
        assert f'"{column}" comes back NOT NULL with the placeholder' in down, down


@pytest.mark.parametrize("name", sorted(CASES))
def test_after_a_failed_migration_all_or_nothing(pg_conn: Any, name: str) -> None:
    """Nothing of the migration applied, rows there: down.sql changes nothing, or stops
    and changes nothing (never a placeholder written over values that are still there)."""
    rows, _ = CASES[name]
    migrations = load(name).migrations()
    for _, up, _ in migrations[:-1]:
        assert apply(pg_conn, up) is None
    pg_conn.execute(rows.encode())
    before = _state(pg_conn)
    apply(pg_conn, migrations[-1][2])
    assert _same(before, _state(pg_conn)) == []


def test_a_value_no_inverse_reaches_stops_in_the_transaction(pg_conn: Any) -> None:
    """A row added after the migration with an empty array: its first element is NULL,
    so NOT NULL cannot come back; the file stops and the database is as it was."""
    rows, _ = CASES["convert_copy_rename_array"]
    migrations = load("convert_copy_rename_array").migrations()
    for _, up, _ in migrations[:-1]:
        assert apply(pg_conn, up) is None
    pg_conn.execute(rows.encode())
    _, up, down = migrations[-1]
    assert apply(pg_conn, up) is None
    pg_conn.execute("""INSERT INTO "Hook" VALUES ('h4', '{}')""")
    after = _state(pg_conn)
    error = apply(pg_conn, down)
    assert error is not None and "null values" in error, error
    assert _same(after, _state(pg_conn)) == [], "down.sql left the database halfway"
