"""Two schema snapshots (verify/snapshot.py) compared, one sentence per difference.

The sentences are what ``verify`` prints and what the tests compare: grouped by object,
sorted, and empty exactly when the schemas are equal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from prisma_down.verify.snapshot import Column, Name, Sequence, Snapshot, Table, View


def diff(before: Snapshot, after: Snapshot) -> list[str]:
    """One sentence per difference, grouped by object; empty when the schemas are equal."""
    out: list[tuple[tuple[Any, ...], str]] = []

    def say(key: tuple[Any, ...], sentence: str) -> None:
        out.append(((*key, sentence), sentence))

    for name in before.schemas ^ after.schemas:
        say((0, name), f"schema {_quote(name)} {_presence(name in before.schemas)}")
    for name in before.extensions ^ after.extensions:
        say((1, name), f"extension {_quote(name)} {_presence(name in before.extensions)}")

    _compare(before.enums, after.enums, lambda k: f"enum {_qualify(*k)}", (2,), say, _enum_change)
    _compare(before.sequences, after.sequences, lambda k: f"sequence {_qualify(*k)}", (3,), say,
             _sequence_changes)  # fmt: skip
    for table in before.tables.keys() | after.tables.keys():
        _compare_table(table, before.tables.get(table), after.tables.get(table), say)

    # An index or trigger whose table is missing (or new) is said with its table.
    gone = before.tables.keys() ^ after.tables.keys()
    for index in before.indexes.keys() | after.indexes.keys():
        old, new = before.indexes.get(index), after.indexes.get(index)
        what = f"index {_qualify(*index)}"
        if old is None or new is None:
            if (index[0], (old or new).table) not in gone:  # type: ignore[union-attr]
                say((5, *index), f"{what} {_presence(old is not None)}")
        elif old != new:
            say((5, *index), f"{what} differs: {_changed(old.definition, new.definition)}")

    _compare(before.views, after.views, _view_label(before, after), (6,), say, _view_change)
    _compare(before.functions, after.functions, _function_label(before, after), (7,), say,
             lambda a, b: [f"differs{_changed_text(a.definition, b.definition)}"])  # fmt: skip
    for trigger in before.triggers.keys() | after.triggers.keys():
        old_def, new_def = before.triggers.get(trigger), after.triggers.get(trigger)
        schema, on, name = trigger
        what = f"trigger {_quote(name)} on {_qualify(schema, on)}"
        if old_def is None or new_def is None:
            if (schema, on) not in gone:
                say((8, *trigger), f"{what} {_presence(old_def is not None)}")
        elif old_def != new_def:
            say((8, *trigger), f"{what} differs: {_changed(old_def, new_def)}")

    return [sentence for _, sentence in sorted(out)]


def _compare(
    before: Mapping[Any, Any],
    after: Mapping[Any, Any],
    label: Callable[[Any], str],
    rank: tuple[int],
    say: Callable[[tuple[Any, ...], str], None],
    changes: Callable[[Any, Any], list[str]],
) -> None:
    """Missing, new, or changed: ``changes`` words what differs in an object on both sides."""
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        if old is None or new is None:
            say((*rank, *key), f"{label(key)} {_presence(old is not None)}")
        elif old != new:
            for change in changes(old, new):
                say((*rank, *key), f"{label(key)} {change}")


def _compare_table(
    key: Name,
    old: Table | None,
    new: Table | None,
    say: Callable[[tuple[Any, ...], str], None],
) -> None:
    what = f"{(old or new).kind} {_qualify(*key)}"  # type: ignore[union-attr]
    if old is None or new is None:
        say((4, *key, 0, ""), f"{what} {_presence(old is not None)}")
        return
    if old.kind != new.kind:
        say((4, *key, 0, ""), f"{_qualify(*key)} is a {old.kind} before, a {new.kind} after")
    for name in old.columns.keys() | new.columns.keys():
        column = f"{_qualify(*key)}.{_quote(name)}"
        sort = (4, *key, 1, name)
        a, b = old.columns.get(name), new.columns.get(name)
        if a is None or b is None:
            say(sort, f"column {column} {_presence(a is not None)}")
            continue
        if a.type != b.type:
            say(sort, f"column {column} has type {a.type} before, {b.type} after")
        if a.not_null != b.not_null:
            say(sort, f"column {column} is {_nullness(a)} before, {_nullness(b)} after")
        for attribute, x, y, unset in (
            ("default", a.default, b.default, "none"),
            ("identity", _IDENTITY.get(a.identity), _IDENTITY.get(b.identity), "none"),
            ("generated expression", a.generated, b.generated, "none"),
            ("collation", a.collation, b.collation, "the type's default"),
        ):
            if x != y:
                say(sort, f"{attribute} of {column} is {x or unset} before, {y or unset} after")
    for name in old.constraints.keys() | new.constraints.keys():
        c, d = old.constraints.get(name), new.constraints.get(name)
        what = f"constraint {_quote(name)} on {_qualify(*key)}"
        if c is None or d is None:
            say((4, *key, 2, name), f"{what} {_presence(c is not None)}")
        elif c != d:
            say((4, *key, 2, name), f"{what} differs: {_changed(c.definition, d.definition)}")


_IDENTITY = {"a": "GENERATED ALWAYS", "d": "GENERATED BY DEFAULT"}


def _nullness(column: Column) -> str:
    return "NOT NULL" if column.not_null else "nullable"


def _enum_change(old: tuple[str, ...], new: tuple[str, ...]) -> list[str]:
    return [f"values are {_labels(old)} before, {_labels(new)} after"]


def _labels(labels: tuple[str, ...]) -> str:
    return "(" + ", ".join("'" + label.replace("'", "''") + "'" for label in labels) + ")"


def _sequence_changes(old: Sequence, new: Sequence) -> list[str]:
    words = []
    for attribute in ("data_type", "start", "increment", "minimum", "maximum", "cycle", "cache"):
        x, y = getattr(old, attribute), getattr(new, attribute)
        if x != y:
            words.append(f"has {attribute.replace('_', ' ')} {x} before, {y} after")
    if old.owned_by != new.owned_by:
        words.append(f"is owned by {_owner(old)} before, {_owner(new)} after")
    return words


def _owner(sequence: Sequence) -> str:
    if sequence.owned_by is None:
        return "nothing"
    schema, table, column = sequence.owned_by
    return f"{_qualify(schema, table)}.{_quote(column)}"


def _view_label(before: Snapshot, after: Snapshot) -> Callable[[Name], str]:
    def label(key: Name) -> str:
        old, new = before.views.get(key), after.views.get(key)
        if old is not None and new is not None and old.materialized != new.materialized:
            return _qualify(*key)  # the sentence says what it is on each side
        view = old or new
        return f"{'materialized view' if view and view.materialized else 'view'} {_qualify(*key)}"

    return label


def _view_change(old: View, new: View) -> list[str]:
    if old.materialized != new.materialized:
        kinds = ("a view", "a materialized view")
        return [f"is {kinds[old.materialized]} before, {kinds[new.materialized]} after"]
    return [f"differs{_changed_text(old.definition, new.definition)}"]


def _function_label(before: Snapshot, after: Snapshot) -> Callable[[tuple[str, str, str]], str]:
    def label(key: tuple[str, str, str]) -> str:
        function = before.functions.get(key) or after.functions[key]
        return f"{function.kind} {_qualify(key[0], key[1])}({key[2]})"

    return label


def _changed(old: str, new: str) -> str:
    return f"{old} before, {new} after"


def _changed_text(old: str, new: str) -> str:
    """Where two multi-line definitions part: the first line that differs, both sides."""
    old_lines, new_lines = old.strip().splitlines(), new.strip().splitlines()
    if len(old_lines) <= 1 and len(new_lines) <= 1:
        return f": {_changed(old.strip(), new.strip())}"
    for number in range(max(len(old_lines), len(new_lines))):
        a = old_lines[number] if number < len(old_lines) else None
        b = new_lines[number] if number < len(new_lines) else None
        if a != b:
            shown = [f'"{line.strip()}"' if line is not None else "nothing" for line in (a, b)]
            return f" at line {number + 1}: {shown[0]} before, {shown[1]} after"
    return f": {_changed(old, new)}"  # only surrounding whitespace differs


def _presence(was_before: bool) -> str:
    return "is missing" if was_before else "was not there before"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qualify(schema: str, name: str) -> str:
    """Schema-qualified only outside ``public``, where most Prisma schemas live."""
    return _quote(name) if schema == "public" else f"{_quote(schema)}.{_quote(name)}"
