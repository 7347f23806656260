"""``prisma-down rollback``: roll migrations back on your database, through Prisma's CLI.

Which migrations are applied, failed or pending comes from ``prisma migrate status``
(``prisma_cli``); prisma-down never connects to the database itself. Then, per migration:

- **failed** (status lists it as failed): Prisma's documented recipe, ``prisma db execute
  --file <migration>/down.sql`` (built to run from a half-applied state), then ``prisma
  migrate resolve --rolled-back <migration>``.
- **applied**: ``resolve`` refuses it (P3012), so one script (``history_sql``) runs
  down.sql and marks the migration's ``_prisma_migrations`` rows rolled back, as
  ``resolve`` marks a failed one, so that ``migrate deploy`` applies it again later: on
  PostgreSQL in one transaction; on MySQL and SQLite (where DDL commits on its own) the
  row is marked failed first and ``resolve`` ends it.

``--to NAME`` rolls back every applied migration after NAME, newest first, stopping at
the first failure: each migration is consistent on its own, so the database and its
history agree at every stop. Commands use the project's package manager (``bunx prisma``
for a bun project). A database not on this machine needs ``--yes``; a password is never
printed.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from prisma_down import datasource, history_sql, prisma_cli
from prisma_down.config_file import project_root
from prisma_down.core.files import read_regular
from prisma_down.core.history import History, Migration
from prisma_down.urls import DatabaseUrl, UrlError, mask_url, parse

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", ""}
_CONFIG_NAMES = ("prisma.config.ts", "prisma.config.mts", "prisma.config.js", "prisma.config.mjs")


class RollbackError(Exception):
    """One sentence for the user (exit code 2)."""


@dataclass(frozen=True)
class Step:
    """One migration to roll back, and the Prisma commands that do it."""

    migration: Migration
    failed: bool  # as status says: down.sql then resolve; else the applied script
    commands: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Prisma:
    """How to run the project's Prisma CLI, and where."""

    project: Path
    argv: tuple[str, ...]  # e.g. ("npx", "prisma")
    schema: tuple[str, ...]  # ("--schema", "prisma/schema.prisma") for Prisma 6, or ()
    env: dict[str, str]
    known: list[str | None]  # URLs whose secrets are masked in Prisma's output

    def run(self, *args: str, echo: bool = True) -> prisma_cli.Ran:
        try:
            return prisma_cli.run([*self.argv, *args], self.project, self.env, self.known, echo)
        except prisma_cli.PrismaError as e:
            raise RollbackError(str(e)) from None


def rollback(
    history: History,
    name: str | None,
    yes: bool = False,
    ask: Callable[[str], str] | None = None,
    environ: dict[str, str] | None = None,
    to: str | None = None,
) -> int:
    """Roll ``name`` (default: the newest applied migration), or with ``to`` every applied
    migration after it, back; return the exit code.

    ``ask`` prompts and returns the answer; by default ``input`` when stdin is a terminal.
    """
    env = dict(os.environ if environ is None else environ)
    if not history.migrations:
        raise RollbackError("there are no migrations to roll back")
    if name is not None and to is not None:
        raise RollbackError("give a migration or --to, not both")
    for given in (name, to):
        if given is not None and history.index_of(given) is None:
            raise RollbackError(f"there is no migration named {given}")
    if name is not None:
        _option_like(name)
    project = project_root(history.root)
    schema = history.root.parent / "schema.prisma"
    url, where, local = _database(project, schema, env)
    if not local and not yes:
        why = "is not on this machine" if url else "may not be on this machine"
        raise RollbackError(f"{where} {why}: pass --yes to roll back on it anyway")
    try:
        argv = tuple(prisma_cli.runner(project))
    except prisma_cli.PrismaError as e:
        raise RollbackError(str(e)) from None
    schema_args = (
        ("--schema", _rel(schema, project)) if _wants_schema(project) and schema.is_file() else ()
    )
    prisma = Prisma(project, argv, schema_args, env, [url, *_urls_in(env, project, schema)])
    status = _status(prisma)
    steps = [_step(history, m, failed, prisma) for m, failed in _targets(history, name, to, status)]
    print(f"Roll back on {where}, newest first:", file=sys.stderr)
    for step in steps:
        state = "failed" if step.failed else "applied"
        print(f"  {step.migration.name} ({state}):", file=sys.stderr)
        for command in step.commands:
            print(f"    {_show(list(command))}", file=sys.stderr)
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
    rolled: list[str] = []
    for step in steps:
        code = _execute(prisma, step)
        if code is None and to is not None:
            continue  # rolled back already: the next one
        if code != 0:
            if rolled:
                print(
                    f"prisma-down: stopped; rolled back before it: {', '.join(rolled)}",
                    file=sys.stderr,
                )
            return 1 if code is None else code
        rolled.append(step.migration.name)
    return 0


