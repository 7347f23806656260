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

from prisma_down import datasource
from prisma_down.core.files import read_regular
from prisma_down.core.history import History, Migration
from prisma_down.urls import DatabaseUrl, UrlError, mask_url, parse, scrub

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
    if migration.name.startswith("-"):
        # Prisma's argument parser reads a value starting with "-" as an option, and has
        # no `--` for an option's value: such a name cannot reach it safely.
        raise RollbackError(
            f"the migration folder {migration.name} starts with '-', which Prisma's CLI "
            "would read as an option: rename the folder to roll it back"
        )
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

    url, where, local = _database(project, schema, env)
    if not local and not yes:
        why = "is not on this machine" if url else "may not be on this machine"
        raise RollbackError(f"{where} {why}: pass --yes to roll {migration.name} back on it anyway")
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
    known = [url, *_urls_in(env, project, schema)]
    for step, argv in enumerate((execute, resolve)):
        code = _run(argv, project, env, known)
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
                version = str(json.loads(read_regular(package).decode("utf-8"))["version"])
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


def _database(project: Path, schema: Path, env: dict[str, str]) -> tuple[str | None, str, bool]:
    """(URL, how to name the database in messages, whether it is on this machine)."""
    found = datasource.resolve(project, schema if schema.is_file() else schema.parent, env)
    if found.url is None:
        return None, f"a database whose URL prisma-down could not read ({found.problem})", False
    try:
        url = parse(found.url, found.origin)
    except UrlError as error:
        raise RollbackError(f"{error}: fix it before rolling back") from None
    return found.url, mask_url(found.url), _is_local(url)


def _is_local(url: DatabaseUrl) -> bool:
    if url.engine == "sqlite":
        return True
    if url.engine == "accelerate":
        return False  # prisma:// and prisma+postgres:// are Prisma's servers
    if (url.param("host") or "").startswith("/") or url.param("socket") is not None:
        return True  # a unix socket
    return all(host.lower() in _LOCAL_HOSTS for host, _ in url.hosts)


def _urls_in(env: dict[str, str], project: Path, schema: Path) -> list[str]:
    """Every URL in the environment and the .env files: Prisma may print any it read
    (``directUrl``, ``shadowDatabaseUrl``), so each one's secrets are masked."""
    values = list(env.values())
    for dotenv in (project / ".env", schema.parent / ".env"):
        values += datasource.read_dotenv(dotenv, env).values()
    return [v for v in values if "://" in v]


def _run(argv: list[str], cwd: Path, env: dict[str, str], known: list[str | None]) -> int:
    """Run a Prisma command; its output is passed on with every secret of ``known``
    masked."""
    try:
        proc = subprocess.run(
            argv, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
    except OSError as error:
        raise RollbackError(f"could not run {argv[0]}: {error.strerror or error}") from None
    sys.stdout.write(scrub(proc.stdout, *known))
    sys.stderr.write(scrub(proc.stderr, *known))
    return proc.returncode
