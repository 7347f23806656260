"""SQLite as a verify target: a database file in a temporary folder, used in-process.

SQLite has no server and takes no ``--database-url``: every run gets a fresh file. Scripts
run, and schemas are read, by :mod:`prisma_down.verify.sqlite`.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prisma_down.verify.target import Engine, Target

_LABEL = "SQLite"


@contextlib.contextmanager
def private() -> Iterator[Target]:
    """A new SQLite database file, deleted with its folder afterwards."""
    from prisma_down.verify import sqlite, sqlite_rows

    with tempfile.TemporaryDirectory(prefix="prisma-down-verify-") as folder:
        conn = sqlite.connect(Path(folder) / "verify.db")
        try:
            yield Target(
                conn,
                sqlite.apply,
                sqlite.snapshot,
                sqlite.diff,
                _LABEL,
                reset_sqlite,
                sqlite_rows.ENGINE,
            )
        finally:
            conn.close()


def reset_sqlite(conn: Any) -> None:
    """Drop every table, view, index and trigger of a SQLite database."""
    rows = conn.execute(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "AND type IN ('table', 'view') ORDER BY type DESC"
    ).fetchall()
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        for kind, name in rows:
            quoted = '"' + str(name).replace('"', '""') + '"'
            conn.execute(f"DROP {kind.upper()} IF EXISTS {quoted}")
    finally:
        conn.execute("PRAGMA foreign_keys=ON")


ENGINE = Engine(_LABEL, _LABEL, (), private)
