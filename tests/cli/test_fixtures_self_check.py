"""Every PostgreSQL fixture history: ``generate``, then ``check`` finds its down.sql restoring.

The fixtures are small histories written for one cause each; their round trip on a real
PostgreSQL is ``tests/verify/test_fixtures_roundtrip.py``. Here the catalog comparison
must agree with that server (a SERIAL column's sequence, re-created by down.sql with
``CREATE SEQUENCE ... OWNED BY``, was once reported both left over and missing).
"""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from prisma_down.cli import main
from tests.core.fixture_cases import FIXTURES, names


@pytest.mark.parametrize("name", names("postgres"))
def test_generated_down_sql_passes_check(tmp_path: Path, name: str) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(FIXTURES / "postgres" / name / "history", copy)
    (copy / "migration_lock.toml").write_text('provider = "postgresql"\n')
    with redirect_stdout(io.StringIO()):
        assert main(["generate", str(copy)]) in (0, 1)
    assert list(copy.glob("*/down.sql")), "nothing was generated"
    out = io.StringIO()
    with redirect_stdout(out):
        main(["check", str(copy), "--format", "json", "--fail-on", "never", "--no-cache"])
    found = [f for f in json.loads(out.getvalue()) if f["rule"] == "down-does-not-restore"]
    assert found == [], "\n".join(f"{f['migration']}: {f['message']}" for f in found)
