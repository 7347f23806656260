"""No code path writes to an existing migration.sql.

Run: every CLI command, with every flag that writes, over a real SQLite project (the
Prisma stand-in runs rollback's SQL on it), and compare each migration.sql's sha256
before and after; ``revert`` may add exactly one new migration folder. Read: every call in
``server/prisma_down`` that writes, renames or replaces a file sits in a function of a
known list, and only ``revert``'s names a migration.sql (the one in its new folder). The
language server's commands are run the same way in ``tests/lsp/test_workflow.py``.
"""

from __future__ import annotations

import ast
import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.prisma_standin import install, launchers
from tests.cli.workflow import REPO, run

SERVER = REPO / "server" / "prisma_down"
UPS = [
    ("20240101000000_init", 'CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY, '
                            '"email" TEXT NOT NULL, "bio" TEXT);'),
    ("20240102000000_post", 'CREATE TABLE "Post" ("id" INTEGER NOT NULL PRIMARY KEY, '
                            '"title" TEXT);'),
    ("20240103000000_drop_bio", 'ALTER TABLE "User" DROP COLUMN "bio";'),
    ("20240104000000_email_key", 'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");'),
]  # fmt: skip


def _ups(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("migration.sql"))
    }


@pytest.fixture
def app(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    migrations = root / "prisma" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "migration_lock.toml").write_text('provider = "sqlite"\n')
    (root / "prisma" / "schema.prisma").write_text(
        'datasource db {\n  provider = "sqlite"\n  url = env("DATABASE_URL")\n}\n'
    )
    (root / "package.json").write_text('{"name": "app"}\n')
    for name, sql in UPS:
        (migrations / name).mkdir()
        (migrations / name / "migration.sql").write_text(sql + "\n")
    install(root)
    return root


def test_every_command_leaves_every_migration_sql_as_it_was(app: Path, tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"file:{tmp_path / 'dev.db'}",
        "PATH": f"{launchers(tmp_path / 'bin')}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=app, check=True)
    subprocess.run([*git, "add", "-A"], cwd=app, check=True)
    subprocess.run([*git, "commit", "-qm", "history"], cwd=app, check=True)
    deploy = subprocess.run(
        [str(app / "node_modules" / ".bin" / "prisma"), "migrate", "deploy"],
        cwd=app, env=os.environ | env, capture_output=True, text=True,
    )  # fmt: skip
    assert deploy.returncode == 0, deploy.stderr
    before = _ups(app)
    migrations = app / "prisma" / "migrations"
    last, drop = UPS[-1][0], UPS[2][0]
    commands: list[list[str]] = [
        ["generate"],
        ["generate", "--force"],
        ["generate", "--replace-hand-written"],
        ["generate", "--stdout"],
        ["generate", f"prisma/migrations/{drop}"],
        ["check", "--fail-on", "never"],
        ["check", "--since", "HEAD", "--fail-on", "never"],
        ["verify"],
        ["verify", "--partial"],
        ["rollback", "--yes"],
        ["rollback", "--to", UPS[0][0], "--yes"],
        ["baseline", drop],
        ["baseline"],
        ["explain", "drop-without-rename"],
        ["revert", drop],
    ]
    codes = {}
    for args in commands:
        (migrations / last / "down.sql").exists() or run(app, "generate", env=env)
        proc = run(app, *args, env=env)
        codes[" ".join(args)] = proc.returncode
        assert proc.returncode in (0, 1), (args, proc.stderr)
        after = _ups(app)
        added = sorted(set(after) - set(before))
        assert {k: after[k] for k in before} == before, args
        if args[0] != "revert":
            assert added == [], args
    assert codes["rollback --yes"] == 0 and codes["revert " + drop] == 0
    (new,) = sorted(set(_ups(app)) - set(before))
    assert "_revert_drop_bio/" in new


# Every function that writes, renames or replaces a file, by module; what each writes.
WRITERS = {
    "check_cache.py": {"store"},  # the check cache, under XDG_CACHE_HOME
    "cli.py": {"main"},  # os.devnull, where a closed stdout is pointed
    "config_file.py": {"_write"},  # .prisma-down.json / package.json
    # down.sql (the CLI's and the language server's writer) and the saved copy of one
    "down_files.py": {"_place", "_save", "_write_via"},
    "revert_command.py": {"_write_new"},  # the new revert folder's migration.sql
    "rollback.py": {"_write_script"},  # the script handed to prisma db execute
}
_OS = {"replace", "rename", "renames", "link", "symlink", "truncate"}
_SHUTIL = {"move", "copy", "copy2", "copyfile", "copytree"}


def _writes(node: ast.Call) -> bool:
    """A call that creates, writes, renames or replaces a file."""
    f = node.func
    if isinstance(f, ast.Attribute):
        owner = f.value.id if isinstance(f.value, ast.Name) else None
        if f.attr in ("write_text", "write_bytes", "mkstemp"):
            return True
        if (owner == "os" and f.attr in _OS) or (owner == "shutil" and f.attr in _SHUTIL):
            return True
        if owner == "os" and f.attr == "open":  # writing flags only
            return any(
                isinstance(n, ast.Attribute) and n.attr in ("O_WRONLY", "O_RDWR", "O_CREAT")
                for a in node.args[1:2]
                for n in ast.walk(a)
            )
        name = f.attr if f.attr == "fdopen" else ""
    else:
        name = f.id if isinstance(f, ast.Name) else ""
    if name in ("open", "fdopen"):
        modes = list(node.args[1:2]) + [k.value for k in node.keywords if k.arg == "mode"]
        return any(
            not isinstance(m, ast.Constant)
            or (isinstance(m.value, str) and bool(set(m.value) & set("wxa+")))
            for m in modes
        )
    return False


def _writer_functions() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(SERVER.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = str(path.relative_to(SERVER))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            own = [n for n in ast.walk(fn) if isinstance(n, ast.Call) and _writes(n)]
            nested = {
                id(n)
                for inner in ast.walk(fn)
                if inner is not fn and isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef)
                for n in ast.walk(inner)
            }
            if any(id(n) not in nested for n in own):
                found.setdefault(module, set()).add(fn.name)
    return found


def test_the_writers_are_the_known_ones_and_only_revert_names_migration_sql() -> None:
    found = _writer_functions()
    # verify/ writes only into its throwaway databases' own folders (initdb, sockets)
    found = {m: f for m, f in found.items() if not m.startswith("verify/")}
    assert found == WRITERS
    for module, functions in WRITERS.items():
        tree = ast.parse((SERVER / module).read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) and fn.name in functions:
                source = ast.unparse(fn)
                names_up = "migration.sql" in source or "MIGRATION_FILE" in source
                assert names_up == (module == "revert_command.py"), (module, fn.name)
