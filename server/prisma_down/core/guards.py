"""Guards that keep down.sql right when migration.sql stopped halfway.

Prisma's recipe for a failed migration is: run down.sql, then mark the migration rolled
back. A failed run leaves a prefix of migration.sql applied. On PostgreSQL that is nothing
(the script runs as one implicit transaction) or everything up to an explicit COMMIT
(Prisma's enum replacement, ``BEGIN; … COMMIT;``, commits what precedes it); on MySQL each
statement commits on its own, so any prefix. down.sql undoes the last statement first, so
in the state after ``k`` statements the inverses of statements ``k..n-1`` must do nothing
and the others their usual work.

``guard`` replays down.sql over the catalog of every such state alongside the complete
run, and wraps an inverse change in ``Guarded`` where running it in some partial state would
fail or change anything: none where it sets what is already so there (a default put back on
a column no earlier statement touched). It prefers the change's natural guard (the object it
acts on exists; the object it creates does not); when that cannot tell the states apart, an
existence fact that can, first one the undone statement itself changed (an enum label it
added, the old name of what it renamed); when none can, the natural guard, which at least
keeps it from failing.

Only PostgreSQL and MySQL. SQLite has no conditional DDL but IF [NOT] EXISTS, which its
renderer writes on every DROP and CREATE of a down.sql (core.render.sqlite); SQL Server's
TRY/CATCH wrapper and CockroachDB's schema changes (run as background jobs) fail in ways
not modelled here, so their down.sql files are left as they were.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from prisma_down.core import changes as ch
from prisma_down.core.analysis import ScriptAnalysis, Step, flatten
from prisma_down.core.catalog import Catalog, CatalogError, apply, constraint_named, holds
from prisma_down.core.catalog_maps import Indexes, Objects, Tables
from prisma_down.core.compare import differences
from prisma_down.core.inverse import Inverse
from prisma_down.core.pmap import K, PMap, V
from prisma_down.core.schema import Column, QName, Table

DIALECTS = frozenset({"postgres", "mysql"})
Pairs = list[tuple[Step, Inverse]]

_COMMIT = re.compile(r"(?:COMMIT|END)\b", re.I)
_KINDS = ("table", "column", "constraint", "index", "type", "value", "sequence", "object",
          "extension", "schema")  # fmt: skip
_FAMILY = {"procedure": "function", "aggregate": "function", "domain": "type"}
_OBJECT_KINDS = frozenset(
    {"view", "materialized view", "function", "procedure", "aggregate", "trigger", "policy"}
    | {"rule", "collation"}
)
_ON_TABLE = frozenset({"trigger", "policy", "rule"})
_SETTERS = (ch.SetColumnDefault, ch.SetColumnNotNull, ch.AlterColumnType, ch.ReplaceColumn)


def stop_points(texts: Sequence[str], dialect: str) -> list[int]:
    """Each ``k`` such that a failed run of the script can leave its first ``k`` statements.

    PostgreSQL: 0, and the statements up to each COMMIT but the last statement (after which
    nothing can fail); MySQL and SQLite: every ``k`` short of all. Other dialects: none.
    """
    n = len(texts)
    if dialect in ("mysql", "sqlite"):
        return list(range(n))
    if dialect != "postgres" or n == 0:
        return []
    return [0] + [i + 1 for i, text in enumerate(texts[:-1]) if _COMMIT.match(text)]


def guard(analysis: ScriptAnalysis, pairs: Pairs, dialect: str) -> Pairs:
    """``pairs`` (down.sql's inverses, in order) with the guards a partial state needs."""
    if dialect not in DIALECTS:
        return pairs
    points = stop_points([s.statement.text for s in analysis.steps], dialect)
    if not points:
        return pairs
    return _Replay(analysis, _states(analysis), points).run(pairs)


def natural(change: ch.Change, cat: Catalog) -> tuple[ch.Guard, ...]:
    """The guard that says ``change`` can run: what it acts on exists, what it makes does not.

    ``cat`` is the catalog it runs on (an index found by name alone needs its table).
    Empty for changes with no object of their own (BEGIN, verbatim SQL, ...).
    """
    c = change
    if isinstance(c, ch.CreateTable):
        return (_table(c.table.name, True),)
    if isinstance(c, ch.DropTable):
        return (_table(c.name),)
    if isinstance(c, ch.RenameTable):
        return (_table(c.old),)
    if isinstance(c, ch.DeleteRows | ch.InsertRows):
        return (_table(c.table),)
    if isinstance(c, ch.AddColumn):
        return (_column(c.table, c.column.name, True),)
    if isinstance(c, ch.DropColumn):
        return (_column(c.table, c.name),)
    if isinstance(c, ch.RenameColumn):
        return (_column(c.table, c.old),)
    if isinstance(c, (*_SETTERS, ch.SetColumnIdentity)):
        return (_column(c.table, c.column),)
    if isinstance(c, ch.AddConstraint):
        return (_constraint(c.table, c.constraint.name, True),) if c.constraint.name else ()
    if isinstance(c, ch.DropConstraint | ch.ValidateConstraint):
        return (_constraint(c.table, c.name),)
    if isinstance(c, ch.RenameConstraint):
        return (_constraint(c.table, c.old),)
    if isinstance(c, ch.CreateIndex):
        return (_index(c.index.table, c.index.name.name, True),)
    if isinstance(c, ch.DropIndex | ch.RenameIndex):
        name = c.name if isinstance(c, ch.DropIndex) else c.old
        table = c.table or index_table(cat, name)
        return (_index(table, name.name),) if table is not None else ()
    if isinstance(c, ch.CreateEnum):
        return (_type(c.enum.name, True),)
    if isinstance(c, ch.DropEnum | ch.RenameEnum | ch.ReplaceEnum):
        if isinstance(c, ch.DropEnum):
            return (_type(c.name),)
        return (_type(c.old if isinstance(c, ch.RenameEnum) else c.enum),)
    if isinstance(c, ch.AddEnumValue):
        return (ch.Guard("value", (c.enum.name, c.value), True, c.enum.schema),)
    if isinstance(c, ch.RenameEnumValue):
        return (ch.Guard("value", (c.enum.name, c.old), False, c.enum.schema),)
    if isinstance(c, ch.DropEnumValue):
        return (ch.Guard("value", (c.enum.name, c.value), False, c.enum.schema),)
    if isinstance(c, ch.CreateObject):
        o = c.object
        return _object(o.kind, o.name, o.table, not c.or_replace)
    if isinstance(c, ch.DropObject):
        return _object(c.kind, c.name, c.table or _object_table(cat, c.kind, c.name))
    if isinstance(c, ch.RenameObject):
        return _object(c.kind, c.old, _object_table(cat, c.kind, c.old))
    if isinstance(c, ch.AlterSequence):
        return (ch.Guard("sequence", (c.name.name,), False, c.name.schema),)
    if isinstance(c, ch.SetComment):
        return _commented(c, cat)
    return ()


def index_table(cat: Catalog, name: QName) -> QName | None:
    """The table of index ``name``: a CREATE INDEX one, or a constraint's (PostgreSQL)."""
    hit = cat.indexes.get(name)
    if hit is not None:
        return hit[0]
    owner = constraint_named(cat, name)
    return owner[0] if owner is not None else None


# -- guards by kind ------------------------------------------------------------------------


def _table(name: QName, negated: bool = False) -> ch.Guard:
    return ch.Guard("table", (name.name,), negated, name.schema)


def _column(table: QName, column: str, negated: bool = False) -> ch.Guard:
    return ch.Guard("column", (table.name, column), negated, table.schema)


def _constraint(table: QName, name: str, negated: bool = False) -> ch.Guard:
    return ch.Guard("constraint", (table.name, name), negated, table.schema)


def _index(table: QName, name: str, negated: bool = False) -> ch.Guard:
    return ch.Guard("index", (table.name, name), negated, table.schema)


def _type(name: QName, negated: bool = False) -> ch.Guard:
    return ch.Guard("type", (name.name,), negated, name.schema)


def _object(
    kind: str, name: QName, table: QName | None, negated: bool = False
) -> tuple[ch.Guard, ...]:
    if kind in ("extension", "schema"):
        return (ch.Guard(kind, (name.name,), negated, ""),)
    if kind == "sequence":
        return (ch.Guard("sequence", (name.name,), negated, name.schema),)
    if kind in ("type", "domain"):
        return (_type(name, negated),)
    if kind not in _OBJECT_KINDS:
        return ()
    if kind in _ON_TABLE:
        if table is None:
            return ()
        return (ch.Guard("object", (kind, name.name, table.name), negated, table.schema),)
    return (ch.Guard("object", (kind, name.name), negated, name.schema),)


def _object_table(cat: Catalog, kind: str, name: QName) -> QName | None:
    return next((tb for (_, _, tb), _ in cat.objects_named(kind, name)), None)


_PART = re.compile(r'"((?:[^"]|"")*)"|([A-Za-z_][\w$]*)')


def _parts(target: str) -> list[str] | None:
    """``"a".b`` → ``["a", "b"]`` (unquoted names folded); None for anything else."""
    parts: list[str] = []
    rest = target.strip()
    while True:
        m = _PART.match(rest)
        if m is None:
            return None
        quoted, bare = m.groups()
        parts.append(quoted.replace('""', '"') if quoted is not None else bare.lower())
        rest = rest[m.end() :]
        if not rest:
            return parts
        if not rest.startswith("."):
            return None
        rest = rest[1:]


def _commented(c: ch.SetComment, cat: Catalog) -> tuple[ch.Guard, ...]:
    """COMMENT ON needs its object; the target is the catalog's quoted name."""
    parts = _parts(c.target)
    if parts is None:
        return ()
    if c.target_kind == "COLUMN":
        if len(parts) < 2:
            return ()
        return (_column(QName("" if len(parts) < 3 else parts[-3], parts[-2]), parts[-1]),)
    name = QName(parts[-2] if len(parts) > 1 else "", parts[-1])
    if c.target_kind in ("TABLE", "FOREIGN TABLE"):
        return (_table(name),)
    if c.target_kind == "INDEX":
        table = index_table(cat, name)
        return (_index(table, name.name),) if table is not None else ()
    kind = c.target_kind.lower()
    return _object(kind, name, None) if kind not in _ON_TABLE else ()


def _wrap(guards: tuple[ch.Guard, ...], change: ch.Change) -> ch.Change:
    for g in reversed(guards):
        change = ch.Guarded(g, (change,))
    return change


# -- the replay ----------------------------------------------------------------------------


def _states(analysis: ScriptAnalysis) -> list[Catalog]:
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


Key = tuple[str, ...]


@dataclass
class _Replay:
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
                form = _wrap(guards, change)
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
        subjects = _subjects(change)
        before, after = _changed(self.states[j], self.states[j + 1])
        own = [after[k] for k in after.keys() - before.keys()]
        own += [replace(before[k], negated=True) for k in before.keys() - after.keys()]
        for g in sorted(own, key=lambda g: _rank(g, subjects)):
            if separates((g,)):
                return (g,)
        # A fact true in every run and in no state to avoid (or the reverse, negated) is
        # about something the first of each holds as different values: only those are
        # enumerated, not the whole catalog (trigger.dev's has ~90,000 facts).
        true_here, true_there = _changed(runs_on[0], avoid[0])
        found = list(true_here.values()) + [replace(g, negated=True) for g in true_there.values()]
        for g in sorted(found, key=lambda g: _rank(g, subjects)):
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
    if not isinstance(change, _SETTERS):
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


# -- facts: every existence guard a catalog makes true -------------------------------------


def _key(g: ch.Guard, dialect: str) -> Key:
    """What makes two guards ask the same thing (MySQL compares names without case)."""
    kind, names = g.kind, g.names
    if kind in ("extension", "schema"):
        return (kind, "", *names)
    if kind == "object":
        names = (_FAMILY.get(names[0], names[0]), *names[1:])
    elif dialect == "mysql" and kind in ("column", "constraint", "index"):
        names = (*names[:-1], names[-1].lower())
    return (kind, g.schema or "", *names)


def _changed(a: Catalog, b: Catalog) -> tuple[dict[Key, ch.Guard], dict[Key, ch.Guard]]:
    """The facts of ``a`` and of ``b`` about what differs between them.

    A catalog shares what a change left alone with the one before it: only the tables,
    indexes, enums and objects that are not the very same values are enumerated.
    """

    def apart(x: Catalog, y: Catalog) -> Catalog:
        return Catalog(
            tables=Tables(_only(x.tables, y.tables)),
            indexes=Indexes(_only(x.indexes, y.indexes)),
            enums=PMap(_only(x.enums, y.enums)),
            objects=Objects(_only(x.objects, y.objects)),
            comments=x.comments,
            dialect=x.dialect,
        )

    return _facts(apart(a, b)), _facts(apart(b, a))


def _only(x: PMap[K, V], y: PMap[K, V]) -> dict[K, V]:
    """The entries of ``x`` that are not the very same in ``y``, in ``x``'s order."""
    return {n: x[n] for n in x.in_order(k for k in x.changed(y) if k in x)}


def _facts(cat: Catalog) -> dict[Key, ch.Guard]:
    return {_key(g, cat.dialect): g for kind in _KINDS for g in _enumerate(cat, kind)}


def _enumerate(cat: Catalog, kind: str) -> Iterator[ch.Guard]:
    """Every guard of ``kind`` true in ``cat`` (positive): what ``holds`` finds."""
    mysql = cat.dialect == "mysql"
    if kind in ("table", "column"):
        for t in cat.tables.values():
            s, tn = t.name.schema, t.name.name
            if kind == "table":
                yield ch.Guard("table", (tn,), False, s)
            else:
                yield from (ch.Guard("column", (tn, c.name), False, s) for c in t.columns)
    elif kind in ("constraint", "index"):
        backing = "" if kind == "constraint" else "u" if mysql else "pux"
        for t in cat.tables.values():
            for k in t.constraints:
                if k.name and (kind == "constraint" or k.kind in backing):
                    yield ch.Guard(kind, (t.name.name, k.name), False, t.name.schema)
        for tb, ix in cat.indexes.values():
            if kind == "index" or (mysql and ix.unique):
                yield ch.Guard(kind, (tb.name, ix.name.name), False, tb.schema)
    elif kind == "type":
        yield from (_type(name) for name in cat.enums)
        yield from (_type(o.name) for o in cat.objects.values() if o.kind in ("type", "domain"))
    elif kind == "value":
        for name, e in cat.enums.items():
            yield from (ch.Guard("value", (name.name, v), False, name.schema) for v in e.values)
    elif kind == "object":
        for o in cat.objects.values():
            if o.kind in _OBJECT_KINDS:
                yield ch.Guard("object", (o.kind, o.name.name), False, o.name.schema)
                if o.table is not None:
                    on = (o.kind, o.name.name, o.table.name)
                    yield ch.Guard("object", on, False, o.table.schema)
    else:  # extension, schema, sequence
        for o in cat.objects.values():
            if o.kind == kind:
                yield from _object(o.kind, o.name, o.table)


def _subjects(change: ch.Change) -> set[str]:
    """Names ``change`` acts on: a guard about them reads best."""
    out: set[str] = set()
    for value in vars(change).values():
        if isinstance(value, QName):
            out.add(value.name)
        elif isinstance(value, str):
            out.add(value)
        elif hasattr(value, "name") and isinstance(value.name, QName | str):
            out.add(value.name if isinstance(value.name, str) else value.name.name)
    return out


def _rank(g: ch.Guard, subjects: set[str]) -> tuple[object, ...]:
    related = any(n in subjects for n in g.names)
    return (not related, _KINDS.index(g.kind), g.negated, g.names)


__all__ = ["DIALECTS", "guard", "index_table", "natural", "stop_points"]
