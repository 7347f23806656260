"""``check --since REF`` against a real git repository in a temporary folder."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.workflow import add_migration, blog, findings, run

NEW = "20990101000000_drop_post_title"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    app = blog(tmp_path)
    git(app, "init", "-q", "-b", "main")
    git(app, "add", "-A")
    git(app, "commit", "-q", "-m", "history")
    return app


def test_since_reports_only_the_migrations_added_since_the_ref(repo: Path) -> None:
    add_migration(repo / "prisma" / "migrations", NEW, 'ALTER TABLE "Post" DROP COLUMN "title";\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "new migration")
    everything = findings(repo)
    assert {r["migration"] for r in everything} > {NEW}
    since = findings(repo, "--since", "HEAD~1")
    assert since == [r for r in everything if r["migration"] == NEW]
    assert {r["rule"] for r in since} == {"missing-down-sql", "drop-without-rename"}
    assert findings(repo, "--since", "HEAD") == []
    text = run(repo, "check", "--since", "HEAD~1", "--fail-on", "never")
    assert text.stdout.endswith("1 migration checked: 0 errors, 2 warnings\n")


def test_since_counts_uncommitted_migrations_as_added(repo: Path) -> None:
    add_migration(repo / "prisma" / "migrations", NEW, 'ALTER TABLE "Post" DROP COLUMN "title";\n')
    assert {r["migration"] for r in findings(repo, "--since", "HEAD")} == {NEW}


def test_since_from_a_subfolder_of_the_repository(repo: Path) -> None:
    add_migration(repo / "prisma" / "migrations", NEW, 'ALTER TABLE "Post" DROP COLUMN "title";\n')
    rows = findings(repo / "prisma", "--since", "main")
    assert {r["migration"] for r in rows} == {NEW}
    assert rows[0]["path"] == f"migrations/{NEW}/migration.sql"


@pytest.mark.parametrize(
    ("ref", "said"),
    [
        ("nope", "--since nope: git knows no commit by that name"),
        ("--output=x", "is not a git ref"),
    ],
)
def test_bad_refs_are_one_sentence(repo: Path, ref: str, said: str) -> None:
    proc = run(repo, "check", f"--since={ref}")
    assert proc.returncode == 2
    assert said in proc.stderr and proc.stderr.count("\n") == 1
    assert not (repo / "x").exists()


def test_since_outside_a_repository(tmp_path: Path) -> None:
    app = blog(tmp_path)
    proc = run(app, "check", "--since", "HEAD")
    assert proc.returncode == 2
    assert "needs a git repository" in proc.stderr
