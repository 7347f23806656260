"""``prisma-down generate``: which down.sql files to write, and what to say about each.

The file system side (whose file is there, the saved copy, atomic writes) is
``down_files``; this module decides from the flags and prints.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from prisma_down.core.escape import comment
from prisma_down.core.project import ProjectError
from prisma_down.display import printable, show, show_outside

if TYPE_CHECKING:
    from prisma_down.core.analysis import Analyzer, UpAnalysis
    from prisma_down.core.history import History
    from prisma_down.down_files import Writer

__all__ = ["generate_all"]


def generate_all(
    args: argparse.Namespace,
    history: History,
    only: str | None,
    ups: list[UpAnalysis],
    skip: frozenset[str] = frozenset(),
    analyzer: Analyzer | None = None,
) -> int:
    """Write (or with ``--stdout`` print) the down.sql of each migration; the exit code.

    ``ups``: the history's migration.sql files replayed (``analysis.analyse_ups``) by
    ``analyzer``, which also replays each file rendered: one that restores carries the
    verdict ``check`` trusts (``lint.vouch``). The down.sql files already there are looked
    at only to decide whose they are. ``skip``: the migrations the project's baseline
    covers (never written unless named)."""
    from prisma_down.config_file import project_root
    from prisma_down.core.analysis import Analyzer
    from prisma_down.core.down import generate
    from prisma_down.core.lint import vouch
    from prisma_down.down_files import Writer
    from prisma_down.prisma_cli import shown_runner

    prisma = shown_runner(project_root(history.root))
    writer = None if args.stdout else Writer(history.root)
    if writer is not None:
        for path in writer.sweep(m.directory for m in history.migrations):
            print(f"removed {show(path)}: a temporary file an interrupted run left behind")
    tally: dict[str, int] = {}
    analyzer = analyzer if analyzer is not None else Analyzer(history.dialect)
    chains = analyzer.chain([entry.up_text for entry in ups])
    for entry, chain in zip(ups, chains, strict=True):
        m = entry.migration
        if (only is not None and m.name != only) or m.name in skip:
            continue
        if m.up.error is not None:
            print(f"skipped {show(entry.up_path)}: {printable(m.up.error)}", file=sys.stderr)
            tally["failed"] = tally.get("failed", 0) + 1
            continue
        try:
            text = generate(m.name, entry.up_text, entry.up, history.dialect, prisma)
        except ProjectError as e:  # a name that cannot be written safely: this one only
            print(f"skipped {show(entry.up_path)}: {printable(str(e))}", file=sys.stderr)
            tally["failed"] = tally.get("failed", 0) + 1
            continue
        if writer is None:
            if only is None:
                # a comment line, so the output read as SQL runs nothing but the files
                print(f"-- ==> {comment(show(entry.down_path))} <==")
            sys.stdout.write(vouch(text, entry, chain, analyzer))
            continue
        vouched = partial(vouch, text, entry, chain, analyzer)  # replayed only if written
        outcome = _write_one(args, writer, entry, vouched, only)
        tally[outcome] = tally.get(outcome, 0) + 1
    if writer is not None:
        print(_summary(args, tally))
    return 2 if tally.get("failed") else 0


def _write_one(
    args: argparse.Namespace,
    writer: Writer,
    entry: UpAnalysis,
    text: Callable[[], str],
    only: str | None,
) -> str:
    """Write one down.sql unless a file that must be kept is there; the outcome's name.

    ``text`` renders it, vouched for (replayed): only for a file that is written."""
    one = only is not None
    from prisma_down.core.inverse import Risk
    from prisma_down.down_files import Owner, inspect

    target = entry.down_path
    shown = show(target)
    existing = inspect(target, entry.up_text)
    owner = existing.owner
    replace_people = args.replace_hand_written
    told = one or args.force or replace_people  # they asked for this file to be replaced
    if owner is Owner.SPECIAL:
        if told:
            print(f"kept {shown}: {existing.why}, which prisma-down never replaces")
        return "kept-special"
    if owner in (Owner.CURRENT, Owner.STALE) and not (args.force or replace_people):
        if one:
            why = "it is up to date" if owner is Owner.CURRENT else "it is stale"
            print(f"kept {shown}: {why} (--force regenerates it)")
        return "kept-generated"
    if owner is Owner.PERSON and not replace_people:
        if told:
            print(
                f"kept {shown}: a person wrote or edited it (--replace-hand-written replaces "
                "it, saving a copy first)"
            )
        return "kept-person"
    if owner is Owner.PERSON:
        try:
            saved = writer.save_copy(entry.migration.name, existing)
        except OSError as e:
            print(f"kept {shown}: could not save a copy of it first: {_why(e)}", file=sys.stderr)
            return "failed"
        print(f"saved the old {shown} as {show_outside(saved)}")
    try:
        writer.write(target, text(), existing)
    except (OSError, ValueError) as e:
        print(f"could not write {shown}: {_why(e)}", file=sys.stderr)
        return "failed"
    print(f"wrote {shown}")
    for step in entry.up.steps:
        line = entry.up.script.lines.position(step.statement.span.start).line + 1
        for inv in step.inverses:
            if inv.risk is not Risk.EXACT:
                print(f"  {show(entry.up_path)}:{line}: {inv.risk.value}: {printable(inv.note)}")
    return "written"


def _summary(args: argparse.Namespace, tally: dict[str, int]) -> str:
    summary = f"{tally.get('written', 0)} down.sql written"
    kept = sum(n for outcome, n in tally.items() if outcome.startswith("kept"))
    if kept:
        hints = []
        if tally.get("kept-generated"):
            hints.append("--force regenerates prisma-down's own")
        if tally.get("kept-person"):
            hints.append("--replace-hand-written also replaces those people wrote")
        summary += f", {kept} kept" + (f" (they exist; {'; '.join(hints)})" if hints else "")
    if tally.get("failed"):
        summary += f", {tally['failed']} failed"
    return summary


def _why(e: Exception) -> str:
    return printable(e.strerror if isinstance(e, OSError) and e.strerror else str(e))
