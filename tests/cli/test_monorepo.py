"""A folder holding two Prisma projects: every command finds both and says which it used."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.workflow import BLOG, findings, run

SQLITE = 'CREATE TABLE "Note" ("id" INTEGER NOT NULL PRIMARY KEY, "body" TEXT);\n'


@pytest.fixture
def mono(tmp_path: Path) -> Path:
    root = tmp_path / "mono"
    (root / "packages").mkdir(parents=True)
    (root / "package.json").write_text('{"name": "mono", "workspaces": ["packages/*"]}\n')
    shutil.copytree(BLOG / "prisma", root / "packages" / "a" / "prisma")
    (root / "packages" / "a" / "package.json").write_text('{"name": "a"}\n')
    b = root / "packages" / "b" / "prisma" / "migrations"
    (b / "20240101000000_notes").mkdir(parents=True)
    (b / "migration_lock.toml").write_text('provider = "sqlite"\n')
    (b / "20240101000000_notes" / "migration.sql").write_text(SQLITE)
    return root


A = "packages/a/prisma/migrations"
B = "packages/b/prisma/migrations"


def test_check_reports_every_project(mono: Path) -> None:
    proc = run(mono, "check", "--fail-on", "never")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == f"prisma-down: 2 projects under .: {A}, {B}\n"
    assert f"{A}: 8 migrations checked: 0 errors, 10 warnings\n" in proc.stdout
    assert f"{B}: 1 migration checked: 0 errors, 1 warning\n" in proc.stdout
    rows = findings(mono)
    assert {r["path"].split("/prisma/")[0] for r in rows} == {"packages/a", "packages/b"}
    assert {r["migration"] for r in rows if r["path"].startswith("packages/b/")} == {
        "20240101000000_notes"
    }
    # from inside one project, only that one
    assert {r["path"] for r in findings(mono / "packages" / "b")} == {
        "prisma/migrations/20240101000000_notes/migration.sql"
    }


def test_generate_writes_in_every_project(mono: Path) -> None:
    proc = run(mono, "generate")
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {B}/20240101000000_notes/down.sql" in proc.stdout
    assert f"wrote {A}/20240105093000_init/down.sql" in proc.stdout
    assert proc.stdout.count("down.sql written") == 2
    assert findings(mono) == [r for r in findings(mono) if r["rule"] != "missing-down-sql"]


def test_baseline_writes_each_projects_own_config(mono: Path) -> None:
    proc = run(mono, "baseline")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((mono / "packages" / "a" / ".prisma-down.json").read_text()) == {
        "baseline": "20240402084500_add_post_slug"
    }
    assert json.loads((mono / "packages" / "b" / ".prisma-down.json").read_text()) == {
        "baseline": "20240101000000_notes"
    }
    assert not (mono / ".prisma-down.json").exists()
    assert findings(mono) == []


def test_baseline_by_name_picks_the_project_holding_it(mono: Path) -> None:
    (mono / ".prisma-down.json").write_text('{"rules": {"irreversible-statement": "off"}}\n')
    proc = run(mono, "baseline", "20240101000000_notes")
    assert proc.returncode == 0, proc.stderr
    # b gets its own file, starting from the shared settings; a is untouched
    assert json.loads((mono / "packages" / "b" / ".prisma-down.json").read_text()) == {
        "rules": {"irreversible-statement": "off"},
        "baseline": "20240101000000_notes",
    }
    assert not (mono / "packages" / "a" / ".prisma-down.json").exists()
    assert {r["path"].split("/prisma/")[0] for r in findings(mono)} == {"packages/a"}


def test_verify_covers_both_projects(mono: Path) -> None:
    assert run(mono, "generate", "packages/b").returncode == 0
    proc = run(mono, "verify", "packages/b")
    assert proc.returncode == 0, proc.stderr
    assert "20240101000000_notes: restored" in proc.stdout
    both = run(mono, "verify", "--format", "json")
    assert "2 projects under" in both.stderr
    names = {v["migration"] for v in json.loads(both.stdout)}
    assert "20240101000000_notes" in names and "20240105093000_init" in names


def test_rollback_needs_one_project(mono: Path) -> None:
    proc = run(mono, "rollback", "--yes")
    assert proc.returncode == 2
    assert proc.stderr.startswith("prisma-down: . holds 2 Prisma projects (")
    assert proc.stderr.count("\n") == 1


def test_path_positional_and_option_agree(mono: Path) -> None:
    one = findings(mono, "packages/b")
    assert findings(mono, "--path", "packages/b") == one
    clash = run(mono, "check", "packages/a", "--path", "packages/b")
    assert clash.returncode == 2 and "two paths given" in clash.stderr


@pytest.mark.parametrize(
    ("command", "positional"),
    [("generate", True), ("check", True), ("verify", True), ("baseline", True),
     ("rollback", False), ("revert", False)],
)  # fmt: skip
def test_help_says_how_each_command_takes_path(
    tmp_path: Path, command: str, positional: bool
) -> None:
    proc = run(tmp_path, command, "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "--path DIR" in text
    if positional:
        assert "[PATH]" in text and "given as a positional argument or as --path DIR" in text
    else:
        assert "[PATH]" not in text and "as --path DIR only" in text
