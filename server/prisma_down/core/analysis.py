"""The one entry point adapters call: analyse a history, incrementally.

Each migration is analysed against the catalog its predecessors left; results are memoised
by a chain hash (this migration's text and everything before it), so an edit to the last
migration re-reads that migration only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from prisma_down.core import preflight
from prisma_down.core.catalog import Catalog, CatalogError, apply, holds
from prisma_down.core.changes import Change, DropTable, Guarded
from prisma_down.core.dialects import Dialect, get, of
from prisma_down.core.history import History, Migration
from prisma_down.core.inverse import Inverse, Risk, invert
from prisma_down.core.inverse.seeds import within_migration
from prisma_down.core.read import Reading, idioms, read_statement
from prisma_down.core.statements import Script, Statement, split


@dataclass(frozen=True)
class Step:
    """One statement of a script: what it does, and how each of its changes is undone."""

    statement: Statement
    reading: Reading
    inverses: tuple[Inverse, ...]
    problems: tuple[str, ...] = ()  # changes that did not fit the catalog

    @property
    def risk(self) -> Risk:
        return max((i.risk for i in self.inverses), key=lambda r: r.rank, default=Risk.EXACT)


@dataclass(frozen=True)
class ScriptAnalysis:
    """A script replayed over a catalog: its steps and the catalogs around it."""

    script: Script
    steps: tuple[Step, ...]
    before: Catalog
    after: Catalog


class Stopped(Exception):
    """Raised between statements when the caller's ``should_stop`` says so: an editor
    that no longer wants a result (newer text, shutdown) need not wait for it."""


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def replay(
    text: str,
    dialect: Dialect | str,
    before: Catalog,
    reads: dict[str, Reading] | None = None,
    should_stop: Callable[[], bool] | None = None,
    inverses: bool = True,
) -> ScriptAnalysis:
    """Read every statement of ``text``, invert each change, and apply it to the catalog.

    ``reads`` memoises readings by statement text (an Analyzer keeps one per dialect): an
    edit early in a history replays everything after it, but re-reads none of it. Without
    ``inverses`` the steps carry none (nothing undoes a down.sql: it is only replayed).
    """
    dialect = of(dialect)
    script = split(text, dialect)
    cat = before
    steps: list[Step] = []
    texts = [st.text for st in script.statements]
    readings = idioms(texts, [_read(t, dialect, reads, should_stop) for t in texts], dialect)
    for st, reading in zip(script.statements, readings, strict=True):
        if should_stop is not None and should_stop():
            raise Stopped
        undo: list[Inverse] = []
        problems: list[str] = []
        for change in reading.changes:
            # a Guarded change is decided against the catalog as it stands when reached
            done = (
                flatten((change,), lambda: cat)  # noqa: B023 (read as it goes)
                if change.__class__ is Guarded
                else (change,)
            )
            for one in done:
                if inverses:
                    undo.append(within_migration(one, invert(one, cat), before))
                try:
                    cat = apply(cat, one)
                except CatalogError as e:
                    problems.append(str(e))
        steps.append(Step(st, reading, tuple(undo), tuple(problems)))
    for name in cat.tables.temporaries():  # gone when the session that applied the migration ends
        cat = apply(cat, DropTable(name))
    analysis = ScriptAnalysis(script, tuple(steps), before, cat)
    rows = preflight.engine(dialect) if inverses else None
    return rows.survive(analysis) if rows is not None else analysis  # rows kept where they can


def flatten(changes: tuple[Change, ...], catalog: Callable[[], Catalog]) -> Iterator[Change]:
    """Changes in order, each Guarded one decided against the catalog as it stands then."""
    for change in changes:
        if isinstance(change, Guarded):
            if holds(change.guard, catalog()):
                yield from flatten(change.changes, catalog)
        else:
            yield change


def _read(
    text: str,
    dialect: Dialect,
    reads: dict[str, Reading] | None,
    should_stop: Callable[[], bool] | None = None,
) -> Reading:
    if should_stop is not None and should_stop():
        raise Stopped
    if reads is None:
        return read_statement(text, dialect)
    hit = reads.get(text)
    if hit is None:
        hit = read_statement(text, dialect)
        if len(reads) > 200_000:
            reads.clear()
        reads[text] = hit
    return hit


def down_changes(analysis: ScriptAnalysis) -> list[tuple[Step, Inverse]]:
    """Inverses in the order down.sql runs them: last statement first, last change first."""
    out: list[tuple[Step, Inverse]] = []
    for step in reversed(analysis.steps):
        for inv in reversed(step.inverses):
            out.append((step, inv))
    return out


@dataclass
class Analyzer:
    """Holds the memo; one per server or CLI run. Not thread-safe: one caller at a time."""

    dialect: str = "postgres"
    _memo: dict[str, ScriptAnalysis] = field(default_factory=dict)
    _digests: dict[str, str] = field(default_factory=dict)
    _reads: dict[str, Reading] = field(default_factory=dict)
    should_stop: Callable[[], bool] | None = None  # checked between statements

    def chain(self, texts: list[str]) -> list[str]:
        """Chain hashes: each one names a migration's text and everything before it."""
        out, prev = [], self.dialect
        digests = self._digests
        for t in texts:
            d = digests.get(t)  # str hashes are cached: an unchanged text costs a lookup
            if d is None:
                d = digests[t] = sha256(t)
            prev = sha256(prev + "\0" + d)
            out.append(prev)
        if len(digests) > 4 * len(texts) + 64:
            live = set(texts)
            self._digests = {t: d for t, d in digests.items() if t in live}
        return out

    def analyse(self, texts: list[str]) -> list[ScriptAnalysis]:
        """Analyse the up scripts of a history in order, reusing every unchanged prefix."""
        cat = Catalog(dialect=get(self.dialect))
        out: list[ScriptAnalysis] = []
        keys = self.chain(texts)
        for text, key in zip(texts, keys, strict=True):
            hit = self._memo.get(key)
            if hit is None:
                hit = replay(text, self.dialect, cat, self._reads, self.should_stop)
                self._memo[key] = hit
            out.append(hit)
            cat = hit.after
        live = set(keys)
        if len(self._memo) > 4 * max(len(keys), 64):  # forget histories edited away
            self._memo = {k: v for k, v in self._memo.items() if k in live}
        return out

    def replay_down(self, up: ScriptAnalysis, down_text: str) -> ScriptAnalysis:
        """Replay a down script over the catalog the up script left (its steps carry no
        inverses)."""
        key = "down:" + sha256(str(id(up.after))) + sha256(down_text)
        hit = self._memo.get(key)
        if hit is None or hit.before is not up.after:
            hit = replay(
                down_text, self.dialect, up.after, self._reads, self.should_stop, inverses=False
            )
            self._memo[key] = hit
        return hit


@dataclass(frozen=True)
class UpAnalysis:
    """One migration's migration.sql replayed over the history before it: what ``generate``
    needs (the rules need more, ``lint.analyse_history``)."""

    migration: Migration
    up_text: str
    up: ScriptAnalysis
    up_path: Path
    down_path: Path


def analyse_ups(history: History, analyzer: Analyzer) -> list[UpAnalysis]:
    """Every migration.sql of ``history`` replayed in order, and nothing else: no down.sql
    is read or replayed (writing one never depends on the one already there)."""
    analyses = analyzer.analyse([m.up.text for m in history.migrations])
    return [
        UpAnalysis(m, m.up.text, up, m.up.path, m.down_path)
        for m, up in zip(history.migrations, analyses, strict=True)
    ]


__all__ = [
    "Analyzer",
    "ScriptAnalysis",
    "Step",
    "Stopped",
    "UpAnalysis",
    "analyse_ups",
    "down_changes",
    "replay",
    "sha256",
]
