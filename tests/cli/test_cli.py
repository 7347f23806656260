"""The real ``prisma-down`` console script, run in a subprocess over a copy of examples/blog."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from prisma_down import __version__

REPO = Path(__file__).resolve().parents[2]
BLOG = REPO / "examples" / "blog"
MIGRATIONS = Path("prisma") / "migrations"
DROP_BIO = "20240215090000_drop_user_bio"
SLUG = "20240402084500_add_post_slug"
LINE = re.compile(r"^(\S+):(\d+):(\d+): (error|warning|info) ([a-z-]+) (.+)$")


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    dest = tmp_path / "blog"
    shutil.copytree(BLOG, dest)
    assert not list(dest.rglob("down.sql"))
    return dest


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONIOENCODING": "utf-8",
        "NO_COLOR": "1",
        "XDG_CACHE_HOME": str(cwd / ".test-cache"),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


def migrations(root: Path) -> list[Path]:
    return sorted(p for p in (root / MIGRATIONS).iterdir() if p.is_dir())


def downs(root: Path) -> dict[str, bytes]:
    return {p.parent.name: p.read_bytes() for p in (root / MIGRATIONS).glob("*/down.sql")}


def all_dirs(root: Path) -> set[Path]:
    return {p for p in (root / MIGRATIONS).rglob("*") if p.is_dir()}


def rules_in(output: str) -> list[str]:
    return [m.group(5) for m in map(LINE.match, output.splitlines()) if m]


# --- check -----------------------------------------------------------------------------


def test_check_text_format(blog: Path) -> None:
    proc = run(blog, "check")
    assert proc.returncode == 0  # only warnings, --fail-on error by default
    lines = proc.stdout.splitlines()
    findings = [LINE.match(line) for line in lines[:-1]]
    assert findings and all(findings), lines
    assert lines[-1] == "8 migrations checked: 0 errors, 10 warnings"
    rules = [m.group(5) for m in findings if m]
    assert rules.count("missing-down-sql") == 8
    drop = next(m for m in findings if m and m.group(5) == "drop-without-rename")
    assert drop.group(1) == f"{MIGRATIONS}/{DROP_BIO}/migration.sql"
    assert (drop.group(2), drop.group(3), drop.group(4)) == ("8", "1", "warning")
    assert '"User"."bio"' in drop.group(6)
    irreversible = next(m for m in findings if m and m.group(5) == "irreversible-statement")
    assert irreversible.group(1).endswith(f"{SLUG}/migration.sql")
    assert irreversible.group(2) == "14" and "UPDATE" in irreversible.group(6)


def test_check_fail_on(blog: Path) -> None:
    assert run(blog, "check", "--fail-on", "error").returncode == 0
    assert run(blog, "check", "--fail-on", "warning").returncode == 1
    assert run(blog, "check", "--fail-on", "never").returncode == 0


def test_check_error_exit_code(blog: Path) -> None:
    bad = blog / MIGRATIONS / "20250101000000_bad"
    bad.mkdir()
    (bad / "migration.sql").write_bytes(b"\xff\xfe garbage")
    proc = run(blog, "check")
    assert proc.returncode == 1
    assert "error unreadable-statement" in proc.stdout
    assert proc.stdout.splitlines()[-1].startswith("9 migrations checked: 1 error,")
    assert run(blog, "check", "--fail-on", "never").returncode == 0


def test_check_json(blog: Path) -> None:
    proc = run(blog, "check", "--format", "json")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert len(data) == 10
    keys = {"rule", "severity", "path", "line", "column", "end_line", "end_column"}
    keys |= {"message", "migration", "url"}
    assert all(set(item) == keys for item in data)
    drop = next(item for item in data if item["rule"] == "drop-without-rename")
    assert drop["severity"] == "warning"
    assert drop["path"] == f"{MIGRATIONS}/{DROP_BIO}/migration.sql"
    assert (drop["line"], drop["column"]) == (8, 1)  # 1-based
    assert drop["end_line"] == 8
    assert drop["end_column"] == len('ALTER TABLE "User" DROP COLUMN "bio";') + 1
    assert drop["migration"] == DROP_BIO
    assert "bio_archived" in drop["message"]
    assert all(item["line"] >= 1 and item["column"] >= 1 for item in data)


# --- generate --------------------------------------------------------------------------


def test_generate_writes_every_missing_down_sql(blog: Path) -> None:
    dirs_before = all_dirs(blog)
    proc = run(blog, "generate")
    assert proc.returncode == 0
    names = [p.name for p in migrations(blog)]
    assert sorted(downs(blog)) == names
    for name in names:
        assert f"wrote {MIGRATIONS}/{name}/down.sql" in proc.stdout
    assert f"{MIGRATIONS}/{DROP_BIO}/migration.sql:8: loses-data:" in proc.stdout
    assert f"{MIGRATIONS}/{SLUG}/migration.sql:14: irreversible:" in proc.stdout
    assert proc.stdout.splitlines()[-1] == "8 down.sql written"
    assert all_dirs(blog) == dirs_before  # never creates a folder
    assert not list((blog / MIGRATIONS).rglob("*.tmp"))
    bio = (blog / MIGRATIONS / DROP_BIO / "down.sql").read_text(encoding="utf-8")
    assert 'ALTER TABLE "User" ADD COLUMN IF NOT EXISTS "bio" TEXT;' in bio
    assert "-- loses-data:" in bio

    first = downs(blog)
    again = run(blog, "generate")
    assert again.returncode == 0
    assert "wrote" not in again.stdout
    assert again.stdout.splitlines()[-1].startswith("0 down.sql written, 8 kept")
    assert downs(blog) == first


def test_after_generate_check_is_clean(blog: Path) -> None:
    assert run(blog, "generate").returncode == 0
    proc = run(blog, "check", "--fail-on", "warning")
    rules = rules_in(proc.stdout)
    assert "missing-down-sql" not in rules
    assert "down-does-not-restore" not in rules
    assert "stale-down-sql" not in rules
    assert sorted(rules) == ["drop-without-rename", "irreversible-statement"]
    assert proc.returncode == 1


def test_person_down_sql_is_kept(blog: Path) -> None:
    mine = b'-- mine, by hand\r\nALTER TABLE "User" ADD COLUMN "bio" TEXT;\r\n'
    target = blog / MIGRATIONS / DROP_BIO / "down.sql"
    target.write_bytes(mine)
    proc = run(blog, "generate")
    assert proc.returncode == 0
    assert target.read_bytes() == mine
    assert f"wrote {MIGRATIONS}/{DROP_BIO}/down.sql" not in proc.stdout
    assert "7 down.sql written, 1 kept" in proc.stdout

    one = run(blog, "generate", str(MIGRATIONS / DROP_BIO))
    assert one.returncode == 0
    assert target.read_bytes() == mine
    assert "kept" in one.stdout and "--replace-hand-written" in one.stdout
    # --force, and what replaces a person's file: tests/cli/test_generate_replace.py


def test_generate_one_migration(blog: Path) -> None:
    proc = run(blog, "generate", str(MIGRATIONS / DROP_BIO))
    assert proc.returncode == 0
    assert list(downs(blog)) == [DROP_BIO]
    assert f"wrote {MIGRATIONS}/{DROP_BIO}/down.sql" in proc.stdout
    assert proc.stdout.splitlines()[-1] == "1 down.sql written"


def test_generate_stdout_writes_no_file(blog: Path) -> None:
    dirs_before = all_dirs(blog)
    proc = run(blog, "generate", "--stdout")
    assert proc.returncode == 0
    assert downs(blog) == {}
    assert all_dirs(blog) == dirs_before
    assert proc.stdout.count("-- prisma-down: migration.sql sha256=") == 8
    assert f"-- ==> {MIGRATIONS}/{DROP_BIO}/down.sql <==" in proc.stdout
    one = run(blog, "generate", "--stdout", str(MIGRATIONS / DROP_BIO))
    assert one.stdout.startswith(f"-- Down migration for {DROP_BIO}")
    assert 'ADD COLUMN IF NOT EXISTS "bio" TEXT;' in one.stdout
    assert downs(blog) == {}


def test_generate_never_creates_folders(blog: Path) -> None:
    missing = blog / MIGRATIONS / "20990101000000_not_there"
    proc = run(blog, "generate", str(missing))
    assert proc.returncode == 2
    assert not missing.exists()
    assert downs(blog) == {}


# --- bad input -------------------------------------------------------------------------


def assert_usage_error(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("prisma-down: ")


@pytest.mark.parametrize("command", ["check", "generate"])
def test_path_that_does_not_exist(tmp_path: Path, command: str) -> None:
    assert_usage_error(run(tmp_path, command, str(tmp_path / "nope")))


@pytest.mark.parametrize("command", ["check", "generate"])
def test_folder_without_migrations(tmp_path: Path, command: str) -> None:
    assert_usage_error(run(tmp_path, command))
    root = tmp_path / "prisma" / "migrations"
    root.mkdir(parents=True)
    (root / "migration_lock.toml").write_text('provider = "postgresql"\n', encoding="utf-8")
    proc = run(tmp_path, command)
    assert_usage_error(proc)
    assert "no migrations" in proc.stderr
    assert list(root.iterdir()) == [root / "migration_lock.toml"]


@pytest.mark.parametrize("command", ["check", "generate"])
def test_unsupported_provider(blog: Path, command: str) -> None:
    lock = blog / MIGRATIONS / "migration_lock.toml"
    lock.write_text('provider = "mongodb"\n', encoding="utf-8")  # no SQL migrations at all
    proc = run(blog, command)
    assert_usage_error(proc)
    assert "mongodb" in proc.stderr
    assert downs(blog) == {}


def test_invalid_bytes_no_traceback(blog: Path) -> None:
    bad = blog / MIGRATIONS / "20250101000000_bad"
    bad.mkdir()
    (bad / "migration.sql").write_bytes(b"\xff\xfe garbage")
    proc = run(blog, "generate")
    assert proc.returncode == 2
    assert "skipped" in proc.stderr and "UTF-8" in proc.stderr
    assert not (bad / "down.sql").exists()
    assert len(downs(blog)) == 8
    assert run(blog, "check", "--format", "json").returncode == 1


def test_version(tmp_path: Path) -> None:
    proc = run(tmp_path, "--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"prisma-down {__version__}"


def test_check_cache_answers_the_same_and_notices_every_change(blog: Path) -> None:
    first = run(blog, "check", "--format", "json")
    cache_files = list((blog / ".test-cache" / "prisma-down").glob("*.json"))
    assert len(cache_files) == 1, "the first check stores its findings"
    second = run(blog, "check", "--format", "json")
    assert second.stdout == first.stdout and second.returncode == first.returncode
    # a byte changed anywhere in the history means a fresh analysis
    migration = next((blog / "prisma" / "migrations").glob("*_drop_user_bio")) / "migration.sql"
    migration.write_text(
        migration.read_text().replace('DROP COLUMN "bio"', 'RENAME COLUMN "bio" TO "bio_archived"')
    )
    third = run(blog, "check", "--format", "json")
    assert "drop-without-rename" in first.stdout
    assert "drop-without-rename" not in third.stdout
    uncached = run(blog, "check", "--format", "json", "--no-cache")
    assert uncached.stdout == third.stdout


def test_check_cache_keeps_each_output_variant_apart(blog: Path) -> None:
    """Format, --fail-on, the working folder and settings change what check prints."""
    cold = {
        args: run(blog, "check", *args, "--no-cache")
        for args in (("--format", "json"), ("--format", "text"), ("--fail-on", "warning"))
    }
    for _ in range(2):  # the first run fills the cache, the second answers from it
        for args, expected in cold.items():
            got = run(blog, "check", *args)
            assert (got.stdout, got.returncode) == (expected.stdout, expected.returncode), args
    assert cold[("--fail-on", "warning")].returncode == 1 != cold[("--format", "text")].returncode
    # paths are shown relative to where check runs
    inside = blog / "prisma"
    env_cache = str(blog / ".test-cache")
    here = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", "check", "..", "--format", "json"],
        cwd=inside,
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": env_cache},
        timeout=120,
    )
    assert json.loads(here.stdout)[0]["path"].startswith("migrations/")
    assert json.loads(cold[("--format", "json")].stdout)[0]["path"].startswith("prisma/")
    # a settings file changes severities: the cached answer must not survive it
    (blog / ".prisma-down.json").write_text('{"rules": {"missing-down-sql": "off"}}')
    quiet = run(blog, "check", "--format", "json")
    assert "missing-down-sql" not in quiet.stdout
    assert "missing-down-sql" in cold[("--format", "json")].stdout
