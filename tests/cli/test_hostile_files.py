"""Hostile and broken project files through the real CLI: one sentence and exit code 2 (or
a finding), never a traceback, a hang, or a file written where it should not be."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from prisma_down.core.statements import split
from tests.cli.test_cli import BLOG, MIGRATIONS, assert_usage_error, downs, migrations
from tests.privileges import unprivileged

LINKED_OUT = "20250101000000_linked_out"


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    dest = tmp_path / "blog"
    shutil.copytree(BLOG, dest)
    return dest


def add(root: Path, name: str) -> Path:
    folder = root / MIGRATIONS / name
    folder.mkdir()
    return folder / "migration.sql"


def bounded(cwd: Path, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """``run`` under a 1 GiB address-space limit and a short timeout: a read of /dev/zero
    fails the test instead of filling the machine's memory, a blocked read by timing out."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    proc = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "XDG_CACHE_HOME": str(cwd / ".c")},
        timeout=timeout,
        preexec_fn=limit,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-2000:]
    return proc


def unreadable_findings(proc: subprocess.CompletedProcess[str]) -> dict[str, str]:
    return {
        item["migration"]: item["message"]
        for item in json.loads(proc.stdout)
        if item["rule"] == "unreadable-statement"
    }


# --- files that are not regular files, too large, or links out of the project -----------


def test_fifo_migration_is_a_finding_not_a_hang(blog: Path) -> None:
    os.mkfifo(add(blog, "20250101000000_fifo"))
    for _ in range(2):  # the second check goes through the cache key: no hang there either
        proc = bounded(blog, "check", "--format", "json")
        assert proc.returncode == 1
        found = unreadable_findings(proc)
        assert "FIFO" in found["20250101000000_fifo"]
    gen = bounded(blog, "generate")
    assert gen.returncode == 2
    assert "skipped" in gen.stderr and "FIFO" in gen.stderr
    assert len(downs(blog)) == 8


def test_link_to_dev_zero_is_a_finding_not_an_endless_read(blog: Path) -> None:
    add(blog, "20250101000000_zero").symlink_to("/dev/zero")
    proc = bounded(blog, "check", "--format", "json")
    assert proc.returncode == 1
    assert "/dev/zero" in unreadable_findings(proc)["20250101000000_zero"]
    assert bounded(blog, "generate").returncode == 2
    assert len(downs(blog)) == 8


def test_file_beyond_the_size_cap_is_a_finding(blog: Path) -> None:
    from prisma_down.core.files import MAX_FILE_BYTES

    with add(blog, "20250101000000_huge").open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk space, no time
    proc = bounded(blog, "check", "--format", "json")
    assert proc.returncode == 1
    assert "larger than 64 MiB" in unreadable_findings(proc)["20250101000000_huge"]


def test_migration_linked_to_a_file_outside_is_not_copied(blog: Path, tmp_path: Path) -> None:
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:secret-canary:/root:/bin/bash\n")
    add(blog, LINKED_OUT).symlink_to(secret)
    gen = bounded(blog, "generate")
    assert gen.returncode == 2
    assert "outside the migrations folder" in gen.stderr
    assert not (blog / MIGRATIONS / LINKED_OUT / "down.sql").exists()
    assert all(b"secret-canary" not in text for text in downs(blog).values())
    stdout = bounded(blog, "generate", "--stdout")
    assert "secret-canary" not in stdout.stdout
    assert "outside the migrations folder" in unreadable_findings(
        bounded(blog, "check", "--format", "json")
    ).get(LINKED_OUT, "")


def test_migration_linked_inside_the_migrations_folder_is_read(blog: Path) -> None:
    first = next((blog / MIGRATIONS).glob("*_init")) / "migration.sql"
    copy = add(blog, "20250101000000_same_as_init")
    copy.symlink_to(os.path.relpath(first, copy.parent))
    proc = bounded(blog, "check", "--format", "json")
    assert "20250101000000_same_as_init" not in unreadable_findings(proc)


