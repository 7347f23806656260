"""What hangs on a column, a type or a view, and how an inverse steps around it.

PostgreSQL refuses to change what other objects are bound to:

- "ALTER COLUMN ... TYPE" fails when a view, materialized view, rule, trigger or policy uses
  the column ("cannot alter type of a column used by a view or rule", "... used in a trigger
  definition"): https://www.postgresql.org/docs/current/sql-altertable.html (SET DATA TYPE:
  "the column ... is used by a view or rule" is an error; drop and re-create them).
- "DROP TYPE" / "DROP VIEW" without CASCADE fail while anything depends on the object
  ("cannot drop ... because other objects depend on it"): the RESTRICT default of
  https://www.postgresql.org/docs/current/sql-droptype.html and sql-dropview.html;
  dependency tracking is described at
  https://www.postgresql.org/docs/current/ddl-depend.html.
- Dropping a view or materialized view drops the triggers, rules and indexes on it with it
  (https://www.postgresql.org/docs/current/sql-dropmaterializedview.html), so those come back
  after it too.
- A foreign key's columns must have comparable types: ADD CONSTRAINT and ALTER COLUMN TYPE
  both check it ("foreign key constraint ... cannot be implemented",
  https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK).

The catalog keeps views, rules, triggers and policies as their original text
(``schema.Opaque``), so what hangs on what is read from that text: an object depends on a
relation or type whose name it mentions as an identifier, and on a column when it also
mentions the column's name (or a star of its spelled the column out, ``core.view_stars``).
That over-approximates a little (a name inside a string literal counts), never under: a
dependent dropped needlessly comes back as it was.

``around`` takes an inverse's changes and, where one of them changes or drops something
others depend on, drops exactly those dependents first (the last created first) and
re-creates them after, with their original text, in the order they were created.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from prisma_down.core import changes as ch
from prisma_down.core.catalog import Catalog, ObjectKey, comments_on
from prisma_down.core.foreign_key_types import foreign_keys
from prisma_down.core.names import comment_target
from prisma_down.core.schema import Constraint, Index, Opaque, QName
from prisma_down.core.view_stars import as_created

RELATIONS = ("view", "materialized view")
# what PostgreSQL binds by reference: a change under them fails until they are gone
BOUND = (*RELATIONS, "rule", "trigger", "policy")


@functools.lru_cache(maxsize=2048)
def _name(name: str) -> re.Pattern[str]:
    """``name`` as SQL text refers to it: quoted, or bare when it is lower case (PostgreSQL
    folds bare names to lower case); a qualifier before it (``"t".``) does not matter."""
    bare = "(?i:" + re.escape(name) + ")" if name == name.lower() else "(?!)"
    return re.compile(r'(?<![\w"$])(?:"' + re.escape(name) + r'"|' + bare + r")(?![\w\"$])")


def _mentions(text: str, name: str) -> bool:
    folded = name == name.lower()
    return name in (text.lower() if folded else text) and _name(name).search(text) is not None


def _bound(cat: Catalog) -> list[tuple[ObjectKey, Opaque]]:
    return [(k, o) for k, o in cat.objects.items() if k[0] in BOUND]


def _reads_relation(o: Opaque, rel: QName) -> bool:
    """``o`` is on ``rel`` or names it in its text."""
    return o.table == rel or _mentions(o.sql, rel.name)


def on_column(cat: Catalog, table: QName, column: str) -> list[ObjectKey]:
    """Views, rules, triggers and policies bound to ``table``.``column``."""
    out = []
    for k, o in _bound(cat):
        if not _reads_relation(o, table):
            continue
        if k[0] == "trigger" and o.table != table:
            continue  # a trigger's definition names only its own table's columns
        if _mentions(o.sql, column) or _starred(o, table, column):
            out.append(k)
    return out


_STAR = re.compile(r"(?i)(?:\bselect(?:\s+distinct)?|,|\.)\s*\*")


def _starred(o: Opaque, table: QName, column: str) -> bool:
    """A star of ``o`` meant ``column``: spelled out so (``core.view_stars``), or one whose
    table was not certain (then any column of a table it names may be behind it)."""
    spelled = o.expanded.columns if o.expanded is not None else ()
    if any(t == table for t, _ in spelled):
        return any(t == table and column in cols for t, cols in spelled)
    return _STAR.search(o.sql) is not None


def on_type(cat: Catalog, name: QName) -> list[ObjectKey]:
    """Objects bound to type ``name``: by a column of that type, or naming it (a cast)."""
    out = [k for k, o in _bound(cat) if _mentions(o.sql, name.name)]
    for table, col in cat.enum_columns(name):
        out += on_column(cat, table, col.name)
    return out


def typed_on(cat: Catalog, table: QName, name: QName) -> tuple[list[Index], list[Constraint]]:
    """The indexes (predicate or expression) and CHECK constraints of ``table`` whose text
    names type ``name`` (a cast such as ``'A'::"E"``).

    ALTER COLUMN TYPE rebuilds every index and re-checks every constraint on the column from
    its stored definition (https://www.postgresql.org/docs/current/sql-altertable.html,
    SET DATA TYPE: "Indexes and simple table constraints involving the column will be
    automatically converted to use the new column type by reparsing the originally supplied
    expression"). A cast to the type the column is leaving then compares the new type with
    the old one: ``operator does not exist: "E_new" = "E"``. Such indexes and checks must go
    before the change and come back after it."""
    t = cat.tables.get(table)
    if t is None:
        return [], []
    ixs = [
        ix
        for ix in cat.table_indexes(table)
        if _mentions(
            " ".join([ix.where or "", *(e.expression or "" for e in ix.elements)]), name.name
        )
    ]
    checks = [k for k in t.constraints if k.kind == "c" and _mentions(k.tail, name.name)]
    return ixs, checks


def on_relation(cat: Catalog, rel: QName) -> list[ObjectKey]:
    """Objects bound to view ``rel``: what reads it, and the rules and triggers on it."""
    return [k for k, o in _bound(cat) if k[1] != rel and _reads_relation(o, rel)]


def closure(cat: Catalog, keys: Iterable[ObjectKey]) -> list[ObjectKey]:
    """``keys`` and, for each view among them, what depends on it in turn; in an order that
    re-creates them safely (``ordered``)."""
    seen: set[ObjectKey] = set()
    todo = list(keys)
    while todo:
        k = todo.pop()
        if k in seen or k not in cat.objects:
            continue
        seen.add(k)
        if k[0] in RELATIONS:
            todo += on_relation(cat, k[1])
    return ordered(cat, seen)


def ordered(cat: Catalog, keys: Iterable[ObjectKey]) -> list[ObjectKey]:
    """Creation order, except that an object comes after every view of ``keys`` it reads:
    a view replaced later (CREATE OR REPLACE) may read one created after it first was."""
    out: list[ObjectKey] = []
    pending = cat.objects.in_order(keys)

    def ready(k: ObjectKey) -> bool:
        o = cat.objects[k]
        return not any(
            other[0] in RELATIONS and other != k and _reads_relation(o, other[1])
            for other in pending
        )

    while pending:
        # none ready: a cycle the text suggests but the database cannot hold (creation order)
        i = next((i for i, k in enumerate(pending) if ready(k)), 0)
        out.append(pending.pop(i))
    return out


def _blocked(changes: tuple[ch.Change, ...], cat: Catalog) -> tuple[list[ObjectKey], int, int]:
    """The dependents the changes run into, and the span of changes they block."""
    found: list[ObjectKey] = []
    first, last = len(changes), -1
    renamed: dict[QName, QName] = {}  # a type renamed before it is dropped: X -> X_old
    for i, c in enumerate(changes):
        hit: list[ObjectKey] = []
        if isinstance(c, ch.RenameEnum):
            renamed[c.new] = renamed.get(c.old, c.old)
        elif isinstance(c, ch.AlterColumnType):
            t = cat.tables.get(c.table)
            if t is not None and t.column(c.column) is not None:
                hit = on_column(cat, c.table, c.column)
        elif isinstance(c, ch.DropEnum):
            name = renamed.get(c.name, c.name)
            if name in cat.enums:
                hit = on_type(cat, name)
        elif (
            isinstance(c, ch.DropObject)
            and c.kind in RELATIONS
            and (c.kind, c.name, None) in cat.objects
        ):
            hit = on_relation(cat, c.name)
        if hit:
            found += hit
            first, last = min(first, i), i
            if isinstance(c, ch.DropObject):  # dependents come back after it comes back
                last = next((j for j in range(i, len(changes)) if _remade(changes[j], c)), i)
    return found, first, last


def _remade(c: ch.Change, drop: ch.DropObject) -> bool:
    return isinstance(c, ch.CreateObject) and (c.object.kind, c.object.name) == (
        drop.kind,
        drop.name,
    )


def around(up: ch.Change, changes: tuple[ch.Change, ...], cat: Catalog) -> tuple[ch.Change, ...]:
    """The inverse ``changes`` of ``up``, stepping around what depends on what they change:
    dropped before, re-created after (see above)."""
    found, first, last = _blocked(changes, cat)
    out = list(changes)
    if found:
        keys = closure(cat, found)
        drops = [_drop(k) for k in reversed(keys)]
        out = [*out[:first], *drops, *out[first : last + 1], *_recreate(cat, keys)]
        out += changes[last + 1 :]
    return tuple(foreign_keys(up, out, cat))


def _drop(k: ObjectKey) -> ch.Change:
    kind, name, table = k
    return ch.DropObject(kind, name, if_exists=True, table=table)


def restore_relation(cat: Catalog, key: ObjectKey) -> list[ch.Change]:
    """View or materialized view ``key`` as it was, with what went with it when it was
    dropped: its indexes, comments, and the triggers, rules and policies on it."""
    return _recreate(cat, [key, *cat.objects.on(key[1])])


def _recreate(cat: Catalog, keys: list[ObjectKey]) -> list[ch.Change]:

    out: list[ch.Change] = []
    for k in keys:
        o = cat.objects[k]
        out.append(ch.CreateObject(as_created(o, cat)))
        if k[0] in RELATIONS:
            ixs = cat.table_indexes(k[1])  # a materialized view's indexes went with it
            out += [ch.CreateIndex(ix) for ix in ixs]
            out += comments_on(cat, k[0].upper(), comment_target(k[1]))
            out += [c for ix in ixs for c in comments_on(cat, "INDEX", comment_target(ix.name))]
    return out
