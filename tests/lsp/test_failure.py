"""An analysis that raises is logged, and nothing that waits for it hangs."""

from __future__ import annotations

import asyncio
from pathlib import Path

from prisma_down.lsp.server import create_server


async def test_a_failing_analysis_releases_its_waiters(tmp_path: Path) -> None:
    migrations = tmp_path / "prisma" / "migrations"
    (migrations / "20240101000000_init").mkdir(parents=True)
    (migrations / "20240101000000_init" / "migration.sql").write_text(
        'CREATE TABLE "A" ("id" INT);'
    )
    ls = create_server()
    session = ls.session
    logged: list[str] = []
    session.log = lambda message, kind=None: logged.append(message)  # type: ignore[method-assign]

    def boom(*args: object) -> None:
        raise RuntimeError("reader bug")

    session._analyse = boom  # type: ignore[method-assign]
    session._snapshot = lambda root: ({}, {})  # type: ignore[method-assign]  # no client here
    root = session.root(migrations)
    result = await asyncio.wait_for(session.wait(root), 5)
    assert result is None
    assert any("could not analyse" in m and "reader bug" in m for m in logged)
