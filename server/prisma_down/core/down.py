"""Writing down.sql: the inverses in reverse order, each under a pointer to its up statement.

On PostgreSQL and MySQL each inverse that a half-applied migration.sql would make fail or
do harm is guarded (``core.guards``), so the same file also undoes a run that stopped
partway: Prisma's recipe for a failed migration.

The header records the sha256 of the migration.sql it was generated from (staleness) and of
its own body (whether a person has edited it since: never regenerate over their edits).
When ``generate`` has replayed the file it wrote and found that it restores, the same line
also carries a ``restores`` hash over everything that verdict depends on (this engine, the
dialect, the history up to this migration, the file's own text): ``check`` then trusts the
verdict instead of replaying the file again (``vouches``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from prisma_down import __version__
from prisma_down.core import changes as ch
from prisma_down.core.analysis import ScriptAnalysis, Step, down_changes, sha256
from prisma_down.core.data_checks import checks as data_checks
from prisma_down.core.dialects import Dialect, of
from prisma_down.core.escape import UnsafeSQL, comment, shell_word
from prisma_down.core.guards import guard
from prisma_down.core.inverse import Inverse, Risk
from prisma_down.core.preflight import Check
from prisma_down.core.preflight import engine as preflight_engine
from prisma_down.core.preflight_needs import needs
from prisma_down.core.render import preflight, render_all
from prisma_down.core.statements import split

_MARK = re.compile(
    r"^-- prisma-down: migration\.sql sha256=([0-9a-f]{64}) body sha256=([0-9a-f]{64})"
    r"( restores sha256=([0-9a-f]{64}))?\s*$",
    re.M,
)


@dataclass(frozen=True)
class Header:
    migration_sha256: str
    body_sha256: str
    body: str
    restores: str | None = None  # generate's verdict, when it found the file restores


def read_header(down_text: str) -> Header | None:
    m = _MARK.search(down_text[:2000])
    if m is None:
        return None
    body = down_text[m.end() :].lstrip("\r\n")
    return Header(m.group(1), m.group(2), body, m.group(4))


def is_generated_unmodified(down_text: str) -> bool:
    """True when ``down_text`` is prisma-down's output, untouched since it was written."""
    h = read_header(down_text)
    return h is not None and sha256(h.body) == h.body_sha256


def stamped(text: str, chain: str, dialect: str) -> str:
    """``text`` (a down.sql just generated, with no verdict yet) with a ``restores`` field on
    its stamp line: the hash ``vouches`` checks. Only for a file replayed and found restoring.

    ``chain``: the history's chain hash up to and with this migration
    (``Analyzer.chain``: each migration.sql's sha256, in order, from the dialect's name).
    """
    m = _MARK.search(text[:2000])
    if m is None or m.group(3) is not None:
        raise ValueError("stamped: the text has no stamp line, or is stamped already")
    at = m.end(2)
    return text[:at] + f" restores sha256={_verdict(text, chain, dialect)}" + text[at:]


def vouches(text: str, chain: str, dialect: str) -> bool:
    """Whether ``text`` carries generate's verdict for exactly this history: written by this
    engine, for this dialect, after these migration.sql files in this order, and not one
    character of it changed since (a header line a person added counts too)."""
    m = _MARK.search(text[:2000])
    if m is None or m.group(4) is None:
        return False
    unstamped = text[: m.start(3)] + text[m.end(3) :]
    return m.group(4) == _verdict(unstamped, chain, dialect)


def _verdict(unstamped: str, chain: str, dialect: str) -> str:
    return sha256("\0".join((engine(), dialect, chain, sha256(unstamped))))


@cache
def engine() -> str:
    """This engine's fingerprint: the version, and the sha256 of every source file of the
    core (the reader, catalog, comparison and rules a verdict comes from), sqlglot's version
    file and Python's version, so a verdict of any other build is not trusted."""
    root = Path(__file__).parent
    digest = hashlib.sha256(f"{__version__}\0{sys.version_info[:2]}".encode())
    files = sorted(
        os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
        for folder, dirs, names in os.walk(root)
        for name in names
        if name.endswith(".py")
    )
    spec = importlib.util.find_spec("sqlglot")
    where = spec.submodule_search_locations if spec is not None else None
    sources = [(name, os.path.join(root, name)) for name in files]
    if where:  # its reader and tokenizer are part of this engine
        sources.append(("sqlglot/_version.py", os.path.join(where[0], "_version.py")))
    for name, path in sources:
        digest.update(b"\0" + name.encode("utf-8", "surrogateescape") + b"\0")
        try:
            digest.update(Path(path).read_bytes())
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()


def _excerpt(text: str, width: int = 90) -> str:
    one = " ".join(text.split())
    return comment(one if len(one) <= width else one[: width - 1] + "…")


