"""Where rollback looks for the database URL, special files never block or flood it.

A FIFO (a named pipe) blocks a plain ``open`` until someone writes to it; a link to
``/dev/zero`` never ends. The schema, the config and Prisma's own package.json are read
as regular files only (``core.files.read_regular``), each in its own process with a
timeout here, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import sys
from pathlib import Path
from prisma_down import datasource
project = Path(sys.argv[1])
found = datasource.resolve(project, project / "prisma" / "schema.prisma", {})
print(found.url)
"""


def _resolve(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(project)],
        capture_output=True,
        text=True,
        timeout=20,
    )


@pytest.mark.parametrize("special", ["fifo", "dev-zero"])
@pytest.mark.parametrize("which", ["prisma/schema.prisma", "prisma.config.ts"])
def test_special_files_are_not_read(tmp_path: Path, special: str, which: str) -> None:
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_text(
        'datasource db {\n  provider = "postgresql"\n  url = "postgresql://localhost/x"\n}\n'
    )
    target = tmp_path / which
    target.unlink(missing_ok=True)
    if special == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/zero")
    done = _resolve(tmp_path)  # raises TimeoutExpired on a blocking read
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
