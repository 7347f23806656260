"""Which type changes PostgreSQL has no cast back for.

An inverse ALTER COLUMN TYPE written as ``x::previous`` fails outright where PostgreSQL has
no cast (``cannot cast type jsonb to jsonb[]``). Its casts are the rows of ``pg_cast`` plus
the I/O conversion casts to and from string types (docs: "CREATE CAST", Notes: "automatic
I/O conversion casts from string types are treated as explicit casts, while I/O
conversion casts to string types are treated as assignment casts"). Between an array and a
scalar there is none, except through a string type; ``boolean`` only casts to and from
``integer``, text and ``jsonb`` (to it only): date and time types and ``json`` do not. Only
pairs known to have no cast are named here, so anything else keeps the plain cast.
"""

from __future__ import annotations

import re
from dataclasses import replace

from prisma_down.core import changes as ch
from prisma_down.core import escape
from prisma_down.core.catalog.maps import type_base
from prisma_down.core.inverse.model import Inverse, exact, lossy
from prisma_down.core.names import quote
from prisma_down.core.preflight import Check, table_name
from prisma_down.core.schema import Column

_STRINGS = {"text", "varchar", "character varying", "char", "character", "bpchar", "name"}
_BOOL = {"bool", "boolean"}
_TIMES = {"timestamp", "timestamptz", "date", "time", "timetz", "interval"}
_JSON = {"json", "jsonb"}
_ONE_DIM = re.compile(r"\s*\[\s*\d*\s*\]\s*$")
_MODIFIER = re.compile(r"\s*\(.*\)\s*")
_TIME_SUFFIX = re.compile(r"\s+with(out)?\s+time\s+zone$")


def _name(type_text: str) -> tuple[str, bool]:
    """The type's bare name (modifiers and time zone words dropped) and whether an array."""
    base, arr = type_base(type_text)
    name = _TIME_SUFFIX.sub("", _MODIFIER.sub("", base.name)).strip()
    if name in ("timestamp", "time") and "with time zone" in type_text.lower():
        name += "tz"
    return name, bool(arr)


def no_cast(current: str, previous: str) -> bool:
    """True when PostgreSQL has no cast from ``current`` to ``previous`` (as far as known)."""
    (cur, cur_arr), (prev, prev_arr) = _name(current), _name(previous)
    if cur_arr != prev_arr:
        source_string = not cur_arr and cur in _STRINGS
        target_string = not prev_arr and prev in _STRINGS
        return not (source_string or target_string)
    if cur in _BOOL and (prev in _TIMES or prev in _JSON):
        return True
    return prev in _BOOL and (cur in _TIMES or cur == "json")  # jsonb -> boolean exists


def first_element(current: str, previous: str) -> str | None:
    """The element type of a one-dimensional array ``current`` when it casts to the scalar
    ``previous`` (an array back to what it was made of: ``text[]`` to an enum), else None."""
    if not _ONE_DIM.search(current) or _ONE_DIM.search(previous):
        return None
    element = _ONE_DIM.sub("", current)
    if _ONE_DIM.search(element) or no_cast(element, previous):
        return None
    return element


# -- the inverse where there is no cast back: values brought back, or a stop ---------------

# ALTER COLUMN TYPE ... USING takes no subquery ("cannot use subquery in transform
# expression"), so the elements of a JSON array are taken apart by a function of the
# session's temporary schema, dropped again at the end of the step. A function there is
# only found by its qualified name: "the temporary schema is never searched for functions
# or operators" (https://www.postgresql.org/docs/current/runtime-config-client.html,
# search_path).
JSON_ELEMENTS = "pg_temp.prisma_down_json_elements"
_ELEMENTS_FUNCTION = (
    f"CREATE OR REPLACE FUNCTION {JSON_ELEMENTS}(j jsonb) RETURNS jsonb[] "
    "LANGUAGE sql IMMUTABLE STRICT AS $fn$ SELECT CASE WHEN jsonb_typeof(j) = 'array' "
    "THEN ARRAY(SELECT e FROM jsonb_array_elements(j) WITH ORDINALITY AS x(e, i) ORDER BY i) "
    "ELSE ARRAY[j] END $fn$"
)


def json_elements(current: str, previous: str) -> bool:
    """``current`` is one JSON value and ``previous`` a one-dimensional array of them (the
    migration made one document of an array, ``array_to_json(x)``): the array's elements
    come back as the array's values."""
    (cur, cur_arr), (prev, prev_arr) = _name(current), _name(previous)
    return cur in _JSON and not cur_arr and prev in _JSON and prev_arr


def _presence(using: str | None, column: str) -> bool:
    """The migration's USING was ``column IS NOT NULL``: false was NULL before."""
    if using is None:
        return False
    name = rf'(?:"{re.escape(column)}"|{re.escape(column)})'
    return re.fullmatch(rf"\(?\s*{name}\s+IS\s+NOT\s+NULL\s*\)?", using.strip(), re.I) is not None


def without_cast(
    c: ch.AlterColumnType, before: Column, back: ch.AlterColumnType, steps: list[ch.Change]
) -> Inverse:
    """The inverse of ``c`` where PostgreSQL has no cast from ``c.type`` to ``before.type``:
    values come back where the migration's conversion can be undone (a JSON array to its
    elements, a one-element array to its element, false to the NULL it was), and rows
    holding any other value stop down.sql in its preflight, before it changes anything;
    no value turns into a NULL unsaid."""
    table, col, where = c.table, quote(c.column), f'{table_name(c.table)}."{c.column}"'
    head = f"PostgreSQL has no cast from {c.type} back to {before.type}: "
    rows = f"rows of {table_name(table)} hold "
    if json_elements(c.type, before.type):
        same = f"pg_typeof({col}) = {escape.literal(before.type, 'postgres')}::regtype"
        using = (
            f"CASE WHEN {same} THEN {col}::text::{before.type} "
            f"ELSE {JSON_ELEMENTS}(to_jsonb({col}))::{before.type} END"
        )
        steps = [replace(s, using=using) if s is back else s for s in steps]
        drop = f"DROP FUNCTION IF EXISTS {JSON_ELEMENTS}(jsonb)"
        note = f"{where} comes back as the elements of each JSON array (any other value as "
        note += "an array of one)"
        return exact(ch.Verbatim(_ELEMENTS_FUNCTION), *steps, ch.Verbatim(drop), note=head + note)
    if first_element(c.type, before.type) is not None:
        check = Check(
            "several",
            table,
            (c.column,),
            (),
            f'{rows}arrays of other than one element in "{c.column}", which cannot turn back '
            f"into one {before.type} value: leave one element in each first",
        )
        note = f"{where} comes back as the one element of each array"
        return replace(exact(*steps, note=head + note), checks=(check,))
    if _presence(c.using, c.column) and _name(c.type)[0] in _BOOL:
        check = Check(
            "labels",
            table,
            (c.column,),
            ("true",),
            f'{rows}true in "{c.column}", whose {before.type} values the migration did not '
            "keep: set them to false or NULL first",
        )
        note = f"{where} comes back NULL where it is false; rows holding true stop down.sql"
        return replace(lossy(head + note, *steps), checks=(check,))
    check = Check(
        "held",
        table,
        (c.column,),
        (c.type,),
        f'{rows}values in "{c.column}" that cannot turn back into {before.type}: '
        "set them to NULL first",
    )
    note = f"{where} comes back only where it is NULL; rows holding a value stop down.sql"
    return replace(lossy(head + note, *steps), checks=(check,))
