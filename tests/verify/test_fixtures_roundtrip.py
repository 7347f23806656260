"""Every fixture history, replayed on a real PostgreSQL: the judge of the expected files.

For each migration in turn: up, down, compare the schema with the one before, up again,
compare with the one after (``verify_history``). Every migration of every case, not only
the last, must come back ``restored``. Comments are not part of the schema snapshot, so
they are compared here as well.
"""

from __future__ import annotations

from typing import Any

import pytest

from prisma_down.verify.postgres import apply
from prisma_down.verify.roundtrip import verify_history
from tests.core.fixture_cases import load, names

CASES = names("postgres")

_COMMENTS = """
SELECT pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description
FROM pg_description d
WHERE d.objoid >= 16384  -- FirstNormalObjectId: user objects only
ORDER BY 1, 2
"""


def _comments(conn: Any) -> list[tuple[str, str]]:
    return [(str(what), str(text)) for what, text in conn.execute(_COMMENTS).fetchall()]


class _Recorder:
    """``apply`` that also notes the comments after every script that succeeded."""

    def __init__(self) -> None:
        self.states: list[list[tuple[str, str]]] = []

    def __call__(self, conn: Any, script: str) -> str | None:
        err = apply(conn, script)
        if err is None:
            self.states.append(_comments(conn))
        return err


@pytest.mark.parametrize("name", CASES)
def test_every_migration_is_restored(pg_conn: Any, name: str) -> None:
    case = load(name)
    recorder = _Recorder()
    verdicts = verify_history(pg_conn, case.migrations(), recorder)
    bad = [v for v in verdicts if not v.ok]
    assert not bad, "\n".join(
        f"{v.name}: {v.status} {v.error or ''} {'; '.join(v.differences)}" for v in bad
    )
    # all restored: each migration ran up, down, up, in that order
    before: list[tuple[str, str]] = []
    for i, (migration, *_rest) in enumerate(case.migrations()):
        up, down, again = recorder.states[3 * i : 3 * i + 3]
        assert down == before, f"{migration}: down.sql left other comments than before"
        assert again == up, f"{migration}: up after down left other comments"
        before = again
