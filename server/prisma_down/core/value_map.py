"""A value conversion read from a ``CASE`` and turned around, so rows survive a type back.

A migration that converts values (``ALTER COLUMN s TYPE t USING CASE s WHEN 'live' THEN
'open' … END``, or ``UPDATE t SET s = CASE s WHEN … END``) is undone by the inverse
mapping when it is one-to-one: a plain cast back would fail on every converted row. Only
the simple forms are read (``CASE col WHEN lit THEN lit … [ELSE NULL | ELSE col] END``,
``CASE WHEN col = lit THEN lit … END`` and ``SET col = lit WHERE col = lit``, casts allowed
anywhere); anything else is reported
as not a simple CASE, and the caller keeps its plain cast and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prisma_down.core import changes as ch
from prisma_down.core.catalog import Catalog, type_base
from prisma_down.core.names import quote
from prisma_down.core.preflight import Check, quoted_list, table_name

_IDENT = r'(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)'
_CAST = (
    rf"(?:\s*::\s*{_IDENT}(?:\s*\.\s*{_IDENT})?"
    r"(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\s*\[\s*\])*)"
)
_LIT = r"(?:'(?:[^']|'')*'|-?\d+(?:\.\d+)?)"
_COLREF = rf"(?:{_IDENT}\s*\.\s*)?({_IDENT}){_CAST}*"
_VALUE = rf"({_LIT}){_CAST}*"
_WHEN_SIMPLE = re.compile(rf"\s*WHEN\s+{_VALUE}\s+THEN\s+{_VALUE}", re.I)
_WHEN_SEARCHED = re.compile(
    rf"\s*WHEN\s+\(?\s*{_COLREF}\s*\)?\s*=\s*{_VALUE}\s+THEN\s+{_VALUE}", re.I
)
_HEAD = re.compile(rf"^CASE\s+(?!WHEN\b){_COLREF}", re.I)
_ELSE = re.compile(rf"\s*ELSE\s+(?:(NULL){_CAST}*|\(?\s*{_COLREF}\s*\)?{_CAST}*)", re.I)
_END = re.compile(r"\s*END\s*$", re.I)
_OUTER_CAST = re.compile(rf"{_CAST}\s*$")
_SET_WHERE = re.compile(
    rf"^\(?\s*{_VALUE}\s*\)?\s+WHERE\s+\(?\s*{_COLREF}\s*\)?\s*=\s*{_VALUE}\s*;?\s*$", re.I | re.S
)


@dataclass(frozen=True)
class ValueMap:
    """``pairs`` maps each value's literal text (as written) to the literal it became;
    ``identity_else``: values no WHEN names stay as they are (``ELSE col``)."""

    column: str
    pairs: tuple[tuple[str, str], ...]
    identity_else: bool

    def collisions(self, others: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Results (as values) that more than one value maps to; ``others``: the values an
        identity ELSE passes through unchanged."""
        seen: dict[str, int] = {}
        for _, new in self.pairs:
            seen[literal_value(new)] = seen.get(literal_value(new), 0) + 1
        sources = {literal_value(old) for old, _ in self.pairs}
        if self.identity_else:
            for v in others:
                if v not in sources:
                    seen[v] = seen.get(v, 0) + 1
        return tuple(v for v, n in seen.items() if n > 1)

    def inverse(self) -> ValueMap:
        return ValueMap(self.column, tuple((b, a) for a, b in self.pairs), self.identity_else)


def unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()


def literal_value(lit: str) -> str:
    """The text a literal stands for (``'it''s'`` → ``it's``; numbers as written)."""
    return lit[1:-1].replace("''", "'") if lit.startswith("'") else lit


def _strip(text: str) -> str:
    """Outer parentheses and trailing casts off an expression, as often as they wrap it."""
    s = text.strip()
    while True:
        before = s
        s = _OUTER_CAST.sub("", s).strip() if not s.upper().endswith("END") else s
        if s.startswith("(") and s.endswith(")") and _balanced(s[1:-1]):
            s = s[1:-1].strip()
        if s == before:
            return s


def _balanced(s: str) -> bool:
    depth, quote = 0, ""
    for x in s:
        if quote:
            if x == quote:
                quote = ""
        elif x in "'\"":
            quote = x
        elif x == "(":
            depth += 1
        elif x == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and not quote


