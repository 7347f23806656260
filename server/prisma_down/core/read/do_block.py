"""PostgreSQL ``DO $$ ... $$`` blocks: their DDL, when the control flow is plain enough.

People wrap schema changes in DO blocks, to fill a new column or to make a step idempotent
(``IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'x') THEN ALTER TABLE ...``).
A straight list of statements is read like any other script; an existence guard (``IF
[NOT] EXISTS (…) [AND …] THEN``, nested or not) becomes a ``Guarded`` change that the replay
decides against the catalog; ``EXECUTE '<constant>'`` is read as the statement in the
constant; other branches, loops and other dynamic SQL leave the block opaque (irreversible).
The queries prisma-down writes into down.sql come from ``exists_query`` here, so what it
writes it reads back.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from prisma_down.core import changes as ch
from prisma_down.core import escape
from prisma_down.core.schema import QName
from prisma_down.core.statements import split

_DOLLAR = re.compile(
    r"^\s*DO\s+(?:LANGUAGE\s+plpgsql\s+)?(\$(?:[A-Za-z_]\w*)?\$)(.*)\1"
    r"\s*(?:LANGUAGE\s+plpgsql\s*)?$",
    re.S | re.I,
)
_IF = re.compile(r"^\s*IF\b", re.I)
_END_IF = re.compile(r"^\s*END\s+IF\s*$", re.I)
_BRANCHY = re.compile(
    r"^\s*(IF|ELSIF|ELSE|CASE|LOOP|FOR|FOREACH|WHILE|EXCEPTION|BEGIN|END|"
    r"EXECUTE|RETURN|EXIT|CONTINUE|GET)\b",
    re.I,
)
_DDL = re.compile(r"^\s*(CREATE|ALTER|DROP|COMMENT)\b", re.I)
_HARMLESS = re.compile(r"^\s*(RAISE\s+(NOTICE|INFO|LOG|DEBUG)|NULL)\b", re.I)
# a string constant: standard, or an escape string E'…' (what ``core.escape`` writes for text
# with a backslash); ``_string`` reads either's value
_STRING = r"((?:[Ee]'(?:[^'\\]|''|\\.)*'|'(?:[^']|'')*'))"
_LITERAL = rf"\s*=\s*{_STRING}"
_EXISTS = re.compile(r"(NOT\s+)?EXISTS\s*\(", re.I)
_BEGIN = re.compile(r"\bBEGIN\b", re.I)
_END = re.compile(r"\bEND\b\s*;?\s*$", re.I)
_IF_SPACE = re.compile(r"\s*IF\s+", re.I)
_FROM = re.compile(r"\bFROM\s+([\w.\"]+)", re.I)
_AND_THEN = re.compile(r"\s*(AND|THEN)\b", re.I)
# ``EXECUTE '<one string constant>'``: dynamic SQL whose text is fixed, so it is read as the
# statement it runs (PL/pgSQL docs, 43.5.4 "Executing Dynamic Commands")
_EXECUTE = re.compile(rf"^\s*EXECUTE\s+{_STRING}\s*$", re.I | re.S)

ReadInner = Callable[[str, str], tuple[ch.Change, ...]]


def read(text: str, dialect: str, read_inner: ReadInner) -> tuple[ch.Change, ...] | None:
    """The changes of a DO block, or None when its flow is not plain enough to follow."""
    m = _DOLLAR.match(text)
    if m is None:
        return None
    body = m.group(2)
    begin = _BEGIN.search(body)
    end = _last_end(body)
    if begin is None or end is None:
        return None
    pieces = [st.text for st in split(body[begin.end() : end], dialect).statements]
    others: list[str] = []
    read_block = _Block(pieces, dialect, read_inner, others)
    out = read_block.changes(nested=False)
    if out is None or not out or read_block.i != len(pieces):
        return None
    if others:
        kinds = ", ".join(sorted(set(others)))
        out.append(ch.DataChange(f"the DO block also runs {kinds}, which cannot be undone"))
    return tuple(out)


def _last_end(body: str) -> int | None:
    """Where the body's closing ``END`` starts. Only nothing but blanks and one ``;`` may
    follow it, so it is looked for there, not by a scan of the whole body."""
    tail = body.rstrip()
    if tail.endswith(";"):
        tail = tail[:-1].rstrip()
    m = _END.match(body, len(tail) - 3) if len(tail) >= 3 else None
    return m.start() if m is not None else None


class _Block:
    """Reads statements and ``IF … THEN … END IF`` blocks, up to an END IF when nested."""

    def __init__(
        self, pieces: list[str], dialect: str, read_inner: ReadInner, others: list[str]
    ) -> None:
        self.pieces, self.dialect, self.read_inner, self.others = (
            pieces,
            dialect,
            read_inner,
            others,
        )
        self.i = 0

    def changes(self, nested: bool) -> list[ch.Change] | None:
        out: list[ch.Change] = []
        while self.i < len(self.pieces):
            piece = self.pieces[self.i]
            if _END_IF.match(piece):
                return out if nested else None
            self.i += 1
            if _IF.match(piece):
                cond = conditions(piece)
                if cond is None:
                    return None
                guards, first = cond
                if first.strip():
                    self.i -= 1
                    self.pieces[self.i] = first  # the statement after THEN
                inner = self.changes(nested=True)
                if inner is None or self.i >= len(self.pieces):
                    return None
                self.i += 1  # END IF
                wrapped: ch.Change = ch.Guarded(guards[-1], tuple(inner))
                for g in reversed(guards[:-1]):
                    wrapped = ch.Guarded(g, (wrapped,))
                out.append(wrapped)
                continue
            straight = self._straight(piece)
            if straight is None:
                return None
            out.extend(straight)
        return None if nested else out

    def _straight(self, text: str) -> list[ch.Change] | None:
        dynamic = _EXECUTE.match(text)
        if dynamic is not None:
            text = _string(dynamic.group(1)).strip().rstrip(";")
            if not _DDL.match(text):
                return None
        if _BRANCHY.match(text):
            return None
        if _DDL.match(text):
            return list(self.read_inner(text, self.dialect))
        if not _HARMLESS.match(text):
            self.others.append(text.split(None, 1)[0].upper())
        return []


def conditions(piece: str) -> tuple[list[ch.Guard], str] | None:
    """``IF [NOT] EXISTS (…) [AND [NOT] EXISTS (…)]… THEN rest``: the guards, and rest."""
    m = _IF_SPACE.match(piece)
    if m is None:
        return None
    i = m.end()
    guards: list[ch.Guard] = []
    while True:
        m = _EXISTS.match(piece, i)
        if m is None:
            return None
        end = _closing(piece, m.end())
        if end is None:
            return None
        g = guard_of(piece[m.end() : end], bool(m.group(1)))
        if g is None:
            return None
        guards.append(g)
        m = _AND_THEN.match(piece, end + 1)
        if m is None:
            return None
        i = m.end()
        if m.group(1).upper() == "THEN":
            return guards, piece[i:]
        i += len(piece[i:]) - len(piece[i:].lstrip())


_GROUPING = re.compile(r"['\"()]")


def _closing(text: str, i: int) -> int | None:
    """The index of the ``)`` closing the group that starts at ``i``, quotes respected."""
    depth = 1
    find = _GROUPING.search
    while True:
        m = find(text, i)
        if m is None:
            return None
        i = m.start()
        c = text[i]
        if c in "'\"":
            j = text.find(c, i + 1)
            while j != -1 and text[j + 1 : j + 2] == c:
                j = text.find(c, j + 2)
            if j == -1:
                return None
            i = j
        elif c == "(":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return i
        i += 1


# -- the catalog queries of guards -----------------------------------------------------------

# relation → (kind, object kind, where the names are, table first). A name is compared with
# a literal (``field = 'x'``), or is the one of an oid (``field@``: ``field = to_regclass('"t"')``
# or ``to_regtype``, which also says the schema); ``a|b`` one or the other; ``?`` optional.
_READ: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "information_schema.tables": ("table", "", ("table_name",)),
    "pg_tables": ("table", "", ("tablename",)),
    "information_schema.columns": ("column", "", ("table_name", "column_name")),
    "information_schema.table_constraints": ("constraint", "", ("table_name?", "constraint_name")),
    "pg_constraint": ("constraint", "", ("conrelid@?", "conname")),
    "pg_indexes": ("index", "", ("tablename?", "indexname")),
    "pg_type": ("type", "", ("oid@|typname",)),
    "pg_enum": ("value", "", ("enumtypid@|typname", "enumlabel")),
    "pg_extension": ("extension", "", ("extname",)),
    "pg_namespace": ("schema", "", ("nspname",)),
    "pg_sequences": ("sequence", "", ("sequencename",)),
    "pg_views": ("object", "view", ("viewname",)),
    "pg_matviews": ("object", "materialized view", ("matviewname",)),
    "pg_proc": ("object", "function", ("proname",)),
    "pg_collation": ("object", "collation", ("collname",)),
    "pg_trigger": ("object", "trigger", ("tgrelid@", "tgname")),
    "pg_policies": ("object", "policy", ("tablename", "policyname")),
    "pg_rules": ("object", "rule", ("tablename", "rulename")),
}
_SCHEMA_FIELDS = ("table_schema", "schemaname", "nspname")


def guard_of(query: str, negated: bool) -> ch.Guard | None:
    """An existence query over the system catalogs, as a Guard; None for anything else."""
    src = _FROM.search(query)
    if src is None:
        return None
    relation = src.group(1).replace('"', "").lower()
    relation = relation.removeprefix("pg_catalog.").removeprefix("public.")
    if relation == "pg_proc":
        overload = _overload(query, negated)
        if overload is not None:
            return overload
    spec = _READ.get(relation)
    if spec is None:
        return None
    kind, what, fields = spec
    names: list[str] = []
    schema: str | None = None
    for spec_field in fields:
        found = None
        for f in spec_field.rstrip("?").split("|"):
            if f.endswith("@"):
                oid = _named_oid(query, f[:-1])
                if oid is not None:
                    schema, found = oid.schema, oid.name
            else:
                hit = _equals_literal(f).search(query)
                found = _string(hit.group(1)) if hit is not None else None
            if found is not None:
                break
        if found is None and not spec_field.endswith("?"):
            return None
        if found is not None:
            names.append(found)
    if kind == "schema":
        return ch.Guard(kind, tuple(names), negated, "")
    if kind == "object":  # (kind, name) or (kind, name, table)
        names = [what, names[-1], *names[:-1]]
    if schema is None and kind != "extension":
        schema = _schema(query, relation)
    return ch.Guard(kind, tuple(names), negated, "" if kind == "extension" else schema)


@functools.cache
def _equals_literal(field: str) -> re.Pattern[str]:
    """``field = '…'``, compiled once per field name."""
    return re.compile(rf"\b{field}{_LITERAL}", re.I)


@functools.cache
def _equals_current_schema(field: str) -> re.Pattern[str]:
    return re.compile(rf"\b{field}\s*=\s*current_schema(?:\(\s*\))?", re.I)


@functools.cache
def _equals_oid(field: str) -> re.Pattern[str]:
    return re.compile(
        rf"\b{field}\s*=\s*(?:to_reg(?:class|type)\(\s*{_STRING}\s*\)|{_STRING}::reg(?:class|type))",
        re.I,
    )


_ROUTINES = ("function", "procedure")
_REGPROCEDURE = re.compile(rf"\boid\s*=\s*to_regprocedure\(\s*{_STRING}\s*\)", re.I)


def _overload(query: str, negated: bool) -> ch.Guard | None:
    """``oid = to_regprocedure('"s"."f"(integer)')``: the guard of one overload."""
    hit = _REGPROCEDURE.search(query)
    if hit is None:
        return None
    text = _string(hit.group(1))
    quoted = False
    for i, c in enumerate(text):
        quoted = quoted != (c == '"')
        if c == "(" and not quoted:
            name = _qname(text[:i])
            if name is None:
                return None
            return ch.Guard("object", ("function", name.name, text[i:]), negated, name.schema)
    return None


_NAME_PARTS = re.compile(r'"(?:[^"]|"")*"|[^."]+')


def _schema(query: str, relation: str) -> str | None:
    """The schema a query looks in: "" the current one, None when it does not say."""
    for f in _SCHEMA_FIELDS:
        if f == "nspname" and relation == "pg_namespace":
            continue
        hit = _equals_literal(f).search(query)
        if hit is not None:
            name = _string(hit.group(1))
            return "" if name == "public" else name
        if _equals_current_schema(f).search(query):
            return ""
    return None


def _named_oid(query: str, field: str) -> QName | None:
    """The name in ``field = to_regclass('"s"."t"')``, ``to_regtype(…)`` or ``'"t"'::regclass``."""
    hit = _equals_oid(field).search(query)
    if hit is None:
        return None
    return _qname(_string(hit.group(1) if hit.group(1) is not None else hit.group(2)))


def _qname(text: str) -> QName | None:
    """``"s"."t"``, ``t`` or ``S.T`` as a QName (unquoted parts folded to lower case)."""
    parts = [
        p[1:-1].replace('""', '"') if p.startswith('"') else p.lower()
        for p in _NAME_PARTS.findall(text)
    ]
    if not parts or len(parts) > 2:
        return None
    schema = parts[0] if len(parts) == 2 and parts[0] != "public" else ""
    return QName(schema, parts[-1])


_ESCAPED = re.compile(r"\\(.)|''", re.S)
_BACKSLASH = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _string(source: str) -> str:
    """The value of a string constant ``'…'`` or ``E'…'`` (simple backslash escapes)."""
    if source[:1] in "Ee":
        return _ESCAPED.sub(
            lambda m: "'" if m.group(1) is None else _BACKSLASH.get(m.group(1), m.group(1)),
            source[2:-1],
        )
    return source[1:-1].replace("''", "'")


def _lit(text: str) -> str:
    return escape.literal(text, "postgres")


def _nsp(column: str) -> str:
    return f"JOIN pg_namespace ON pg_namespace.oid = {column}"


def _oid(g: ch.Guard, name: str, of: str = "class") -> str:
    """``to_regclass('"s"."t"')`` (or ``to_regtype``): the oid, or NULL when there is none."""
    return f"to_reg{of}({_lit(escape.qualified(QName(g.schema or '', name), 'postgres'))})"


# object kind → (relation, name column, how the query finds the schema or the table)
_OBJECTS = {
    "view": ("pg_views", "viewname", "schemaname"),
    "materialized view": ("pg_matviews", "matviewname", "schemaname"),
    "function": (f"pg_proc {_nsp('pronamespace')}", "proname", "nspname"),
    "procedure": (f"pg_proc {_nsp('pronamespace')}", "proname", "nspname"),
    "aggregate": (f"pg_proc {_nsp('pronamespace')}", "proname", "nspname"),
    "collation": (f"pg_collation {_nsp('collnamespace')}", "collname", "nspname"),
    "trigger": ("pg_trigger", "tgname", "tgrelid"),
    "policy": ("pg_policies", "policyname", "tablename"),
    "rule": ("pg_rules", "rulename", "tablename"),
}


def exists_query(g: ch.Guard) -> str:
    """The query over PostgreSQL's catalogs that ``g`` stands for (``guard_of`` reads it)."""
    s = "current_schema()" if not g.schema else _lit(g.schema)
    n = [_lit(x) for x in g.names]
    if g.kind == "table":
        where = f"table_schema = {s} AND table_name = {n[0]}"
        return f"SELECT 1 FROM information_schema.tables WHERE {where}"
    if g.kind == "column":
        where = f"table_schema = {s} AND table_name = {n[0]} AND column_name = {n[1]}"
        return f"SELECT 1 FROM information_schema.columns WHERE {where}"
    if g.kind == "constraint":
        if len(n) == 1:
            return f"SELECT 1 FROM pg_constraint WHERE conname = {n[0]}"
        where = f"conrelid = {_oid(g, g.names[0])} AND conname = {n[1]}"
        return f"SELECT 1 FROM pg_constraint WHERE {where}"
    if g.kind == "index":
        on = f" AND tablename = {n[0]}" if len(n) > 1 else ""
        return f"SELECT 1 FROM pg_indexes WHERE schemaname = {s}{on} AND indexname = {n[-1]}"
    if g.kind == "type":
        return f"SELECT 1 FROM pg_type WHERE oid = {_oid(g, g.names[0], 'type')}"
    if g.kind == "value":
        where = f"enumtypid = {_oid(g, g.names[0], 'type')} AND enumlabel = {n[1]}"
        return f"SELECT 1 FROM pg_enum WHERE {where}"
    if g.kind == "extension":
        return f"SELECT 1 FROM pg_extension WHERE extname = {n[0]}"
    if g.kind == "schema":
        return f"SELECT 1 FROM pg_namespace WHERE nspname = {n[0]}"
    if g.kind == "sequence":
        return f"SELECT 1 FROM pg_sequences WHERE schemaname = {s} AND sequencename = {n[0]}"
    if g.kind == "object" and g.names[0] in _ROUTINES and len(g.names) == 3:
        # one overload, by its argument types (docs: "Object Identifier Types", regprocedure)
        target = escape.qualified(QName(g.schema or "", g.names[1]), "postgres") + g.names[2]
        return f"SELECT 1 FROM pg_proc WHERE oid = to_regprocedure({_lit(target)})"
    if g.kind == "object" and g.names[0] in _OBJECTS:
        relation, column, scope = _OBJECTS[g.names[0]]
        if scope == "tgrelid":
            where = f"tgrelid = {_oid(g, g.names[2])}"
        elif scope == "tablename":
            where = f"schemaname = {s} AND tablename = {n[2]}"
        else:
            where = f"{scope} = {s}"
        return f"SELECT 1 FROM {relation} WHERE {where} AND {column} = {n[1]}"
    raise ValueError(f"no PostgreSQL catalog query for a {g.kind} guard {g.names}")
