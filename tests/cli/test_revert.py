"""``prisma-down revert NAME``: exactly one new folder, after every migration, or nothing.

That the SQL restores the schema is proven on real databases in
``tests/verify/test_revert.py``; here: where the folder goes and what is refused.
"""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import pytest

from prisma_down.projects import UsageError
from prisma_down.revert_command import folder_name
from tests.cli.workflow import add_migration, blog, run

NAME = "20240402084500_add_post_slug"


def _tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` with its sha256."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".test-cache" not in p.parts
    }


def _new_folders(migrations: Path, before: dict[str, str]) -> list[str]:
    return sorted(
        {p.name for p in migrations.iterdir() if p.is_dir()} - {k.split("/")[0] for k in before}
    )


def test_revert_writes_one_folder_with_the_inverse_and_says_what_to_do(tmp_path: Path) -> None:
    app = blog(tmp_path)
    migrations = app / "prisma" / "migrations"
    before = _tree(migrations)
    proc = run(app, "revert", NAME)
    assert proc.returncode == 0, proc.stderr
    (new,) = _new_folders(migrations, before)
    assert new.endswith("_revert_add_post_slug") and new > NAME
    sql = (migrations / new / "migration.sql").read_text()
    assert sql.startswith(f"-- Revert {NAME}: its inverse")
    assert 'DROP INDEX IF EXISTS "Post_slug_key";' in sql
    assert 'DROP COLUMN IF EXISTS "slug";' in sql
    assert "schema.prisma" in proc.stderr and "npx prisma migrate deploy" in proc.stderr
    after = _tree(migrations)
    assert {k: v for k, v in after.items() if not k.startswith(new)} == before
    assert sorted(k for k in after if k.startswith(new)) == [
        f"{new}/down.sql",
        f"{new}/migration.sql",
    ]


def test_revert_takes_the_path_as_the_other_commands(tmp_path: Path) -> None:
    app = blog(tmp_path)
    migrations = app / "prisma" / "migrations"
    before = _tree(migrations)
    by_option = run(tmp_path, "revert", NAME, "--path", "app")
    assert by_option.returncode == 0, by_option.stderr
    by_folder = run(tmp_path, "revert", f"app/prisma/migrations/{NAME}")
    assert by_folder.returncode == 0, by_folder.stderr
    first, second = _new_folders(migrations, before)
    assert second > first  # the second sorts after the first, even in the same second


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["revert", "20990101000000_nope"], "there is no migration named 20990101000000_nope"),
        (["revert"], "the following arguments are required: NAME"),
    ],
)
def test_revert_refusals_write_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    app = blog(tmp_path)
    before = _tree(app)
    proc = run(app, *args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert _tree(app) == before


def test_revert_in_a_monorepo_root_asks_for_one_project(tmp_path: Path) -> None:
    root = tmp_path / "mono"
    blog(root / "packages", "a")
    blog(root / "packages", "b")
    before = _tree(root)
    proc = run(root, "revert", NAME)
    assert proc.returncode == 2
    assert "holds 2 Prisma projects" in proc.stderr
    assert _tree(root) == before


def test_a_future_timestamp_still_gets_a_folder_after_it(tmp_path: Path) -> None:
    app = blog(tmp_path)
    migrations = app / "prisma" / "migrations"
    add_migration(migrations, "29991231235959_later", 'ALTER TABLE "Post" ADD COLUMN "x" TEXT;\n')
    before = _tree(migrations)
    proc = run(app, "revert", "29991231235959_later")
    assert proc.returncode == 0, proc.stderr
    assert _new_folders(migrations, before) == ["29991231235960_revert_later"]


def test_folder_name_rules() -> None:
    now = datetime.datetime(2026, 1, 2, 3, 4, 5)
    assert folder_name("20240101000000_Add User!", ["20240101000000_x"], now) == (
        "20260102030405_revert_add_user"
    )
    assert folder_name("1_init", ["1_init", "2_b"], now) == "3_revert_init"  # "2_b" > "2026"
    assert folder_name("01_a", ["01_a", "19_b"], now) == "20260102030405_revert_a"
    assert folder_name("1_a", ["1_a", "8_b"], now) == "9_revert_a"
    assert len(folder_name("20240101000000_" + "é" * 300, [], now).encode()) <= 200
    with pytest.raises(UsageError, match="sorts after any timestamp"):
        folder_name("init", ["init", "zzz_custom"], now)
    with pytest.raises(UsageError, match="sorts after any timestamp"):
        folder_name("a", ["a", "9_x"], now)  # "10_…" and "2026…" sort before "9_x"
