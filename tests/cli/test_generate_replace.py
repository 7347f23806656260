"""``generate --force`` regenerates only prisma-down's own files; a person's down.sql is
replaced only with ``--replace-hand-written``, after a copy is saved outside the
migrations folder (nothing new appears inside it)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.cli.test_cli import BLOG, DROP_BIO, MIGRATIONS, all_dirs, downs, run
from tests.verify.conftest import require_corpus

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
AMELIORATE = CORPUS / "postgresql" / "amelioro__ameliorate--src-db-migrations"
MINE = b'-- mine, by hand\r\nALTER TABLE "User" ADD COLUMN "bio" TEXT;\r\n'
SAVED = re.compile(r"^saved the old (\S+) as (.+)$", re.M)


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    dest = tmp_path / "blog"
    shutil.copytree(BLOG, dest)
    return dest


def files_in(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def test_force_keeps_a_file_a_person_wrote(blog: Path) -> None:
    target = blog / MIGRATIONS / DROP_BIO / "down.sql"
    target.write_bytes(MINE)
    for args in (("--force",), ("--force", str(MIGRATIONS / DROP_BIO))):
        proc = run(blog, "generate", *args)
        assert proc.returncode == 0
        assert target.read_bytes() == MINE
        assert f"kept {MIGRATIONS}/{DROP_BIO}/down.sql: a person wrote or edited it" in proc.stdout
        assert "--replace-hand-written" in proc.stdout
    assert len(downs(blog)) == 8


def test_force_keeps_a_generated_file_a_person_edited(blog: Path) -> None:
    assert run(blog, "generate").returncode == 0
    target = blog / MIGRATIONS / DROP_BIO / "down.sql"
    edited = target.read_bytes().replace(b"TEXT;", b"VARCHAR(200);")
    assert edited != target.read_bytes()
    target.write_bytes(edited)  # the header is there, but the body no longer matches it
    proc = run(blog, "generate", "--force")
    assert proc.returncode == 0
    assert target.read_bytes() == edited
    assert "a person wrote or edited it" in proc.stdout
    assert proc.stdout.splitlines()[-1].startswith("7 down.sql written, 1 kept")


def test_force_regenerates_stale_and_current_generated_files(blog: Path) -> None:
    assert run(blog, "generate").returncode == 0
    up = blog / MIGRATIONS / DROP_BIO / "migration.sql"
    target = up.parent / "down.sql"
    up.write_text(up.read_text() + '\nALTER TABLE "User" ADD COLUMN "nick" TEXT;\n')
    before = target.read_bytes()
    kept = run(blog, "generate", str(MIGRATIONS / DROP_BIO))
    assert "kept" in kept.stdout and "stale" in kept.stdout and "--force" in kept.stdout
    assert target.read_bytes() == before
    proc = run(blog, "generate", "--force")
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[-1] == "8 down.sql written"
    assert b'"nick"' in target.read_bytes() and target.read_bytes() != before
    assert "saved the old" not in proc.stdout  # prisma-down's own files need no copy


def test_replace_hand_written_saves_the_old_file_outside_the_migrations_folder(
    blog: Path,
) -> None:
    target = blog / MIGRATIONS / DROP_BIO / "down.sql"
    target.write_bytes(MINE)
    inside = files_in(blog / MIGRATIONS)
    proc = run(blog, "generate", "--replace-hand-written")
    assert proc.returncode == 0, proc.stderr
    assert b"prisma-down: migration.sql sha256=" in target.read_bytes()
    found = SAVED.findall(proc.stdout)
    assert [shown for shown, _ in found] == [f"{MIGRATIONS}/{DROP_BIO}/down.sql"]
    saved = (blog / found[0][1]).resolve()
    assert saved.read_bytes() == MINE
    assert (blog / MIGRATIONS).resolve() not in saved.parents
    # nothing new inside the migrations folder but the 8 down.sql files
    assert files_in(blog / MIGRATIONS) - inside == {
        p.parent / "down.sql" for p in (blog / MIGRATIONS).glob("*/migration.sql")
    } - {target}
    # no node_modules here: the user's cache (XDG_CACHE_HOME in these tests)
    assert (blog / ".test-cache" / "prisma-down" / "replaced") in saved.parents
    # a second replacement keeps the first copy
    target.write_bytes(MINE + b"-- more\n")
    again = run(blog, "generate", "--replace-hand-written", str(MIGRATIONS / DROP_BIO))
    second = (blog / SAVED.findall(again.stdout)[0][1]).resolve()
    assert second != saved and second.read_bytes() == MINE + b"-- more\n"
    assert saved.read_bytes() == MINE


def test_replace_hand_written_saves_under_node_modules_when_the_project_has_one(
    blog: Path,
) -> None:
    (blog / "package.json").write_text('{"name": "blog"}\n')
    (blog / "node_modules").mkdir()
    target = blog / MIGRATIONS / DROP_BIO / "down.sql"
    target.write_bytes(MINE)
    proc = run(blog, "generate", "--replace-hand-written", str(MIGRATIONS / DROP_BIO))
    shown = SAVED.findall(proc.stdout)[0][1]
    assert shown.startswith("node_modules/.cache/prisma-down/replaced/"), shown
    assert (blog / shown).read_bytes() == MINE


def test_no_copy_no_replacement(blog: Path) -> None:
    """When the copy cannot be written, the person's file stays."""
    target = blog / MIGRATIONS / DROP_BIO / "down.sql"
    target.write_bytes(MINE)
    (blog / ".test-cache").write_text("a file where the cache folder would be\n")
    proc = run(blog, "generate", "--replace-hand-written", str(MIGRATIONS / DROP_BIO))
    assert proc.returncode == 2
    assert target.read_bytes() == MINE
    assert "could not save a copy" in proc.stderr


def test_a_down_sql_link_is_never_replaced(blog: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "mine.sql"
    elsewhere.write_bytes(MINE)
    target = blog / MIGRATIONS / DROP_BIO / "down.sql"
    target.symlink_to(elsewhere)
    proc = run(blog, "generate", "--replace-hand-written")
    assert target.is_symlink() and elsewhere.read_bytes() == MINE
    assert "kept" in proc.stdout and "link" in proc.stdout


def test_help_says_what_force_replaces(tmp_path: Path) -> None:
    proc = run(tmp_path, "generate", "--help")
    text = " ".join(proc.stdout.split())
    assert "--replace-hand-written" in text
    assert "a person wrote or edited is kept" in text
    assert "even hand-written" not in text


def test_ameliorate_hand_written_files_survive_force(tmp_path: Path) -> None:
    """All 47 down.sql files of ameliorate were written by people."""
    require_corpus(CORPUS, [AMELIORATE] if AMELIORATE.is_dir() else [])
    root = tmp_path / "app" / "prisma" / "migrations"
    shutil.copytree(AMELIORATE, root)
    before = {p: p.read_bytes() for p in root.glob("*/down.sql")}
    assert len(before) == 47
    dirs = all_dirs(tmp_path / "app")
    proc = run(tmp_path / "app", "generate", "--force")
    assert {p: p.read_bytes() for p in before} == before
    assert proc.stdout.count("a person wrote or edited it") == 47
    assert all_dirs(tmp_path / "app") == dirs
