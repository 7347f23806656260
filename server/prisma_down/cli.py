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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prisma_down import __version__, check_cache
from prisma_down.core.files import inside
from prisma_down.core.project import Located, ProjectError, locate
from prisma_down.core.settings import Settings, load_project
from prisma_down.display import printable, show

if TYPE_CHECKING:
    from prisma_down.core.findings import Finding
    from prisma_down.core.history import History
    from prisma_down.core.rules.context import MigrationContext

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


class UsageError(Exception):
    """One sentence for the user; exit code 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="prisma-down",
        description="Exact down.sql files for Prisma migrations, and checks that they restore "
        "the schema.",
    )
    p.add_argument("--version", action="version", version=f"prisma-down {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "path",
            nargs="?",
            default=".",
            help="project folder, migrations folder or one migration folder "
            "(default: the current folder)",
        )
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
        "--fail-on",
        choices=("error", "warning", "never"),
        default="error",
        help="exit with 1 when a finding of this severity or worse exists (default: error)",
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
        help="roll a migration back on your database with Prisma's CLI "
        "(prisma db execute down.sql, then prisma migrate resolve --rolled-back)",
    )
    r.add_argument("name", nargs="?", help="the migration (default: the last one)")
    r.add_argument("--path", default=".", help="project folder (default: the current folder)")
    r.add_argument("--dialect", choices=_DIALECT_CHOICES, help=argparse.SUPPRESS)
    r.add_argument(
        "--yes", action="store_true", help="do not ask first (also needed for a remote database)"
    )
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
        return _check(args)
    if args.command == "lsp":
        return _lsp(args)
    if args.command == "verify":
        return _verify(args)
    if args.command == "rollback":
        return _rollback(args)
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

    history, only, _settings = _load(args)
    only = args.migration or only
    if only is not None and history.index_of(only) is None:
        raise UsageError(f"there is no migration named {only}")
    try:
        verdicts = verify(
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
    if args.format == "json":
        json.dump(output.as_json(verdicts), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write("".join(f"{line}\n" for line in output.as_text(verdicts)))
    return 1 if output.failed(verdicts) else 0


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

    history, _only, _settings = _load(args)
    try:
        return rollback.rollback(history, args.name, yes=args.yes)
    except rollback.RollbackError as e:
        raise UsageError(str(e)) from None


def _load(args: argparse.Namespace) -> tuple[History, str | None, Settings]:
    located, settings = _locate(args)
    return _history(args, located, settings), located.only_migration, settings


def _locate(args: argparse.Namespace) -> tuple[Located, Settings]:
    path = Path(args.path)
    if not path.exists():
        raise UsageError(f"No such file or folder: {path}")
    settings = load_project(
        path.resolve(),  # it exists, so it resolves
        lambda m: print(f"prisma-down: {printable(m)}", file=sys.stderr),
    )
    located = locate(path, settings.migrations_path)
    _say_if_outside(located, settings)
    return located, settings


def _say_if_outside(located: Located, settings: Settings) -> None:
    """A config may name migrations outside its project (a monorepo's shared folder, or
    an absolute path in a cloned repository): say where prisma-down reads and writes."""
    named_by = located.config_file
    if named_by is None and settings.migrations_path is not None:
        named_by = settings.source
    if named_by is None:
        return
    here = os.path.realpath(located.migrations_dir)
    if not inside(here, os.path.realpath(named_by.parent)):
        print(
            f"prisma-down: {show(named_by)} names a migrations folder outside its project "
            f"folder: reading and writing {printable(here)}",
            file=sys.stderr,
        )


def _history(args: argparse.Namespace, located: Located, settings: Settings) -> History:
    from prisma_down.core.history import load_history

    history = load_history(located.migrations_dir, args.dialect or settings.dialect)
    if not history.migrations:
        raise UsageError(
            f"no migrations found in {show(located.migrations_dir)} "
            "(expected folders holding a migration.sql)"
        )
    if located.only_migration is not None and history.index_of(located.only_migration) is None:
        raise UsageError(f"{located.only_migration} has no migration.sql")
    return history


def _require_supported(history: History) -> None:
    from prisma_down.core.read import SUPPORTED

    if history.dialect not in SUPPORTED:
        raise UsageError(
            f"the {history.provider or history.dialect} provider is not supported yet "
            f"(supported: {', '.join(SUPPORTED)}; pass --dialect if the lock file is wrong)"
        )


def _contexts(history: History, settings: Settings) -> list[MigrationContext]:
    from prisma_down.core.analysis import Analyzer
    from prisma_down.core.lint import analyse_history

    _require_supported(history)
    return analyse_history(history, Analyzer(history.dialect), None, settings.archive_suffix)


def _generate(args: argparse.Namespace) -> int:
    from prisma_down.core.analysis import Analyzer, analyse_ups
    from prisma_down.generate_command import generate_all

    history, only, _settings = _load(args)
    _require_supported(history)
    return generate_all(args, history, only, analyse_ups(history, Analyzer(history.dialect)))


def _check(args: argparse.Namespace) -> int:
    located, settings = _locate(args)
    only = located.only_migration
    cache = content_key = None
    variant = json.dumps([args.format, args.fail_on, os.getcwd(), only])
    if not args.no_cache:
        cache = check_cache.location(located.migrations_dir)
        content_key = check_cache.key(
            located.migrations_dir, f"{__version__}\0{args.dialect}\0{settings!r}"
        )
    if cache is not None and content_key is not None:
        hit = check_cache.answer(cache, content_key, variant)
        if hit is not None:
            sys.stdout.write(hit[0])
            return hit[1]
    history = _history(args, located, settings)
    rows = check_cache.findings(cache, content_key) if cache and content_key else None
    if rows is None:
        from prisma_down.core.lint import run_rules

        rows = [_row(f) for f in run_rules(_contexts(history, settings), settings.rules)]
    out, code = _report(
        args,
        rows if only is None else [r for r in rows if r["migration"] == only],
        len(history.migrations) if only is None else 1,
    )
    sys.stdout.write(out)
    if cache is not None and content_key is not None:
        check_cache.store(cache, content_key, variant, rows, out, code)
    return code


def _report(args: argparse.Namespace, rows: list[dict[str, Any]], n: int) -> tuple[str, int]:
    """What check prints, and its exit code."""
    from prisma_down.core.findings import SEVERITIES

    if args.format != "text":
        from prisma_down import report

        out = report.render(args.format, rows)
    else:
        names: dict[str, str] = {}  # a few files hold many findings: relativise each once
        out = "".join(
            f"{names.setdefault(r['path'], show(Path(r['path'])))}:{r['line']}:{r['column']}: "
            f"{r['severity']} {r['rule']} {r['message']}\n"
            for r in rows
        )
        counts = {s: sum(1 for r in rows if r["severity"] == s) for s in SEVERITIES}
        out += (
            f"{_plural(n, 'migration')} checked: {_plural(counts['error'], 'error')}, "
            f"{_plural(counts['warning'], 'warning')}\n"
        )
    if args.fail_on == "never":
        return out, 0
    worst = SEVERITIES.index(args.fail_on)
    return out, 1 if any(SEVERITIES.index(r["severity"]) <= worst for r in rows) else 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _row(f: Finding) -> dict[str, Any]:
    """A finding as the JSON output (and the cache) hold it; path absolute until shown."""
    return {
        "rule": f.rule,
        "severity": f.severity,
        "path": printable(str(f.path)),
        "line": f.start.line + 1,
        "column": f.start.column + 1,
        "end_line": f.end.line + 1,
        "end_column": f.end.column + 1,
        "message": printable(f.message),
        "migration": printable(f.migration),
    }


if __name__ == "__main__":
    sys.exit(main())
