"""Every difference between database engines, in one frozen ``Dialect`` per engine.

The generic core never tests an engine's name and never imports a dialect package: it asks
the ``Dialect`` it was given (a ``Catalog`` carries one) for what differs. ``get(name)``
loads the package ``core/dialects/<package>/`` on first use (``importlib``, through the
table below) and keeps the object: a PostgreSQL history never loads the MySQL code. This is
how sqlglot's ``Dialect`` works: the base never imports its engines.

CockroachDB speaks PostgreSQL's syntax. Its package does not import the PostgreSQL one
(no dialect package imports another): the registry builds PostgreSQL's ``Dialect`` first and
passes it to ``cockroach.build(base)``, which keeps what is the same and replaces what is
not. The PostgreSQL-syntax reader and renderer both engines call are generic modules named
for the syntax they read and write (``core/read/postgres.py``, ``core/render/postgres.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

__all__ = ["Dialect", "Lexicon", "get", "lazy", "names", "of"]


def lazy(module: str, attr: str) -> Callable[..., Any]:
    """``module.attr``, imported on the first call: a dialect package names its reader and
    renderer without loading them (nor sqlglot) when its ``Dialect`` is built."""
    found: list[Callable[..., Any]] = []

    def call(*args: Any, **kwargs: Any) -> Any:
        if not found:
            found.append(getattr(import_module(module), attr))
        return found[0](*args, **kwargs)

    call.__qualname__ = call.__name__ = f"{module.rsplit('.', 1)[-1]}.{attr}"
    return call


@dataclass(frozen=True)
class Lexicon:
    """How the engine's lexer reads text: what the statement splitter and tokenizer skip."""

    hash_comments: bool = False  # MySQL: '#' starts a line comment
    cr_ends_comment: bool = False  # PostgreSQL's lexer ends '--' at a CR too (scan.l)
    nested_comments: bool = False  # '/* /* */ */' nests
    backslash_strings: bool = False  # backslash escapes in '…' and "…" (MySQL)
    e_strings: bool = False  # E'…' takes backslash escapes
    dollar_quotes: bool = False  # $tag$…$tag$; the PostgreSQL lexis the fast tokenizer reads
    backticks: bool = False  # `name`
    brackets: bool = False  # [name]
    trigger_bodies: bool = False  # SQLite: ';' inside CREATE TRIGGER … BEGIN … END


Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True, eq=False)
class Dialect:
    """What one engine does its own way. Built once per engine by its package's ``build``."""

    name: str  # prisma-down's name: postgres, cockroachdb, mysql, sqlite, tsql
    title: str  # the engine's name in messages
    sqlglot: str  # sqlglot's dialect for tokens and data statements
    lexicon: Lexicon
    # one statement's text → its changes (core.changes); raises ReadError when not understood
    read: Callable[[str], tuple[Any, ...]]
    # one change → SQL; changes → one statement each (None: each change on its own)
    render: Callable[[Any], str]
    render_all: Callable[[Sequence[Any]], list[str]] | None = None
    # a statement's token cursor (None: PostgreSQL's lexis, core.read.postgres.cursor)
    cursor: Callable[[str], Any] | None = None
    # catalog.apply and inverse.invert handlers this engine replaces, by Change type
    apply: Mapping[type, Handler] = field(default_factory=dict)
    invert: Mapping[type, Handler] = field(default_factory=dict)
    # the whole script → Script, where ';' does not end statements (T-SQL batches)
    split: Callable[[str], Any] | None = None
    # readings of a whole script with multi-statement idioms read as one change each
    idioms: Callable[[Sequence[str], list[tuple[Any, ...]]], list[tuple[Any, ...]]] | None = None
    # the whole down.sql body, wrapped as the engine's scripts are (SQL Server's TRY/CATCH)
    wrap: Callable[[str], str] | None = None
    # -- quoting (core.escape)
    quotes: tuple[str, str] = ('"', '"')
    strings: str = "standard"  # standard | escape (E'' for backslashes) | expression | national
    double_quotes_are_strings: bool = False  # "…" is a string, not a name (MySQL)
    # -- what the engine does by itself
    fold_names: bool = True  # unquoted names fold to lower case (view_stars' reading)
    default_schema: str = ""  # the schema an unqualified name means in a view's text
    pk_implies_not_null: bool = True  # primary-key columns become NOT NULL
    serial_sequences: bool = False  # SERIAL makes an owned sequence and a nextval default
    keeps_keys_to_dropped_table: bool = False  # DROP TABLE leaves foreign keys to it (text)
    undo_by_statement: bool = False  # one ALTER TABLE is undone by one ALTER TABLE
    names_ignore_case: bool = False  # column, index, constraint names compare without case
    # index names belong to their table, and the constraints catalog lists unique indexes
    # (MySQL's information_schema): what existence guards look up
    index_names_per_table: bool = False
    expands_view_stars: bool = False  # a view's '*' is stored as the columns it meant
    # -- failed migrations: which prefixes of the script a failed run can leave applied
    #    (every: any statement can fail and what ran stays; commits: each COMMIT ends a
    #    transaction; none: the whole script is one transaction)
    partial_states: str = "none"
    guards_partial: bool = False  # down.sql guards each step against a half-applied up
    # -- rows: statements that stop down.sql before its first change when rows do not fit
    #    (core.data_checks' checks → SQL), and the module that frames a whole file instead
    #    (rows kept where they can, a preflight, one transaction: core.preflight.engine)
    preflight: Callable[[Sequence[Any]], list[str]] | None = None
    framing: str | None = None
    # -- compare: extra differences of two objects' SQL (kind, name, before, after)
    object_differences: Callable[[str, Any, str, str], list[str]] | None = None

    def __reduce__(self) -> tuple[Callable[[str], Dialect], tuple[str]]:
        return get, (self.name,)  # one object per engine, in every process

    def __repr__(self) -> str:
        return f"Dialect({self.name!r})"


# prisma-down's name → (package under core/dialects/, the name of the Dialect it builds on)
_PACKAGES: dict[str, tuple[str, str | None]] = {
    "postgres": ("postgres", None),
    "sqlite": ("sqlite", None),
    "mysql": ("mysql", None),
    "tsql": ("tsql", None),
    "cockroachdb": ("cockroach", "postgres"),
}
_LOADED: dict[str, Dialect] = {}
_LOCK = threading.RLock()  # two language-server threads may ask for a dialect at once


def names() -> tuple[str, ...]:
    """Every dialect name ``get`` knows."""
    return tuple(_PACKAGES)


def get(name: str) -> Dialect:
    """The Dialect called ``name``; raises LookupError for an unknown name."""
    d = _LOADED.get(name)
    if d is not None:
        return d
    with _LOCK:
        d = _LOADED.get(name)
        if d is None:
            if name not in _PACKAGES:
                raise LookupError(f"unknown dialect {name!r} (known: {', '.join(_PACKAGES)})")
            package, base = _PACKAGES[name]
            module = import_module(f"{__name__}.{package}")
            d = module.build(get(base)) if base else module.build()
            _LOADED[name] = d
    return d


def of(dialect: Dialect | str) -> Dialect:
    """``dialect`` itself, or the Dialect of that name (public APIs accept either)."""
    return dialect if isinstance(dialect, Dialect) else get(dialect)