def _status(prisma: Prisma) -> prisma_cli.Status:
    ran = prisma.run("migrate", "status", *prisma.schema, echo=False)
    try:
        status = prisma_cli.parse_status(ran.stdout, ran.stderr, ran.code)
    except prisma_cli.PrismaError as e:
        sys.stdout.write(ran.stdout)
        sys.stderr.write(ran.stderr)
        raise RollbackError(str(e)) from None
    if status.unmanaged:
        raise RollbackError(
            "Prisma says the database has no migration history (_prisma_migrations): "
            "nothing is applied there to roll back"
        )
    if status.diverged:
        sys.stderr.write(ran.stderr)
        raise RollbackError(
            "Prisma says the database's migration history and the migrations folder differ "
            "(see above): resolve that first"
        )
    return status


def _targets(
    history: History, name: str | None, to: str | None, status: prisma_cli.Status
) -> list[tuple[Migration, bool]]:
    """The migrations to roll back, newest first, each with whether it failed."""
    present = [m for m in history.migrations if m.name not in status.pending]
    if not present:
        raise RollbackError("no migration is applied to this database: nothing to roll back")
    if to is not None:
        start = history.index_of(to)
        assert start is not None
        chosen = [m for m in reversed(present) if (history.index_of(m.name) or 0) > start]
        if not chosen:
            raise RollbackError(f"no migration after {to} is applied: nothing to roll back")
        return [(m, m.name in status.failed) for m in chosen]
    migration = present[-1] if name is None else _find(history, name)
    if migration.name in status.pending:
        raise RollbackError(
            f"{migration.name} is not applied to this database (Prisma lists it as not yet "
            "applied): nothing to roll back"
        )
    if migration is not present[-1]:
        later = present[-1].name
        raise RollbackError(
            f"{migration.name} is not the last migration applied ({later} is): roll back "
            f"the later ones first, or all at once with --to and the migration before it"
        )
    return [(migration, migration.name in status.failed)]


def _option_like(name: str) -> None:
    if name.startswith("-"):
        # Prisma's argument parser reads a value starting with "-" as an option, and has
        # no `--` for an option's value: such a name cannot reach it safely.
        raise RollbackError(
            f"the migration folder {name} starts with '-', which Prisma's CLI would read "
            "as an option: rename the folder to roll it back"
        )


def _step(history: History, m: Migration, failed: bool, prisma: Prisma) -> Step:
    _option_like(m.name)
    down = m.down_path
    if not down.is_file():
        raise RollbackError(
            f"{m.name} has no down.sql: write one first with `prisma-down generate`"
        )
    resolve = ("migrate", "resolve", "--rolled-back", m.name, *prisma.schema)
    if failed:
        execute = ("db", "execute", "--file", _rel(down, prisma.project), *prisma.schema)
        return Step(m, True, ((*prisma.argv, *execute), (*prisma.argv, *resolve)))
    try:
        text = read_regular(down, history.root).decode("utf-8")
        script = history_sql.applied_script(history.dialect, m.name, text)
    except (OSError, UnicodeDecodeError) as e:
        raise RollbackError(f"cannot read {m.name}/down.sql: {e}") from None
    except history_sql.ScriptError as e:
        raise RollbackError(f"{m.name}: {e}") from None
    path = _write_script(history, m.name, script)
    execute = ("db", "execute", "--file", _rel(path, prisma.project), *prisma.schema)
    commands = [(*prisma.argv, *execute)]
    if history.dialect not in history_sql.ATOMIC:
        commands.append((*prisma.argv, *resolve))
    return Step(m, False, tuple(commands))


def _write_script(history: History, name: str, script: str) -> Path:
    """The applied script, written outside the migrations folder (the cache), to run
    with ``db execute --file`` and to read."""
    import tempfile

    from prisma_down.check_cache import roots

    folders = [*(r / "rollback" for r in roots(history.root)), Path(tempfile.gettempdir())]
    safe = re.sub(r"[^\w.-]", "_", name)[:120]
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f"{safe}.", suffix=".sql", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(script)
            return Path(tmp)
        except OSError:
            continue
    raise RollbackError("could not write the rollback script anywhere (no writable cache)")


def _execute(prisma: Prisma, step: Step) -> int | None:
    """Run one migration's commands; say what state a failure leaves. The exit code, or
    None when the migration turned out not to be applied (nothing changed)."""
    name = step.migration.name
    atomic = not step.failed and len(step.commands) == 1
    for i, command in enumerate(step.commands):
        ran = prisma.run(*command[len(prisma.argv) :])
        if ran.code == 0:
            continue
        if i == 0 and history_sql.GUARD_MARK in ran.stdout + ran.stderr:
            print(
                f"prisma-down: nothing changed for {name}: it has no row in _prisma_migrations "
                "that is not rolled back (Prisma's status does not tell those apart)",
                file=sys.stderr,
            )
            return None
        if i == 0 and atomic:
            why = f"the script rolling back {name} failed, and it runs as one transaction"
        elif i == 0:
            why = (
                f"down.sql of {name} stopped partway; Prisma records {name} as failed: fix "
                "the problem and run `prisma-down rollback` again"
            )
        else:
            why = (
                f"down.sql ran, but Prisma still records {name} as failed: run "
                f"`{_show(list(command))}` once the problem is fixed"
            )
        print(
            f"prisma-down: {'nothing changed: ' if i == 0 and atomic else ''}{why}", file=sys.stderr
        )
        return ran.code
    print(f"rolled back {name}", file=sys.stderr)
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
    if url.is_file:
        return True
    if url.is_prisma_hosted:
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
