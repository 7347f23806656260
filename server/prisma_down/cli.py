"""The ``prisma-down`` command: argparse, printing and exit codes; the engine decides.

Exit codes: 0 fine, 1 findings at or above ``--fail-on``, 2 usage or input errors.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Sequence

from prisma_down import __version__, projects
from prisma_down.core.project import ProjectError
from prisma_down.display import printable
from prisma_down.projects import UsageError

# Everything else (the engine above all) is imported only where a command needs it: a
# cached `check` of an unchanged project loads nothing but what finds and hashes the files.

_DIALECT_CHOICES = (
    "postgres",
    "postgresql",
    "cockroachdb",
    "mysql",
    "sqlite",
    "sqlserver",
    "mssql",
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="prisma-down",
        description="Exact down.sql files for Prisma migrations, and checks that they restore "
        "the schema.",
    )
    p.add_argument("--version", action="version", version=f"prisma-down {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def common(sp: argparse.ArgumentParser) -> None:
        projects.add_path(sp)
        sp.add_argument(
            "--dialect",
            choices=_DIALECT_CHOICES,
            help="override the provider named in migration_lock.toml",
        )

    g = sub.add_parser("generate", help="write down.sql for every migration that has none")
    common(g)
    g.add_argument(
        "--force",
        action="store_true",
        help="also regenerate down.sql files prisma-down wrote (up to date or stale); a file "
        "a person wrote or edited is kept",
    )
    g.add_argument(
        "--replace-hand-written",
        action="store_true",
        help="also replace down.sql files a person wrote or edited (implies --force), after "
        "saving each old file outside the migrations folder, under "
        "node_modules/.cache/prisma-down/replaced or ~/.cache/prisma-down/replaced; the "
        "saved path is printed",
    )
    g.add_argument("--stdout", action="store_true", help="print instead of writing files")
    c = sub.add_parser("check", help="report missing, stale and wrong down.sql files and risky SQL")
    common(c)
    c.add_argument(
        "--format",
        choices=("text", "json", "github", "sarif", "gitlab"),
        default="text",
        help="text, json, github (workflow commands), sarif (2.1.0) or gitlab (code quality)",
    )
    c.add_argument(
        "--no-cache",
        action="store_true",
        help="do not read or write the results cache (node_modules/.cache/prisma-down "
        "or ~/.cache/prisma-down)",
    )
    c.add_argument(
        "--recheck",
        action="store_true",
        help="replay every down.sql, also those generate vouched for (it replayed them when "
        "it wrote them, and check trusts that verdict while nothing it depends on changed); "
        "implies --no-cache for reading",
    )
    c.add_argument(
        "--fail-on",
        choices=("error", "warning", "never"),
        default="error",
        help="exit with 1 when a finding of this severity or worse exists (default: error)",
    )
    c.add_argument(
        "--since",
        metavar="REF",
        help="report only migrations added since this git ref (a pull request's base: "
        "origin/main, HEAD~1)",
    )
    v = sub.add_parser(
        "verify",
        help="prove each down.sql on a throwaway database: up, down, compare, up, compare",
    )
    common(v)
    v.add_argument("--migration", metavar="NAME", help="verify only this migration")
    v.add_argument(
        "--database-url",
        metavar="URL",
        help="a disposable postgresql:// or mysql:// database to use instead of a private "
        "server (it must hold no tables)",
    )
    v.add_argument(
        "--reuse",
        action="store_true",
        help="with --database-url: DROP every table (all but _prisma_migrations) of that "
        "database first, instead of refusing a database that holds tables",
    )
    v.add_argument(
        "--partial",
        action="store_true",
        help="also run down.sql from every state a failed migration.sql can leave (PostgreSQL: "
        "nothing applied, or up to each COMMIT; MySQL and SQLite: every prefix of its "
        "statements), as Prisma's recipe for a failed migration does; each state that down.sql "
        "does not bring back is named with the statement the migration stopped before",
    )
    v.add_argument(
        "--empty",
        action="store_true",
        help="do not fill the tables with generated rows first (by default every table gets "
        "a few rows before each migration, and down.sql must give back the rows of the "
        "tables every step called exact)",
    )
    v.add_argument("--format", choices=("text", "json"), default="text")
    r = sub.add_parser(
        "rollback",
        help="roll migrations back on your database with Prisma's CLI: an applied one with "
        "down.sql and its _prisma_migrations row in one go (one transaction on PostgreSQL), "
        "a failed one with down.sql then prisma migrate resolve --rolled-back",
    )
    r.add_argument(
        "name",
        nargs="?",
        metavar="NAME",
        help="the migration, by name or folder (default: the last one applied)",
    )
    r.add_argument(
        "--to",
        metavar="NAME",
        help="roll back every applied migration after NAME, newest first, stopping at the "
        "first failure",
    )
    projects.add_path(r, positional=False)
    r.add_argument("--dialect", choices=_DIALECT_CHOICES, help=argparse.SUPPRESS)
    r.add_argument(
        "--yes", action="store_true", help="do not ask first (also needed for a remote database)"
    )
    b = sub.add_parser(
        "baseline",
        help="adopt an existing history: NAME (default: the last migration) and every "
        "migration before it get no findings and no generated down.sql (written to "
        ".prisma-down.json)",
    )
    common(b)
    b.add_argument("name", nargs="?", metavar="NAME", help="the migration (default: the last)")
    rv = sub.add_parser(
        "revert",
        help="write a new migration <timestamp>_revert_<name> whose migration.sql undoes "
        "NAME, for prisma migrate deploy (the one command that creates a migration folder)",
    )
    rv.add_argument("name", metavar="NAME", help="the migration, by name or folder")
    projects.add_path(rv, positional=False)
    rv.add_argument("--dialect", choices=_DIALECT_CHOICES, help=argparse.SUPPRESS)
    e = sub.add_parser("explain", help="print a rule's documentation")
    e.add_argument("rule", nargs="?", help="a rule id (default: list the rules)")
    lsp = sub.add_parser("lsp", help="run the language server (stdio)")
    lsp.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio")
    lsp.add_argument("--port", type=int, default=2087)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command in ("generate", "check"):
            _one_pass_gc()
        code = _run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except (UsageError, ProjectError) as e:
        print(f"prisma-down: {printable(str(e))}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `prisma-down generate --stdout | head -1`: the reader has all it wants. End
        # quietly, as a tool killed by SIGPIPE does (128 + 13), with nothing left to flush.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace) -> int:
    if args.command == "generate":
        return _generate(args)
    if args.command == "check":
        from prisma_down.check_command import check

        return check(args)
    if args.command == "lsp":
        return _lsp(args)
    if args.command == "verify":
        return _verify(args)
    if args.command == "rollback":
        return _rollback(args)
    if args.command == "baseline":
        from prisma_down.baseline_command import baseline

        return baseline(args)
    if args.command == "revert":
        from prisma_down.revert_command import revert

        return revert(args)
    if args.command == "explain":
        return _explain(args)
    return 2


def _one_pass_gc() -> None:
    """A history's analysis keeps millions of objects to the end of the run; with the default
    thresholds the collector scans them all again and again (a third of ``check`` on a
    5,000-migration history). Young garbage is still collected; the process ends soon."""
    gc.set_threshold(100_000, 50, 1000)


def _lsp(args: argparse.Namespace) -> int:
    try:
        from prisma_down.lsp.server import run  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise UsageError("the language server is not part of this build yet") from None
    run(tcp=args.tcp, port=args.port)
    return 0


def _verify(args: argparse.Namespace) -> int:
    from prisma_down.verify import output
    from prisma_down.verify.command import verify
    from prisma_down.verify.target import VerifyError

    verdicts = []

    def one(project: projects.Project) -> int:
        history = projects.history(project, args.dialect)
        only = args.migration or project.only
        if only is not None and history.index_of(only) is None:
            raise UsageError(f"there is no migration named {only}")
        try:
            found = verify(
                history,
                only,
                args.database_url,
                args.reuse,
                lambda line: print(line, file=sys.stderr, flush=True),
                partial=args.partial,
                empty=args.empty,
            )
        except VerifyError as e:
            raise UsageError(str(e)) from None
        verdicts.extend(found)
        return 1 if output.failed(found) else 0

    code = projects.each(projects.find(projects.path_of(args), many=True), one)
    if args.format == "json":
        json.dump(output.as_json(verdicts), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write("".join(f"{line}\n" for line in output.as_text(verdicts)))
    return code


def _explain(args: argparse.Namespace) -> int:
    from prisma_down import rule_docs
    from prisma_down.core.rules import RULES

    if args.rule is None:
        sys.stdout.write("".join(f"{rule}: {summary}\n" for rule, (_, _, summary) in RULES.items()))
        return 0
    if args.rule not in RULES:
        raise UsageError(f"there is no rule named {args.rule!r} (rules: {', '.join(RULES)})")
    sys.stdout.write(rule_docs.section(args.rule))
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from prisma_down import rollback

    project, name = projects.one_migration(args)
    history = projects.history(project, args.dialect)
    try:
        return rollback.rollback(history, name, yes=args.yes, to=args.to)
    except rollback.RollbackError as e:
        raise UsageError(str(e)) from None


def _generate(args: argparse.Namespace) -> int:
    from prisma_down.core.analysis import Analyzer, analyse_ups
    from prisma_down.generate_command import generate_all

    def one(project: projects.Project) -> int:
        history = projects.history(project, args.dialect)
        projects.require_supported(history)
        skip = projects.baselined(history, project.settings) if project.only is None else None
        analyzer = Analyzer(history.dialect)
        ups = analyse_ups(history, analyzer)
        return generate_all(args, history, project.only, ups, skip or frozenset(), analyzer)

    return projects.each(projects.find(projects.path_of(args), many=True), one)


if __name__ == "__main__":
    sys.exit(main())
