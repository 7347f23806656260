"""The database URL Prisma's migrate commands will use, found the way Prisma finds it.

``rollback`` has Prisma run down.sql and needs to know where, before it asks: a database
that is not on this machine needs ``--yes``. Nothing is executed: prisma.config.ts is read
as text, and a value that cannot be read statically makes the URL unknown (which
``rollback`` treats as not local), never a guess.

Prisma's order:
1. prisma.config.ts ``datasource.url`` (Prisma 7; its ``url`` "is exactly what
   ``directUrl`` in schema files used to mean", prisma/prisma#28451, which removed
   ``directUrl`` from the config; a Prisma 6 config's ``directUrl`` still wins over ``url``).
2. Else the schema's ``datasource`` block: ``directUrl`` when set, else ``url``; each a
   literal or ``env("X")``. ``db execute --schema`` and ``migrate resolve`` both take
   ``Datasource::load_direct_url`` (prisma-engines schema-engine/core/src/lib.rs,
   psl-core configuration/datasource.rs: "If there is no ``directUrl`` passed, it will
   default to ``load_url()``").
3. ``env("X")`` / ``process.env.X``: the process environment first, then ``.env`` in the
   project root, then ``.env`` beside the schema (``prisma/.env``): Prisma loads the root
   file first and never overrides a variable already set (docs: "Environment variables:
   .env file locations"; a clash between the two files is an error in Prisma).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from prisma_down.core.config_ts import Token as _Token
from prisma_down.core.config_ts import dotted_name as _dotted_name
from prisma_down.core.config_ts import matching_brace as _matching_brace
from prisma_down.core.config_ts import property_at as _property
from prisma_down.core.config_ts import token_at as _token_at
from prisma_down.core.config_ts import tokenize as _tokenize
from prisma_down.core.files import read_regular
from prisma_down.core.project import CONFIG_CANDIDATES

__all__ = ["Datasource", "find_config", "read_dotenv", "resolve"]

_MAX_DEPTH = 4  # const → const → … references followed in a config
_DOTENV_LIMIT = 1 << 20  # bytes: a .env file larger than this is not read


@dataclass(frozen=True)
class Datasource:
    """The URL Prisma will use, or None with the reason it could not be read."""

    url: str | None
    origin: str  # where it was read, for messages: "DATABASE_URL in .env"
    problem: str | None = None  # why url is None


def find_config(project: Path) -> Path | None:
    """The config file Prisma loads in ``project`` (core.project's discovery order)."""
    return next((project / c for c in CONFIG_CANDIDATES if (project / c).is_file()), None)


def resolve(project: Path, schema: Path, env: Mapping[str, str]) -> Datasource:
    """The URL for ``prisma`` run in ``project``; ``schema`` is the schema file or folder."""
    lookup = _Environment(project, schema, env)
    config = find_config(project)
    if config is not None:
        found = _from_config(config, project, lookup)
        if found is not None:
            return found
    found = _from_schema(schema, project, lookup)
    if found is not None:
        return found
    name = config.name if config is not None else "prisma.config.ts"
    return Datasource(None, "", f"neither {name} nor the schema names a datasource url")


# -- the environment ----------------------------------------------------------------------


class _Environment:
    """Variables as Prisma sees them: the process first, then the .env files in order."""

    def __init__(self, project: Path, schema: Path, env: Mapping[str, str]) -> None:
        folder = schema if schema.is_dir() else schema.parent
        self.env = env
        self.files = [project / ".env"]
        if folder.resolve() != project.resolve():
            self.files.append(folder / ".env")
        self.project = project

    def get(self, name: str) -> tuple[str | None, str]:
        """(value, where it came from); value None when unset."""
        if self.env.get(name):
            return self.env[name], f"{name} in the environment"
        for path in self.files:
            value = read_dotenv(path, self.env).get(name)
            if value:
                return value, f"{name} in {_rel(path, self.project)}"
        return None, name


_DOTENV_LINE = re.compile(
    r"""^[ \t]*(?:export[ \t]+)?([\w.-]+)[ \t]*[=:][ \t]*"""
    r"""('(?:\\'|[^'])*'|"(?:\\"|[^"])*"|`(?:\\`|[^`])*`|[^#\r\n]*?)[ \t]*(?:\#.*)?$""",
    re.M,
)
_EXPAND = re.compile(r"(\\?)\$(?:\{([\w.]+)(?::?-([^}]*))?\}|([A-Za-z_]\w*))")


def read_dotenv(path: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A .env file as dotenv reads it (later lines win), with dotenv-expand's ``${X}``,
    ``${X:-default}`` and ``$X`` expanded (the environment first); {} when unreadable."""
    try:  # a regular file only (a FIFO would block), and not a huge one
        if not path.is_file() or path.stat().st_size > _DOTENV_LIMIT:
            return {}
        text = path.read_text(encoding="utf-8", errors="replace")
    except (OSError, ValueError):
        return {}
    raw_values: dict[str, tuple[str, str]] = {}
    for match in _DOTENV_LINE.finditer(text.replace("\r\n", "\n")):
        key, raw = match.group(1), match.group(2)
        quote = raw[:1] if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"`" else ""
        value = raw[1:-1] if quote else raw.strip()
        if quote == '"':
            value = value.replace("\\n", "\n").replace("\\r", "\r")
        raw_values[key] = (value, quote)
    parsed = {key: value for key, (value, _) in raw_values.items()}
    return {  # expanded once every line is read, as dotenv-expand does
        key: value if quote == "'" else _expand(value, env or {}, parsed)
        for key, (value, quote) in raw_values.items()
    }


def _expand(value: str, env: Mapping[str, str], values: Mapping[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(1):
            return m.group()[1:]  # \$X stays literal
        name = m.group(2) or m.group(4)
        found = env.get(name) or values.get(name)
        return found if found else (m.group(3) or "")

    return _EXPAND.sub(one, value)


# -- prisma.config.ts ---------------------------------------------------------------------


def _from_config(config: Path, project: Path, lookup: _Environment) -> Datasource | None:
    """The config's datasource URL; None when it names none (the schema decides then)."""
    shown = _rel(config, project)
    try:
        tokens = _tokenize(read_regular(config).decode("utf-8", errors="replace"))
    except (OSError, ValueError):
        return Datasource(None, shown, f"{shown} could not be read")
    at = _property(tokens, "datasource")
    if at is None:
        return None
    if _token_at(tokens, at) != ("punct", "{"):
        return Datasource(None, shown, f"the datasource in {shown} is not written out as {{...}}")
    end = _matching_brace(tokens, at)
    for key in ("directUrl", "url"):
        value = _member(tokens, key, at + 1, end)
        if value is not None:
            where = f"datasource.{key} in {shown}"
            return _evaluated(_expression(tokens, value, lookup, 0), where)
    return None


def _member(tokens: list[_Token], key: str, start: int, end: int) -> int | None:
    """Where the value of ``key`` starts in the object ``tokens[start:end]``; a shorthand
    ``{ url }`` gives the index of the name itself (a reference to a variable)."""
    at = _property(tokens, key, start, end)
    if at is not None:
        return at
    for index in range(start, end):
        if (
            tokens[index] == ("name", key)
            and _token_at(tokens, index - 1) in (("punct", "{"), ("punct", ","))
            and _token_at(tokens, index + 1) in (("punct", ","), ("punct", "}"))
        ):
            return index
    return None


# A value is ("url", text, origin), ("unset", name, "") or ("unknown", reason, "").
_Value = tuple[str, str, str]


def _evaluated(value: _Value, where: str) -> Datasource:
    kind, text, origin = value
    if kind == "url":
        return Datasource(text, origin or where)
    if kind == "unset":
        return Datasource(None, where, f"{text} is not set")
    return Datasource(None, where, f"{where} is {text}")


def _expression(tokens: list[_Token], at: int, lookup: _Environment, depth: int) -> _Value:
    """``a ?? b || c`` of terms; it must end the property (``,`` or ``}``)."""
    value, index = _term(tokens, at, lookup, depth)
    while True:
        op = "".join(v for _, v in tokens[index : index + 2])
        if op not in ("??", "||"):
            break
        if value[0] == "unknown" or (value[0] == "url" and (op == "??" or value[1])):
            _, index = _skip_rest(tokens, index)
            break
        value, index = _term(tokens, index + 2, lookup, depth)
    if not _ends(tokens, index, statement=depth > 0):
        return ("unknown", "not a literal, env() or process.env value prisma-down can read", "")
    return value


def _ends(tokens: list[_Token], index: int, statement: bool) -> bool:
    """Whether an expression ends at ``index``: a property's ``,`` or ``}``, or for a
    ``const`` also ``;``, the end, or the next statement (a line break ends it in JS)."""
    kind, value = _token_at(tokens, index)
    if (kind, value) in (("punct", ","), ("punct", "}")):
        return True
    return statement and (kind in ("end", "name") or (kind, value) == ("punct", ";"))


def _skip_rest(tokens: list[_Token], index: int) -> tuple[None, int]:
    depth = 0
    while index < len(tokens):
        kind, value = tokens[index]
        if kind == "punct" and value in "([{":
            depth += 1
        elif kind == "punct" and value in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif kind == "punct" and value in ",;" and depth == 0:
            break
        index += 1
    return None, index


def _term(tokens: list[_Token], at: int, lookup: _Environment, depth: int) -> tuple[_Value, int]:
    kind, text = _token_at(tokens, at)
    unknown: _Value = ("unknown", "not a literal, env() or process.env value", "")
    if kind == "str":
        return ("url", text, ""), _after_term(tokens, at + 1)
    if kind != "name":
        return unknown, at
    name, index = _dotted_name(tokens, at)
    variable: str | None = None
    if name == "env":
        index = _skip_type_arguments(tokens, index)
        if (
            _token_at(tokens, index) == ("punct", "(")
            and _token_at(tokens, index + 1)[0] == "str"
            and _token_at(tokens, index + 2) == ("punct", ")")
        ):
            variable, index = tokens[index + 1][1], index + 3
    elif name.startswith("process.env.") and name.count(".") == 2:
        variable = name.split(".")[2]
    elif name == "process.env" and _token_at(tokens, index) == ("punct", "["):
        if _token_at(tokens, index + 1)[0] == "str" and _token_at(tokens, index + 2) == (
            "punct",
            "]",
        ):
            variable, index = tokens[index + 1][1], index + 3
    elif "." not in name and depth < _MAX_DEPTH:
        defined = _const(tokens, name)
        if defined is not None:
            return _expression(tokens, defined, lookup, depth + 1), _after_term(tokens, index)
    if variable is None:
        return unknown, at
    value, origin = lookup.get(variable)
    found: _Value = ("url", value, origin) if value is not None else ("unset", variable, "")
    return found, _after_term(tokens, index)


def _skip_type_arguments(tokens: list[_Token], index: int) -> int:
    """``env<Env>(...)``: past the ``<...>``."""
    if _token_at(tokens, index) != ("punct", "<"):
        return index
    while index < len(tokens) and tokens[index] != ("punct", ">"):
        index += 1
    return index + 1


def _after_term(tokens: list[_Token], index: int) -> int:
    """Past a TypeScript non-null ``!`` or an ``as string`` cast."""
    while True:
        if _token_at(tokens, index) == ("punct", "!") and _token_at(tokens, index + 1) != (
            "punct",
            "=",
        ):
            index += 1
        elif _token_at(tokens, index) == ("name", "as") and _token_at(tokens, index + 1)[0] == (
            "name"
        ):
            index += 2
        else:
            return index


def _const(tokens: list[_Token], name: str) -> int | None:
    """Where the initialiser of ``const|let|var name =`` starts, if there is one."""
    for index in range(len(tokens) - 3):
        if (
            tokens[index] in (("name", "const"), ("name", "let"), ("name", "var"))
            and tokens[index + 1] == ("name", name)
            and tokens[index + 2] == ("punct", "=")
        ):
            return index + 3
        if (
            tokens[index] in (("name", "const"), ("name", "let"), ("name", "var"))
            and tokens[index + 1] == ("name", name)
            and tokens[index + 2] == ("punct", ":")
        ):
            at = index + 3  # `const url: string = ...`
            while at < len(tokens) and tokens[at] != ("punct", "="):
                at += 1
            return at + 1 if at < len(tokens) else None
    return None


# -- schema.prisma ------------------------------------------------------------------------

_COMMENT = re.compile(r'("(?:\\.|[^"\\\n])*")|//[^\n]*')  # a string is kept whole
_BLOCK = re.compile(r"^[ \t]*datasource[ \t]+\w+[ \t]*\{(?P<body>[^}]*)\}", re.M)
_FIELD = re.compile(
    r"""^[ \t]*(?P<key>url|directUrl)[ \t]*=[ \t]*"""
    r"""(?:"(?P<literal>(?:\\.|[^"\\\n])*)"|env\([ \t]*"(?P<env>[^"\n]*)"[ \t]*\))""",
    re.M,
)


def _from_schema(schema: Path, project: Path, lookup: _Environment) -> Datasource | None:
    for path in _schema_files(schema):
        try:
            text = read_regular(path).decode("utf-8", errors="replace")
        except (OSError, ValueError):
            continue
        text = _COMMENT.sub(lambda m: m.group(1) or "", text)
        block = _BLOCK.search(text)
        if block is None:
            continue
        fields = {m.group("key"): m for m in _FIELD.finditer(block.group("body"))}
        field = fields.get("directUrl") or fields.get("url")
        if field is None:
            return None
        where = f"the {field.group('key')} in {_rel(path, project)}"
        if field.group("env") is None:
            literal = re.sub(r"\\(.)", r"\1", field.group("literal"))
            return Datasource(literal, where)
        value, origin = lookup.get(field.group("env"))
        if value is None:
            return Datasource(None, where, f"{field.group('env')} is not set")
        return Datasource(value, origin)
    return None


def _schema_files(schema: Path) -> list[Path]:
    """The schema file, or a folder's ``*.prisma`` files (schema.prisma first)."""
    if schema.is_file():
        return [schema]
    folder = schema if schema.is_dir() else schema.parent
    try:
        found = sorted(folder.glob("*.prisma"), key=lambda p: (p.name != "schema.prisma", p))
    except OSError:
        return []
    return [p for p in found if p.is_file()]


def _rel(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)