def generate(
    name: str,
    up_text: str,
    analysis: ScriptAnalysis,
    dialect: Dialect | str,
    prisma: str = "npx prisma",
) -> str:
    """The whole down.sql for one migration.

    The header says how to roll it back, in the two cases Prisma tells apart: an applied
    migration through ``prisma-down rollback`` (``migrate resolve`` refuses one that is not
    failed), a failed one by Prisma's recipe, with ``prisma`` (the project's runner,
    ``bunx prisma`` for a bun project).

    Every name and note enters a comment through ``core.escape``; the renderers quote
    identifiers and strings there too. Then the text is split again as a database would
    read it and must give exactly the statements rendered, else nothing is returned.

    Raises:
        UnsafeSQL: a name cannot be written safely, or the text does not split back into
            the statements rendered (one sentence; the CLI exits 2).
    """
    dialect = of(dialect)
    pairs = guard(analysis, down_changes(analysis), dialect)  # right after a partial up too
    framing = preflight_engine(dialect)  # a preflight, one transaction
    checks: list[Check] = []
    if framing is not None:
        pairs = framing.strip_transactions(pairs)
        checks = needs([inv for _, inv in pairs], analysis.after, analysis.before)
    if dialect.undo_by_statement:
        pairs = _by_statement(pairs)  # one ALTER TABLE is undone by one ALTER TABLE
    executable = sum(len(inv.changes) for _, inv in pairs) + (1 if checks else 0)
    lines = analysis.script.lines
    parts: list[tuple[list[str], list[str]]] = []
    for step, inv in pairs:
        if not inv.changes and inv.risk is Risk.EXACT:
            continue  # nothing to undo (SET, IF NOT EXISTS that did nothing)
        line = lines.position(step.statement.span.start).line + 1
        out = [f"-- Undo line {line}: {_excerpt(step.statement.text)}"]
        note = comment(inv.note)
        if inv.risk is Risk.IRREVERSIBLE:
            out.append(f"-- irreversible (up statement at line {line}): {note}")
        elif inv.risk is Risk.LOSES_DATA:
            out.append(f"-- loses-data: {note}")
        elif note:
            out.append(f"-- note: {note}")
        changes = [_sequential(c) if executable > 1 else c for c in inv.changes]
        parts.append((out, render_all(changes, dialect)))
    how = ""
    if framing is not None and parts:
        parts, how = framing.frame(parts, checks)
    elif parts:  # no framing module: the renderer's own data checks come first, if any
        wanted = data_checks(
            [c for _, inv in pairs for c in inv.changes], analysis.after, analysis.before
        )
        pre = preflight(wanted, dialect)
        if pre:
            note = (
                "-- Preflight: stops here, before any change, when rows do not fit what comes back"
            )
            parts.insert(0, ([note], pre))
    rendered = [sql for _, statements in parts for sql in statements]
    blocks = ["\n".join([*out, *(sql + ";" for sql in st)]) for out, st in parts]
    body = "\n\n".join(blocks) + "\n" if blocks else "-- Nothing to undo.\n"
    if dialect.wrap is not None and blocks:  # SQL Server: Prisma's BEGIN TRY … CATCH wrapper
        body = dialect.wrap(body)
    shown, word, runner = comment(name), comment(shell_word(name)), comment(prisma)
    head = (
        f"-- Down migration for {shown}, generated by prisma-down {__version__}.\n"
        f"-- Applied: prisma-down rollback {word} (this file and its history row in one go)\n"
        f"-- Failed: {runner} db execute --file <this file>, then "
        f"{runner} migrate resolve --rolled-back {word}\n"
        + (f"-- This file {how}.\n" if how else "")
        + f"-- prisma-down: migration.sql sha256={sha256(up_text)} body sha256={sha256(body)}\n"
    )
    text = head + "\n" + body
    _check(text, rendered, dialect, name)
    return text


def _check(text: str, rendered: list[str], dialect: Dialect, name: str) -> None:
    """``text`` must read back as exactly the ``rendered`` statements: no name, label or
    note may have ended its comment, string or identifier and become SQL of its own."""
    script = split(text, dialect)
    found = [st.text for st in script.statements]
    if script.unterminated is None and found == rendered:
        return
    at = next(
        (i for i, (a, b) in enumerate(zip(found, rendered, strict=False)) if a != b),
        min(len(found), len(rendered)),
    )
    raise UnsafeSQL(
        f"refused to write down.sql for {comment(name)}: read back, statement {at + 1} is not "
        "the one generated (a name or value in it would run as SQL); please report it"
    )


def _by_statement(pairs: list[tuple[Step, Inverse]]) -> list[tuple[Step, Inverse]]:
    """The inverses of one statement as one: their changes, the worst risk, every note."""
    out: list[tuple[Step, Inverse]] = []
    for step, inv in pairs:
        if out and out[-1][0] is step:
            prev = out[-1][1]
            risk = max(prev.risk, inv.risk, key=lambda r: r.rank)
            notes = dict.fromkeys(n for n in (*prev.note.split("; "), inv.note) if n)
            inv = Inverse((*prev.changes, *inv.changes), risk, "; ".join(notes))
            out[-1] = (step, inv)
        else:
            out.append((step, inv))
    return out


def _sequential(change: ch.Change) -> ch.Change:
    """CONCURRENTLY cannot run in the implicit transaction of a multi-statement script."""
    if isinstance(change, ch.Guarded):
        return ch.Guarded(change.guard, tuple(_sequential(c) for c in change.changes))
    if isinstance(change, ch.CreateIndex) and change.concurrently:
        return ch.CreateIndex(change.index, change.if_not_exists, False)
    if isinstance(change, ch.DropIndex) and change.concurrently:
        return ch.DropIndex(change.name, change.if_exists, False, change.table)
    return change