def test_migration_folder_linked_elsewhere_is_refused(blog: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "20250101000000_far"
    elsewhere.mkdir(parents=True)
    (elsewhere / "migration.sql").write_text('CREATE TABLE "Far" ("id" INTEGER);\n')
    (blog / MIGRATIONS / "20250101000000_far").symlink_to(elsewhere)
    gen = bounded(blog, "generate")
    assert gen.returncode == 2
    assert "is a link to" in gen.stderr and "outside the migrations folder" in gen.stderr
    assert not (elsewhere / "down.sql").exists()  # nothing written out of the project
    assert "20250101000000_far" in unreadable_findings(bounded(blog, "check", "--format", "json"))


# --- names and paths --------------------------------------------------------------------


def test_folder_name_not_utf8_is_reported_and_the_others_written(blog: Path) -> None:
    bad = os.fsencode(blog / MIGRATIONS) + b"/20250101000000_caf\xe9"
    os.mkdir(bad)
    with open(bad + b"/migration.sql", "wb") as f:
        f.write(b'CREATE TABLE "Z" ("id" INTEGER);\n')
    gen = bounded(blog, "generate")
    assert gen.returncode == 2
    assert len(gen.stderr.splitlines()) == 1
    assert "caf\\xe9" in gen.stderr and "not UTF-8" in gen.stderr
    assert len(downs(blog)) == 8  # every other migration written
    assert not os.path.exists(bad + b"/down.sql")
    text = bounded(blog, "check")
    assert text.returncode == 1 and "caf\\xe9" in text.stdout
    data = json.loads(bounded(blog, "check", "--format", "json").stdout)
    assert any(item["migration"] == "20250101000000_caf\\xe9" for item in data)


def test_nul_in_prisma_config_path(blog: Path) -> None:
    # a TypeScript escape: the path the config names holds a NUL character
    (blog / "prisma.config.ts").write_text(
        'export default { migrations: { path: "prisma/migr\\0ations" } };\n'
    )
    for command in ("check", "generate"):
        proc = bounded(blog, command)
        assert_usage_error(proc)
        assert "NUL" in proc.stderr
    assert downs(blog) == {}


def test_nul_in_settings_migrations_path(blog: Path) -> None:
    (blog / ".prisma-down.json").write_text('{"migrationsPath": "prisma/mig\\u0000rations"}')
    proc = bounded(blog, "check")
    assert "Traceback" not in proc.stderr
    assert "migrationsPath must be a folder path" in proc.stderr
    assert proc.returncode == 0  # the setting is ignored: prisma/migrations is found


def test_config_naming_migrations_outside_the_project_says_where(
    blog: Path, tmp_path: Path
) -> None:
    shared = tmp_path / "shared" / "migrations"
    shutil.copytree(blog / MIGRATIONS, shared)
    shutil.rmtree(blog / "prisma")
    (blog / "prisma.config.ts").write_text(
        'export default { migrations: { path: "../shared/migrations" } };\n'
    )
    proc = bounded(blog, "generate")
    assert proc.returncode == 0
    assert proc.stderr.splitlines() == [
        "prisma-down: prisma.config.ts names a migrations folder outside its project "
        f"folder: reading and writing {shared.resolve()}"
    ]
    assert len(list(shared.glob("*/down.sql"))) == 8


def test_explicit_folder_without_migration_sql_is_an_error(blog: Path) -> None:
    draft = blog / MIGRATIONS / "20250101000000_draft"
    draft.mkdir()
    (draft / "notes.txt").write_text("not yet\n")
    for command in ("generate", "check"):
        proc = bounded(blog, command, str(draft.relative_to(blog)))
        assert_usage_error(proc)
        assert "not a migration folder" in proc.stderr
    assert downs(blog) == {}
    assert_usage_error(bounded(blog, "generate", str((draft / "notes.txt").relative_to(blog))))
    assert downs(blog) == {}


def test_generate_stdout_into_a_closed_pipe_ends_quietly(blog: Path) -> None:
    """``prisma-down generate --stdout | head -1``."""
    many = "".join(f'CREATE TABLE "T{i}" ("id" INTEGER);\n' for i in range(3000))
    add(blog, "20250101000000_many").write_text(many)  # more than a pipe holds (64 KiB)
    proc = subprocess.Popen(
        [sys.executable, "-m", "prisma_down.cli", "generate", "--stdout"],
        cwd=blog,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "XDG_CACHE_HOME": str(blog / ".c")},
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # what head does after its line
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert first.startswith(b"-- ==> ")
    assert err == ""
    assert code == 141  # 128 + SIGPIPE, as a tool killed by the broken pipe reports


def test_generate_stdout_names_each_file_in_a_comment_a_folder_name_cannot_end(
    blog: Path,
) -> None:
    """The ``-- ==> path <==`` line before each file: a folder name with a line break in
    it ended that comment, and the output, read as SQL, ran the rest of the name."""
    for i, name in enumerate(("x\nDROP TABLE IF EXISTS canary;--", "y\rDROP TABLE canary;--")):
        add(blog, f"2025010100000{i}_{name}").write_text('CREATE TABLE "Z{i}" ("id" INTEGER);\n')
    proc = bounded(blog, "generate", "--stdout")
    assert proc.returncode == 0, proc.stderr
    statements = [s.text for s in split(proc.stdout, "postgres").statements]
    assert statements, proc.stdout
    assert not [s for s in statements if "canary" in s]
    assert proc.stdout.count("-- ==> ") == len(migrations(blog))


# --- folders that cannot be read ---------------------------------------------------------


def test_unreadable_migration_folder_is_reported(blog: Path) -> None:
    locked = add(blog, "20250101000000_locked")
    locked.write_text('CREATE TABLE "Z" ("id" INTEGER);\n')
    locked.parent.chmod(0)
    try:
        env = {**os.environ, "PYTHONIOENCODING": "utf-8", "XDG_CACHE_HOME": str(blog / ".c")}
        base = [sys.executable, "-m", "prisma_down.cli"]

        def cli(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                unprivileged([*base, *args]),
                cwd=blog,
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
            )

        text = cli("check", "--no-cache")
        assert text.returncode == 1, text.stderr
        assert (
            f"{MIGRATIONS}/20250101000000_locked/migration.sql:1:1: error unreadable-statement "
            "cannot read migration.sql: the folder cannot be read (permission denied)"
        ) in text.stdout
        as_json = cli("check", "--format", "json")
        assert "the folder cannot be read" in unreadable_findings(as_json)["20250101000000_locked"]
        gen = cli("generate")
        assert gen.returncode == 2
        assert gen.stderr.splitlines() == [
            f"skipped {MIGRATIONS}/20250101000000_locked/migration.sql: the folder cannot be "
            "read (permission denied)"
        ]
        assert len(downs(blog)) == 8
    finally:
        locked.parent.chmod(0o755)


def test_printed_names_stay_on_one_line_and_drive_no_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A column name holding a line break and an ANSI escape: each printed risk note and
    finding is one line, with the control characters shown as escapes."""
    from prisma_down.cli import main

    migrations = tmp_path / "prisma" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "migration_lock.toml").write_text('provider = "postgresql"\n')
    hostile = "x\nDROP TABLE canary;\x1b[31m"
    ups = {
        "001_init": f'CREATE TABLE "T" ("id" INT, "{hostile}" TEXT);\n',
        "002_drop": f'ALTER TABLE "T" DROP COLUMN "{hostile}";\n',
    }
    for name, sql in ups.items():
        (migrations / name).mkdir()
        (migrations / name / "migration.sql").write_text(sql)
    assert main(["generate", str(migrations)]) == 0
    out = capsys.readouterr().out
    notes = [line for line in out.splitlines() if "loses-data" in line]
    assert notes and all("\x1b" not in line for line in out.splitlines())
    assert any("x\\nDROP TABLE canary;\\x1b[31m" in line for line in notes), out
    main(["check", "--no-cache", str(migrations)])
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert not any(line.startswith("DROP TABLE") for line in out.splitlines()), out
