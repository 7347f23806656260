"""``prisma-down check``: findings of every project under PATH, printed once.

Per project: the findings (from the cache when nothing changed), less those the
project's baseline covers (unless PATH named that migration) and, with ``--since REF``,
those of migrations that REF already had. Text output gives each project its own summary
line; the machine formats list every project's findings together, each ``path``
relative to the current folder, which shows the project.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prisma_down import __version__, check_cache
from prisma_down.display import printable, show
from prisma_down.projects import (
    Project,
    UsageError,
    baselined,
    each,
    find,
    history,
    path_of,
    require_supported,
)

if TYPE_CHECKING:
    from prisma_down.core.findings import Finding
    from prisma_down.core.history import History

__all__ = ["check"]

Row = dict[str, Any]


def check(args: argparse.Namespace) -> int:
    projects = find(path_of(args), many=True)
    machine = args.format != "text"
    rows: list[Row] = []
    out: list[str] = []

    def one(project: Project) -> int:
        found, n, under = _project_rows(args, project)
        if machine:
            rows.extend(found)
            return 0
        _say_inline_hints(project)
        text = _text(found, n, under, project if len(projects) > 1 else None)
        out.append(text)
        sys.stdout.write(text)
        return _code(args, found)

    code = each(projects, one)
    if machine:
        from prisma_down import report

        sys.stdout.write(report.render(args.format, rows))
        code = max(code, _code(args, rows))
    return code


def _say_inline_hints(project: Project) -> None:
    """On stderr: inline suppression comments in committed migrations, and the config
    entry to use instead (``inline_ignores``)."""
    from prisma_down.inline_ignores import hint, position, scan

    for path, text, name, c in scan(project.migrations_dir):
        line, column = position(text, c.start)
        where = f"{show(path)}:{line + 1}:{column + 1}"
        print(f"hint: {where}: {printable(hint(name, c.rules))}", file=sys.stderr)


def _project_rows(args: argparse.Namespace, project: Project) -> tuple[list[Row], int, int]:
    """The findings of one project this run reports, how many migrations it covers, and
    how many the baseline leaves out."""
    since = _since(args, project)
    only = project.only
    settings = project.settings
    cache = content_key = None
    recheck = getattr(args, "recheck", False)  # replay every down.sql: no cached answer either
    if not args.no_cache:
        cache = check_cache.location(project.migrations_dir)
        content_key = check_cache.key(
            project.migrations_dir, f"{__version__}\0{args.dialect}\0{settings!r}"
        )
    variant = json.dumps(["rows", os.getcwd(), only, sorted(since) if since is not None else None])
    if cache is not None and content_key is not None and not recheck:
        hit = check_cache.answer(cache, content_key, variant)
        stored = json.loads(hit[0]) if hit is not None else None
        if isinstance(stored, dict) and {"rows", "n", "under"} <= stored.keys():
            return stored["rows"], stored["n"], stored["under"]  # else: another build's
    loaded = history(project, args.dialect)
    rows = None
    if cache and content_key and not recheck:
        rows = check_cache.findings(cache, content_key)
    if rows is None:
        from prisma_down.core.lint import run_rules

        contexts = _contexts(loaded, project, not recheck)
        findings = run_rules(contexts, settings.rules, ignore=settings.ignore)
        rows = [_row(f) for f in findings]
    quiet = baselined(loaded, settings) if only is None else frozenset()
    shown = [
        r
        for r in rows
        if (only is None or r["migration"] == only)
        and r["migration"] not in quiet
        and (since is None or r["migration"] in since)
    ]
    n = 1 if only is not None else len(loaded.migrations) - len(quiet)
    if since is not None and only is None:
        n = sum(1 for m in loaded.migrations if m.name in since)
    if cache is not None and content_key is not None:
        answer = json.dumps({"rows": shown, "n": n, "under": len(quiet)})
        check_cache.store(cache, content_key, variant, rows, answer, 0)
    return shown, n, len(quiet)


def _since(args: argparse.Namespace, project: Project) -> frozenset[str] | None:
    """With ``--since REF``: the migrations added since REF (git)."""
    if args.since is None:
        return None
    from prisma_down.git_since import GitError, added_since

    try:
        return added_since(project.migrations_dir, args.since)
    except GitError as e:
        raise UsageError(str(e)) from None


def _contexts(loaded: History, project: Project, trust: bool = True) -> list[Any]:
    """Every migration's context; ``trust``: a down.sql generate vouched for is not replayed."""
    from prisma_down.core.analysis import Analyzer
    from prisma_down.core.lint import analyse_history

    require_supported(loaded)
    suffix = project.settings.archive_suffix
    return analyse_history(loaded, Analyzer(loaded.dialect), None, suffix, trust=trust)


def _text(rows: list[Row], n: int, under: int, project: Project | None) -> str:
    """What check prints for one project (``project`` given: one of several)."""
    from prisma_down.core.findings import SEVERITIES

    names: dict[str, str] = {}  # a few files hold many findings: relativise each once
    out = "".join(
        f"{names.setdefault(r['path'], show(Path(r['path'])))}:{r['line']}:{r['column']}: "
        f"{r['severity']} {r['rule']} {r['message']}\n"
        for r in rows
    )
    counts = {s: sum(1 for r in rows if r["severity"] == s) for s in SEVERITIES}
    where = f"{show(project.migrations_dir)}: " if project is not None else ""
    baseline = f" ({under} under the baseline)" if under else ""
    return out + (
        f"{where}{_plural(n, 'migration')} checked{baseline}: "
        f"{_plural(counts['error'], 'error')}, "
        f"{_plural(counts['warning'], 'warning')}\n"
    )


def _code(args: argparse.Namespace, rows: list[Row]) -> int:
    from prisma_down.core.findings import SEVERITIES

    if args.fail_on == "never":
        return 0
    worst = SEVERITIES.index(args.fail_on)
    return 1 if any(SEVERITIES.index(r["severity"]) <= worst for r in rows) else 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _row(f: Finding) -> Row:
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
