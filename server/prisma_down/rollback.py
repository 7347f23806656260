"""``prisma-down rollback``: Prisma's documented down-migration steps, through Prisma's CLI.

1. ``prisma db execute --file <migration>/down.sql`` (Prisma 6: ``--schema <schema.prisma>``
   too; Prisma 7 reads the datasource from prisma.config.ts),
2. ``prisma migrate resolve --rolled-back <migration>``.

prisma-down never connects to the user's database itself: Prisma does, with the user's
own configuration. It shows both commands and asks first; a database that is not on this
machine needs ``--yes``. A password is never printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from prisma_down.core.history import History, Migration
from prisma_down.verify.command import mask_url, scrub

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", ""}
_CONFIG_NAMES = ("prisma.config.ts", "prisma.config.mts", "prisma.config.js", "prisma.config.mjs")


class RollbackError(Exception):
    """One sentence for the user (exit code 2)."""


def rollback(
    history: History,
    name: str | None,
    yes: bool = False,
    ask: Callable[[str], str] | None = None,
    environ: dict[str, str] | None = None,
) -> int:
    """Roll ``name`` (default: the last migration) back; return the exit code.

    ``ask`` prompts and returns the answer; by default ``input`` when stdin is a terminal.
    """
    env = dict(os.environ if environ is None else environ)
    if not history.migrations:
        raise RollbackError("there are no migrations to roll back")
    migration = history.migrations[-1] if name is None else _find(history, name)
    down = migration.down_path
    if not down.is_file():
        raise RollbackError(
            f"{migration.name} has no down.sql: write one first with `prisma-down generate`"
        )
    project = _project_root(history.root)
    prisma = _prisma(project)
    schema = history.root.parent / "schema.prisma"
    execute = [*prisma, "db", "execute", "--file", _rel(down, project)]
    if _wants_schema(project) and schema.is_file():
        execute += ["--schema", _rel(schema, project)]
    resolve = [*prisma, "migrate", "resolve", "--rolled-back", migration.name]

    url = _database_url(project, schema, env)
    where = _describe(url)
    local = url is not None and _is_local(url)
    if not local and not yes:
        raise RollbackError(
            f"the database ({where}) is not on this machine: pass --yes to roll "
            f"{migration.name} back on it anyway"
        )
    print(f"Roll back {migration.name} on {where} with:", file=sys.stderr)
    for argv in (execute, resolve):
        print(f"  {_show(argv)}", file=sys.stderr)
    if not yes:
        if ask is None:
            if not sys.stdin.isatty():
                raise RollbackError(
                    "not asking without a terminal: pass --yes to run these commands"
                )
            ask = input
        answer = ask("Run these? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("Nothing done.", file=sys.stderr)
            return 1
    for step, argv in enumerate((execute, resolve)):
        code = _run(argv, project, env, url)
        if code != 0:
            if step == 1:
                print(
                    f"prisma-down: down.sql ran, but Prisma still records {migration.name} as "
                    f"applied: run `{_show(resolve)}` once the problem is fixed",
                    file=sys.stderr,
                )
            return code
    print(f"rolled back {migration.name}", file=sys.stderr)
    return 0


def _find(history: History, name: str) -> Migration:
    index = history.index_of(name)
    if index is None:
        raise RollbackError(f"there is no migration named {name}")
    return history.migrations[index]


def _rel(path: Path, base: Path) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:
        return str(path)


def _show(argv: list[str]) -> str:
    return " ".join(a if re.fullmatch(r"[\w./@:=+-]+", a) else f"'{a}'" for a in argv)


def _project_root(migrations: Path) -> Path:
    """The folder Prisma runs in: the nearest above the migrations holding package.json,
    prisma.config.* or node_modules; else the one above ``prisma/``."""
    for folder in migrations.parents:
        if any((folder / n).exists() for n in ("package.json", "node_modules", *_CONFIG_NAMES)):
            return folder
    return migrations.parent.parent


def _prisma(project: Path) -> list[str]:
    for folder in (project, *project.parents):
        local = folder / "node_modules" / ".bin" / "prisma"
        if local.exists():
            return [str(local)]
    npx = shutil.which("npx")
    if npx is not None:
        return ["npx", "prisma"]
    raise RollbackError(
        "Prisma's CLI was not found: install it in the project (`npm install --save-dev "
        "prisma`) or install Node.js so that `npx prisma` works"
    )


def _prisma_major(project: Path) -> int | None:
    for folder in (project, *project.parents):
        package = folder / "node_modules" / "prisma" / "package.json"
        if package.is_file():
            try:
                version = str(json.loads(package.read_text(encoding="utf-8"))["version"])
                return int(version.split(".")[0])
            except (OSError, ValueError, KeyError, TypeError):
                return None
    return None


def _wants_schema(project: Path) -> bool:
    """Prisma 6 takes ``--schema``; Prisma 7 reads the datasource from prisma.config.ts."""
    major = _prisma_major(project)
    if major is not None:
        return major < 7
    return not any((project / n).exists() for n in _CONFIG_NAMES)


# -- which database -----------------------------------------------------------------------

_ENV_IN_SCHEMA = re.compile(r"""\burl\s*=\s*env\(\s*["']([^"']+)["']\s*\)""")
_ENV_IN_CONFIG = re.compile(r"""env\(\s*["']([^"']+)["']\s*\)|process\.env\.(\w+)""")


def _variable(project: Path, schema: Path) -> str:
    for path, pattern in (
        (schema, _ENV_IN_SCHEMA),
        *((project / n, _ENV_IN_CONFIG) for n in _CONFIG_NAMES),
    ):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        match = pattern.search(text)
        if match:
            return next(g for g in match.groups() if g)
    return "DATABASE_URL"


def _database_url(project: Path, schema: Path, env: dict[str, str]) -> str | None:
    name = _variable(project, schema)
    if env.get(name):
        return env[name]
    for dotenv in (project / ".env", schema.parent / ".env"):
        value = _read_dotenv(dotenv, name)
        if value:
            return value
    return None


def _read_dotenv(path: Path, name: str) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        m = re.match(rf"^\s*(?:export\s+)?{re.escape(name)}\s*=\s*(.*)$", line)
        if m:
            value = m.group(1).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                return value[1:-1]
            return value.split(" #", 1)[0].strip()
    return None


def _describe(url: str | None) -> str:
    if url is None:
        return "a database whose URL prisma-down could not read (no DATABASE_URL)"
    return mask_url(url)


def _is_local(url: str) -> bool:
    if url.startswith("file:"):
        return True  # SQLite
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    query = dict(parse_qsl(parts.query))
    if query.get("host", "").startswith("/") or "socket" in query:
        return True  # a unix socket
    if parts.scheme == "sqlserver":
        host = parts.netloc.split(";")[0].rsplit("@", 1)[-1].split(":")[0]
    return host.lower() in _LOCAL_HOSTS


def _run(argv: list[str], cwd: Path, env: dict[str, str], url: str | None) -> int:
    """Run a Prisma command; its output is passed on with any password masked."""
    try:
        proc = subprocess.run(
            argv, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
    except OSError as error:
        raise RollbackError(f"could not run {argv[0]}: {error.strerror or error}") from None
    sys.stdout.write(scrub(proc.stdout, url))
    sys.stderr.write(scrub(proc.stderr, url))
    return proc.returncode
