"""A killed ``generate`` leaves nothing in a migration folder for ``git add -A`` to stage.

The kill is real: a start-up audit hook (the test's, not prisma-down's) sends the process
SIGKILL at the moment it moves its first finished temporary file into place.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli import BLOG, MIGRATIONS, downs, run

KILL_WHEN_PLACING = """
import os, signal, sys

def kill_when_placing(event, args):
    if event in ("os.rename", "os.link") and os.fspath(args[1]).endswith("down.sql"):
        os.kill(os.getpid(), signal.SIGKILL)

sys.addaudithook(kill_when_placing)
from prisma_down.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    dest = tmp_path / "blog"
    shutil.copytree(BLOG, dest)
    return dest


def strays(root: Path) -> list[Path]:
    """Files in migration folders other than migration.sql and down.sql."""
    return sorted(
        p for p in (root / MIGRATIONS).glob("*/*") if p.name not in ("migration.sql", "down.sql")
    )


def kill_generate(root: Path, cache: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", KILL_WHEN_PLACING, "generate"],
        cwd=root,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert downs(root) == {}  # killed before its first down.sql was in place


def test_kill_9_leaves_nothing_in_migration_folders(blog: Path) -> None:
    cache = blog / ".test-cache"  # same file system as the project
    kill_generate(blog, cache)
    assert strays(blog) == []
    left = list((cache / "prisma-down" / "tmp").iterdir())
    assert len(left) == 1  # the killed run's temporary, outside the project's migrations
    proc = run(blog, "generate")  # the next run removes it and writes every file
    assert proc.returncode == 0
    assert len(downs(blog)) == 8
    assert list((cache / "prisma-down" / "tmp").iterdir()) == []
    assert strays(blog) == []


@pytest.fixture
def other_file_system() -> Iterator[Path]:
    """A folder on another file system than the tests' temporary folder, if there is one."""
    here = os.stat(tempfile.gettempdir()).st_dev
    for base in ("/dev/shm", "/run/user", "/run"):
        if os.path.isdir(base) and os.access(base, os.W_OK) and os.stat(base).st_dev != here:
            folder = Path(tempfile.mkdtemp(prefix="prisma-down-test-", dir=base))
            yield folder
            shutil.rmtree(folder, ignore_errors=True)
            return
    pytest.skip("no writable folder on a second file system (/dev/shm, /run)")


def test_kill_9_with_the_cache_on_another_file_system(blog: Path, other_file_system: Path) -> None:
    """A rename across file systems is no atomic write: the temporary goes beside the
    target, and the next run removes what a killed run left there."""
    kill_generate(blog, other_file_system)
    left = strays(blog)
    assert len(left) == 1 and left[0].name.startswith(".prisma-down.")
    proc = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", "generate"],
        cwd=blog,
        env={**os.environ, "XDG_CACHE_HOME": str(other_file_system)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"removed {left[0].relative_to(blog)}: a temporary file" in proc.stdout
    assert strays(blog) == []
    assert len(downs(blog)) == 8


def test_an_old_stale_temporary_is_removed(blog: Path) -> None:
    """prisma-down 0.1 wrote ``.down.XXXX.sql.tmp`` beside down.sql; a kill left it there."""
    folder = next((blog / MIGRATIONS).glob("*_drop_user_bio"))
    stale = folder / ".down.k2j4h5.sql.tmp"
    stale.write_bytes(b"")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    fresh = folder / ".down.inflight.sql.tmp"  # another writer's, in use right now
    fresh.write_bytes(b"")
    proc = run(blog, "generate")
    assert proc.returncode == 0
    assert not stale.exists()
    assert f"removed {stale.relative_to(blog)}" in proc.stdout
    assert fresh.exists()
    assert len(downs(blog)) == 8


def test_generate_stdout_touches_nothing(blog: Path) -> None:
    folder = next((blog / MIGRATIONS).glob("*_drop_user_bio"))
    stale = folder / ".down.k2j4h5.sql.tmp"
    stale.write_bytes(b"")
    os.utime(stale, (0, 0))
    assert run(blog, "generate", "--stdout").returncode == 0
    assert stale.exists()
    assert not (blog / ".test-cache").exists()
