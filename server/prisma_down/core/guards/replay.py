"""down.sql replayed over every state a failed migration can leave, guarding what differs."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace

from prisma_down.core import changes as ch
from prisma_down.core.analysis import ScriptAnalysis, Step, flatten
from prisma_down.core.catalog import Catalog, CatalogError, apply, holds
from prisma_down.core.compare import differences
from prisma_down.core.guards.facts import changed, rank, subjects_of
from prisma_down.core.guards.natural import SETTERS, natural, wrap
from prisma_down.core.inverse import Inverse
from prisma_down.core.schema import Column, QName, Table

Pairs = list[tuple[Step, Inverse]]


# -- the replay ----------------------------------------------------------------------------


def states_of(analysis: ScriptAnalysis) -> list[Catalog]:
    """The catalog before each statement, and after the last (as ``analysis.replay`` builds it)."""
    cat = analysis.before
    out = [cat]
    for step in analysis.steps:
        for change in flatten(step.reading.changes, lambda: cat):  # noqa: B023
            with contextlib.suppress(CatalogError):
                cat = apply(cat, change)
        out.append(cat)
    return out


def _ended(cat: Catalog) -> Catalog:
    """Temporary tables end with the session that ran the migration."""
    for name in cat.tables.temporaries():
        cat = apply(cat, ch.DropTable(name))
    return cat


@dataclass
class Replay:
    """down.sql replayed over the complete run (``full``) and every partial state at once.

    ``tracks[k]`` is the catalog down.sql has made of the state after ``k`` statements so
    far; once every inverse of statements ``k..`` has run it should be the full run's, and
    the two merge; one that does not (the catalog knows no guard that could tell) goes on
    as one more state where the changes must run.
    """

    analysis: ScriptAnalysis
    states: list[Catalog]
    points: list[int]
    full: Catalog = field(init=False)
    tracks: dict[int, Catalog] = field(init=False)
    diverged: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.full = self.analysis.after
        self.tracks = {k: _ended(self.states[k]) for k in self.points}

    def run(self, pairs: Pairs) -> Pairs:
        out: Pairs = []
        for step, inv in pairs:
            j = step.statement.index
            self._merge(j)
            changes: list[ch.Change] = []
            searched: tuple[ch.Guard, ...] = ()
            for change in inv.changes:
                guards, found = self._decide(change, j, searched)
                searched = guards if found else searched
                form = wrap(guards, change)
                self.full = _after(self.full, form)
                self.tracks = {k: _after(cat, form) for k, cat in self.tracks.items()}
                changes.append(form)
            out.append((step, replace(inv, changes=tuple(changes))))
        return out

    def _merge(self, j: int) -> None:
        """Tracks with every statement from theirs on undone are the full run again."""
        for k in [k for k in self.tracks if k > j and k not in self.diverged]:
            if differences(self.tracks[k], self.full):
                self.diverged.add(k)
            else:
                del self.tracks[k]

    def _decide(
        self, change: ch.Change, j: int, searched: tuple[ch.Guard, ...]
    ) -> tuple[tuple[ch.Guard, ...], bool]:
        """The guards ``change`` needs (none: ``()``), and whether they were searched for."""
        still = [cat for k, cat in self.tracks.items() if k <= j]
        if not still:
            return (), False
        nat = natural(change, self.full)
        if not nat:
            return (), False
        runs_on = [self.full, *(cat for k, cat in self.tracks.items() if k > j)]
        g = nat[0]
        if len(nat) == 1 and g.negated and g.kind in ("column", "constraint", "index"):
            table = ch.Guard("table", g.names[:1], False, g.schema)
            matview = ("materialized view", QName(g.schema or "", g.names[0]), None)
            if matview not in self.full.objects and any(not holds(table, cat) for cat in still):
                nat = (table, g)  # ALTER TABLE IF EXISTS … ADD … IF NOT EXISTS
        if not all(_all_hold(nat, cat) for cat in runs_on):
            return nat, False  # the catalog does not see what the complete run has: trust it
        runs = [cat for cat in still if _all_hold(nat, cat)]
        partly = len(runs) < len(still)
        harmful = [cat for cat in runs if not _harmless(change, [cat])]
        if not harmful:  # where it runs, it sets what is already so
            return (nat if partly else ()), False
        # true where it must run, false where it would fail or do harm (elsewhere: either)
        avoid = [cat for cat in still if not any(cat is r for r in runs)] + harmful
        found = self._separating(change, j, runs_on, avoid, searched)
        if found:
            return found, True
        if partly:  # where the natural guard fails already, one more fact for the harmful
            more = self._separating(change, j, runs_on, harmful, ())
            if more and more != nat:
                return (*nat, *more), False
        return (nat if partly else ()), False

    def _separating(
        self,
        change: ch.Change,
        j: int,
        runs_on: list[Catalog],
        avoid: list[Catalog],
        searched: tuple[ch.Guard, ...],
    ) -> tuple[ch.Guard, ...]:
        """An existence fact true where ``change`` must run and false where it must not.

        First what the undone statement itself made or removed (its own trace reads best),
        then any fact at all.
        """

        def separates(cand: tuple[ch.Guard, ...]) -> bool:
            return (
                bool(cand)
                and all(_all_hold(cand, c) for c in runs_on)
                and not any(_all_hold(cand, c) for c in avoid)
            )

        if separates(searched):
            return searched
        subjects = subjects_of(change)
        before, after = changed(self.states[j], self.states[j + 1])
        own = [after[k] for k in after.keys() - before.keys()]
        own += [replace(before[k], negated=True) for k in before.keys() - after.keys()]
        for g in sorted(own, key=lambda g: rank(g, subjects)):
            if separates((g,)):
                return (g,)
        # A fact true in every run and in no state to avoid (or the reverse, negated) is
        # about something the first of each holds as different values: only those are
        # enumerated, not the whole catalog (trigger.dev's has ~90,000 facts).
        true_here, true_there = changed(runs_on[0], avoid[0])
        found = list(true_here.values()) + [replace(g, negated=True) for g in true_there.values()]
        for g in sorted(found, key=lambda g: rank(g, subjects)):
            if separates((g,)):
                return (g,)
        return ()


def _all_hold(guards: tuple[ch.Guard, ...], cat: Catalog) -> bool:
    return all(holds(g, cat) for g in guards)


def _after(cat: Catalog, change: ch.Change) -> Catalog:
    """``cat`` after ``change`` as the replay sees it: guards decided, misfits skipped."""
    if isinstance(change, ch.Guarded):
        if not holds(change.guard, cat):
            return cat
        for inner in change.changes:
            cat = _after(cat, inner)
        return cat
    try:
        return apply(cat, change)
    except CatalogError:
        return cat


def _harmless(change: ch.Change, tracks: list[Catalog]) -> bool:
    """Whether ``change`` leaves each catalog as it is: it sets what is already so."""
    if isinstance(change, ch.DeleteRows):
        return True  # the statement never inserted them there: nothing to delete
    if isinstance(change, ch.SetComment):
        key = (change.target_kind, change.target)
        return all(cat.comments.get(key) == change.text for cat in tracks)
    if isinstance(change, ch.CreateObject) and change.or_replace:
        o = change.object
        return all(cat.object(o.kind, o.name, o.table) == o for cat in tracks)
    if not isinstance(change, SETTERS):
        return False
    for cat in tracks:
        try:
            after = apply(cat, change)
        except CatalogError:
            return False
        if not _same_table(cat.tables.get(change.table), after.tables.get(change.table)):
            return False
    return True


def _norm(text: str | None) -> str | None:
    return None if text is None else " ".join(text.split()).lower()


def _column_state(c: Column) -> tuple[object, ...]:
    return (_norm(c.type), c.not_null, _norm(c.default), c.identity, c.collate, c.generated)


def _same_table(a: Table | None, b: Table | None) -> bool:
    if a is None or b is None:
        return a is b
    cols = {c.name: _column_state(c) for c in a.columns}
    return cols == {c.name: _column_state(c) for c in b.columns} and set(a.constraints) == set(
        b.constraints
    )
