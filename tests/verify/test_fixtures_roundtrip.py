"""Every fixture history, replayed on a real PostgreSQL: the judge of the expected files.

For each migration in turn: first every state a failed run of migration.sql can leave
(nothing applied, or up to each COMMIT), down.sql from there, compare with the schema
before; then up, down, compare the schema with the one before, up again, compare with the
one after (``verify_partial_history``). Every migration of every case, not only the last,
must come back ``restored`` from all of them. Comments are not part of the schema
snapshot, so they are compared here as well.
"""

from __future__ import annotations

from typing import Any

import pytest

from prisma_down.core.statements import split
from prisma_down.verify.partial import verify_partial_history
from prisma_down.verify.postgres import apply
from prisma_down.verify.postgres_target import reset_postgres
from prisma_down.verify.snapshot import Snapshot, snapshot
from prisma_down.verify.snapshot_diff import diff
from tests.core.fixture_cases import load, names

CASES = names("postgres")

_COMMENTS = """
SELECT pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description
FROM pg_description d
WHERE d.objoid >= 16384  -- FirstNormalObjectId: user objects only
ORDER BY 1, 2
"""

State = tuple[Snapshot, list[tuple[str, str]]]


def _comments(conn: Any) -> list[tuple[str, str]]:
    return [(str(what), str(text)) for what, text in conn.execute(_COMMENTS).fetchall()]


def _state(conn: Any) -> State:
    """The schema snapshot, and the comments it leaves out."""
    return snapshot(conn), _comments(conn)


def _differences(before: State, after: State) -> list[str]:
    out = diff(before[0], after[0])
    gone = [c for c in before[1] if c not in after[1]]
    new = [c for c in after[1] if c not in before[1]]
    out += [f"comment on {what} {text!r} is missing" for what, text in gone]
    out += [f"comment on {what} {text!r} was not there before" for what, text in new]
    return out


@pytest.mark.parametrize("name", CASES)
def test_every_migration_is_restored(pg_conn: Any, name: str) -> None:
    case = load(name)
    verdicts = verify_partial_history(
        pg_conn, case.migrations(), "postgres", apply, _state, _differences, reset_postgres
    )
    bad = [v for v in verdicts if not v.ok]
    assert not bad, "\n".join(
        f"{v.name}: {v.status} {v.error or ''} {'; '.join(v.differences)}" for v in bad
    )
    # every migration with a statement was tried from nothing applied at least
    tried = [v.trials[0].applied if v.trials else None for v in verdicts]
    assert tried == [0 if split(up).statements else None for _, up, _ in case.migrations()]
    assert all(t.status == "restored" for v in verdicts for t in v.trials)