def read_where(text: str, column: str) -> ValueMap | None:
    """The mapping ``SET column = 'b' WHERE column = 'a'`` makes (``text``: what follows
    ``SET column =``): 'a' becomes 'b', every other value stays."""
    m = _SET_WHERE.match(text.strip())
    if m is None or unquote(m.group(2)) != column:
        return None
    return ValueMap(column, ((m.group(3), m.group(1)),), identity_else=True)


def read_case(expression: str, column: str) -> ValueMap | None:
    """The mapping a simple CASE over ``column`` makes, or None when it is anything else."""
    s = _strip(expression)
    head = _HEAD.match(s)
    pairs: list[tuple[str, str]] = []
    if head is not None:
        if unquote(head.group(1)) != column:
            return None
        pos = head.end()
        while m := _WHEN_SIMPLE.match(s, pos):
            pairs.append((m.group(1), m.group(2)))
            pos = m.end()
    elif re.match(r"^CASE\s+WHEN\b", s, re.I):
        pos = 4
        while m := _WHEN_SEARCHED.match(s, pos):
            if unquote(m.group(1)) != column:
                return None
            pairs.append((m.group(2), m.group(3)))
            pos = m.end()
    else:
        return None
    identity = False
    e = _ELSE.match(s, pos)
    if e is not None:
        if e.group(1) is None:
            if unquote(e.group(2)) != column:
                return None
            identity = True
        pos = e.end()
    if not pairs or not _END.fullmatch(s, pos):
        return None
    if len({a for a, _ in pairs}) != len(pairs):
        return None  # the same value twice: only the first WHEN counts; not worth reading
    return ValueMap(column, tuple(pairs), identity)


def case_sql(m: ValueMap, subject: str, otherwise: str) -> str:
    """``CASE subject WHEN … THEN … ELSE otherwise END`` for mapping ``m``."""
    whens = " ".join(f"WHEN {a} THEN {b}" for a, b in m.pairs)
    return f"CASE {subject} {whens} ELSE {otherwise} END"


_CASE = re.compile(r"\bCASE\b", re.I)


@dataclass(frozen=True)
class MappedBack:
    """How an up conversion is undone: the USING that maps values back, whether it
    restores every value (``exact``), the note for down.sql and the rows to stop on."""

    using: str
    exact: bool
    note: str
    checks: tuple[Check, ...] = ()


def mapped_back(
    cat: Catalog, c: ch.AlterColumnType, previous: str, cast: str | None
) -> MappedBack | None:
    """The way back for ``c`` when its USING is a CASE (None when it has none).

    ``cast`` is the plain cast back (``cast_back``): the ELSE of the inverse CASE, so a
    value no WHEN names converts as a plain cast would. A result more than one value maps
    to (two WHENs, or a WHEN and the values an ``ELSE col`` passes through) cannot be
    mapped back: it is left to the cast, said in the note and checked before down.sql runs.
    """
    if not c.using or _CASE.search(c.using) is None:
        return None
    (prev, prev_arr), (cur, cur_arr) = type_base(previous), type_base(c.type)
    if prev_arr or cur_arr:
        return None  # a CASE over an array column maps whole arrays: not read
    column = quote(c.column)
    where = f'{table_name(c.table)}."{c.column}"'
    otherwise = cast or column
    m = read_case(c.using, c.column)
    if m is None:
        return MappedBack(
            otherwise,
            False,
            f"the migration converts {where} with a CASE that is not a simple mapping of "
            "values: they are cast back as they are, not mapped back",
        )
    e = cat.enums.get(prev)
    labels = e.values if e is not None else None
    if m.identity_else and labels is None:
        ambiguous = tuple(dict.fromkeys(literal_value(b) for _, b in m.pairs))
    else:
        ambiguous = m.collisions(tuple(labels or ()))
    keep = tuple((b, a) for a, b in m.pairs if literal_value(b) not in ambiguous)
    enumish = prev in cat.enums or cur in cat.enums
    subject = column + ("::text" if enumish else "")
    using = case_sql(ValueMap(c.column, keep, False), subject, otherwise) if keep else otherwise
    if not ambiguous:
        return MappedBack(using, True, f"values of {where} mapped back by the migration's CASE")
    shown = quoted_list(ambiguous)
    why = f'rows of {table_name(c.table)} hold {shown} in "{c.column}"'
    return MappedBack(
        using,
        False,
        f"{shown} in {where} cannot be mapped back: more than one value became each; "
        "rows holding them stop down.sql before it changes anything",
        (
            Check(
                "labels",
                c.table,
                (c.column,),
                ambiguous,
                f"{why}, which cannot be mapped back to one value of {previous}: "
                "change or delete those rows first",
            ),
        ),
    )
